"""The registry's figures for the community dashboard (registered in apps.py).

Registered: initiatives first submitted for review (drafts never sent do not count). Updated: an
edit approved and merged into the published profile. Gone stale: flagged for moderators after 18
months without confirmation (the moderation item stays when the flag is cleared).
"""

from django.db.models import Q

from iapt_platform.dashboard.registry import Window, count_by_bucket
from iapt_platform.moderation.models import ModerationItem

from .models import Initiative


def registered(window: Window) -> list[int]:
    originals = Initiative.objects.filter(revision_of=None).exclude(status=Initiative.Status.DRAFT)
    return count_by_bucket(originals, window, date="created_at", country="country")


def published(window: Window) -> list[int]:
    originals = Initiative.objects.filter(revision_of=None, published_at__isnull=False)
    return count_by_bucket(originals, window, date="published_at", country="country")


def updated(window: Window) -> list[int]:
    merged = Initiative.objects.filter(~Q(revision_of=None), status=Initiative.Status.MERGED)
    # A merged edit is never saved again: its last change is the approval.
    return count_by_bucket(
        merged, window, date="updated_at", country="country", distinct="revision_of"
    )


def gone_stale(window: Window) -> list[int]:
    flagged = ModerationItem.objects.filter(kind="stale_initiative")
    return count_by_bucket(
        flagged, window, date="created_at", country="country", distinct="object_id"
    )
