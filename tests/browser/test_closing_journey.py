"""Closing an account in Chromium: a member signs in, reads what goes and what stays, types their
address, confirms with their password, and is out; they can no longer sign in, and another member
finds their post in the thread, shown as from a former member, next to the replies."""

import pytest
from playwright.sync_api import expect

from iapt_platform.accounts.models import AccountClosure, User
from tests.community import factories
from tests.factories import PASSWORD, UserFactory

from .test_registry_journey import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_closes_their_account_and_their_posts_stay_as_from_a_former_member(
    browser, live_server
):
    factories.category("financing")
    lea = UserFactory(email="lea@example.org", display_name="Lea Leaving", language="en")
    factories.profile(lea, handle="lea")
    bruno = UserFactory(email="bruno@example.org", display_name="Bruno Costa", language="en")
    factories.profile(bruno, handle="bruno")
    thread = factories.thread(lea, title="Paying the cluster manager", body="How do you do it?")
    factories.post(thread, bruno, "We share the cost with the chamber.")

    context = browser.new_context(locale="en-US", base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()

    # --- Lea signs in with her password and closes her account -----------------------------------
    page.goto("/accounts/login/")
    page.get_by_role("main").get_by_label("Email").fill(lea.email)
    page.get_by_role("main").get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.goto("/account/")
    page.get_by_role("link", name="Close your account").click()
    expect(page.get_by_role("heading", name="What stays, without you")).to_be_visible()
    # A wrong address is refused, and nothing goes.
    page.get_by_label("Type your email address to confirm").fill("lea@example.com")
    page.get_by_role("button", name="Close my account for good").click()
    expect(page.get_by_text("This is not the account's email address.")).to_be_visible()
    assert User.objects.filter(pk=lea.pk).exists()

    page.get_by_label("Type your email address to confirm").fill(lea.email)
    page.get_by_role("button", name="Close my account for good").click()
    # allauth asks for the password again, then carries on with the kept request.
    page.get_by_role("main").get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account is closed")
    assert not User.objects.filter(pk=lea.pk).exists()
    assert AccountClosure.objects.filter(account_number=lea.pk, closed_by=None).exists()

    # --- She can no longer sign in -----------------------------------------------------------------
    page.goto("/accounts/login/")
    page.get_by_role("main").get_by_label("Email").fill(lea.email)
    page.get_by_role("main").get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("main")).to_contain_text("not correct")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    context.close()

    # --- Bruno reads the thread: her post stays, from a former member ------------------------------
    bruno_context = browser.new_context(locale="en-US", base_url=live_server.url)
    sign_in_as(bruno_context, live_server, bruno)
    bruno_page = bruno_context.new_page()
    bruno_page.goto(thread.get_absolute_url())
    opening = bruno_page.locator("article.post").first
    expect(opening.locator(".post-author")).to_have_text("A former member")
    expect(opening).to_contain_text("How do you do it?")
    expect(bruno_page.get_by_text("We share the cost with the chamber.")).to_be_visible()
    expect(bruno_page.get_by_text("Lea Leaving")).to_have_count(0)
    bruno_context.close()
