"""The staff builder: issues, editions, blocks, fill from the platform, previews, test, schedule."""

import re
import zoneinfo
from datetime import UTC, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from iapt_platform.moderation.models import ModerationItem
from iapt_platform.moderation.services import moderation_decide
from newsletter import sources
from newsletter.models import Block, Contribution, Issue
from newsletter.services import issues
from tests.factories import InitiativeFactory

from .factories import BlockFactory, ContributionFactory, IssueFactory

pytestmark = pytest.mark.django_db


def test_staff_pages_are_for_moderators_only(client, member, issue_with_block):
    urls = [
        reverse("newsletter:staff_issues"),
        reverse("newsletter:staff_issue", args=[issue_with_block.pk]),
        reverse("newsletter:staff_preview", args=[issue_with_block.pk, "es", "html"]),
        reverse("newsletter:staff_progress", args=[issue_with_block.pk]),
        reverse("newsletter:staff_subscribers"),
        reverse("newsletter:staff_import"),
        reverse("newsletter:staff_export"),
    ]
    for url in urls:
        assert client.get(url).status_code == 302  # to the sign-in page
    client.force_login(member)
    for url in urls:
        assert client.get(url).status_code == 403
    assert (
        client.post(reverse("newsletter:staff_send", args=[issue_with_block.pk])).status_code == 403
    )


def test_a_moderator_creates_an_issue_with_editions_in_the_chosen_languages(staff_client):
    response = staff_client.post(reverse("newsletter:staff_issues"), {"languages": ["es", "en"]})
    issue = Issue.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("newsletter:staff_issue", args=[issue.pk])
    assert issue.number == 1
    assert dict(issue.editions.values_list("language", "subject")) == {
        "es": "Boletín IAPT n.º 1",
        "en": "IAPT bulletin no. 1",
    }
    page = staff_client.get(response["Location"])
    assert page.status_code == 200
    assert b"Fill from the platform" in page.content


def test_fill_adds_initiatives_published_since_the_last_issue_and_accepted_contributions(
    staff_client, promoter
):
    previous = IssueFactory(languages=["es"], status=Issue.Status.SENT)
    Issue.objects.filter(pk=previous.pk).update(send_started_at=timezone.now() - timedelta(days=7))
    InitiativeFactory(name="Viejo clúster", published_at=timezone.now() - timedelta(days=20))
    new = InitiativeFactory(name="Clúster [Nuevo]", published_at=timezone.now() - timedelta(days=1))
    contribution = ContributionFactory(submitted_by=promoter, title="Feria del cacao")
    issue = issues.issue_create(by=None, languages=["es", "en"])

    response = staff_client.post(reverse("newsletter:staff_fill", args=[issue.pk]))
    assert response.status_code == 302
    blocks = list(issue.blocks.all())
    kinds = [b.kind for b in blocks]
    assert Block.Kind.INITIATIVES in kinds
    initiatives_block = next(b for b in blocks if b.kind == Block.Kind.INITIATIVES)
    body = initiatives_block.text("en")["body"]
    assert "Clúster \\[Nuevo\\]" in body
    assert f"http://testserver{new.get_absolute_url()}" in body
    assert "Viejo" not in body
    assert initiatives_block.text("en")["title"] == "New in the registry"
    event = next(b for b in blocks if b.contribution_id == contribution.pk)
    assert event.original_language == "es"
    contribution.refresh_from_db()
    assert contribution.used_in == issue

    # A second fill adds nothing twice.
    staff_client.post(reverse("newsletter:staff_fill", args=[issue.pk]))
    assert issue.blocks.count() == len(blocks)


def test_sources_with_nothing_new_add_nothing():
    since = timezone.now() - timedelta(days=30)
    assert sources.new_initiatives(since=since, languages=["es"]) == []
    assert sources.featured_stories(since=since, languages=["es"]) == []
    assert sources.new_resources(since=since, languages=["es"]) == []
    assert sources.upcoming_meetings(since=since, languages=["es"]) == []


def test_a_failing_source_does_not_stop_the_others(monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("app in progress")

    InitiativeFactory(published_at=timezone.now())
    monkeypatch.setattr(sources, "SOURCES", [("broken", broken), *sources.SOURCES])
    found = sources.collect(since=timezone.now() - timedelta(days=1), languages=["es"])
    assert any(b.source_key == "initiatives:new" for b in found)


def test_blocks_are_added_edited_reordered_without_javascript_and_removed(staff_client):
    issue = issues.issue_create(by=None, languages=["es", "en"])
    response = staff_client.post(
        reverse("newsletter:staff_block_add", args=[issue.pk]), {"kind": "intro"}
    )
    first = issue.blocks.get()
    assert response["Location"] == reverse("newsletter:staff_block_edit", args=[first.pk])
    edited = staff_client.post(
        reverse("newsletter:staff_block_edit", args=[first.pk]),
        {
            "kind": "intro",
            "title_es": "Hola",
            "body_es": "Bienvenidos",
            "title_en": "Hello",
            "body_en": "Welcome",
        },
    )
    assert edited.status_code == 302
    first.refresh_from_db()
    assert first.text("en") == {"title": "Hello", "body": "Welcome", "image_alt": ""}

    second = issues.block_add(issue=issue, kind="free")
    staff_client.post(reverse("newsletter:staff_block_move", args=[second.pk]), {"direction": "up"})
    assert list(issue.blocks.values_list("pk", flat=True)) == [second.pk, first.pk]
    staff_client.post(
        reverse("newsletter:staff_block_move", args=[second.pk]), {"direction": "down"}
    )
    assert list(issue.blocks.values_list("pk", flat=True)) == [first.pk, second.pk]

    staff_client.post(reverse("newsletter:staff_block_delete", args=[second.pk]))
    assert list(issue.blocks.values_list("pk", flat=True)) == [first.pk]


def test_an_image_needs_a_description_in_every_language(staff_client, issue_with_block):
    block = issue_with_block.blocks.get()
    response = staff_client.post(
        reverse("newsletter:staff_block_edit", args=[block.pk]),
        {
            "kind": "featured_story",
            "image_url": "/media/a.jpg",
            "title_es": "T",
            "title_en": "T",
            "image_alt_es": "Una foto",
        },
    )
    assert response.status_code == 400
    assert b"Describe the image" in response.content
    other_site = staff_client.post(
        reverse("newsletter:staff_block_edit", args=[block.pk]),
        {"kind": "free", "image_url": "https://tracker.example/pixel.gif"},
    )
    assert b"an image on this site" in other_site.content


def test_previews_show_each_edition_as_html_and_as_text(staff_client, issue_with_block):
    html = staff_client.get(
        reverse("newsletter:staff_preview", args=[issue_with_block.pk, "en", "html"])
    )
    assert html.status_code == 200
    assert html["Content-Type"].startswith("text/html")
    assert b"<strong>English</strong>" in html.content
    assert "sandbox" in html["Content-Security-Policy"]
    assert "'unsafe-inline'" in html["Content-Security-Policy"]
    text = staff_client.get(
        reverse("newsletter:staff_preview", args=[issue_with_block.pk, "es", "txt"])
    )
    assert text["Content-Type"].startswith("text/plain")
    assert "Texto en **español**." in text.content.decode()
    missing = staff_client.get(
        reverse("newsletter:staff_preview", args=[issue_with_block.pk, "pt-br", "html"])
    )
    assert missing.status_code == 404


def test_send_me_a_test_sends_each_chosen_edition_to_the_moderator(
    staff_client, moderator_with_totp, issue_with_block, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("newsletter:staff_test", args=[issue_with_block.pk]),
            {"languages": ["es", "en"]},
        )
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [[moderator_with_totp.email]] * 2
    number = issue_with_block.number
    assert sorted(m.subject for m in mail.outbox) == [
        f"[Prueba] Subject {number} (es)",  # each edition's test speaks its language
        f"[Test] Subject {number} (en)",
    ]
    issue_with_block.refresh_from_db()
    assert issue_with_block.status == Issue.Status.DRAFT


def test_schedule_in_the_moderators_time_zone_then_cancel_and_reopen(
    staff_client, moderator_with_totp, issue_with_block
):
    moderator_with_totp.time_zone = "America/Bogota"  # UTC-5
    moderator_with_totp.save()
    local = (
        (timezone.now() + timedelta(days=2))
        .astimezone(zoneinfo.ZoneInfo("America/Bogota"))
        .replace(hour=9, minute=30, second=0, microsecond=0)
    )
    response = staff_client.post(
        reverse("newsletter:staff_schedule", args=[issue_with_block.pk]),
        {"send_at": local.strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code == 302
    issue_with_block.refresh_from_db()
    assert issue_with_block.status == Issue.Status.SCHEDULED
    assert issue_with_block.scheduled_at == local
    assert issue_with_block.scheduled_at.astimezone(UTC).hour == 14

    staff_client.post(reverse("newsletter:staff_cancel", args=[issue_with_block.pk]))
    issue_with_block.refresh_from_db()
    assert issue_with_block.status == Issue.Status.CANCELLED
    staff_client.post(reverse("newsletter:staff_reopen", args=[issue_with_block.pk]))
    issue_with_block.refresh_from_db()
    assert issue_with_block.status == Issue.Status.DRAFT


def test_a_schedule_in_the_past_gets_a_clear_message(
    staff_client, moderator_with_totp, issue_with_block
):
    zone = zoneinfo.ZoneInfo(moderator_with_totp.time_zone)
    past = (timezone.now() - timedelta(hours=1)).astimezone(zone).strftime("%Y-%m-%dT%H:%M")
    response = staff_client.post(
        reverse("newsletter:staff_schedule", args=[issue_with_block.pk]),
        {"send_at": past},
        follow=True,
    )
    assert b"Choose a time in the future." in response.content
    issue_with_block.refresh_from_db()
    assert issue_with_block.status == Issue.Status.DRAFT


def test_send_now_needs_the_confirmation_box_and_a_second_press_sends_nothing(
    staff_client, issue_with_block, django_capture_on_commit_callbacks
):
    from .factories import SubscriberFactory

    SubscriberFactory.create_batch(2)
    url = reverse("newsletter:staff_send", args=[issue_with_block.pk])
    refused = staff_client.post(url, follow=True)
    assert b"Tick the box" in refused.content
    with django_capture_on_commit_callbacks(execute=True):
        first = staff_client.post(url, {"confirm": "1"})
    assert first["Location"] == reverse("newsletter:staff_progress", args=[issue_with_block.pk])
    with django_capture_on_commit_callbacks(execute=True):
        again = staff_client.post(url, {"confirm": "1"}, follow=True)
    assert b"nothing more was sent" in again.content
    assert len(mail.outbox) == 2
    progress = staff_client.get(first["Location"])
    assert b"<dt>Sent</dt><dd>2</dd>" in progress.content


def test_a_sent_issue_can_no_longer_be_changed(staff_client, issue_with_block):
    Issue.objects.filter(pk=issue_with_block.pk).update(status=Issue.Status.SENT)
    block = issue_with_block.blocks.get()
    response = staff_client.post(
        reverse("newsletter:staff_block_delete", args=[block.pk]), follow=True
    )
    assert b"can no longer be changed" in response.content
    assert Block.objects.filter(pk=block.pk).exists()


def test_the_issue_list_has_a_fixed_number_of_queries(staff_client, django_assert_max_num_queries):
    for _ in range(3):
        BlockFactory(issue=IssueFactory())
    with django_assert_max_num_queries(20) as small:
        staff_client.get(reverse("newsletter:staff_issues"))
    for _ in range(10):
        BlockFactory(issue=IssueFactory())
    with django_assert_max_num_queries(len(small.captured_queries)):
        staff_client.get(reverse("newsletter:staff_issues"))


def test_a_member_proposes_an_item_and_an_accepted_one_becomes_available(
    promoter, moderator, staff_client, django_capture_on_commit_callbacks
):
    from django.test import Client

    client = Client()
    promoter.language = "en"
    promoter.save()
    initiative = InitiativeFactory()
    initiative.managers.add(promoter)
    client.force_login(promoter)
    response = client.post(
        reverse("newsletter:proposal_new"),
        {
            "kind": "news",
            "title": "We opened a lab",
            "body": "A new **lab** for members.",
            "language": "en",
            "link_url": "https://cluster.example/lab",
            "initiative": initiative.pk,
        },
    )
    contribution = Contribution.objects.get()
    assert response["Location"] == reverse("newsletter:contribution", args=[contribution.pk])
    item = ModerationItem.objects.get(kind="bulletin_item")
    assert item.title == "We opened a lab"
    assert item.country == "EC"
    assert contribution.status == Contribution.Status.PENDING

    with django_capture_on_commit_callbacks(execute=True):
        moderation_decide(item=item, moderator=moderator, action="approve", comment="")
    contribution.refresh_from_db()
    assert contribution.status == Contribution.Status.ACCEPTED
    assert "accepted" in mail.outbox[-1].body.lower() or "approved" in mail.outbox[-1].body.lower()

    issue = issues.issue_create(by=moderator, languages=["es", "en"])
    page = staff_client.get(reverse("newsletter:staff_issue", args=[issue.pk]))
    assert b"We opened a lab" in page.content
    staff_client.post(
        reverse("newsletter:staff_contribution_add", args=[issue.pk, contribution.pk])
    )
    block = issue.blocks.get()
    assert block.kind == Block.Kind.NEWS
    assert block.text("es")["title"] == "We opened a lab"  # member content keeps its language


def test_only_members_and_promoters_propose_and_only_the_author_or_staff_see_it(
    client, promoter, other_promoter
):
    from tests.factories import UserFactory

    outsider = UserFactory(roles=["none-of-ours"])
    client.force_login(outsider)
    assert client.get(reverse("newsletter:proposal_new")).status_code == 403
    contribution = ContributionFactory(submitted_by=promoter, status="pending")
    client.force_login(other_promoter)
    assert client.get(reverse("newsletter:contribution", args=[contribution.pk])).status_code == 403
    client.force_login(promoter)
    assert client.get(reverse("newsletter:contribution", args=[contribution.pk])).status_code == 200


def test_changes_requested_let_the_author_edit_and_resubmit(
    client, promoter, moderator, django_capture_on_commit_callbacks
):
    from newsletter.services.contributions import contribution_submit

    contribution = contribution_submit(
        user=promoter, data={"kind": "event", "title": "Feria", "body": "x", "language": "es"}
    )
    item = ModerationItem.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        moderation_decide(
            item=item, moderator=moderator, action="request_changes", comment="Add the date"
        )
    client.force_login(promoter)
    response = client.post(
        reverse("newsletter:proposal_edit", args=[contribution.pk]),
        {
            "kind": "event",
            "title": "Feria",
            "body": "x",
            "language": "es",
            "event_date": "2030-05-04",
        },
    )
    assert response.status_code == 302
    contribution.refresh_from_db()
    item.refresh_from_db()
    assert contribution.status == Contribution.Status.PENDING
    assert str(contribution.event_date) == "2030-05-04"
    assert item.status == ModerationItem.Status.PENDING


def test_the_staff_list_and_progress_page_show_what_a_send_did(
    staff_client, issue_with_block, django_capture_on_commit_callbacks
):
    from .factories import SubscriberFactory

    SubscriberFactory.create_batch(7)
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            reverse("newsletter:staff_send", args=[issue_with_block.pk]), {"confirm": "1"}
        )
    listing = staff_client.get(reverse("newsletter:staff_issues")).text
    assert re.search(r"issue-status-sent\">Sent</span></td>\s*<td>.*?</td>\s*<td>7</td>", listing)
    progress = staff_client.get(reverse("newsletter:staff_progress", args=[issue_with_block.pk]))
    rate = re.search(r"([\d.]+) messages per second", progress.text)
    assert float(rate.group(1)) >= 7  # seven went out in well under a second


def test_the_demo_bulletins_sent_issues_show_their_recipients(staff_client):
    from newsletter import demo

    demo.seed(lambda line: None)
    demo.seed(lambda line: None)  # seeding twice changes nothing
    listing = staff_client.get(reverse("newsletter:staff_issues")).text
    sent_cells = re.findall(
        r"issue-status-sent\">Sent</span></td>\s*<td>.*?</td>\s*<td>(\d+)</td>", listing, re.S
    )
    assert sent_cells == [str(len(demo.SUBSCRIBERS))] * 2
    issue = Issue.objects.get(number=1)
    progress = staff_client.get(reverse("newsletter:staff_progress", args=[issue.pk])).text
    assert f"<dt>Sent</dt><dd>{len(demo.SUBSCRIBERS)}</dd>" in progress


@pytest.mark.parametrize(
    ("language", "named"), [("pt-br", "espanhol"), ("en", "Spanish"), ("es", None)]
)
def test_a_members_text_names_its_language_in_the_readers_language(language, named):
    from newsletter.rendering import block_context
    from tests.newsletter.factories import BlockFactory

    block = BlockFactory(original_language="es", content={"es": {"title": "T", "body": "B"}})
    note = block_context(block, language)["language_note"]
    if named is None:
        assert note == ""
    else:
        assert named in note.lower() or named in note
        assert "Español" not in note
