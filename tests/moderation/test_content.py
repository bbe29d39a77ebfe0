"""The item page shows what is submitted (and, for edits, what would change) for every kind."""

import re

import pytest
from django.urls import reverse

from iapt_platform.moderation.diff import compare_text
from iapt_platform.moderation.models import ModerationItem
from initiatives import services as initiative_services
from initiatives.models import Initiative

from ..initiatives.helpers import complete_draft, decide

pytestmark = pytest.mark.django_db


def item_of(obj, kind=None) -> ModerationItem:
    items = ModerationItem.objects.filter(object_id=obj.pk)
    if kind:
        items = items.filter(kind=kind)
    return items.latest("created_at")


def item_page(client, item):
    return client.get(reverse("moderation:item", args=[item.pk]))


def submitted_edit(promoter, moderator, *, description: str) -> tuple[Initiative, Initiative]:
    initiative = complete_draft(promoter, submit=True)
    decide(initiative, moderator, "approve")
    revision = initiative_services.initiative_start_edit(initiative=initiative, user=promoter)
    revision = initiative_services.initiative_save_step(
        initiative=revision, user=promoter, data={"description": description}, step=5
    )
    initiative_services.initiative_submit(initiative=revision, user=promoter)
    return initiative, revision


def test_the_full_submission_link_of_an_approved_registration_opens(
    moderator_client, moderator_with_totp, promoter
):
    initiative = complete_draft(promoter, submit=True)
    decide(initiative, moderator_with_totp, "approve")
    page = item_page(moderator_client, item_of(initiative))
    link = re.search(r'href="([^"]+)"[^>]*>See the full submission', page.text)
    assert link, "the item page links to the submission"
    assert moderator_client.get(link.group(1)).status_code == 200


def test_a_new_registration_shows_its_submitted_text(moderator_client, promoter):
    initiative = complete_draft(promoter, submit=True)
    page = item_page(moderator_client, item_of(initiative))
    assert page.status_code == 200
    assert "Productores de leche y queserías de Cayambe." in page.text
    assert "Rosa Quishpe" in page.text
    assert "Agrifood" in page.text
    assert "<del>" not in page.text


def test_an_edit_shows_what_changes_against_the_public_version(
    moderator_client, moderator_with_totp, promoter
):
    _original, revision = submitted_edit(
        promoter, moderator_with_totp, description="Productores de leche, queso y yogur de Cayambe."
    )
    page = item_page(moderator_client, item_of(revision, "initiative_edit"))
    html = page.text
    assert page.status_code == 200
    assert "Public version" in html and "Proposed version" in html
    assert "<del>queserías</del>" in html
    assert "<ins>yogur</ins>" in html


def test_the_diff_escapes_what_was_submitted(moderator_client, moderator_with_totp, promoter):
    _original, revision = submitted_edit(
        promoter,
        moderator_with_totp,
        description='<script>alert("x")</script> Productores de leche.',
    )
    html = item_page(moderator_client, item_of(revision, "initiative_edit")).text
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html


def test_compare_text_marks_words_and_escapes_them():
    left, right = compare_text("a <b> c", "a <i> c")
    assert left == "a &lt;<del>b</del>&gt; c"
    assert right == "a &lt;<ins>i</ins>&gt; c"


def test_a_registration_shows_its_state_or_province_by_name(moderator_client, promoter):
    initiative = complete_draft(promoter, submit=False)
    Initiative.objects.filter(pk=initiative.pk).update(country="EC", subdivision="EC-O")
    initiative.refresh_from_db()
    initiative_services.initiative_submit(initiative=initiative, user=promoter)
    page = item_page(moderator_client, item_of(initiative))
    assert "El Oro" in page.text and "EC-O" not in page.text
