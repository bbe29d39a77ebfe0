import hashlib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache as cache_result
from functools import cached_property
from itertools import combinations, islice
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    prefetch_related_objects,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Lower
from django.http import QueryDict
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import SafeString
from django_countries import countries
from django_countries.fields import Country

from iapt_platform.accounts import personal_data, privacy
from iapt_platform.lib import joined, listings, search, subdivisions
from iapt_platform.lib.cache import CacheVersion, versions_read_together
from iapt_platform.lib.facets import CountedPaginator, FacetOption

from . import columns, presenters
from .counts import pair_dimension
from .filters import SORTS, InitiativeFilter
from .models import (
    Initiative,
    ManagementRequest,
    ManagerInvitation,
    Programme,
    RegistryCount,
    RegistryPairCount,
    SearchListing,
    Sector,
    SectorListing,
)

PAGE_SIZE = 24
# Changes whenever the published registry changes: the directory's, the map's and the
# statistics' cache keys include it (signals.py bumps it after each write).
REGISTRY_VERSION = CacheVersion("initiatives:registry-version")
registry_version = REGISTRY_VERSION.get
registry_changed = REGISTRY_VERSION.bump


WARM_PENDING_KEY = "initiatives:directory-warm-pending"


def directory_warm_due() -> bool:
    """True for the first change of a burst (an import saves thousands of rows): one warm-up each."""
    return bool(cache.add(WARM_PENDING_KEY, 1, 60))


def directory_warm_pending_clear() -> None:
    cache.delete(WARM_PENDING_KEY)


# The sectors (a small translated taxonomy) kept in each process: the directory names them on
# every card and facet without asking the database. Their own version changes with every save or
# delete of a sector (signals.py); KEPT_SECTORS_SECONDS bounds what a change lost while Redis was
# away could leave.
SECTORS_VERSION = CacheVersion("initiatives:sectors-version", random_start=True)
KEPT_SECTORS_SECONDS = 300
_kept_sectors: dict[str, tuple[object, float, list[Sector]]] = {}


def sectors_in_order() -> list[Sector]:
    """Every sector in Sector's own order (its order, then its name in the reader's language)."""
    version, language = SECTORS_VERSION.get(), translation.get_language() or ""
    kept = _kept_sectors.get(language)
    if kept is None or kept[0] != version or time.monotonic() - kept[1] > KEPT_SECTORS_SECONDS:
        kept = (version, time.monotonic(), list(Sector.objects.all()))
        _kept_sectors[language] = kept
    return kept[2]


def _sectors_prefetch() -> Prefetch:  # made anew each time: a Prefetch keeps its results
    return Prefetch("sectors", queryset=Sector.objects.order_by("order"))


def initiative_list_public() -> QuerySet[Initiative]:
    return (
        Initiative.objects.published()
        .select_related("programme")
        .prefetch_related(_sectors_prefetch())
    )


# What a hit of the one search shows (initiatives/site_search.py): not the wide rows' other columns
# (the search document and vector, the long texts a hit never shows).
HIT_FIELDS = ("slug", "name", "description", "description_language", "country", "published_at")


def initiative_hits(ids: list[int]) -> QuerySet[Initiative]:
    """The published initiatives of `ids`, with what a search hit shows (name, description,
    country, sectors) and nothing else."""
    return (
        Initiative.objects.published()
        .filter(pk__in=ids)
        .only(*HIT_FIELDS)
        .prefetch_related(_sectors_prefetch())
    )


def initiative_latest(*, limit: int) -> QuerySet[Initiative]:
    return initiative_list_public().order_by("-published_at", "name")[:limit]


# What other apps show on an initiative's page (its stories, resources, offers, projects): each
# registers, from its AppConfig.ready(), the ids of the initiatives that may have some (a superset:
# any link, whatever its status or date) and the version its writes bump. The sets are kept under
# those versions and read with the page's other kept parts in one cache call: an initiative in
# none of them (most) asks no query for those parts, instead of one each.
@dataclass(frozen=True)
class _PagePart:
    version: Callable[[], object]
    initiatives: Callable[[], QuerySet]


_PAGE_PARTS: dict[str, _PagePart] = {}
PARTS_SECONDS = 3600
# A set of more ids than this is not kept (False is kept instead: the page asks, as without sets):
# read on every page not kept, it would cost more than the query it saves.
PARTS_MOST = 5_000


def page_shows(
    part: str, *, version: Callable[[], object], initiatives: Callable[[], QuerySet]
) -> None:
    """`initiatives()`: every initiative that may have something of `part` on its page (the others
    have none); `version()` changes with every write that may change that (its app's version)."""
    _PAGE_PARTS[part] = _PagePart(version, initiatives)


def initiative_shows(initiative: Any, part: str) -> bool:
    """False only when `initiative_page_parts` found that the initiative has nothing of `part`."""
    return bool(getattr(initiative, f"shows_{part}", True))


def initiative_for_public_page(*, slug: str, reader: Any = None) -> Initiative | None:
    """The published initiative, its programme and the ids of its sectors, in one query; with a
    signed-in `reader`, also whether they manage it (`manages`, as `initiative_managed_by`
    answers). Its page reads the rest with `initiative_page_parts` (not needed when a kept copy
    is found), its sectors among them, from the kept map of sectors."""
    found = (
        Initiative.objects.published()
        .select_related("programme")
        .filter(slug=slug)
        .annotate(sector_ids=RawSQL(sector_ids_sql(f'"{_INITIATIVE}"'), ()))  # noqa: S611 (fixed text)
    )
    if reader is not None:
        found = found.annotate(manages=_manages(reader))
    return found.first()


def initiative_page_parts(initiative: Initiative) -> list["RelatedCard"]:
    """What an initiative's page shows besides its own row: its sectors (the ids its row was
    read with, the sectors from the kept map of them), whether other apps have anything for it
    (`initiative_shows`), and its related initiatives, the kept parts read in one cache call (the
    database asked only for those not kept)."""
    if hasattr(initiative, "sector_ids"):  # read with its row
        sector_ids = sector_ids_of(initiative.sector_ids)
    else:
        prefetch_related_objects([initiative], _sectors_prefetch())
        sector_ids = [s.pk for s in initiative.sectors.all()]
    with versions_read_together():  # one round trip (none inside a kept page's request)
        keys = {
            part: f"initiatives:page-part:{part}:{kept.version()}"
            for part, kept in _PAGE_PARTS.items()
        }
        related_key = _related_key(initiative, sector_ids)
        sectors_key = _sectors_key()
    found = cache.get_many([*keys.values(), sectors_key, *related_key])
    missing: dict[str, Any] = {}
    for part, key in keys.items():
        ids: frozenset[int] | bool | None = found.get(key)
        if ids is None:
            listed = list(_PAGE_PARTS[part].initiatives()[: PARTS_MOST + 1])
            ids = missing[key] = frozenset(listed) if len(listed) <= PARTS_MOST else False
        shows = not isinstance(ids, frozenset) or initiative.pk in ids
        setattr(initiative, f"shows_{part}", shows)
    sectors: dict[int, Sector] | None = found.get(sectors_key)
    if sectors is None:
        sectors = _sectors_map()
        missing[sectors_key] = sectors
    if "sectors" not in getattr(initiative, "_prefetched_objects_cache", {}):
        joined.as_prefetched(
            initiative, "sectors", [sectors[pk] for pk in sector_ids if pk in sectors]
        )
    cards, kept = _related_cards(initiative, sector_ids, related_key, sectors, found)
    missing.update(kept)
    if missing:
        cache.set_many(missing, PARTS_SECONDS)
    return cards


def initiative_page_of_sector(*, sector: Sector, count: int, number: str | None) -> Page:
    """A page of the sector's published initiatives by name (then id), of `count` in all (the
    registry's counts): its ids read in that order from the sector listing's index (sector,
    name, ...), so a page costs its 24 rows whatever the size of the sector, then those
    initiatives."""
    ids = (
        SectorListing.objects.filter(sector=sector)
        .order_by("name", "initiative_id")
        .values_list("initiative_id", flat=True)
    )
    page = CountedPaginator(ids, PAGE_SIZE, known_count=count).get_page(number)
    return Page(initiatives_in_order(list(page.object_list)), page.number, page.paginator)


def initiatives_in_order(ids: list[int]) -> list[Initiative]:
    """The published initiatives of these ids, in their order, with their programme and sectors."""
    found = {i.pk: i for i in initiative_list_public().filter(pk__in=ids).order_by()}
    return [found[pk] for pk in ids if pk in found]


MOST_SECTORS_COMBINED = 3  # the sets of sectors read together: of the first three at most


def initiative_related(*, initiative: Initiative, limit: int = 6) -> list[Initiative]:
    """Published initiatives of the same sectors in other countries, most sectors shared first,
    then by name (`_related_rows`), as initiatives."""
    return initiatives_in_order([row[0] for row in _related_rows(initiative, limit)])


def _related_rows(
    initiative: Initiative, limit: int, sector_ids: list[int] | None = None
) -> list[tuple[int, str, str, str, str | None]]:
    """(id, slug, name, country, the ids of its sectors as `sector_ids_sql` gives them) of the
    initiative's related initiatives, in one query.

    Its cost does not grow with the registry: no count over a sector. For each set of the
    initiative's sectors (each sector, each pair, the three), the first `limit` initiatives of
    other countries in all of them, by name, are read from the sector listing's index; only
    those candidates are ranked. The answer is the same as ranking every initiative: one in the
    top `limit` shares some set S exactly, and every initiative before it by name in S's group
    shares at least as many sectors, so it ranks before it too: fewer than `limit` do. (An
    initiative of more than three sectors combines its first three; the others count singly.)
    Written as SQL once (the same text for PostgreSQL and SQLite): composed by the ORM it cost
    more to build than to run (seven ranges, each with its EXISTS)."""
    if sector_ids is None:
        sector_ids = [s.pk for s in initiative.sectors.all()]
    if not sector_ids:
        return []
    # Each an index range read in name order up to its LIMIT, probing the other sectors' rows.
    groups: list[tuple[int, ...]] = [(sector_id,) for sector_id in sector_ids]
    combined = sector_ids[:MOST_SECTORS_COMBINED]
    for size in range(2, len(combined) + 1):
        groups += list(combinations(combined, size))
    country = initiative.country.code
    ranges, params = [], []
    for n, (first, *also) in enumerate(groups):
        probes = "".join(
            f" AND EXISTS (SELECT 1 FROM {_LISTING} m WHERE m.sector_id = %s"  # noqa: S608
            " AND m.initiative_id = l.initiative_id)"
            for _ in also
        )
        ranges.append(
            f"SELECT * FROM (SELECT l.initiative_id FROM {_LISTING} l WHERE l.sector_id = %s"  # noqa: S608
            f" AND l.country <> %s{probes} ORDER BY l.name, l.initiative_id LIMIT %s) AS r{n}"
        )
        params += [first, country, *also, limit]
    # The listing may trail an edit by a moment: the initiatives themselves are checked again.
    marks = ", ".join(["%s"] * len(sector_ids))
    sql = (
        f"SELECT i.id, i.slug, i.name, i.country, {sector_ids_sql('i')}"  # noqa: S608 (fixed)
        f" FROM {_INITIATIVE} i"
        f" JOIN {_INITIATIVE_SECTORS} s ON s.initiative_id = i.id"
        f" WHERE i.id IN ({' UNION '.join(ranges)}) AND s.sector_id IN ({marks})"
        " AND i.country <> %s AND i.status = %s AND i.revision_of_id IS NULL"
        " GROUP BY i.id, i.slug, i.name, i.country"
        " ORDER BY COUNT(*) DESC, i.name, i.id LIMIT %s"
    )
    params += [*sector_ids, country, Initiative.Status.PUBLISHED.value, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()]


_LISTING = SectorListing._meta.db_table
_INITIATIVE = Initiative._meta.db_table
_INITIATIVE_SECTORS = Initiative.sectors.through._meta.db_table


_SECTOR = Sector._meta.db_table


def sector_ids_sql(
    alias: str, *, table: str = _INITIATIVE_SECTORS, link: str = "initiative_id"
) -> str:
    """SQL of the ids of the sectors of the row `alias`.id (an initiative; another model's
    through `table`, whose column `link` names the row) in the sectors' order (by order, then
    name), as one text "3,14,15" (NULL for none): a page's sectors read in its own query, the
    sectors themselves from their kept map (`sectors_by_id`)."""
    return joined.joined_sql(
        table=table,
        column="sector_id",
        link=link,
        outer=f"{alias}.id",
        join=f"JOIN {_SECTOR} y ON y.id = x.sector_id",
        order='y."order", y.name',
    )


def sector_ids_of(text: str | None) -> list[int]:
    """The ids in `sector_ids_sql`'s text ([] for NULL: no sector)."""
    return [int(pk) for pk in joined.split(text)]


def _sectors_key() -> str:
    return f"initiatives:sectors:{registry_version()}"


def _sectors_map() -> dict[int, Sector]:
    return {sector.pk: sector for sector in Sector.objects.order_by("order", "name")}


def sectors_by_id() -> dict[int, Sector]:
    """Every sector by id, kept under the registry's version (which a change to a sector bumps):
    the sectors of a page whose row gave their ids (`sector_ids_sql`)."""
    key = _sectors_key()
    found = cache.get(key)
    if found is None:
        found = _sectors_map()
        cache.set(key, found, PARTS_SECONDS)
    return found


@dataclass(frozen=True)
class RelatedCard:
    """What an initiative's page shows of a related one: kept in the cache, not a model row."""

    slug: str
    name: str
    country_code: str
    sectors: tuple[Sector, ...]

    @property
    def country(self) -> Country:
        return Country(self.country_code)

    def get_absolute_url(self) -> str:
        return reverse("initiatives:detail", args=[self.slug])


def _related_key(initiative: Initiative, sector_ids: list[int], limit: int = 6) -> list[str]:
    """The key of the initiative's related list (none without sectors): the list is the same
    for every initiative of the same country and sectors (14,600 such sets among 100,000
    initiatives), under the registry's version (any change to an initiative, a sector or a
    programme makes other keys), in any language (names are put in as shown)."""
    if not sector_ids:
        return []
    ids = ".".join(str(pk) for pk in sector_ids)
    version = registry_version()
    return [f"initiatives:related:{version}:{initiative.country.code}:{ids}:{limit}"]


def _related_cards(
    initiative: Initiative,
    sector_ids: list[int],
    keys: list[str],
    sectors: dict[int, Sector],
    found: dict[str, Any],
    limit: int = 6,
) -> tuple[list[RelatedCard], dict[str, Any]]:
    """`initiative_related` as cards, from what the cache `found` under `keys` (the list's rows,
    each with the ids of its sectors: one query when not kept), and what to keep."""
    if not keys:
        return [], {}
    (related_key,) = keys
    missing: dict[str, Any] = {}
    rows = found.get(related_key)
    if rows is None:
        related = _related_rows(initiative, limit, sector_ids)
        rows = missing[related_key] = [
            (slug, name, code, sector_ids_of(ids)) for _pk, slug, name, code, ids in related
        ]
    cards = [
        RelatedCard(slug, name, code, tuple(sectors[pk] for pk in pks if pk in sectors))
        for slug, name, code, pks in rows
    ]
    return cards, missing


@dataclass
class Directory:
    """One page of the directory. The page of initiatives and the facet options are loaded when
    first read: a page whose rendered results are cached (fragment_key) never loads them."""

    filterset: InitiativeFilter
    invalid: bool
    sort: str
    query_string: str  # the current filters, without the page, for links
    fragment_key: str  # names the rendered results and facets; "" when they must not be kept
    load_page: Callable[[], Page] = field(repr=False)
    load_facets: Callable[[], dict[str, list[FacetOption]]] = field(repr=False)
    # The free-text search, and whether its matches passed search.COUNT_CAP: then the count is
    # the cap (the page says "more than"), and facets counted over such a set show no numbers.
    searched: str = ""
    more: bool = False

    @cached_property
    def page(self) -> Page:
        return self.load_page()

    @cached_property
    def facets(self) -> dict[str, list[FacetOption]]:
        return self.load_facets()

    @cached_property
    def cards(self) -> SafeString:
        """The page's initiatives as the list shows them (presenters.directory_cards)."""
        return presenters.directory_cards(self.page.object_list)  # type: ignore[arg-type]

    @property
    def active_filter_count(self) -> int:
        """How many facet values are ticked, for the "Filters (n active)" summary."""
        return sum(option.selected for options in self.facets.values() for option in options)


def initiative_filterset(params: QueryDict) -> InitiativeFilter:
    # An empty value ("?stage=", sent by a select's "All" option) means no filter, not an unknown one.
    cleaned = QueryDict(mutable=True)
    for key, values in params.lists():
        kept = [v for v in values if v.strip()]
        if kept:
            cleaned.setlist(key, kept)
    return InitiativeFilter(cleaned, queryset=Initiative.objects.published())


def initiative_filtered(params: QueryDict) -> tuple[InitiativeFilter, QuerySet[Initiative], bool]:
    """(filterset, published initiatives matching the params, whether a value was invalid).

    An unknown value (a country outside the region, a sector that does not exist) gives an
    empty result rather than silently ignoring the filter.
    """
    filterset = initiative_filterset(params)
    if filterset.is_bound and not filterset.form.is_valid():
        return filterset, Initiative.objects.none(), True
    # One row per initiative even when several selected sectors match (filters.filter_sector).
    return filterset, filterset.qs, False


def initiative_search(query: str) -> QuerySet[Initiative] | None:
    """The published initiatives `query` finds, ranked, as initiative_filtered gives them for
    `?q=` alone (without building its filterset: the one search asks this at each search); None
    when the words are too long for the filter (invalid)."""
    query = query.strip()
    if len(query) > InitiativeFilter.base_filters["q"].extra["max_length"]:
        return None
    qs = Initiative.objects.published()
    return search.search(qs, query) if query else qs


def initiative_directory(params: QueryDict, *, page_number: str | None) -> Directory:
    filterset = initiative_filterset(params)
    invalid = filterset.is_bound and not filterset.form.is_valid()

    @cache_result
    def matching() -> QuerySet[Initiative]:
        """The matches as initiative_filtered gives them, built only when asked: a page whose
        count and ids are kept, or whose ids come from the sector listing, needs none."""
        return Initiative.objects.none() if invalid else filterset.qs

    sort = params.get("sort") if params.get("sort") in SORTS else ""
    active = filterset.active_filters()
    # Counts, facets and the ids of each page are cached per filter combination until the
    # registry changes: a search or filter that many people use is computed once.
    key = _directory_key(params)
    counts: dict[str, dict[str, int]] = {}
    uncounted: list[str] = []
    known_count = None
    more = False
    if not invalid:
        # The facets first: on PostgreSQL their one scan also yields the total.
        cached = cache.get(f"{key}:facets-capped")
        if cached is None:
            cached = _facet_counts(filterset)
            if cached[1] is None:  # every facet filtered: counted apart
                cached = (cached[0], *_count(matching(), capped=bool(active.get("q"))), cached[3])
            cache.set(f"{key}:facets-capped", cached, CACHE_SECONDS)
        counts, known_count, more, uncounted = cached
    if not sort:
        # Ranking thousands of matches of a word most initiatives share ("cluster") tells the
        # reader nothing and costs a score per match: broad searches list by name unless asked.
        sort = "relevance" if active.get("q") and not more else "name"
    # Told its count, the paginator never reads its list: the page's ids are read below.
    paginator = CountedPaginator(
        initiative_ordered(matching(), sort) if known_count is None else (),
        PAGE_SIZE,
        known_count=known_count,
    )
    number = paginator.validate_number(_page_number(page_number, paginator))
    ids_key = f"{key}:ids:{sort}:{number}"

    def load_page() -> Page:
        ids = None if invalid else cache.get(ids_key)
        if ids is None:
            # No further than the count (the cap, for a search past it), as Paginator does.
            start = (number - 1) * PAGE_SIZE
            end = min(start + PAGE_SIZE, paginator.count)
            in_order = _ordered_ids(sort, active)
            if in_order is None:
                in_order = initiative_ordered(matching(), sort).values_list("pk", flat=True)
            ids = list(in_order[start:end]) if end > start else []
            if not invalid:
                cache.set(ids_key, ids, CACHE_SECONDS)
        rows = {
            i.pk: i
            for i in Initiative.objects.filter(pk__in=ids)
            .only(*_CARD_FIELDS)
            .select_related("programme")
        }
        _with_kept_sectors(list(rows.values()))
        return Page([rows[pk] for pk in ids if pk in rows], number, paginator)

    query = params.copy()
    query.pop("page", None)
    query_string = query.urlencode()
    address = hashlib.sha256(query_string.encode()).hexdigest()[:16]
    return Directory(
        filterset=filterset,
        invalid=invalid,
        sort=sort,
        query_string=query_string,
        fragment_key="" if invalid else f"{key}:html:{sort}:{number}:{address}",
        load_page=load_page,
        load_facets=lambda: {} if invalid else _facet_options(counts, filterset, uncounted),
        searched=str(active.get("q") or ""),
        more=more,
    )


# What a card of the directory shows (initiatives/partials/directory_results.html): the rows of
# a page are read without their descriptions, contacts and search columns.
_CARD_FIELDS = (
    *("id", "slug", "name", "acronym", "kind", "country", "city", "stage", "programme"),
    *("programme__id", "programme__slug", "programme__name"),
)


def _with_kept_sectors(initiatives: list[Initiative]) -> None:
    """Each initiative's sectors in their order, as `listed_sectors`: their links read by ids
    (one query on the links' index), the sectors themselves kept (sectors_in_order)."""
    position = {sector.pk: (n, sector) for n, sector in enumerate(sectors_in_order())}
    links = Initiative.sectors.through.objects.filter(
        initiative_id__in=[i.pk for i in initiatives]
    ).values_list("initiative_id", "sector_id")
    found: dict[int, list[tuple[int, Sector]]] = {}
    for initiative_id, sector_id in links:
        if sector_id in position:
            found.setdefault(initiative_id, []).append(position[sector_id])
    for initiative in initiatives:
        initiative.listed_sectors = [sector for _n, sector in sorted(found.get(initiative.pk, []))]


def _ordered_ids(sort: str, active: dict) -> QuerySet | None:
    """The ids of the matches by name, when one sector is chosen, with one country or none:
    read in order from the sector listing's index ((sector, country, name) or (sector, name)),
    a page of rows whatever the size of the country, the sector or the registry (other filters
    are checked on those rows). None otherwise: the initiatives' own indexes serve."""
    chosen, sectors = active.get("country") or [], list(active.get("sector") or [])
    if sort != "name" or "q" in active or len(chosen) > 1 or len(sectors) != 1:
        return None
    listed = SectorListing.objects.filter(sector=sectors[0])
    if chosen:
        listed = listed.filter(country=chosen[0])
    rest = {name: value for name, value in active.items() if name not in ("country", "sector")}
    if rest:
        # Each row in the index's order checked on its search row (a probe of its key), so the
        # first page stops at its 24th match instead of sorting every match.
        listed = listed.filter(
            Exists(_listing_matching(rest).filter(initiative_id=OuterRef("initiative_id")))
        )
    return listed.order_by(Lower("name"), "initiative_id").values_list("initiative_id", flat=True)


def _count(qs: QuerySet, *, capped: bool) -> tuple[int, bool]:
    return search.capped_count(qs) if capped else (qs.count(), False)


CACHE_SECONDS = 600


def _directory_key(params: QueryDict) -> str:
    """A cache key for a filter combination (order of parameters and the page do not matter)."""
    canonical = sorted(
        (key, sorted(v.strip() for v in values if v.strip()))
        for key, values in params.lists()
        if key not in ("page", "sort")
    )
    digest = hashlib.sha256(repr(canonical).encode()).hexdigest()[:32]
    return f"initiatives:dir:{registry_version()}:{digest}"


def _page_number(raw: str | None, paginator: Paginator) -> int:
    try:
        number = int(raw or 1)
    except ValueError:
        return 1
    return min(max(number, 1), max(paginator.num_pages, 1))


def initiative_ordered(qs: QuerySet, sort: str) -> QuerySet:
    if sort == "relevance" and "rank" in qs.query.annotations:
        return qs.order_by("-rank", "name", "pk")
    if sort == "newest":
        return qs.order_by(F("published_at").desc(nulls_last=True), "name", "pk")
    if sort == "founded":
        return qs.order_by(F("year_founded").desc(nulls_last=True), "name", "pk")
    return qs.order_by(Lower("name"), "pk")


# The search listing's column each facet counts.
_FACET_COLUMNS = {
    "country": "country",
    "subdivision": "subdivision",
    "sector": "sectors",
    "kind": "kind",
    "stage": "stage",
    "programme": "programme_id",
    "digital": "digital_focus",
}


FacetCounts = tuple[dict[str, dict[str, int]], int | None, bool, list[str]]


def _facet_counts(filterset: InitiativeFilter) -> FacetCounts:
    """Counts per facet value, each facet counted under every other active filter; the total of
    matches (None when every facet is filtered); whether there are more matches than that total
    (a search past search.COUNT_CAP); and the facets whose counts are not known.

    A facet counted under no filter or under countries only, and the country facet under one
    other filter, are read from the registry's counts (`RegistryCount`, kept exact by every
    write): a few small rows, whatever the size of the registry. The others are counted on the
    search listing (`SearchListing`, one narrow row per published initiative with its stripped
    vector and facet columns) rather than the initiatives' wide rows: every facet without an
    active filter of its own in one grouped scan of the matches, whose grand-total row is the
    total (GROUPING SETS on PostgreSQL; one GROUP BY per facet on SQLite); a facet with an
    active filter apart, under the other filters only.

    With a free-text search each set is read no further than COUNT_CAP + 1 matches: a set that
    goes past it (most of the registry, for "cluster") has its values listed as found in those
    rows, its facets marked uncounted, and the total given as the cap with `more`.
    """
    active = filterset.active_filters()
    facets = InitiativeFilter.facets_for(active)
    shared = [f for f in facets if f not in active]
    cap = search.COUNT_CAP if active.get("q") else None
    # Each set of counts: (facets, the filters they are counted under, whether with the total).
    wanted = [(shared, active, True)] + [
        ([facet], {k: v for k, v in active.items() if k != facet}, False)
        for facet in facets
        if facet in active
    ]
    asked = [(TOTAL, active)] + [(f, where) for group, where, _total in wanted for f in group]
    answers = iter(_registry_counts(asked))
    counts: dict[str, dict[str, int]] = {}
    total = next(answers)
    more, uncounted = False, []
    for group, where, with_total in wanted:
        left = []
        for facet in group:
            known = next(answers)
            if known is None:
                left.append(facet)
            else:
                counts[facet] = known
        # The shared scan yields the total; with every facet filtered the caller counts it.
        need_total = with_total and bool(group) and total is None
        if left:
            found, grand_total, past = _grouped_facet_counts(
                left, _listing_matching(where), cap, total=need_total
            )
            counts.update(found)
            uncounted += left if past else []
            if need_total:
                total, more = grand_total, past
        elif need_total:  # never with a search: the registry answers none
            total = _listing_matching(where).count()
    return {f: counts[f] for f in facets}, total, more, uncounted


def initiative_search_listing(query: str) -> QuerySet[SearchListing]:
    """The search listing's rows of the published initiatives that `query` finds (to count)."""
    return _listing_matching({"q": query})


TOTAL = ""  # the number of matches, beside the facets, in _registry_counts' answers

# The registry's dimension (models.RegistryCount) of each facet but the country.
_REGISTRY_DIMENSIONS = {
    "subdivision": "subdivision",
    "sector": "sector",
    "kind": "kind",
    "stage": "stage",
    "programme": "programme",
    "digital": "digital",
}
# The dimensions an initiative has one value of: the counts of several values add up.
_ONE_VALUE = {"subdivision", "kind", "stage", "programme", "digital"}


def _registry_counts(asked: list[tuple[str, dict]]) -> list[Any]:
    """What the registry's counts answer exactly of each of `asked` ((facet or TOTAL, filters)
    pairs), read in a query or two: {value: n} (for TOTAL, the number), or None, in these cases
    only (countries may be chosen besides in each):
    - no other filter: any facet, and the total (summed over the countries);
    - one other filter: any facet (its pair counts, `RegistryPairCount`), and the total;
    - two other filters: the country facet and the total (the pair counts of the two).
    A filter here is a search-free one whose values an initiative has one of (a place, a type, a
    stage, a programme, the tick box) or a single sector: summing the counts of its values counts
    each initiative once. The rest (a search, three filters, two sectors...) is left to the
    search listing."""
    plans: list[tuple[int, _Plan]] = []
    for position, (facet, where) in enumerate(asked):
        plan = _plan(facet, where)
        if plan is not None:
            plans.append((position, plan))
    answers: list[Any] = [None] * len(asked)
    rows: dict[bool, list] = {}
    singles, pairs = Q(), Q()
    for _position, plan in plans:
        if plan.paired:
            pairs |= plan.condition
        else:
            singles |= plan.condition
    if singles:
        found = RegistryCount.objects.filter(singles, n__gt=0).order_by()
        rows[False] = [(d, c, "", v, n) for d, c, v, n in found.values_list(*_COUNT_COLUMNS)]
    if pairs:
        rows[True] = list(
            RegistryPairCount.objects.filter(pairs, n__gt=0)
            .order_by()
            .values_list("dimension", "country", "given", "value", "n")
        )
    for position, plan in plans:
        sums: dict[str, int] = {}
        for d, country, given, value, n in rows[plan.paired]:
            if d != plan.dimension or (plan.countries and country not in plan.countries):
                continue
            if plan.paired and given not in plan.given:
                continue
            if plan.values is not None and value not in plan.values:
                continue
            key = {"country": country, TOTAL: TOTAL}.get(plan.by, value)
            if key or plan.by == TOTAL:  # a value of "" is "not stated": no facet option
                sums[key] = sums.get(key, 0) + n
        if plan.facet == TOTAL:
            answers[position] = sums.get(TOTAL, 0)
        elif plan.facet == "digital":
            answers[position] = {"1": sums.get("1", 0)}
        else:
            answers[position] = sums
    return answers


_COUNT_COLUMNS = ("dimension", "country", "value", "n")


@dataclass
class _Plan:
    """Which counts answer a facet (or the total) under some filters, and how they are summed."""

    facet: str
    condition: Q  # the rows to read
    paired: bool  # of RegistryPairCount (else RegistryCount)
    dimension: str
    countries: set[str]  # the chosen countries (all when empty)
    given: set[str]  # of a pair: the values of the filter it is counted under
    values: set[str] | None  # the values kept (None: every value)
    by: str  # summed by "country", by TOTAL, or by value


def _plan(facet: str, where: dict) -> _Plan | None:
    countries = {str(code) for code in where.get("country") or ()}
    others = [name for name in where if name != "country"]
    if facet == "country" and countries:
        return None  # a facet is never counted under its own filter
    if any(not _summable(name, where[name]) for name in others):
        return None
    in_countries = Q(country__in=sorted(countries)) if countries else Q()
    by = facet if facet in ("country", TOTAL) else "value"
    if not others:
        dimension = "located" if facet in ("country", TOTAL) else _REGISTRY_DIMENSIONS[facet]
        return _Plan(
            facet,
            Q(dimension=dimension) & in_countries,
            False,
            dimension,
            countries,
            set(),
            None,
            by,
        )
    if len(others) == 1 and facet in ("country", TOTAL):
        (name,) = others
        values = _registry_values(name, where[name])
        dimension = _REGISTRY_DIMENSIONS[name]
        condition = Q(dimension=dimension, value__in=sorted(values)) & in_countries
        return _Plan(facet, condition, False, dimension, countries, set(), values, by)
    if len(others) == 1 or (len(others) == 2 and facet in ("country", TOTAL)):
        # Of one filter, another facet: its values among the filter's. Of two filters, the
        # number (by country) of the second's values among the first's.
        given_name = others[0]
        facet_name = facet if len(others) == 1 else others[1]
        given = _registry_values(given_name, where[given_name])
        kept = None if len(others) == 1 else _registry_values(facet_name, where[facet_name])
        dimension = pair_dimension(
            _REGISTRY_DIMENSIONS[facet_name], _REGISTRY_DIMENSIONS[given_name]
        )
        condition = Q(dimension=dimension, given__in=sorted(given)) & in_countries
        return _Plan(facet, condition, True, dimension, countries, given, kept, by)
    return None


def _summable(name: str, chosen: Any) -> bool:
    """Whether the counts of a filter's values add up to its matches: a search never, several
    sectors neither (an initiative of two of them would be counted twice)."""
    if name not in _REGISTRY_DIMENSIONS:
        return False
    return name in _ONE_VALUE or len(_registry_values(name, chosen)) == 1


def _registry_values(name: str, chosen: Any) -> set[str]:
    """A filter's values as the registry's counts write them (sectors and programmes by id)."""
    if name == "digital":
        return {"1"}
    return {str(getattr(value, "pk", value)) for value in chosen}


def _listing_matching(active: dict, without: str | None = None) -> QuerySet[SearchListing]:
    """The search rows matching the active filters (but `without`): the filterset's filters, on
    the narrow table."""
    qs = SearchListing.objects.all()
    for name, value in active.items():
        if name == without:
            continue
        if name == "q":
            if search.is_postgres():
                qs = search.search(qs, value, rank=False)
            else:  # SQLite matches the initiatives' search_document, which the listing lacks
                matched = search.search(Initiative.objects.all(), value, rank=False)
                qs = qs.filter(initiative__in=matched.values("pk"))
        elif name == "sector":
            # The sector listing's index (sector, name, country, initiative) gives the ids
            # without reading a row, narrowed to the chosen countries when there are some.
            listed = SectorListing.objects.filter(sector_id__in=[s.pk for s in value])
            if "country" in active and without != "country":
                listed = listed.filter(country__in=active["country"])
            qs = qs.filter(initiative__in=listed.values("initiative_id"))
        elif name == "country" and "sector" in active and without != "sector":
            continue  # the sector's ids above are of these countries only
        elif name == "programme":
            qs = qs.filter(programme__in=value)
        elif name == "digital":
            qs = qs.filter(digital_focus=True)
        else:
            qs = qs.filter(**{f"{name}__in": value})
    return qs.order_by()


def _grouped_facet_counts(
    facets: list[str], qs: QuerySet[SearchListing], cap: int | None, *, total: bool = False
) -> tuple[dict[str, dict[str, int]], int | None, bool]:
    """(counts per facet value, the total if asked, whether the set went past `cap`). With a
    cap, only the first cap + 1 rows are read: past it the counts are those of these rows."""
    counts: dict[str, dict[str, int]] = {f: {} for f in facets}
    if not facets:
        return counts, None, False
    found, grand_total = listings.grouped_counts(
        qs, [_FACET_COLUMNS[f] for f in facets], total=total, cap=cap
    )
    rows = [(facets[position], value, n) for position, value, n in found]
    for facet, value, n in rows:
        if facet == "sector":
            for sector in str(value or "").split():
                counts["sector"][sector] = counts["sector"].get(sector, 0) + n
        elif facet == "digital":
            if value:
                counts["digital"] = {"1": n}
        elif value not in ("", None):
            counts[facet][str(value)] = n
    if "digital" in facets and not counts["digital"]:
        counts["digital"] = {"1": 0}
    if cap is not None and grand_total is not None and grand_total > cap:
        return counts, cap, True
    return counts, grand_total, False


def _facet_options(
    counts: dict[str, dict[str, int]], filterset: InitiativeFilter, uncounted: list[str]
) -> dict:
    data = filterset.data if filterset.is_bound else QueryDict()
    selected = {key: set(data.getlist(key)) for key in ("subdivision", *InitiativeFilter.FACETS)}
    names = dict(countries)
    sectors = {str(s.pk): s for s in sectors_in_order()}
    programme_ids = [int(k) for k in counts.get("programme", {})]
    programmes = {str(p.pk): p for p in Programme.objects.filter(pk__in=programme_ids)}
    options: dict[str, list[FacetOption]] = {}

    def option(value: str, label, count: int, key: str) -> FacetOption:
        return FacetOption(
            value=value,
            label=str(label),
            count=None if key in uncounted else count,
            selected=value in selected[key],
        )

    options["country"] = sorted(
        (
            option(code, names.get(code, code), n, "country")
            for code, n in counts["country"].items()
        ),
        key=lambda o: o.label,
    )
    if "subdivision" in counts:
        options["subdivision"] = sorted(
            (
                option(code, subdivisions.name(code) or code, n, "subdivision")
                for code, n in counts["subdivision"].items()
            ),
            key=lambda o: o.label,
        )
        # A chosen subdivision stays offered (to be unticked) even when nothing matches it now.
        for code in selected["subdivision"] - set(counts["subdivision"]):
            if subdivisions.get(code):
                options["subdivision"].append(
                    option(code, subdivisions.name(code), 0, "subdivision")
                )
    options["sector"] = [
        option(s.slug, s.name, counts["sector"].get(pk, 0), "sector")
        for pk, s in sectors.items()
        if counts["sector"].get(pk) or s.slug in selected["sector"]
    ]
    options["kind"] = [
        option(v, label, counts["kind"].get(v, 0), "kind")
        for v, label in Initiative.Kind.choices
        if counts["kind"].get(v) or v in selected["kind"]
    ]
    options["stage"] = [
        option(v, label, counts["stage"].get(v, 0), "stage")
        for v, label in Initiative.Stage.choices
        if counts["stage"].get(v) or v in selected["stage"]
    ]
    options["programme"] = sorted(
        (
            option(programmes[pk].slug, programmes[pk].name, n, "programme")
            for pk, n in counts["programme"].items()
            if pk in programmes
        ),
        key=lambda o: o.label,
    )
    digital = counts["digital"].get("1", 0)
    options["digital"] = [
        FacetOption(
            value="on",
            label="",
            count=None if "digital" in uncounted else digital,
            selected=bool(data.get("digital")),
        )
    ]
    return options


# --- Promoters ------------------------------------------------------------------------------------

_GENERIC_WORDS = set(
    [
        "cluster",
        "clusteres",
        "de",
        "del",
        "la",
        "las",
        "los",
        "el",
        "y",
        "e",
        "do",
        "da",
        "dos",
        "das",
        "the",
        "of",
        "and",
        "for",
        "red",
        "rede",
        "network",
        "iniciativa",
        "initiative",
        "programa",
        "program",
        "apl",
        "arranjo",
        "produtivo",
        "local",
    ]
)


def initiative_possible_duplicates(
    *, name: str, country: str, website: str = ""
) -> list[Initiative]:
    """Registered initiatives that look like the one being started: a similar name in the same
    country, or the same website anywhere."""
    import difflib
    from urllib.parse import urlparse

    from django.db.models import Q

    from iapt_platform.lib import search

    wanted = search.normalise(name)
    words = [w for w in wanted.split() if len(w) >= 3 and w not in _GENERIC_WORDS]
    base = Initiative.objects.filter(revision_of=None).exclude(status=Initiative.Status.REJECTED)
    condition = Q()
    if words:
        word_match = Q()
        for word in words[:5]:
            word_match |= Q(search_document__contains=word) | Q(name__icontains=word)
        condition |= Q(country=country) & word_match
    host = urlparse(website).netloc.lower().removeprefix("www.") if website else ""
    if host:
        condition |= Q(website__icontains=host)
    if not condition:
        return []
    found = []
    for candidate in base.filter(condition).order_by("name")[:200]:
        same_site = bool(host) and host in candidate.website.lower()
        ratio = difflib.SequenceMatcher(None, wanted, search.normalise(candidate.name)).ratio()
        shared = set(words) & set(search.normalise(candidate.name).split())
        if same_site or ratio >= 0.75 or (words and len(shared) >= max(1, len(words) - 1)):
            found.append(candidate)
    return found[:10]


def initiatives_managed_by(*, user) -> QuerySet[Initiative]:
    return (
        Initiative.objects.filter(managers=user, revision_of=None)
        .prefetch_related(
            Prefetch(
                "revisions",
                queryset=Initiative.objects.exclude(status__in=Initiative.CLOSED_REVISION),
                to_attr="open_revisions",
            )
        )
        .order_by("name")
    )


OPEN_DATA_CHUNK = 2000


def initiative_open_data(
    qs: QuerySet[Initiative], *, audience: privacy.Audience = privacy.Audience.PUBLIC
) -> Iterator[dict[str, Any]]:
    """The open-data row of each initiative of `qs` in name order, keyed by column
    (`columns.Use.OPEN`): sectors as slugs in the taxonomy's order, the programme by name, each
    contact detail as `audience` may see it. The privacy rule runs inside the query, so a detail
    the audience may not see is never read. A few queries per 2,000 rows, however many there are.
    """
    chosen = columns.columns(columns.Use.OPEN)
    contacts = {
        f"open_{c.key}": privacy.visible_value_expression(c.key, f"{c.key}_visibility", audience)
        for c in chosen
        if c.kind is columns.Kind.CONTACT
    }
    values = (
        qs.order_by("name", "pk")
        .annotate(open_programme=Coalesce(F("programme__name"), Value("")), **contacts)
        .values("id", *(c.key for c in columns.stored(chosen)), "open_programme", *contacts)
        .iterator(chunk_size=OPEN_DATA_CHUNK)
    )
    for batch in _batches(values, OPEN_DATA_CHUNK):
        sectors = _sector_slugs([row["id"] for row in batch])
        for row in batch:
            row["sectors"] = sectors.get(row.pop("id"), [])
            row["programme"] = row.pop("open_programme")
            for name in contacts:
                row[name.removeprefix("open_")] = row.pop(name)
            yield row


def _batches(items: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _sector_slugs(ids: list[int]) -> dict[int, list[str]]:
    """Sector slugs per initiative id, in the taxonomy's order: one query for the whole batch."""
    through = Initiative.sectors.through
    pairs = (
        through.objects.filter(initiative_id__in=ids)
        .order_by("sector__order", "sector__slug")
        .values_list("initiative_id", "sector__slug")
    )
    slugs: dict[int, list[str]] = {}
    for initiative_id, slug in pairs:
        slugs.setdefault(initiative_id, []).append(slug)
    return slugs


# --- Download my data -----------------------------------------------------------------------------


def personal_data_of(user: Any) -> personal_data.Portion:
    """The initiatives the person manages or registered (with their edits in progress), their
    requests to manage one, and the invitations they sent or received; co-managers as privacy
    shows them. The logos of those initiatives go in the archive too."""
    portion = personal_data.Portion(data={})
    people = get_user_model().objects.select_related("member_profile").order_by("pk")
    initiatives = []
    for initiative in (
        Initiative.objects.filter(Q(managers=user) | Q(created_by=user))
        .distinct()
        .prefetch_related("sectors", Prefetch("managers", queryset=people))
        .order_by("pk")
    ):
        files = {}
        if initiative.logo:
            files["logo"] = personal_data.file_name(f"logos/{initiative.pk}", initiative.logo)
            portion.files.append((files["logo"], initiative.logo))
        managers = list(initiative.managers.all())
        initiatives.append(
            {
                **personal_data.record(initiative, files=files),
                "sectors": [sector.slug for sector in initiative.sectors.all()],
                "you_manage_it": any(manager.pk == user.pk for manager in managers),
                "other_managers": [
                    personal_data.someone(manager, viewer=user)
                    for manager in managers
                    if manager.pk != user.pk
                ],
            }
        )
    portion.data["initiatives"] = initiatives
    portion.data["management_requests"] = [
        {**personal_data.record(request), "initiative_name": request.initiative.name}
        for request in ManagementRequest.objects.filter(user=user)
        .select_related("initiative")
        .order_by("pk")
    ]
    # The address a colleague was invited at is theirs, not the inviter's: left out.
    portion.data["invitations_sent"] = [
        {
            **personal_data.record(invitation, exclude=["email", "accepted_by"]),
            "initiative_name": invitation.initiative.name,
            "accepted_by": personal_data.someone(invitation.accepted_by, viewer=user),
        }
        for invitation in ManagerInvitation.objects.filter(invited_by=user)
        .select_related("initiative", "accepted_by__member_profile")
        .order_by("pk")
    ]
    portion.data["invitations_received"] = [
        {
            **personal_data.record(invitation, exclude=["invited_by"]),
            "initiative_name": invitation.initiative.name,
            "invited_by": personal_data.someone(invitation.invited_by, viewer=user),
        }
        for invitation in ManagerInvitation.objects.filter(
            Q(accepted_by=user) | Q(email__in=personal_data.verified_emails(user))
        )
        .select_related("initiative", "invited_by__member_profile")
        .order_by("pk")
    ]
    return portion


def initiative_manager_ids(*, pk: int | str) -> set[int]:
    """The promoters who manage an initiative (they hear of it without having asked)."""
    if not str(pk).isdigit():
        return set()
    return set(
        Initiative.managers.through.objects.filter(initiative_id=int(pk)).values_list(
            "user_id", flat=True
        )
    )


def initiative_managed_by(*, slug: str, user) -> bool | None:
    """Whether `user` manages the published initiative `slug` (None: there is none), in one
    query: what a member's kept copy of its page depends on (iapt_platform.lib.pagecache)."""
    return (
        Initiative.objects.published()
        .filter(slug=slug)
        .annotate(manages=_manages(user))
        .values_list("manages", flat=True)
        .first()
    )


def _manages(user) -> Exists:
    return Exists(
        Initiative.managers.through.objects.filter(initiative_id=OuterRef("pk"), user_id=user.pk)
    )
