"""What a moderator reads on the queue's item page for initiatives and co-management requests."""

from django.urls import reverse
from django.utils.translation import gettext as _

from iapt_platform.lib import subdivisions
from iapt_platform.moderation.content import Pair, codes_display, field_pairs, label_of

from .models import Initiative, ManagementRequest
from .services import CONTENT_FIELDS

_CODE_LISTS = {
    "funding_sources": Initiative.FUNDING_SOURCES,
    "digital_topics": Initiative.DIGITAL_TOPICS,
}


def initiative_content(initiative: Initiative) -> list[Pair]:
    """Every field a promoter fills in, in the order of the guided form's model."""
    pairs = []
    for name in [*CONTENT_FIELDS, "sectors"]:
        if name in _CODE_LISTS:
            value = codes_display(getattr(initiative, name) or [], _CODE_LISTS[name])
            pairs.append((label_of(Initiative, name), value))
        elif name == "subdivision":
            # Stored as its ISO 3166-2 code; a moderator reads the state's name.
            value = subdivisions.name(initiative.subdivision)
            pairs.append((label_of(Initiative, name), value or initiative.subdivision))
        else:
            pairs += field_pairs(initiative, [name])
    return pairs


def initiative_public_version(initiative: Initiative) -> list[Pair] | None:
    """The published profile an open edit would change (once merged, the two are the same)."""
    original = initiative.revision_of
    if original is None or initiative.status == Initiative.Status.MERGED:
        return None
    return initiative_content(original)


def initiative_preview_url(initiative: Initiative) -> str:
    # A published registration has left the draft preview: its public page shows it whole.
    if initiative.is_published:
        return initiative.get_absolute_url()
    return reverse("initiatives:draft_preview", args=[initiative.pk])


def management_request_content(request: ManagementRequest) -> list[Pair]:
    return [
        (_("Account"), f"{request.user} <{request.user.email}>"),
        (_("Initiative"), str(request.initiative)),
        *field_pairs(request, ["message"]),
    ]
