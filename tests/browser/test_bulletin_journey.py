"""The bulletin's journey in Chromium: a visitor subscribes from the footer and confirms from the
email; a member proposes an item and a moderator accepts it; the moderator builds an issue in
Spanish and English, previews it, sends a test and schedules it; the dispatcher, run past the
scheduled time, sends every confirmed subscriber one message in their language; one subscriber
leaves through the one-click POST and gets nothing from the next issue."""

import re
from collections import Counter
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from iapt_platform.moderation.models import ModerationItem
from iapt_platform.moderation.services import moderation_decide
from newsletter import tasks
from newsletter.models import Block, Issue, Subscriber
from newsletter.services import issues
from tests.factories import InitiativeFactory
from tests.newsletter.factories import SubscriberFactory

from .test_registry_journey import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.NEWSLETTER_RATE_LIMIT = 0


def _bulletins(subject_prefix: str) -> list:
    return [m for m in mail.outbox if m.subject.startswith(subject_prefix)]


def test_subscribe_propose_build_schedule_send_and_leave(
    browser, live_server, member, moderator_with_totp
):
    moderator = moderator_with_totp
    moderator.language, moderator.time_zone = "en", "America/Guayaquil"
    moderator.save()
    member.language = "en"
    member.save()
    InitiativeFactory(name="Clúster Lácteo de Cayambe", published_at=timezone.now())
    lucia = SubscriberFactory(email="lucia@example.org", language="es")
    SubscriberFactory(email="pendiente@example.org", language="es", status="pending")

    # --- A visitor subscribes from the footer of the home page and confirms from the email ---
    visitor = browser.new_context(locale="en-US", base_url=live_server.url)
    page = visitor.new_page()
    page.goto("/")
    footer = page.locator("form.footer-subscribe")
    footer.get_by_label("Email").fill("grace@example.org")
    footer.get_by_label("Language of the bulletin").select_option("en")
    footer.get_by_role("button", name="Subscribe").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    grace = Subscriber.objects.get(email="grace@example.org")
    assert grace.status == Subscriber.Status.PENDING
    assert grace.consent_source_detail == "http://testserver/en/"  # the English home she read

    confirmation = mail.outbox[-1]
    assert confirmation.to == ["grace@example.org"]
    path = re.search(
        r"http://testserver((?:/en|/pt-br)?/bulletin/confirm/\S+/)", confirmation.body
    ).group(1)
    page.goto(path)
    page.get_by_role("button", name="Confirm my subscription").click()
    expect(page.get_by_role("heading", name="Subscription confirmed")).to_be_visible()
    grace.refresh_from_db()
    assert grace.status == Subscriber.Status.CONFIRMED
    visitor.close()

    # --- A member proposes an item; a moderator accepts it -----------------------------------
    member_context = browser.new_context(locale="en-US", base_url=live_server.url)
    sign_in_as(member_context, live_server, member)
    page = member_context.new_page()
    page.goto("/bulletin/proposals/new/")
    page.get_by_label("Kind").select_option("event")
    page.get_by_label("Title").fill("Cacao fair in Manabí")
    page.get_by_label(re.compile(r"^Text")).fill("Producers meet on **9 May**.")
    page.get_by_label("Language of the text").select_option("en")
    page.get_by_role("button", name="Send for review").click()
    expect(page.get_by_text("Staff will review your item")).to_be_visible()
    member_context.close()
    item = ModerationItem.objects.get(kind="bulletin_item")
    moderation_decide(item=item, moderator=moderator, action="approve", comment="")

    # --- The moderator builds an issue in Spanish and English --------------------------------
    staff = browser.new_context(locale="en-US", base_url=live_server.url)
    sign_in_as(staff, live_server, moderator)
    page = staff.new_page()
    page.goto("/bulletin/staff/")
    page.get_by_label("Português (Brasil)").uncheck()
    page.get_by_role("button", name="Create the issue").click()
    expect(page.get_by_role("heading", name=re.compile(r"Issue #1"))).to_be_visible()
    issue = Issue.objects.get(number=1)
    assert sorted(issue.editions.values_list("language", flat=True)) == ["en", "es"]

    page.get_by_role("button", name="Fill from the platform").click()
    expect(page.get_by_text("blocks added from the platform")).to_be_visible()
    blocks = page.locator("ol.block-list")
    expect(blocks).to_contain_text("New in the registry")
    expect(blocks).to_contain_text("Cacao fair in Manabí")

    page.get_by_label("Kind of block").select_option("intro")
    page.get_by_role("button", name="Add a block").click()
    page.get_by_label("Title (Español)").fill("Bienvenidos al boletín")
    page.get_by_label("Text (Español)").fill("Noticias de la **comunidad**.")
    page.get_by_label("Title (English)").fill("Welcome to the bulletin")
    page.get_by_label("Text (English)").fill("News of the **community**.")
    page.get_by_role("button", name="Save the block").click()
    expect(page.get_by_text("Block saved.")).to_be_visible()
    intro = issue.blocks.get(kind=Block.Kind.INTRO)
    # Reorder without JavaScript: the introduction goes to the top, one step at a time.
    while issue.blocks.order_by("order", "pk").first().pk != intro.pk:
        page.locator(f"#block-{intro.pk}").get_by_role(
            "button", name=re.compile("^Move up")
        ).click()
        page.wait_for_load_state()
    expect(page.locator("ol.block-list > li").first).to_contain_text("Welcome to the bulletin")

    # --- Previews, test, schedule -------------------------------------------------------------
    preview = staff.new_page()
    preview.goto(f"/bulletin/staff/issues/{issue.pk}/preview/en.html")
    expect(preview.get_by_text("Welcome to the bulletin")).to_be_visible()
    expect(preview.get_by_text("Cacao fair in Manabí")).to_be_visible()
    preview.goto(f"/bulletin/staff/issues/{issue.pk}/preview/es.txt")
    expect(preview.locator("body")).to_contain_text("BIENVENIDOS AL BOLETÍN")
    preview.close()

    page.get_by_role("button", name="Send me a test").click()
    expect(page.get_by_text("2 test messages are on their way")).to_be_visible()
    # One test per edition, each in its language: [Prueba] (es) and [Test] (en).
    assert len(_bulletins("[Test]")) + len(_bulletins("[Prueba]")) == 2

    local = (timezone.now() + timedelta(days=1)).astimezone(ZoneInfo("America/Guayaquil"))
    local = local.replace(hour=9, minute=0, second=0, microsecond=0)
    page.get_by_label("Send at").fill(local.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Schedule").click()
    expect(page.get_by_text("Issue #1 is scheduled.")).to_be_visible()
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SCHEDULED
    assert issue.scheduled_at == local
    staff.close()

    # --- The beat task, a minute past the time, sends to every confirmed subscriber once -----
    with time_machine.travel(local + timedelta(minutes=1)):
        assert tasks.dispatch_due_issues() == [issue.pk]
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT
    sent = [m for m in mail.outbox if m.extra_headers.get("List-Unsubscribe")]
    assert Counter(m.to[0] for m in sent) == {"lucia@example.org": 1, "grace@example.org": 1}
    by_address = {m.to[0]: m for m in sent}
    assert by_address["lucia@example.org"].extra_headers["Content-Language"] == "es"
    assert "BIENVENIDOS AL BOLETÍN" in by_address["lucia@example.org"].body
    assert by_address["grace@example.org"].extra_headers["Content-Language"] == "en"
    assert "WELCOME TO THE BULLETIN" in by_address["grace@example.org"].body

    # --- Lucía leaves with the one-click POST: no cookie, no CSRF token, no redirect ----------
    header = by_address["lucia@example.org"].extra_headers["List-Unsubscribe"]
    url = re.search(r"<http://testserver(/bulletin/unsubscribe/[^>]+)>", header).group(1)
    one_click = Client(enforce_csrf_checks=True).post(url, {"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200
    lucia.refresh_from_db()
    assert lucia.status == Subscriber.Status.UNSUBSCRIBED

    # --- The next issue reaches Grace only ------------------------------------------------------
    mail.outbox.clear()
    second = issues.issue_create(by=moderator, languages=["es", "en"])
    issues.block_add(
        issue=second,
        kind=Block.Kind.FREE,
        content={
            "es": {"title": "Segundo", "body": "Texto", "image_alt": ""},
            "en": {"title": "Second", "body": "Text", "image_alt": ""},
        },
    )
    assert issues.issue_send_now(issue=second) is True
    assert [m.to for m in mail.outbox] == [["grace@example.org"]]


def test_bulletin_pages_have_no_serious_accessibility_violation(
    browser, live_server, moderator_with_totp
):
    from newsletter import tokens
    from tests.browser.test_quality import AXE
    from tests.newsletter.factories import BlockFactory, IssueFactory

    moderator_with_totp.language = "en"
    moderator_with_totp.save()
    sent = IssueFactory(languages=["es", "en"])
    block = BlockFactory(issue=sent)
    Issue.objects.filter(pk=sent.pk).update(status=Issue.Status.SENT, sent_at=timezone.now())
    draft = IssueFactory(languages=["es", "en"])
    draft_block = BlockFactory(issue=draft)
    subscriber = SubscriberFactory()
    pages = [
        "/bulletin/subscribe/",
        "/bulletin/archive/en/",
        f"/bulletin/issues/{sent.number}/en/",
        f"/bulletin/preferences/{tokens.preferences_token(subscriber_id=subscriber.pk)}/",
        f"/bulletin/unsubscribe/{tokens.unsubscribe_token(subscriber.pk)}/",
        "/bulletin/staff/",
        f"/bulletin/staff/issues/{draft.pk}/",
        f"/bulletin/staff/blocks/{draft_block.pk}/",
        f"/bulletin/staff/issues/{sent.pk}/progress/",
        "/bulletin/staff/subscribers/",
        "/bulletin/staff/subscribers/import/",
    ]
    assert block.pk
    context = browser.new_context(locale="en-US", base_url=live_server.url, bypass_csp=True)
    sign_in_as(context, live_server, moderator_with_totp)
    page = context.new_page()
    problems = []
    for path in pages:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        page.evaluate(AXE)
        result = page.evaluate(
            "async () => (await axe.run(document, {runOnly: {type: 'tag', values: "
            "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})).violations"
            ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}))"
        )
        problems += [(path, v) for v in result if v["impact"] in ("serious", "critical")]
    context.close()
    assert problems == []
