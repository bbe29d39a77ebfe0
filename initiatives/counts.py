"""The registry's counts (models.RegistryCount): how many published initiatives of each country
have each value of each dimension, kept exact by the writes that change them.

An initiative's row of the search listing (one per published initiative) gives its contribution:
one count per dimension of its country (its place, type, stage, decade founded, whether it is on the
map, its programme, a digital-economy focus) and one per sector. `refresh` is how the listing's rows of some initiatives
are rewritten: it locks those initiatives, reads their listing rows before and after the rewrite
and adds the difference to the counts with `n = n + delta` (in the caller's transaction), so two
edits at once add up and a rolled-back edit leaves the counts as they were. `rebuild` counts the
whole listing again (the daily sweep, a bulk load, the migration that created the table).

Beside them, in their own table (models.RegistryPairCount), the pair counts: for each dimension
the directory filters by, the counts of every other among each of its values ("kind@sector",
"12:cluster"), kept by the same deltas, so that the directory filtered by one or two things
reads its facets instead of counting the matching initiatives.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from iapt_platform.lib import listings

from .models import Initiative, RegistryCount, RegistryPairCount, SearchListing

Key = tuple[str, str, str]  # dimension, country, value

# Every published initiative has exactly one "located" row ("1" on the map, "0" not): the total
# of a country is the sum of its two.
DIMENSIONS = (
    "located",
    "subdivision",
    "kind",
    "stage",
    "decade",
    "sector",
    "programme",
    "digital",  # only "1": those with a digital-economy focus (the directory's tick box)
)

_FIELDS = (
    "country",
    "subdivision",
    "kind",
    "stage",
    "year_founded",
    "located",
    "programme_id",
    "sectors",
    "digital_focus",
)


def contribution(row: Sequence[Any]) -> list[Key]:
    """The counts one listing row (its `_FIELDS` in order) adds one to."""
    country, subdivision, kind, stage, year, located, programme, sectors, digital = row
    keys = [
        ("located", country, "1" if located else "0"),
        ("subdivision", country, subdivision or ""),
        ("kind", country, kind),
        ("stage", country, stage or ""),
        ("decade", country, "" if year is None else str(year // 10 * 10)),
    ]
    if programme is not None:
        keys.append(("programme", country, str(programme)))
    if digital:
        keys.append(("digital", country, "1"))
    keys += [("sector", country, sector) for sector in (sectors or "").split()]
    return keys + _pairs(country, subdivision, kind, stage, programme, sectors, digital)


# The dimensions the directory filters by and shows as facets (besides the country), paired: for
# each, the counts of every other one among the initiatives of each of its values.
PAIRED = ("subdivision", "sector", "kind", "stage", "programme", "digital")
PAIR = "@"  # "kind@sector": the kinds among the initiatives of a sector
PAIR_VALUE = ":"  # "12:cluster": of sector 12, the clusters


def pair_dimension(facet: str, given: str) -> str:
    return f"{facet}{PAIR}{given}"


def pair_value(given_value: str, value: str) -> str:
    return f"{given_value}{PAIR_VALUE}{value}"


def split_pair(value: str) -> tuple[str, str]:
    """(the given value, the value) of a pair's key (no value of a dimension holds a colon)."""
    given, _, value = value.partition(PAIR_VALUE)
    return given, value


def _pairs(country, subdivision, kind, stage, programme, sectors, digital) -> list[Key]:
    """An initiative's counts of each paired dimension's values among those of each other's: a
    value not stated ("") is neither a filter nor a facet's option, so it pairs with nothing."""
    values = {
        "subdivision": [subdivision] if subdivision else [],
        "sector": (sectors or "").split(),
        "kind": [kind] if kind else [],
        "stage": [stage] if stage else [],
        "programme": [str(programme)] if programme is not None else [],
        "digital": ["1"] if digital else [],
    }
    return [
        (pair_dimension(facet, given), country, pair_value(given_value, value))
        for given in PAIRED
        for given_value in values[given]
        for facet in PAIRED
        if facet != given
        for value in values[facet]
    ]


def _is_pair(key: Key) -> bool:
    return PAIR in key[0]


def _tables(counts: Counter[Key]) -> listings.Tables:
    """Each count's table: the pairs' in their own (key order: dimension, given, country, value,
    as its unique index)."""
    pairs: Counter = Counter()
    for (dimension, country, value), n in counts.items():
        if PAIR in dimension:
            given, value = split_pair(value)
            pairs[(dimension, given, country, value)] = n
    singles = Counter({key: n for key, n in counts.items() if not _is_pair(key)})
    return [
        (RegistryCount, ("dimension", "country", "value"), singles),
        (RegistryPairCount, ("dimension", "given", "country", "value"), pairs),
    ]


_kept = listings.KeptCounts(
    listing=SearchListing,
    source=Initiative,
    source_field="initiative_id",
    fields=_FIELDS,
    contribution=contribution,
    tables=_tables,
)
refresh = _kept.refresh
withdraw = _kept.withdraw
recount = _kept.recount
rebuild = _kept.rebuild
