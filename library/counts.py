"""The library's facet counts (models.FacetCount): how many published resources have each value of
each facet, kept exact by the writes that change them, so that the browsing page without filters
reads a few hundred rows instead of grouping the whole library.

A resource's row of the search listing (one per published resource) gives its contribution: one
to the total, one to its type and its year, one to each of its topics, languages, countries and
methods, as the grouped scan of the listing counts them (selectors._grouped_counts). `refresh` is
how the listing's rows of some resources are rewritten: it locks those resources, reads their
listing rows before and after the rewrite and adds the difference to the counts (in the caller's
transaction), so two edits at once add up and a rolled-back edit leaves the counts as they were.
`rebuild` counts the whole listing again (the daily sweep, a bulk load, the migration that made
the table). The same shape as the registry's counts (initiatives/counts.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, transaction

from iapt_platform.lib import listings

from .models import FacetCount, Resource, SearchListing

Key = tuple[str, str]  # dimension, value

TOTAL = "total"
# dimension: the listing's column (several values separated by spaces but for type and year)
COLUMNS = {
    "type": "type",
    "year": "year",
    "topic": "topics",
    "language": "languages",
    "country": "countries",
    "method": "methods",
}
_FIELDS = tuple(COLUMNS.values())


def contribution(row: Sequence[Any]) -> list[Key]:
    """The counts one listing row (its `_FIELDS` in order) adds one to."""
    keys: list[Key] = [(TOTAL, "")]
    for dimension, value in zip(COLUMNS, row, strict=True):
        if value is None or value == "":
            continue
        if dimension in ("type", "year"):
            keys.append((dimension, str(value)))
        else:
            keys += [(dimension, part) for part in str(value).split()]
    return keys


def _counted(rows: Iterable[Sequence[Any]]) -> Counter[Key]:
    counts: Counter[Key] = Counter()
    for row in rows:
        counts.update(contribution(row))
    return counts


def _listing_rows(ids: Sequence[int]) -> Counter[Key]:
    return _counted(
        SearchListing.objects.filter(resource_id__in=ids).values_list(*_FIELDS).order_by()
    )


def _add(delta: Counter[Key]) -> None:
    listings.add_to_counts(FacetCount, ("dimension", "value"), delta)


def _lock(ids: Sequence[int]) -> None:
    """Hold these resources' rows until the commit: a second refresh of one of them waits, then
    reads the listing row the first wrote (SQLite has one writer at a time already)."""
    if connection.vendor != "postgresql":
        return
    list(Resource.objects.filter(pk__in=ids).order_by("pk").select_for_update().values("pk"))


def refresh(ids: Sequence[int], write: Callable[[], int]) -> int:
    """Run `write` (which rewrites these resources' listing rows) and move the counts by the
    difference it made. Call inside a transaction."""
    ids = sorted(set(ids))
    if not ids:
        return 0
    _lock(ids)
    before = _listing_rows(ids)
    written = write()
    after = _listing_rows(ids)
    after.subtract(before)
    _add(after)
    return written


def withdraw(ids: Sequence[int]) -> None:
    """Take these resources out of the counts and the listing (they are being deleted: the
    database would drop their listing rows without telling the counts)."""
    ids = sorted(set(ids))
    if not ids:
        return
    _lock(ids)
    delta = Counter({key: -n for key, n in _listing_rows(ids).items()})
    SearchListing.objects.filter(resource_id__in=ids).delete()
    _add(delta)


def recount() -> Counter[Key]:
    """Every count, from the listing (one pass over its narrow rows)."""
    return _counted(
        SearchListing.objects.values_list(*_FIELDS).order_by().iterator(chunk_size=5000)
    )


@transaction.atomic
def rebuild() -> int:
    """Make the table equal to `recount()`; the number of counts that were wrong. Edits wait
    meanwhile."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(FacetCount._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
    wanted = recount()
    have = {
        (d, v): (pk, n)
        for pk, d, v, n in FacetCount.objects.values_list("pk", "dimension", "value", "n")
    }
    stale = {pk: n for key, (pk, n) in have.items() if key not in wanted}
    FacetCount.objects.filter(pk__in=list(stale)).delete()
    changed = [
        FacetCount(pk=have[key][0], dimension=key[0], value=key[1], n=n)
        for key, n in wanted.items()
        if key in have and have[key][1] != n
    ]
    FacetCount.objects.bulk_update(changed, ["n"], batch_size=1000)
    missing = [
        FacetCount(dimension=key[0], value=key[1], n=n)
        for key, n in wanted.items()
        if key not in have
    ]
    FacetCount.objects.bulk_create(missing, batch_size=1000)
    return sum(1 for n in stale.values() if n) + len(changed) + len(missing)


def known() -> dict[str, dict[str, int]]:
    """Every count, by dimension then value (the total under TOTAL, ""), zeros left out."""
    found: dict[str, dict[str, int]] = {}
    for dimension, value, n in FacetCount.objects.filter(n__gt=0).values_list(
        "dimension", "value", "n"
    ):
        found.setdefault(dimension, {})[value] = n
    return found
