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
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, transaction

from iapt_platform.lib import listings

from .models import RegistryCount, RegistryPairCount, SearchListing

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


def _counted(rows: Iterable[Sequence[Any]]) -> Counter[Key]:
    counts: Counter[Key] = Counter()
    for row in rows:
        counts.update(contribution(row))
    return counts


def _listing_rows(ids: Sequence[int]) -> Counter[Key]:
    return _counted(
        SearchListing.objects.filter(initiative_id__in=ids).values_list(*_FIELDS).order_by()
    )


def _is_pair(key: Key) -> bool:
    return PAIR in key[0]


def _add(delta: Counter[Key]) -> None:
    """Each count moved by its delta: the pairs' in their own table (key order: dimension, value,
    country, as its unique index)."""
    listings.add_to_counts(
        RegistryCount,
        ("dimension", "country", "value"),
        Counter({key: n for key, n in delta.items() if not _is_pair(key)}),
    )
    pairs: Counter = Counter()
    for (dimension, country, value), n in delta.items():
        if PAIR in dimension:
            given, value = split_pair(value)
            pairs[(dimension, given, country, value)] = n
    listings.add_to_counts(RegistryPairCount, ("dimension", "given", "country", "value"), pairs)


def _lock(ids: Sequence[int]) -> None:
    """Hold these initiatives' rows until the commit: a second refresh of one of them waits, then
    reads the listing row the first wrote (SQLite has one writer at a time already)."""
    if connection.vendor != "postgresql":
        return
    from .models import Initiative

    list(Initiative.objects.filter(pk__in=ids).order_by("pk").select_for_update().values("pk"))


def refresh(ids: Sequence[int], write: Callable[[], int]) -> int:
    """Run `write` (which rewrites these initiatives' listing rows) and move the counts by the
    difference it made. Call inside a transaction."""
    ids = sorted(set(ids))
    if not ids:
        return 0
    _lock(ids)
    before = _listing_rows(ids)
    written = write()
    after = _listing_rows(ids)  # not trusting `written`: databases count upserts differently
    after.subtract(before)
    _add(after)
    return written


def withdraw(ids: Sequence[int]) -> None:
    """Take these initiatives out of the counts and the listing (they are being deleted: the
    database would drop their listing rows without telling the counts)."""
    ids = sorted(set(ids))
    if not ids:
        return
    _lock(ids)
    delta = Counter({key: -n for key, n in _listing_rows(ids).items()})
    SearchListing.objects.filter(initiative_id__in=ids).delete()
    _add(delta)


def recount() -> Counter[Key]:
    """Every count, from the listing (one pass over its narrow rows)."""
    return _counted(
        SearchListing.objects.values_list(*_FIELDS).order_by().iterator(chunk_size=5000)
    )


@transaction.atomic
def rebuild() -> int:
    """Make the tables equal to `recount()`; the number of counts that were wrong. Edits wait
    meanwhile (they would move counts the recount has already read or not yet read)."""
    if connection.vendor == "postgresql":
        for model in (RegistryCount, RegistryPairCount):
            table = connection.ops.quote_name(model._meta.db_table)
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
    wanted = recount()
    wrong = 0
    for model in (RegistryCount, RegistryPairCount):
        wrong += _make_equal(
            model,
            {key: n for key, n in wanted.items() if _is_pair(key) == (model is RegistryPairCount)},
        )
    return wrong


def _make_equal(model: type[RegistryCount | RegistryPairCount], wanted: dict[Key, int]) -> int:
    paired = model is RegistryPairCount
    if paired:
        have = {
            (d, c, pair_value(g, v)): (pk, n)
            for pk, d, c, g, v, n in RegistryPairCount.objects.values_list(
                "pk", "dimension", "country", "given", "value", "n"
            )
        }
    else:
        have = {
            (d, c, v): (pk, n)
            for pk, d, c, v, n in RegistryCount.objects.values_list(
                "pk", "dimension", "country", "value", "n"
            )
        }

    def row(key: Key, n: int, pk: int | None = None) -> RegistryCount | RegistryPairCount:
        dimension, country, value = key
        if paired:
            given, value = split_pair(value)
            return RegistryPairCount(
                pk=pk, dimension=dimension, given=given, country=country, value=value, n=n
            )
        return RegistryCount(pk=pk, dimension=dimension, country=country, value=value, n=n)

    stale = {pk: n for key, (pk, n) in have.items() if key not in wanted}  # zeros are tidied too
    model.objects.filter(pk__in=list(stale)).delete()
    changed: list[Any] = [
        row(key, n, have[key][0]) for key, n in wanted.items() if key in have and have[key][1] != n
    ]
    model.objects.bulk_update(changed, ["n"], batch_size=1000)
    missing: list[Any] = [row(key, n) for key, n in wanted.items() if key not in have]
    model.objects.bulk_create(missing, batch_size=1000)
    return sum(1 for n in stale.values() if n) + len(changed) + len(missing)
