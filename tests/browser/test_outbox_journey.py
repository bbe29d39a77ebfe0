"""A moderator in Chromium finds, from their account page, a welcome email the mail server
refused, and sends it again."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from iapt_platform.lib import emails
from iapt_platform.outbox import services
from tests.community.test_digest_durability import FlakyServer
from tests.outbox.test_outbox import REFUSING_SERVER

from .test_registry_journey import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_moderator_sees_a_failed_email_and_retries_it(
    browser, live_server, member, moderator_with_totp, settings
):
    moderator_with_totp.language = "en"
    moderator_with_totp.save()
    settings.OUTBOX_MAX_ATTEMPTS = 1
    settings.EMAIL_BACKEND = REFUSING_SERVER
    FlakyServer.down = True
    try:
        row = services.outgoing_create(email=emails.render(template="welcome", to=member))
        services.outgoing_send(pk=row.pk)
    finally:
        FlakyServer.down = False
    row.refresh_from_db()
    assert row.status == "failed"

    context = browser.new_context(locale="en-US", base_url=live_server.url)
    context.set_default_timeout(10_000)
    sign_in_as(context, live_server, moderator_with_totp)
    page = context.new_page()
    page.goto("/account/")
    page.get_by_role("link", name="Emails that did not leave").click()

    failure = page.get_by_role("row").filter(has_text=member.email)
    expect(failure).to_contain_text(row.subject)
    expect(failure).to_contain_text("SMTPServerDisconnected: Connection unexpectedly closed")
    expect(failure).to_contain_text("Failed")
    failure.get_by_role("button", name=f"Retry “{row.subject}”").click()

    expect(page.get_by_text("1 email queued to be sent again.")).to_be_visible()
    expect(page.get_by_text("Every email has left: none failed or is stuck.")).to_be_visible()
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 2)
    assert [m.to for m in mail.outbox] == [[member.email]]
    context.close()
