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
from collections.abc import Sequence
from typing import Any

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


def _tables(counts: Counter[Key]) -> listings.Tables:
    return [(FacetCount, ("dimension", "value"), counts)]


_kept = listings.KeptCounts(
    listing=SearchListing,
    source=Resource,
    source_field="resource_id",
    fields=_FIELDS,
    contribution=contribution,
    tables=_tables,
)
refresh = _kept.refresh
withdraw = _kept.withdraw
recount = _kept.recount
rebuild = _kept.rebuild


def known() -> dict[str, dict[str, int]]:
    """Every count, by dimension then value (the total under TOTAL, ""), zeros left out."""
    found: dict[str, dict[str, int]] = {}
    for dimension, value, n in FacetCount.objects.filter(n__gt=0).values_list(
        "dimension", "value", "n"
    ):
        found.setdefault(dimension, {})[value] = n
    return found
