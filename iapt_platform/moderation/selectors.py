from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet

from . import diff, registry
from .models import ModerationItem

OPEN = "open"
ALL = "all"
OLDEST = "oldest"
NEWEST = "newest"
SORTS = {OLDEST: ("waiting_since", "id"), NEWEST: ("-waiting_since", "-id")}


def moderation_queue(
    *, kind: str | None = None, country: str | None = None, status: str = OPEN, sort: str = OLDEST
) -> QuerySet[ModerationItem]:
    """Items that have waited longest first (or `sort="newest"`). `status` is "open" (pending or
    changes requested), "all" or one status.

    Unknown values give an empty queryset: filters come straight from shareable URLs.
    """
    items = _by_status(ModerationItem.objects.all(), status)
    if kind:
        items = items.filter(kind=kind)
    if country:
        items = items.filter(country=country.upper())
    return items.select_related("submitted_by").order_by(*SORTS.get(sort, SORTS[OLDEST]))


def moderation_queue_countries(*, status: str = OPEN) -> list[str]:
    """The country codes present among the items of a status filter (for the country select)."""
    codes = (
        _by_status(ModerationItem.objects.exclude(country=""), status)
        .order_by()
        .values_list("country", flat=True)
        .distinct()
    )
    return list(codes)


def moderation_counts() -> dict[str, int]:
    """Pending items per kind, in one query."""
    rows = (
        ModerationItem.objects.filter(status=ModerationItem.Status.PENDING)
        .order_by()
        .values_list("kind")
        .annotate(n=Count("id"))
    )
    return dict(rows)


@dataclass(frozen=True)
class Waiting:
    """What waits for a moderator: counts by kind label, the total, and the longest-waiting item."""

    by_kind: list[tuple[Any, int]]  # (the kind's label, lazy; count), by kind key
    total: int
    oldest: ModerationItem | None


def moderation_waiting() -> Waiting:
    """Pending items (those waiting for a moderator, not for their submitter), in two queries."""
    counts = moderation_counts()
    oldest = (
        ModerationItem.objects.filter(status=ModerationItem.Status.PENDING)
        .order_by(*SORTS[OLDEST])
        .first()
    )
    # Labels stay lazy: each reader's email renders them in the reader's language.
    labels = {kind.key: kind.label for kind in registry.kinds()}
    by_kind = [(labels.get(key, key), n) for key, n in sorted(counts.items())]
    return Waiting(by_kind=by_kind, total=sum(counts.values()), oldest=oldest)


def _by_status(items: QuerySet[ModerationItem], status: str) -> QuerySet[ModerationItem]:
    if status == OPEN:
        return items.filter(status__in=ModerationItem.OPEN_STATUSES)
    if status == ALL:
        return items
    if status in ModerationItem.Status.values:
        return items.filter(status=status)
    return items.none()


def moderation_item_content(*, kind: registry.ModerationKind | None, obj: Any) -> dict[str, Any]:
    """What the item page shows of the submission: its fields, or for an edit of something public
    the rows of a side-by-side comparison, changed and unchanged apart."""
    empty: dict[str, Any] = {"content": [], "is_edit": False, "changed": [], "unchanged": []}
    if kind is None or obj is None:
        return empty
    content = list(kind.content(obj))
    public = kind.public_version(obj)
    if public is None:
        # Fields left blank say nothing to the moderator (the preview lists what is missing).
        return {**empty, "content": [(label, value) for label, value in content if value]}
    rows = diff.compare(list(public), content)
    return {
        **empty,
        "is_edit": True,
        "changed": [row for row in rows if row.changed],
        "unchanged": [row for row in rows if not row.changed and row.proposed],
    }
