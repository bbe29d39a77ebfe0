"""Members propose through the one moderation queue; moderators post directly; each publication
and each closing date coming near is announced once."""

import datetime as dt

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from iapt_platform.moderation.models import ModerationItem
from initiatives.opportunities import services
from initiatives.opportunities.models import Opportunity
from tests.factories import SectorFactory, UserFactory
from tests.library.factories import pdf_bytes

from .factories import OpportunityFactory, OpportunityTopicFactory

pytestmark = pytest.mark.django_db


def form_data(**extra):
    now = timezone.localtime(timezone.now())
    data = {
        "language": "en",
        "title": "Andean cluster fund",
        "description": "Grants for **clusters**.",
        "kind": "grant",
        "organiser": "CAF",
        "countries": ["EC", "PE"],
        "amount": "50000",
        "currency": "USD",
        "opens_at": (now - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + dt.timedelta(days=20)).strftime("%Y-%m-%dT%H:%M"),
        "link": "https://example.org/fund",
    }
    data.update(extra)
    return data


def test_member_proposes_moderator_approves_and_it_is_public(
    client, member, moderator, heard, django_capture_on_commit_callbacks
):
    agrifood = SectorFactory(slug="agrifood")
    OpportunityTopicFactory(slug="financing")
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("opportunities:propose"),
            form_data(
                sectors=[agrifood.pk],
                topics=[OpportunityTopicFactory(slug="innovation").pk],
                documents=[SimpleUploadedFile("bases.pdf", pdf_bytes("Bases"))],
            ),
        )
    opportunity = Opportunity.objects.get()
    assert response.status_code == 302 and response.url == opportunity.get_absolute_url()
    assert opportunity.status == Opportunity.Status.PENDING
    assert opportunity.title_en == "Andean cluster fund" and opportunity.language == "en"
    assert opportunity.proposed_by == member
    assert opportunity.documents.get().original_name == "bases.pdf"
    item = ModerationItem.objects.get(kind="opportunity")
    assert item.status == ModerationItem.Status.PENDING and item.country == "EC"
    assert mail.outbox[-1].to == [member.email]
    assert "Andean cluster fund" in mail.outbox[-1].subject
    assert heard == []  # nothing public yet
    client.logout()
    assert client.get(opportunity.get_absolute_url()).status_code == 404

    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("moderation:item", args=[item.pk]), {"action": "approve", "comment": ""}
        )
    assert response.status_code == 302
    opportunity.refresh_from_db()
    assert opportunity.status == Opportunity.Status.PUBLISHED and opportunity.announced_at
    assert mail.outbox[-1].to == [member.email] and "Approved" in mail.outbox[-1].subject
    (announcement,) = heard
    assert announcement.kind == "opportunity" and announcement.object_id == opportunity.pk
    assert {(s.kind, s.key) for s in announcement.subjects} == {
        ("country", "EC"),
        ("country", "PE"),
        ("sector", "agrifood"),
        ("topic", "innovation"),
    }
    client.logout()
    assert client.get(opportunity.get_absolute_url()).status_code == 200
    assert "Andean cluster fund" in client.get("/en/opportunities/").content.decode()


def test_changes_requested_then_resubmitted_by_the_proposer_only(client, member, moderator):
    from iapt_platform.moderation.services import moderation_decide

    opportunity = services.opportunity_create(by=member, values=_values())
    item = ModerationItem.objects.get()
    moderation_decide(item=item, moderator=moderator, action="request_changes", comment="Add dates")
    opportunity.refresh_from_db()
    assert opportunity.status == Opportunity.Status.DRAFT
    assert opportunity.review_comment == "Add dates"

    other = UserFactory()
    client.force_login(other)
    assert client.get(reverse("opportunities:edit", args=[opportunity.slug])).status_code == 403
    assert (
        client.post(
            reverse("opportunities:edit", args=[opportunity.slug]), form_data(title="Hijacked")
        ).status_code
        == 403
    )

    client.force_login(member)
    page = client.get(reverse("opportunities:edit", args=[opportunity.slug]))
    assert page.status_code == 200 and b"Add dates" in page.content
    assert page.context["form"].initial["title"] == "A call"
    response = client.post(
        reverse("opportunities:edit", args=[opportunity.slug]), form_data(title="Fixed title")
    )
    assert response.status_code == 302
    opportunity.refresh_from_db()
    assert opportunity.title_en == "Fixed title"
    assert opportunity.status == Opportunity.Status.PENDING
    item.refresh_from_db()
    assert item.status == ModerationItem.Status.PENDING
    # Pending again: its proposer cannot change it until a moderator sends it back.
    assert client.get(reverse("opportunities:edit", args=[opportunity.slug])).status_code == 403


def test_a_member_cannot_edit_a_published_one_nor_post_directly(client, member):
    opportunity = OpportunityFactory(proposed_by=member)
    client.force_login(member)
    assert client.get(reverse("opportunities:edit", args=[opportunity.slug])).status_code == 403
    assert client.get(reverse("opportunities:new")).status_code == 403
    assert client.post(reverse("opportunities:publish", args=[opportunity.slug])).status_code == 403


def test_a_moderator_posts_and_publishes_directly_in_three_languages(
    client, moderator, heard, django_capture_on_commit_callbacks
):
    client.force_login(moderator)
    data = form_data(
        title_es="Fondo andino",
        description_es="Fondos.",
        title_en="Andean fund",
        description_en="Funds.",
        whole_region="on",
        countries=[],
        action="publish",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("opportunities:new"), data)
    assert response.status_code == 302
    opportunity = Opportunity.objects.get()
    assert opportunity.status == Opportunity.Status.PUBLISHED and opportunity.whole_region
    assert opportunity.title_es == "Fondo andino" and opportunity.title_en == "Andean fund"
    assert not ModerationItem.objects.exists()
    (announcement,) = heard
    assert len([s for s in announcement.subjects if s.kind == "country"]) > 30
    # Withdrawn, then published again: no second announcement.
    with django_capture_on_commit_callbacks(execute=True):
        services.opportunity_withdraw(opportunity=opportunity, by=moderator)
        services.opportunity_publish(opportunity=opportunity, by=moderator)
    assert len(heard) == 1


def test_the_form_refuses_bad_dates_and_an_amount_without_currency(client, member):
    client.force_login(member)
    now = timezone.localtime(timezone.now())
    response = client.post(
        reverse("opportunities:propose"),
        form_data(
            currency="",
            closes_at=(now - dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        ),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "closes_at" in errors and "currency" in errors
    assert not Opportunity.objects.exists()


def test_uploads_that_are_not_documents_are_refused_clearly(client, member):
    client.force_login(member)
    response = client.post(
        reverse("opportunities:propose"),
        form_data(documents=[SimpleUploadedFile("bases.pdf", b"<html><script>x</script>")]),
    )
    assert response.status_code == 200
    (error,) = response.context["form"].errors["documents"]
    assert error.startswith("bases.pdf: This kind of file is not accepted here.")
    assert "PDF" in error
    assert not Opportunity.objects.exists()


def test_the_closing_reminder_is_announced_once(
    heard, django_capture_on_commit_callbacks, settings
):
    settings.OPPORTUNITIES_CLOSING_REMINDER_DAYS = 7
    now = timezone.now()
    soon = OpportunityFactory(closes_at=now + dt.timedelta(days=6))
    OpportunityFactory(closes_at=now + dt.timedelta(days=20))  # too far yet
    OpportunityFactory(closes_at=now + dt.timedelta(days=2), status=Opportunity.Status.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.announce_closing_due() == 1
        assert services.announce_closing_due() == 0
    (announcement,) = heard
    assert announcement.kind == "opportunity_closing" and announcement.object_id == soon.pk
    soon.refresh_from_db()
    assert soon.closing_announced_at is not None


def test_the_beat_task_is_scheduled_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["opportunities-announce-closing"]
    assert entry["task"] == "initiatives.opportunities.tasks.announce_closing"
    from initiatives.opportunities import tasks

    assert tasks.announce_closing.name == entry["task"]


def test_news_visibility_follows_publication_and_closing(member):
    from iapt_platform.lib import news

    opportunity = OpportunityFactory()
    assert news.can_see("opportunity", member, opportunity)
    assert news.can_see("opportunity_closing", member, opportunity)
    opportunity.status = Opportunity.Status.WITHDRAWN
    assert not news.can_see("opportunity", member, opportunity)
    opportunity.status = Opportunity.Status.PUBLISHED
    opportunity.closes_at = timezone.now() - dt.timedelta(minutes=1)
    opportunity.opens_at = timezone.now() - dt.timedelta(days=1)
    assert not news.can_see("opportunity_closing", member, opportunity)


def test_closing_an_account_takes_unpublished_proposals_and_keeps_published_ones(member):
    from iapt_platform.accounts import personal_data
    from iapt_platform.accounts.personal_data import Closing

    published = OpportunityFactory(proposed_by=member)
    pending = services.opportunity_create(by=member, values=_values())
    portion = dict(personal_data.exports())["opportunities"](member)
    assert {row["slug"] for row in portion.data["opportunities"]} == {published.slug, pending.slug}

    services.proposer_depart(closing=Closing(user=member))
    assert not Opportunity.objects.filter(pk=pending.pk).exists()
    assert ModerationItem.objects.get().status == ModerationItem.Status.REJECTED
    member.delete()
    published.refresh_from_db()
    assert published.proposed_by is None


def _values():
    now = timezone.now()
    return {
        "kind": "grant",
        "language": "en",
        "title_en": "A call",
        "description_en": "Text",
        "organiser": "CAF",
        "countries": ["EC"],
        "whole_region": False,
        "opens_at": now,
        "closes_at": now + dt.timedelta(days=9),
        "link": "https://example.org/",
        "currency": "",
        "amount": None,
    }


def test_a_moderator_edits_any_and_removes_a_document(client, moderator):
    from django.core.files.base import ContentFile

    from initiatives.opportunities.models import OpportunityDocument

    opportunity = OpportunityFactory(title_es="Antes")
    document = OpportunityDocument.objects.create(
        opportunity=opportunity,
        file=ContentFile(b"%PDF-1.4", name="a.pdf"),
        original_name="a.pdf",
        mimetype="application/pdf",
    )
    client.force_login(moderator)
    url = reverse("opportunities:edit", args=[opportunity.slug])
    assert client.get(url).status_code == 200
    data = form_data(title_es="Después", description_es="Texto", remove_document=[document.pk])
    assert client.post(url, data).status_code == 302
    opportunity.refresh_from_db()
    assert opportunity.title_es == "Después" and opportunity.status == "published"
    assert not opportunity.documents.exists()


def test_a_pending_proposal_is_decided_in_the_queue_not_on_its_page(client, member, moderator):
    opportunity = services.opportunity_create(by=member, values=_values())
    client.force_login(moderator)
    response = client.post(
        reverse("opportunities:publish", args=[opportunity.slug]), {"action": "publish"}
    )
    assert response.status_code == 302
    opportunity.refresh_from_db()
    assert opportunity.status == Opportunity.Status.PENDING
    assert ModerationItem.objects.get().status == ModerationItem.Status.PENDING
