"""RFC 8058 one-click unsubscribe on every forum email (notifications and digests), as the large
mail providers require of bulk senders: the header pair, a POST with no cookie that stops those
emails, a GET that only shows the choice, and the mailto route."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.test import Client

from community import notifications, services, tasks
from community.models import Watch

from . import factories

pytestmark = pytest.mark.django_db


def one_click_url(message) -> str:
    header = message.extra_headers["List-Unsubscribe"]
    https, mailto = re.fullmatch(r"<(http[^>]+)>, <(mailto:[^>]+)>", header).groups()
    assert mailto.startswith("mailto:unsubscribe+") and mailto.endswith("@localhost")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    return https.removeprefix("http://testserver")


def a_notification_email(alice, bruno, capture):
    thread = factories.thread(alice)
    with capture(execute=True):
        services.post_reply(user=alice, thread=thread, body="Hola @bruno")
    [message] = mail.outbox
    return message


def test_a_notification_carries_one_click_and_a_bare_post_stops_forum_emails(
    alice, bruno, established, django_capture_on_commit_callbacks
):
    message = a_notification_email(alice, bruno, django_capture_on_commit_callbacks)
    url = one_click_url(message)
    # What a mail provider sends: no cookie, no CSRF token, no redirect followed.
    response = Client(enforce_csrf_checks=True).post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    bruno.member_profile.refresh_from_db()
    assert bruno.member_profile.email_frequency == "none"
    # A retrying provider is answered the same way.
    assert Client(enforce_csrf_checks=True).post(url).status_code == 200


def test_a_get_of_the_one_click_link_only_shows_the_choice(
    client, alice, bruno, established, django_capture_on_commit_callbacks
):
    url = one_click_url(a_notification_email(alice, bruno, django_capture_on_commit_callbacks))
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert '<button type="submit">Stop forum emails</button>' in page.text
    assert "/community/email/" in page.text  # the page to choose a digest instead
    bruno.member_profile.refresh_from_db()
    assert bruno.member_profile.email_frequency == "immediately"


def test_a_forged_one_click_link_stops_nothing(client, bruno):
    token = notifications.one_click_token(bruno)
    forged = token[:-4] + ("0000" if not token.endswith("0000") else "1111")
    response = Client(enforce_csrf_checks=True).post(f"/community/email/stop/{forged}/")
    assert response.status_code == 404
    bruno.member_profile.refresh_from_db()
    assert bruno.member_profile.email_frequency == "immediately"


def test_a_digest_carries_one_click_too(
    alice, bruno, established, django_capture_on_commit_callbacks
):
    factories.profile(bruno, handle="bruno", email_frequency="daily")
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), tick=False) as clock:
        thread = factories.thread(alice)
        Watch.objects.create(user=bruno, thread=thread)
        clock.move_to(dt.datetime(2026, 3, 3, 18, tzinfo=dt.UTC))
        with django_capture_on_commit_callbacks(execute=True):
            tasks.send_due_digests.delay()
    [digest] = mail.outbox
    url = one_click_url(digest)
    assert Client(enforce_csrf_checks=True).post(url).status_code == 200
    bruno.member_profile.refresh_from_db()
    assert bruno.member_profile.email_frequency == "none"


def test_a_message_to_the_mailto_address_stops_forum_emails(settings, bruno):
    from anymail.inbound import AnymailInboundMessage
    from anymail.signals import AnymailInboundEvent, inbound

    settings.NEWSLETTER_UNSUBSCRIBE_MAILBOX = "unsubscribe@iapt.example.org"
    token = notifications.one_click_token(bruno)
    address = f"UNSUBSCRIBE+{token.upper()}@iapt.example.org"  # folded to capitals on the way
    message = AnymailInboundMessage.construct(
        from_email=bruno.email, to=address, subject="unsubscribe", text=""
    )
    message.envelope_recipient = address
    inbound.send(
        sender=object,
        event=AnymailInboundEvent(event_type="inbound", message=message),
        esp_name="TestESP",
    )
    bruno.member_profile.refresh_from_db()
    assert bruno.member_profile.email_frequency == "none"


def test_the_only_csrf_exempt_view_of_the_forum_is_the_one_click_stop():
    from community import urls

    exempt = [
        pattern.name
        for pattern in urls.urlpatterns
        if getattr(getattr(pattern, "callback", None), "csrf_exempt", False)
    ]
    assert exempt == ["email_stop"]
