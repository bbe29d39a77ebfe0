"""Reads of the library: browsing with facets, a resource's page, the evidence map, collections."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import Any

from django.core.cache import cache
from django.core.paginator import Page
from django.db.models import Count, Prefetch, Q, QuerySet, prefetch_related_objects
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower
from django.http import QueryDict
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import ngettext
from django_countries import countries

from iapt_platform.accounts import personal_data, roles
from iapt_platform.lib import joined, listings, search
from iapt_platform.lib.cache import CacheVersion
from iapt_platform.lib.facets import CountedPaginator, FacetOption
from initiatives.matchmaking.models import Project
from initiatives.models import Sector
from initiatives.selectors import registry_version

from . import counts as kept
from .filters import FACETS, SORTS, ResourceFilterForm, apply_filters, cleaned_params
from .models import (
    LANGUAGES,
    Collection,
    CollectionItem,
    Evidence,
    EvidenceOutcome,
    Resource,
    ResourceCountry,
    ResourceLanguage,
    SearchListing,
    Topic,
)

PAGE_SIZE = 20
EXPORT_LIMIT = 1000  # the most resources one citation export of a list holds
# Changes whenever the published library changes: the facet counts' and page ids' cache keys
# include it (signals.py and services bump it after each write).
LIBRARY_VERSION = CacheVersion("library:version")
library_version = LIBRARY_VERSION.get
library_changed = LIBRARY_VERSION.bump


# Large columns that pages never show: leaving them out keeps a ranked sort of thousands of
# matches from carrying every document's text along.
HEAVY_FIELDS = ("extracted_text", "search_document", "search_vector", "rank_vector")


def _with_relations(qs: QuerySet[Resource]) -> QuerySet[Resource]:
    qs = qs.defer(*HEAVY_FIELDS)
    return qs.select_related("evidence", "evidence__sector").prefetch_related(
        Prefetch("topics", queryset=Topic.objects.order_by("order", "pk")),
        Prefetch("language_rows", queryset=ResourceLanguage.objects.order_by("pk")),
        Prefetch("country_rows", queryset=ResourceCountry.objects.order_by("pk")),
        Prefetch("evidence__outcome_rows", queryset=EvidenceOutcome.objects.order_by("pk")),
    )


def _as_cards(qs: QuerySet[Resource]) -> QuerySet[Resource]:
    """What a card of a list shows (library/partials/resource_item.html): its topics, languages
    and evidence method, not its countries nor its evidence's outcomes (two queries fewer)."""
    return (
        qs.defer(*HEAVY_FIELDS)
        .select_related("evidence")
        .prefetch_related(
            Prefetch("topics", queryset=Topic.objects.order_by("order", "pk")),
            Prefetch("language_rows", queryset=ResourceLanguage.objects.order_by("pk")),
        )
    )


def resource_list_public() -> QuerySet[Resource]:
    return _with_relations(Resource.objects.published())


def resource_latest(*, limit: int) -> QuerySet[Resource]:
    # In the order of the index (status, -published_at): the first rows of the index, not a sort
    # of the whole library. Publishing dates a resource; an undated one is not among the latest.
    return (
        resource_list_public()
        .filter(published_at__isnull=False)
        .order_by("-published_at", "-pk")[:limit]
    )


def can_see(*, user: Any, resource: Resource) -> bool:
    """Published resources are public; others only to their contributor and to moderators."""
    if resource.is_published:
        return True
    if not user.is_authenticated:
        return False
    return resource.contributed_by_id == user.pk or roles.is_moderator(user)


def resource_for_page(*, slug: str, user: Any) -> Resource | None:
    """The resource of a page, if `user` may see it: its languages and countries read in its own
    query (`joined`), its topics and its evidence's outcomes (an evaluation's) in one each."""
    table = f'"{Resource._meta.db_table}"."id"'
    codes = {
        "language_codes": (ResourceLanguage, "language"),
        "country_codes": (ResourceCountry, "country"),
    }
    resource = (
        Resource.objects.defer(*HEAVY_FIELDS)
        .select_related("evidence", "evidence__sector", "contributed_by")
        .annotate(
            **{
                name: RawSQL(  # noqa: S611 (the code's own text)
                    joined.joined_sql(
                        table=model._meta.db_table,
                        column=column,
                        link="resource_id",
                        outer=table,
                        order="x.id",
                    ),
                    (),
                )
                for name, (model, column) in codes.items()
            }
        )
        .filter(slug=slug)
        .first()
    )
    if resource is None or not can_see(user=user, resource=resource):
        return None
    languages = joined.split(resource.language_codes)  # type: ignore[attr-defined]
    countries = joined.split(resource.country_codes)  # type: ignore[attr-defined]
    joined.as_prefetched(
        resource,
        "language_rows",
        [ResourceLanguage(resource=resource, language=code) for code in languages],
    )
    joined.as_prefetched(
        resource,
        "country_rows",
        [ResourceCountry(resource=resource, country=code) for code in countries],
    )
    prefetch_related_objects(
        [resource],
        Prefetch("topics", queryset=Topic.objects.order_by("order", "pk")),
        Prefetch("evidence__outcome_rows", queryset=EvidenceOutcome.objects.order_by("pk")),
    )
    return resource


def resources_of_project(*, project: Any) -> QuerySet[Resource]:
    """Published resources linked to a joint project, newest first (a fixed number of queries)."""
    return resource_list_public().filter(projects=project).order_by("-published_at", "-pk")


def resource_projects_public(*, resource: Resource) -> QuerySet[Project]:
    """The published joint projects a resource is part of."""
    return Project.objects.published().filter(resources=resource).order_by("title", "pk")


LINKED_MOST = 5_000  # a set of linked resources larger than this is not kept (asked each time)
LINKED_SECONDS = 3600


def resources_linked() -> dict[str, frozenset[int] | None]:
    """The ids of the resources linked to any initiative, any joint project and any collection
    (whatever its status: a superset of what a resource's page lists), kept under the library's
    version (any change to those links bumps it), so that a resource's page asks for each list
    only when the resource may have one: most have none. A set of more than LINKED_MOST ids is
    not kept (None: ask)."""
    key = f"library:linked:{library_version()}"
    found = cache.get(key)
    if found is None:
        tables = {
            "initiatives": Resource.initiatives.through.objects,
            "projects": Resource.projects.through.objects,
            "collections": CollectionItem.objects,
        }
        found = {}
        for name, rows in tables.items():
            ids = list(rows.values_list("resource_id", flat=True).distinct()[: LINKED_MOST + 1])
            found[name] = frozenset(ids) if len(ids) <= LINKED_MOST else None
        cache.set(key, found, LINKED_SECONDS)
    return found


def resource_may_list(resource: Resource, part: str, linked: dict[str, Any]) -> bool:
    """Whether the resource's page must ask for its `part` (see `resources_linked`)."""
    ids = linked.get(part)
    return ids is None or resource.pk in ids


def resources_of(*, user: Any) -> QuerySet[Resource]:
    return _with_relations(Resource.objects.filter(contributed_by=user)).order_by(
        "-created_at", "-pk"
    )


# --- Browsing -------------------------------------------------------------------------------------


@dataclass
class Browse:
    form: ResourceFilterForm
    page: Page
    facets: dict[str, list[FacetOption]]
    invalid: bool
    sort: str
    query_string: str  # the current filters and sort, without the page, for links
    filter_string: str  # the current filters only, for the exports
    active: dict
    # The search's matches passed search.COUNT_CAP: the count is the cap (the page says "more
    # than"), facets counted over such a set show no numbers, and the list is by date.
    more: bool = False
    # Names the rendered filters and results ("" when they must not be kept): a page whose
    # fragment is kept never loads its rows.
    fragment_key: str = ""

    @property
    def active_filter_count(self) -> int:
        """How many facet values are ticked, for the "Filters (n active)" summary."""
        return sum(option.selected for options in self.facets.values() for option in options)


def resource_filtered(params: QueryDict) -> tuple[ResourceFilterForm, QuerySet[Resource], bool]:
    """(form, published resources matching the params, whether a value was invalid).

    An unknown value (a topic that does not exist, a year out of range) gives an empty result
    rather than silently dropping the filter.
    """
    form = ResourceFilterForm(cleaned_params(params))
    if not form.is_valid():
        return form, Resource.objects.none(), True
    return form, apply_filters(Resource.objects.published(), form.active()), False


def resource_search(query: str) -> QuerySet[Resource] | None:
    """The published resources `query` finds, ranked, as resource_filtered gives them for `?q=`
    alone (without its form: the one search asks this at each search); None when the words are
    too long for the form (invalid)."""
    query = query.strip()
    longest = getattr(ResourceFilterForm.base_fields["q"], "max_length", None) or 10_000
    if len(query) > longest:
        return None
    return apply_filters(Resource.objects.published(), {"q": query} if query else {})


def resource_ordered(qs: QuerySet[Resource], sort: str) -> QuerySet[Resource]:
    # Published resources always have published_at: a plain DESC walks the (status, -published_at)
    # index, where NULLS LAST would sort the whole table.
    newest = "-published_at"
    if sort == "relevance" and "rank" in qs.query.annotations:
        return qs.order_by("-rank", newest, "-pk")
    if sort == "downloads":
        return qs.order_by("-download_count", newest, "-pk")
    if sort == "title":
        return qs.order_by(Lower("title"), "pk")
    return qs.order_by(newest, "-pk")


def default_sort(params: QueryDict, active: dict) -> str:
    sort = params.get("sort", "")
    if sort not in SORTS or (sort == "relevance" and not active.get("q")):
        sort = "relevance" if active.get("q") else "newest"
    return sort


def resource_browse(params: QueryDict, *, page_number: str | None) -> Browse:
    form, qs, invalid = resource_filtered(params)
    active = form.active()
    sort = default_sort(params, active)
    counts: dict[str, Any] = {} if invalid else facet_counts(active)
    more = bool(counts.get(MORE))
    if more and sort == "relevance" and params.get("sort") != "relevance":
        # Ranking 30,000 matches of a word most resources share costs a score each and tells
        # the reader little: the newest first (an index), unless relevance is asked for.
        sort = "newest"
    ordered = resource_ordered(qs, sort)
    paginator = CountedPaginator(ordered, PAGE_SIZE, known_count=counts.get(TOTAL))
    page = paginator.get_page(page_number)
    if not invalid:
        window: QuerySet[Resource] = page.object_list  # type: ignore[assignment]
        page.object_list = SimpleLazyObject(lambda: _page_rows(active, sort, page.number, window))
    facets = {} if invalid else _facet_options(counts, active)
    query = cleaned_params(params)
    filters_only = query.copy()
    filters_only.pop("sort", None)
    address = hashlib.sha256(query.urlencode().encode()).hexdigest()[:16]
    # The filters name the registry's sectors: its version joins the library's (in _cache_key).
    fragment = f"{_cache_key(active)}:{registry_version()}:html:{sort}:{page.number}:{address}"
    return Browse(
        form=form,
        page=page,
        facets=facets,
        invalid=invalid,
        sort=sort,
        query_string=query.urlencode(),
        filter_string=filters_only.urlencode(),
        active=active,
        more=more,
        fragment_key="" if invalid else fragment,
    )


def _page_rows(active: dict, sort: str, number: int, window: QuerySet) -> list[Resource]:
    """The resources of one page (`window`, its slice of the ordered matches). Which ones (their
    ids, in order) is cached like the counts: a popular search is ranked once, then each visit
    only loads its twenty rows."""
    key = f"{_cache_key(active)}:{sort}:{number}"
    ids = cache.get(key)
    if ids is None:
        ids = list(window.values_list("pk", flat=True))
        cache.set(key, ids, FACET_CACHE_SECONDS)
    if not ids:
        return []
    rows = {r.pk: r for r in _as_cards(Resource.objects.filter(pk__in=ids))}
    return [rows[pk] for pk in ids if pk in rows]


def resource_export_list(params: QueryDict) -> list[Resource]:
    """The resources of the current filters, in the page's order, for a citation export."""
    form, qs, invalid = resource_filtered(params)
    if invalid:
        return []
    sort = default_sort(params, form.active())
    return list(_with_relations(resource_ordered(qs, sort))[:EXPORT_LIMIT])


TOTAL = "total"  # the key of the number of matching resources among the facet counts
MORE = "more"  # ...of whether there are more matches than that (a search past the cap)
UNCOUNTED = "uncounted"  # ...of the facets counted over a set past the cap (no numbers shown)
FACET_CACHE_SECONDS = 600


def _cache_key(active: dict) -> str:
    """The same key for the same filters, whatever their order in the address."""
    parts = []
    for key in sorted(active):
        value = active[key]
        if key == "q":
            parts.append(f"q={' '.join(search.terms(value))}")
        else:
            parts.append(f"{key}={','.join(sorted(str(getattr(v, 'slug', v)) for v in value))}")
    digest = hashlib.sha256("&".join(parts).encode()).hexdigest()[:32]
    return f"library:facets:{library_version()}:{digest}"


def facet_counts(active: dict) -> dict[str, Any]:
    """Counts per facet value under the filters, and the total, cached until the library changes.

    Popular searches and filters repeat: the first visitor pays for the counts, the next ones
    read them from the cache (which any change to the published library invalidates).
    """
    key = _cache_key(active)
    counts = cache.get(key)  # one round trip when kept, two when not (get_or_set takes three)
    if counts is None:
        counts = _facet_counts(active)
        cache.set(key, counts, FACET_CACHE_SECONDS)
    return counts


# The search listing's column each facet counts (several values separated by spaces but for
# type and year).
_FACET_COLUMNS = {
    "type": "type",
    "topic": "topics",
    "language": "languages",
    "country": "countries",
    "year": "year",
    "method": "methods",
}


def _facet_counts(active: dict) -> dict[str, Any]:
    """Each facet counted under every other active filter, on the search listing.

    Facets whose own filter is not active share the same set of resources: one grouped scan of
    the listing's matching rows counts them all, with the total (GROUPING SETS on PostgreSQL; a
    GROUP BY per facet on SQLite). A facet whose filter is active needs its own set, hence its
    own statement. The listing holds each resource's facet values in its own row, so no facet
    joins another table, whatever the number of matches.

    With a free-text search each set is read no further than COUNT_CAP + 1 matches: a set that
    goes past it has its values listed as found in those rows and its facets marked uncounted;
    the page's own set then counts as the cap, with MORE.
    """
    if not active:
        return _kept_counts()
    groups: dict[tuple[str, ...], list[str]] = {}
    for facet in FACETS:
        kept = tuple(sorted(k for k in active if k != facet))
        groups.setdefault(kept, []).append(facet)
    counts: dict[str, Any] = {facet: {} for facet in FACETS}
    counts[UNCOUNTED] = []
    for kept, facets in groups.items():
        others = {k: active[k] for k in kept}
        whole = set(kept) == set(active)  # this set is the page's result: its size is the count
        cap = search.COUNT_CAP if others.get("q") else None
        grouped, total, past = _grouped_counts(
            facets, _listing_matching(others), total=whole, cap=cap
        )
        for facet, values in grouped.items():
            counts[facet] = values
        if past:
            counts[UNCOUNTED] += facets
        if whole:
            counts[TOTAL] = total
            counts[MORE] = past
    return counts


def _kept_counts() -> dict[str, Any]:
    """The counts without a filter, read from the kept facet counts (counts.py: a few hundred
    rows, exact after every write) instead of grouping the whole listing: the same answer."""
    known = kept.known()
    found: dict[str, Any] = {facet: known.get(facet, {}) for facet in FACETS}
    found[TOTAL] = known.get(kept.TOTAL, {}).get("", 0)
    found[MORE] = False
    found[UNCOUNTED] = []
    return found


def _grouped_counts(
    facets: list[str], qs: QuerySet, *, total: bool, cap: int | None
) -> tuple[dict[str, dict[str, int]], int | None, bool]:
    """(counts per facet value, the total if asked, whether the set went past `cap`). With a
    cap, only the first cap + 1 rows are read: past it the counts are those of these rows."""
    found, grand_total = listings.grouped_counts(
        qs, [_FACET_COLUMNS[f] for f in facets], total=total, cap=cap
    )
    rows = [(facets[position], value, n) for position, value, n in found]
    counts: dict[str, dict[str, int]] = {facet: {} for facet in facets}
    for facet, value, n in rows:
        if value is None or value == "":
            continue
        if facet in ("type", "year"):
            counts[facet][str(value)] = n
            continue
        for part in str(value).split():
            counts[facet][part] = counts[facet].get(part, 0) + n
    if cap is not None and grand_total is not None and grand_total > cap:
        return counts, cap, True
    return counts, grand_total, False


def resource_search_listing(query: str) -> QuerySet:
    """The search listing's rows of the published resources that `query` finds (to count)."""
    return _listing_matching({"q": query})


def _listing_matching(active: dict) -> QuerySet:
    """The ids of the published resources matching the filters, from the search listing (one
    narrow row per published resource): the search and the type and year on its own columns,
    the other filters as apply_filters() writes them."""
    qs = SearchListing.objects.all()
    if active.get("type"):
        qs = qs.filter(type__in=active["type"])
    if active.get("year"):
        qs = qs.filter(year__in=active["year"])
    rest = {k: v for k, v in active.items() if k not in ("q", "type", "year")}
    if rest:
        related = apply_filters(Resource.objects.published(), rest, rank=False)
        qs = qs.filter(resource__in=related.values("pk"))
    if active.get("q"):
        if search.is_postgres():
            qs = search.search(qs, active["q"], rank=False)
        else:  # SQLite matches the resources' search_document, which the listing lacks
            matched = search.search(Resource.objects.all(), active["q"], rank=False)
            qs = qs.filter(resource__in=matched.values("pk"))
    return qs.order_by()


def _facet_options(counts: dict[str, dict[str, int]], active: dict) -> dict:
    selected: dict[str, set[str]] = {
        "type": set(active.get("type", [])),
        "topic": {t.slug for t in active.get("topic", [])},
        "language": set(active.get("language", [])),
        "country": set(active.get("country", [])),
        "year": {str(y) for y in active.get("year", [])},
        "method": set(active.get("method", [])),
    }

    def choice_options(facet: str, choices: list[tuple[str, Any]]) -> list[FacetOption]:
        found = counts.get(facet, {})
        return [
            FacetOption(str(v), str(label), found.get(str(v), 0), str(v) in selected[facet])
            for v, label in choices
            if found.get(str(v)) or str(v) in selected[facet]
        ]

    topics = list(Topic.objects.order_by("order", "pk"))
    topic_counts = counts.get("topic", {})
    names = dict(countries)
    country_counts = counts.get("country", {})
    year_counts = counts.get("year", {})
    years = sorted(set(year_counts) | selected["year"], reverse=True)
    options = {
        "type": choice_options("type", Resource.Type.choices),
        "topic": [
            FacetOption(t.slug, t.name, topic_counts.get(str(t.pk), 0), t.slug in selected["topic"])
            for t in topics
            if topic_counts.get(str(t.pk)) or t.slug in selected["topic"]
        ],
        "language": choice_options("language", LANGUAGES),
        "country": sorted(
            (
                FacetOption(code, str(names.get(code, code)), n, code in selected["country"])
                for code, n in country_counts.items()
            ),
            key=lambda o: o.label,
        ),
        "year": [FacetOption(y, y, year_counts.get(y, 0), y in selected["year"]) for y in years],
        "method": choice_options("method", Evidence.Method.choices),
    }
    for facet in counts.get(UNCOUNTED, []):  # counted over a set past the cap: no numbers
        options[facet] = [replace(option, count=None) for option in options[facet]]
    return options


# --- The evidence map -----------------------------------------------------------------------------

AXES = {
    "method-outcome": ("method", "outcome"),
    "outcome-country": ("outcome", "country"),
}


@dataclass
class GridCell:
    count: int
    url: str  # the browse page filtered to this cell's studies ("" when there are none)
    label: str  # for screen readers: "3 studies: Matching, Exports"


@dataclass
class GridRow:
    key: str
    label: str
    cells: list[GridCell]
    total: int


@dataclass
class EvidenceGrid:
    axis: str
    row_label: str
    column_label: str
    columns: list[tuple[str, str]]  # (value, label)
    rows: list[GridRow]
    studies: int  # impact evaluations under the filters


def evidence_grid(*, axis: str, filters: dict, base_query: QueryDict) -> EvidenceGrid:
    """Counts of published studies for each (row, column) pair, from one grouped query.

    A study with several outcomes (or countries) counts once in each of its cells.
    """
    rows_key, cols_key = AXES.get(axis, AXES["method-outcome"])
    axis = f"{rows_key}-{cols_key}"
    studies = apply_filters(Resource.objects.published().filter(evidence__isnull=False), filters)
    ids = studies.values("pk")
    fields = {
        "method": "evidence__method",
        "outcome": "outcome",
        "country": "evidence__resource__country_rows__country",
    }
    grouped = (
        EvidenceOutcome.objects.filter(evidence__resource_id__in=ids)
        .values(fields[rows_key], fields[cols_key])
        .annotate(n=Count("evidence__resource_id", distinct=True))
        .values_list(fields[rows_key], fields[cols_key], "n")
    )
    counts: dict[tuple[str, str], int] = {}
    for row_value, col_value, n in grouped:
        if row_value and col_value:
            counts[(str(row_value), str(col_value))] = n

    names = dict(countries)
    outcome_labels = [(v, str(label)) for v, label in Evidence.Outcome.choices]
    method_labels = [(v, str(label)) for v, label in Evidence.Method.choices]
    present_countries = sorted(
        {c for (r, c) in counts} if cols_key == "country" else set(),
        key=lambda code: str(names.get(code, code)),
    )
    axis_values = {
        "method": method_labels,
        "outcome": outcome_labels,
        "country": [(c, str(names.get(c, c))) for c in present_countries],
    }
    titles = {
        "method": str(ResourceFilterForm.base_fields["method"].label),
        "outcome": str(ResourceFilterForm.base_fields["outcome"].label),
        "country": str(ResourceFilterForm.base_fields["country"].label),
    }
    browse = reverse("library:index")
    grid_rows = []
    for row_value, row_label in axis_values[rows_key]:
        cells = []
        for col_value, col_label in axis_values[cols_key]:
            n = counts.get((row_value, col_value), 0)
            url = ""
            if n:
                query = base_query.copy()
                query.setlist(rows_key, [row_value])
                query.setlist(cols_key, [col_value])
                url = f"{browse}?{query.urlencode()}"
            label = ngettext(
                "%(count)d study: %(row)s, %(column)s",
                "%(count)d studies: %(row)s, %(column)s",
                n,
            ) % {"count": n, "row": row_label, "column": col_label}
            cells.append(GridCell(count=n, url=url, label=label))
        grid_rows.append(
            GridRow(key=row_value, label=row_label, cells=cells, total=sum(c.count for c in cells))
        )
    return EvidenceGrid(
        axis=axis,
        row_label=titles[rows_key],
        column_label=titles[cols_key],
        columns=axis_values[cols_key],
        rows=grid_rows,
        studies=studies.count(),
    )


def sectors_with_evidence() -> QuerySet[Sector]:
    return (
        Sector.objects.filter(library_evidence__resource__status=Resource.Status.PUBLISHED)
        .distinct()
        .order_by("order", "pk")
    )


# --- Collections and staff pages ------------------------------------------------------------------


def collections_public() -> QuerySet[Collection]:
    published = Q(items__resource__status=Resource.Status.PUBLISHED)
    return (
        Collection.objects.filter(is_published=True)
        .annotate(resource_count=Count("items", filter=published))
        .order_by("order", "pk")
    )


def collection_for_page(*, slug: str) -> tuple[Collection, list[CollectionItem]] | None:
    collection = Collection.objects.filter(slug=slug, is_published=True).first()
    if collection is None:
        return None
    items = list(
        CollectionItem.objects.filter(
            collection=collection, resource__status=Resource.Status.PUBLISHED
        )
        .select_related("resource", "resource__evidence")
        .prefetch_related(
            Prefetch("resource__topics", queryset=Topic.objects.order_by("order", "pk")),
            Prefetch("resource__language_rows", queryset=ResourceLanguage.objects.order_by("pk")),
        )
        .order_by("order", "pk")
    )
    return collection, items


def resources_with_broken_links() -> QuerySet[Resource]:
    return (
        Resource.objects.filter(link_status=Resource.LinkStatus.BROKEN)
        .exclude(external_url="")
        .exclude(status=Resource.Status.REJECTED)
        .select_related("contributed_by")
        .order_by("-link_checked_at", "pk")
    )


# --- Download my data -----------------------------------------------------------------------------

# Made by the platform from the person's file, not given by them: left out of their archive.
_DERIVED = ["extracted_text", "thumbnail", "picture", "picture_small"]


def personal_data_of(user: Any) -> personal_data.Portion:
    """The resources the person contributed, with the file and the cover they uploaded."""
    portion = personal_data.Portion(data={})
    resources = []
    for resource in (
        Resource.objects.filter(contributed_by=user)
        .prefetch_related("topics", "initiatives")
        .order_by("pk")
    ):
        files = {}
        for field_name in ("file", "cover"):
            stored = getattr(resource, field_name)
            if stored:
                files[field_name] = personal_data.file_name(f"{resource.pk}", stored)
                portion.files.append((files[field_name], stored))
        resources.append(
            {
                **personal_data.record(resource, exclude=_DERIVED, files=files),
                "topics": [topic.slug for topic in resource.topics.all()],
                "initiatives": [initiative.slug for initiative in resource.initiatives.all()],
            }
        )
    portion.data["resources_contributed"] = resources
    return portion
