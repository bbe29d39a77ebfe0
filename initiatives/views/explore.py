"""The map, country, sector and statistics pages, and the map's data."""

import gzip
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext
from django.views.decorators.http import require_safe
from django_countries.fields import Country

from iapt_platform.lib import subdivisions
from iapt_platform.lib.charts import chart_section
from iapt_platform.lib.facets import CountedPaginator
from iapt_platform.lib.pagecache import cache_page_for_visitors
from iapt_platform.lib.regions import REGION

from .. import geography, selectors, stats
from ..filters import InitiativeFilter
from ..models import Sector

# The list under the map is the page's content without JavaScript; beyond this the directory,
# which pages, takes over.
MAP_LIST_LIMIT = 200
FILTER_KEYS = InitiativeFilter.PARAMS
SHAPES_MAX_AGE = 86400


@dataclass(frozen=True)
class FilterSelect:
    name: str
    label: str
    options: list[tuple[str, str, bool]]  # value, label, selected


def _filter_params(params: QueryDict) -> QueryDict:
    """The filters of `params`, without sort, page and empty values.

    The form's "all" options submit empty values, which the directory's multiple-choice filters
    would refuse as unknown.
    """
    kept = QueryDict(mutable=True)
    for key in FILTER_KEYS:
        values = [v for v in params.getlist(key) if v]
        if values:
            kept.setlist(key, values)
    return kept


def _filter_selects(filterset: InitiativeFilter) -> list[FilterSelect]:
    """Single-choice selects over the filterset's own choices (the directory offers several)."""
    data = filterset.data
    selects = []
    for name in ("country", "sector", "kind", "stage", "programme"):
        field = filterset.form.fields[name]
        chosen = set(data.getlist(name))
        options = [
            (str(value), str(label), str(value) in chosen)
            for value, label in field.choices
            if str(value)
        ]
        if name == "programme" and not options:
            continue
        selects.append(FilterSelect(name=name, label=str(field.label), options=options))
    return selects


# Filters with known values only (a free-text search goes to the view).
MAP_PARAMS = ("country", "subdivision", "sector", "kind", "stage", "programme", "digital")


@require_safe
@cache_page_for_visitors("initiatives:map", version=selectors.registry_version, params=MAP_PARAMS)
def map_view(request: HttpRequest) -> HttpResponse:
    params = _filter_params(request.GET)
    filterset, qs, invalid = selectors.initiative_filtered(params)
    if invalid:
        summary = {"total": 0, "located": 0}
    elif not filterset.active_filters():  # the whole registry: from its counts
        summary = stats.summary(stats.tally(dimension="located"))
    elif set(filterset.active_filters()) == {"country"}:  # some countries: theirs
        chosen = filterset.active_filters()["country"]
        summary = stats.summary(stats.tally(dimension="located", country__in=chosen))
    else:
        summary = stats.map_summary(qs)
    initiatives = []
    if not invalid:
        # In the directory's order, read from its index (by name, case aside; within a country
        # by the country's): the first 200, never a sort of every match.
        initiatives = list(
            selectors.initiative_ordered(qs, "name").only(
                "slug", "name", "country", "city", "kind"
            )[:MAP_LIST_LIMIT]
        )
    query = params.urlencode()
    return render(
        request,
        "initiatives/map.html",
        {
            "filterset": filterset,
            "selects": _filter_selects(filterset),
            "search": params.get("q", ""),
            "digital": bool(params.get("digital")),
            "invalid": invalid,
            "summary": summary,
            "unlocated": summary["total"] - summary["located"],
            "initiatives": initiatives,
            "truncated": summary["total"] > len(initiatives),
            "query": query,
        },
    )


@require_safe
def map_data(request: HttpRequest) -> JsonResponse:
    """{"count": n, "points": [[lat, lng, name, url, country], ...]} for the map's filters."""
    filterset, qs, invalid = selectors.initiative_filtered(_filter_params(request.GET))
    if invalid:
        errors = {
            field: [error["message"] for error in messages]
            for field, messages in filterset.form.errors.get_json_data().items()
        }
        return JsonResponse(
            {"error": gettext("A filter has a value that does not exist."), "fields": errors},
            status=400,
        )
    points = stats.map_points(qs) if filterset.active_filters() else stats.map_points_all()
    return JsonResponse({"count": len(points), "points": points})


@lru_cache(maxsize=1)
def _shapes() -> tuple[bytes, bytes, str]:
    body = geography.country_shapes_geojson().encode()
    return body, gzip.compress(body, mtime=0), hashlib.sha256(body).hexdigest()[:16]


@require_safe
def country_shapes(request: HttpRequest) -> HttpResponse:
    """The region's country shapes, compressed here: GZipMiddleware is not in the stack."""
    body, compressed, digest = _shapes()
    etag = f'"{digest}"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponse(status=304)
    elif "gzip" in request.headers.get("Accept-Encoding", ""):
        response = HttpResponse(compressed, content_type="application/geo+json")
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(body, content_type="application/geo+json")
    response["ETag"] = etag
    patch_vary_headers(response, ["Accept-Encoding"])
    patch_cache_control(response, public=True, max_age=SHAPES_MAX_AGE)
    return response


def _page(initiatives: Any, count: int, number: str | None):
    """A page of `initiatives`, whose number is known from the registry's counts (no COUNT over
    the initiatives)."""
    return CountedPaginator(initiatives, selectors.PAGE_SIZE, known_count=count).get_page(number)


@require_safe
@cache_page_for_visitors(
    "initiatives:country", version=selectors.registry_version, params=("page",)
)
def country_page(request: HttpRequest, code: str) -> HttpResponse:
    upper = code.upper()
    if upper not in REGION:
        raise Http404
    if code != upper:
        return redirect("initiatives:country", code=upper, permanent=True)
    initiatives = selectors.initiative_list_public().filter(country=upper).order_by("name", "pk")
    counts = stats.tally(country=upper)
    page = _page(initiatives, stats.summary(counts)["total"], request.GET.get("page"))
    return render(
        request,
        "initiatives/country.html",
        {
            "code": upper,
            "country_name": Country(upper).name,
            "page": page,
            "sectors": [(s, n) for s, n in stats.counts_by_sector(counts) if n],
            "subdivisions": [
                (code, subdivisions.name(code), n)
                for code, n in stats.counts_by_subdivision(counts)
            ],
            "kinds": [row for row in stats.counts_by_kind(counts) if row[2]],
            "programmes": stats.programmes_of_country(upper, counts),
            "filter_query": urlencode({"country": upper}),
        },
    )


@require_safe
@cache_page_for_visitors("initiatives:sector", version=selectors.registry_version, params=("page",))
def sector_page(request: HttpRequest, slug: str) -> HttpResponse:
    sector = get_object_or_404(Sector, slug=slug)
    names = stats.country_names()
    by_country = stats.counts_by_country_of_sector(sector)
    page = selectors.initiative_page_of_sector(
        sector=sector, count=sum(n for _code, n in by_country), number=request.GET.get("page")
    )
    return render(
        request,
        "initiatives/sector.html",
        {
            "sector": sector,
            "page": page,
            "countries": [(code, names.get(code, code), n) for code, n in by_country],
            "filter_query": urlencode({"sector": sector.slug}),
        },
    )


def _row_link(key: str, value: str) -> str:
    if not value:
        return ""
    if key == "country":
        return reverse("initiatives:country", args=[value])
    if key == "sector":
        return reverse("initiatives:sector", args=[value])
    if key in ("kind", "stage"):
        return f"{reverse('initiatives:list')}?{urlencode({key: value})}"
    if key == "subdivision":
        query = urlencode({"country": value[:2], "subdivision": value})
        return f"{reverse('initiatives:list')}?{query}"
    return ""


@require_safe
@cache_page_for_visitors("initiatives:statistics", version=selectors.registry_version)
def statistics(request: HttpRequest) -> HttpResponse:
    numbers = stats.registry_statistics()
    sections = [
        chart_section(
            breakdown.rows,
            title=breakdown.title,
            description=breakdown.description,
            key=breakdown.key,
            category=breakdown.category,
            value_label=gettext("Initiatives"),
            links=[_row_link(breakdown.key, value) for value in breakdown.values],
        )
        for breakdown in numbers.breakdowns
    ]
    return render(
        request, "initiatives/statistics.html", {"numbers": numbers, "sections": sections}
    )
