"""The promoter's journey through the guided form, moderation, edits and co-managers."""

import datetime
import io
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from iapt_platform.moderation.models import ModerationEvent, ModerationItem
from initiatives import services
from initiatives.models import Initiative, ManagementRequest
from tests.factories import InitiativeFactory, SectorFactory, UserFactory

from .helpers import complete_draft, decide, png_bytes, png_upload

pytestmark = pytest.mark.django_db


def step_url(initiative, step):
    return reverse("initiatives:draft_step", args=[initiative.pk, step])


def test_starting_warns_of_a_likely_duplicate_and_offers_co_management(client, promoter):
    promoter.language = "en"  # messages in English for the assertions
    promoter.save()
    existing = InitiativeFactory(
        name="Clúster Logístico del Guayas", country="EC", website="https://clog.ec"
    )
    services.initiative_refresh_search(initiative=existing)
    client.force_login(promoter)
    response = client.post(
        reverse("initiatives:register"),
        {"name": "Cluster Logistico Guayas", "country": "EC", "kind": "cluster", "website": ""},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "Is it one of these?" in response.text
    assert reverse("initiatives:request_management", args=[existing.slug]) in response.text
    assert not Initiative.objects.filter(created_by=promoter).exists()
    # The same website anywhere is a duplicate too.
    response = client.post(
        reverse("initiatives:register"),
        {
            "name": "Otra cosa",
            "country": "PE",
            "kind": "cluster",
            "website": "http://www.clog.ec/inicio",
        },
    )
    assert existing.name in response.text
    # Confirming that it is a different initiative creates the draft.
    response = client.post(
        reverse("initiatives:register"),
        {
            "name": "Cluster Logistico Guayas",
            "country": "EC",
            "kind": "cluster",
            "confirm_new": "1",
        },
    )
    draft = Initiative.objects.get(created_by=promoter)
    assert response["Location"] == step_url(draft, 1)
    assert draft.status == "draft"
    assert list(draft.managers.all()) == [promoter]
    assert promoter.groups.filter(name="promoter").exists()


def test_a_promoter_completes_every_step_and_submits(client, promoter):
    sector = SectorFactory(slug="agrifood")
    client.force_login(promoter)
    client.post(
        reverse("initiatives:register"),
        {"name": "Clúster Cacaotero de Los Ríos", "country": "EC", "kind": "cluster"},
    )
    draft = Initiative.objects.get(created_by=promoter)
    steps = {
        1: {
            "name": "Clúster Cacaotero de Los Ríos",
            "acronym": "CCLR",
            "kind": "cluster",
            "website": "https://cacao.example.org",
            "year_founded": 2018,
            "stage": "developing",
        },
        2: {
            "country": "EC",
            "territory": "Los Ríos",
            "city": "Babahoyo",
            "latitude": "-1.80",
            "longitude": "-79.53",
        },
        3: {
            "sectors": [sector.pk],
            "value_chain": "Cacao fino de aroma",
            "digital_focus": "on",
            "digital_topics": ["ecommerce"],
        },
        4: {
            "managing_organisation": "Asociación de Cacaoteros",
            "legal_form": "association",
            "members_micro_small_firms": 40,
            "funding_sources": ["membership_fees"],
        },
        5: {
            "description": "Productores de cacao que exportan juntos.",
            "description_language": "es",
            "logo": png_upload(),
            "contact_name": "Ana",
            "contact_email": "ana@cacao.example.org",
            "contact_email_visibility": "public",
            "contact_phone_visibility": "hidden",
        },
    }
    for number, data in steps.items():
        response = client.post(step_url(draft, number), data)
        assert response.status_code == 302, (number, response.content[:2000])
        assert response["Location"] == step_url(draft, number + 1)
    draft.refresh_from_db()
    assert (draft.acronym, draft.city, draft.value_chain, draft.members_micro_small_firms) == (
        "CCLR",
        "Babahoyo",
        "Cacao fino de aroma",
        40,
    )
    assert draft.digital_topics == ["ecommerce"] and draft.funding_sources == ["membership_fees"]
    assert re.fullmatch(r"initiatives/logos/[0-9a-f]{32}\.png", draft.logo.name)
    response = client.get(step_url(draft, 6), follow=True)
    assert "Submit for review" in response.text or "Enviar a revisión" in response.text
    response = client.post(reverse("initiatives:draft_submit", args=[draft.pk]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "in_review"
    item = ModerationItem.objects.get(object_id=draft.pk, kind="initiative")
    assert item.status == "pending" and item.country == "EC" and item.submitted_by == promoter


def test_a_draft_cannot_be_submitted_incomplete(client, promoter):
    promoter.language = "en"  # messages in English for the assertions
    promoter.save()
    draft = services.initiative_start(
        user=promoter, name="Incompleta", country="EC", kind="cluster"
    )
    client.force_login(promoter)
    response = client.post(
        reverse("initiatives:draft_submit", args=[draft.pk]), follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Complete these fields before submitting" in response.text
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert not ModerationItem.objects.exists()


def test_moderation_round_trip_emails_each_decision_and_publishes(
    client, promoter, moderator, django_capture_on_commit_callbacks
):
    draft = complete_draft(promoter, submit=True)
    assert client.get(draft.get_absolute_url()).status_code == 404  # not public while in review
    with django_capture_on_commit_callbacks(execute=True):
        decide(draft, moderator, "request_changes", "Añadan el sitio web, por favor.")
    draft.refresh_from_db()
    assert draft.status == "changes_requested"
    assert mail.outbox[-1].to == [promoter.email]
    assert "Añadan el sitio web" in mail.outbox[-1].body
    # The promoter fixes the draft and submits again.
    client.force_login(promoter)
    client.post(
        step_url(draft, 1),
        {"name": draft.name, "kind": "cluster", "website": "https://lacteos.example.org"},
    )
    client.post(reverse("initiatives:draft_submit", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == "in_review"
    with django_capture_on_commit_callbacks(execute=True):
        decide(draft, moderator, "approve")
    draft.refresh_from_db()
    assert draft.status == "published" and draft.published_at and draft.last_verified_at
    assert mail.outbox[-1].to == [promoter.email]
    actions = list(
        ModerationEvent.objects.filter(item__object_id=draft.pk).values_list("action", flat=True)
    )
    assert actions == ["submitted", "changes_requested", "resubmitted", "approved"]
    assert client.get(draft.get_absolute_url()).status_code == 200
    # History keeps who changed what and why.
    reasons = list(draft.history.values_list("history_change_reason", flat=True))
    assert "Añadan el sitio web, por favor." in reasons


def test_an_edit_to_a_published_initiative_waits_for_review(client, promoter, moderator):
    initiative = complete_draft(promoter, submit=True)
    decide(initiative, moderator, "approve")
    client.force_login(promoter)
    response = client.post(reverse("initiatives:edit", args=[initiative.slug]))
    revision = Initiative.objects.get(revision_of=initiative)
    assert response["Location"] == step_url(revision, 1)
    client.post(step_url(revision, 1), {"name": "Nuevo nombre del clúster", "kind": "cluster"})
    client.post(reverse("initiatives:draft_submit", args=[revision.pk]))
    assert ModerationItem.objects.get(object_id=revision.pk).kind == "initiative_edit"
    # The public still sees the approved version.
    page = client.get(initiative.get_absolute_url())
    assert "Clúster Lácteo de Cayambe" in page.text and "Nuevo nombre" not in page.text
    decide(revision, moderator, "approve")
    initiative.refresh_from_db()
    assert initiative.name == "Nuevo nombre del clúster"
    revision.refresh_from_db()
    assert revision.status == "merged"  # kept as the record of the approved proposal
    assert client.get(revision.get_absolute_url()).status_code == 404
    assert "Nuevo nombre del clúster" in client.get(initiative.get_absolute_url()).text


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("logo.png", b"<html><script>alert(1)</script></html>", "image/png"),
            "is not an image we accept",
        ),
        (
            SimpleUploadedFile(
                "logo.png",
                b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
                "image/png",
            ),
            "is not an image we accept",
        ),
        (
            SimpleUploadedFile("logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "image/png"),
            "is not an image we accept",
        ),
        (SimpleUploadedFile("logo.png", b"", "image/png"), "The submitted file is empty."),
    ],
    ids=["html-renamed", "svg-renamed", "broken-png", "empty"],
)
def test_a_bad_logo_is_refused_and_the_rest_of_the_step_is_kept(client, promoter, upload, message):
    promoter.language = "en"  # messages in English for the assertions
    promoter.save()
    draft = complete_draft(promoter)
    client.force_login(promoter)
    response = client.post(
        step_url(draft, 5),
        {
            "description": "Texto nuevo que no se pierde.",
            "description_language": "es",
            "contact_name": "Rosa",
            "logo": upload,
            "contact_email_visibility": "members",
            "contact_phone_visibility": "hidden",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert message in response.text
    draft.refresh_from_db()
    assert not draft.logo
    assert draft.description == "Texto nuevo que no se pierde."


def test_a_decompression_bomb_and_an_oversized_file_are_refused(client, promoter):
    promoter.language = "en"  # messages in English for the assertions
    promoter.save()
    draft = complete_draft(promoter)
    client.force_login(promoter)
    bomb = io.BytesIO()
    Image.new("1", (8000, 7500)).save(bomb, "PNG")  # 60 megapixels in a few kilobytes
    assert len(bomb.getvalue()) < 200_000
    for upload, message in [
        (
            SimpleUploadedFile("bomb.png", bomb.getvalue(), "image/png"),
            "the limit is 40 megapixels",
        ),
        (
            SimpleUploadedFile("huge.png", png_bytes() + b"\x00" * (30 * 1024 * 1024), "image/png"),
            "the limit is 5.0",
        ),
    ]:
        response = client.post(
            step_url(draft, 5),
            {
                "description": "Sigue aquí.",
                "description_language": "es",
                "contact_name": "Rosa",
                "logo": upload,
                "contact_email_visibility": "members",
                "contact_phone_visibility": "hidden",
            },
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert message in response.text
        draft.refresh_from_db()
        assert not draft.logo and draft.description == "Sigue aquí."


@pytest.mark.parametrize(
    ("step", "data", "field_message"),
    [
        (
            2,
            {"country": "EC", "latitude": "0.18", "longitude": "78.47"},
            "These coordinates lie outside Ecuador",
        ),
        (
            2,
            {"country": "AR", "latitude": "-0.18", "longitude": "-78.47"},
            "These coordinates lie outside Argentina",
        ),
        (2, {"country": "EC", "latitude": "-0.18"}, "Give both latitude and longitude"),
        (
            1,
            {"name": "X", "kind": "cluster", "year_founded": datetime.date.today().year + 1},
            "The year founded cannot be in the future.",
        ),
        (
            1,
            {"name": "X", "kind": "cluster", "website": "javascript:alert(1)"},
            "Enter a valid URL.",
        ),
        (
            1,
            {"name": "X", "kind": "cluster", "website": "ftp://files.example.org"},
            "starts with http:// or https://",
        ),
        (2, {"country": "FR", "city": "Paris"}, "Select a valid choice."),
    ],
)
def test_bad_values_are_refused_per_field(client, promoter, step, data, field_message):
    promoter.language = "en"  # messages in English for the assertions
    promoter.save()
    draft = complete_draft(promoter)
    before = Initiative.objects.filter(pk=draft.pk).values().get()
    client.force_login(promoter)
    response = client.post(step_url(draft, step), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert field_message in response.text
    after = Initiative.objects.filter(pk=draft.pk).values().get()
    for key in ("latitude", "longitude", "website", "year_founded", "country"):
        assert after[key] == before[key]


def test_another_promoter_cannot_see_or_edit_a_draft(client, promoter, other_promoter):
    draft = complete_draft(promoter)
    client.force_login(other_promoter)
    assert client.get(step_url(draft, 1)).status_code == 403
    assert (
        client.post(step_url(draft, 1), {"name": "Hijacked", "kind": "cluster"}).status_code == 403
    )
    assert client.get(reverse("initiatives:draft_preview", args=[draft.pk])).status_code == 403
    assert client.post(reverse("initiatives:draft_submit", args=[draft.pk])).status_code == 403
    draft.refresh_from_db()
    assert draft.name == "Clúster Lácteo de Cayambe" and draft.status == "draft"


def test_a_visitor_never_sees_an_unpublished_initiative(client, promoter):
    draft = complete_draft(promoter, submit=True)
    services.initiative_refresh_search(initiative=draft)
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(reverse("initiatives:draft_preview", args=[draft.pk])).status_code == 302
    assert draft.name not in client.get(reverse("initiatives:list") + "?q=cayambe").text


def test_a_co_manager_invitation_reaches_an_account_in_its_own_language(
    client, promoter, django_capture_on_commit_callbacks
):
    promoter.language = "es"
    promoter.save()
    UserFactory(email="colleague@example.org", language="en")
    initiative = complete_draft(promoter)
    client.force_login(promoter)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("initiatives:managers", args=[initiative.slug]),
            {"email": "Colleague@Example.org", "language": "es"},
        )
    [invitation_email] = mail.outbox
    assert invitation_email.extra_headers["Content-Language"] == "en"
    assert "invites you to manage the profile of" in invitation_email.body


def test_inviting_a_co_manager(client, promoter, django_capture_on_commit_callbacks):
    initiative = complete_draft(promoter)
    client.force_login(promoter)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("initiatives:managers", args=[initiative.slug]), {"email": "Colega@Example.org"}
        )
    [invitation_email] = mail.outbox
    assert invitation_email.to == ["colega@example.org"]
    link = re.search(
        r"http://testserver((?:/en|/pt-br)?/initiatives/invitations/\S+/)", invitation_email.body
    ).group(1)
    # Someone else cannot use it.
    stranger = UserFactory(email="stranger@example.org")
    client.force_login(stranger)
    response = client.post(link)
    assert response.status_code == 400 and "colega@example.org" in response.text
    assert client.post(link[:-5] + "xxxx/").status_code == 400
    colleague = UserFactory(email="colega@example.org")
    client.force_login(colleague)
    client.post(link)
    assert initiative.managers.filter(pk=colleague.pk).exists()
    assert client.post(link).status_code == 400  # used once


def test_asking_to_manage_an_existing_profile_goes_through_moderation(client, member, moderator):
    initiative = InitiativeFactory()
    client.force_login(member)
    client.post(
        reverse("initiatives:request_management", args=[initiative.slug]),
        {"message": "Soy la gerente."},
    )
    request = ManagementRequest.objects.get()
    item = ModerationItem.objects.get(kind="comanagement")
    assert item.object_id == request.pk
    response = client.post(
        reverse("initiatives:request_management", args=[initiative.slug]), {"message": "Otra vez"}
    )
    assert ManagementRequest.objects.count() == 1
    assert response.status_code == 200
    from iapt_platform.moderation.services import moderation_decide

    moderation_decide(item=item, moderator=moderator, action="approve", comment="")
    assert initiative.managers.filter(pk=member.pk).exists()


def test_step_5_requires_what_submission_requires_where_it_is_asked(client, promoter):
    initiative = services.initiative_start(
        user=promoter, name="Clúster del Aguacate", country="MX", kind="cluster"
    )
    initiative = services.initiative_save_step(
        initiative=initiative, user=promoter, data={"sectors": [SectorFactory()]}, step=4
    )
    client.force_login(promoter)

    page = client.get(step_url(initiative, 5), HTTP_ACCEPT_LANGUAGE="en").text
    assert re.search(r'<label for="id_contact_name">[^<]*<span aria-hidden="true">\*</span>', page)
    assert re.search(r'<label for="id_description">[^<]*<span aria-hidden="true">\*</span>', page)
    response = client.post(
        step_url(initiative, 5),
        {"description": "Productores de aguacate.", "description_language": "es", "next": "1"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["contact_name"]
    initiative.refresh_from_db()
    assert initiative.description == "Productores de aguacate."
    assert initiative.draft_step == 5
