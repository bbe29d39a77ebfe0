"""Reads behind the map, country, sector and statistics pages: counts and map points.

Every count is one grouped query, whatever the size of the registry. The statistics page's counts
are cached per registry version and language (they carry translated labels, as plain strings).
"""

from dataclasses import dataclass
from typing import cast

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils.translation import get_language, gettext
from django_countries import countries

from iapt_platform.lib import subdivisions

from .models import Initiative, Programme, Sector
from .selectors import registry_version

STATS_CACHE_SECONDS = 3600

Rows = list[tuple[str, int]]


@dataclass(frozen=True)
class Breakdown:
    """One dimension of the registry: a label per row, for a chart and its table."""

    key: str
    title: str
    description: str
    category: str  # heading of the table's first column
    rows: Rows
    values: list[str]  # the filter value behind each row ("" for "not stated"), for links


@dataclass(frozen=True)
class RegistryStatistics:
    total: int
    located: int  # with coordinates, hence on the map
    countries: int
    breakdowns: list[Breakdown]


SUBDIVISIONS_SHOWN = 20  # of some 500 in the region: the chart stays readable on a phone


def _published() -> QuerySet[Initiative]:
    return Initiative.objects.published()


def country_names() -> dict[str, str]:
    """Country names in the active language."""
    return {code: str(name) for code, name in countries}


def counts_by_country(qs: QuerySet[Initiative]) -> list[tuple[str, int]]:
    """(country code, count), largest first, then by name."""
    rows = qs.order_by().values("country").annotate(n=Count("pk")).values_list("country", "n")
    names = country_names()
    return sorted(rows, key=lambda row: (-row[1], names.get(row[0], row[0])))


def counts_by_subdivision(qs: QuerySet[Initiative]) -> list[tuple[str, int]]:
    """(ISO 3166-2 code, count) of the initiatives that give their state or province, largest
    first, then by name."""
    return counts_by_place(qs.exclude(subdivision=""))[1]


def counts_by_place(
    qs: QuerySet[Initiative],
) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """(counts_by_country, counts_by_subdivision) from one grouped query."""
    rows = (
        qs.order_by()
        .values("country", "subdivision")
        .annotate(n=Count("pk"))
        .values_list("country", "subdivision", "n")
    )
    by_country: dict[str, int] = {}
    by_subdivision: dict[str, int] = {}
    for country, subdivision, n in rows:
        by_country[country] = by_country.get(country, 0) + n
        if subdivision:
            by_subdivision[subdivision] = by_subdivision.get(subdivision, 0) + n
    names = country_names()
    return (
        sorted(by_country.items(), key=lambda row: (-row[1], names.get(row[0], row[0]))),
        sorted(by_subdivision.items(), key=lambda row: (-row[1], subdivisions.name(row[0]))),
    )


def counts_by_kind(qs: QuerySet[Initiative]) -> list[tuple[str, str, int]]:
    """(kind, label, count) for every type, in the vocabulary's order, zeros included."""
    counts = dict(qs.order_by().values("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    return [(value, str(label), counts.get(value, 0)) for value, label in Initiative.Kind.choices]


def counts_by_stage(qs: QuerySet[Initiative]) -> list[tuple[str, str, int]]:
    """(stage, label, count) for every stage, then "not stated" when some have none."""
    counts = dict(qs.order_by().values("stage").annotate(n=Count("pk")).values_list("stage", "n"))
    rows = [(value, str(label), counts.get(value, 0)) for value, label in Initiative.Stage.choices]
    if counts.get(""):
        rows.append(("", gettext("Not stated"), counts[""]))
    return rows


def counts_by_sector(*, country: str | None = None) -> list[tuple[Sector, int]]:
    """(sector, number of published initiatives, of the country if given), largest first.

    Every sector is listed, zeros included; one query.
    """
    where = Q(initiatives__status=Initiative.Status.PUBLISHED)
    if country:
        where &= Q(initiatives__country=country)
    sectors = Sector.objects.annotate(n=Count("initiatives", filter=where)).order_by(
        "-n", "order", "name"
    )
    return [(sector, sector.n) for sector in sectors]


def counts_by_decade(qs: QuerySet[Initiative]) -> Rows:
    """(decade label, count) by year founded, oldest first, then "not stated"."""
    by_year = qs.order_by().values("year_founded").annotate(n=Count("pk"))
    decades: dict[int, int] = {}
    unknown = 0
    for row in by_year.values_list("year_founded", "n"):
        year, n = row
        if year is None:
            unknown += n
        else:
            decade = year // 10 * 10
            decades[decade] = decades.get(decade, 0) + n
    rows: Rows = [(f"{d}\u2013{d + 9}", decades[d]) for d in sorted(decades)]  # en dash
    if unknown:
        rows.append((gettext("Not stated"), unknown))
    return rows


def programmes_of_country(code: str) -> list[Programme]:
    """Programmes based in the country or supporting one of its published initiatives, with `n`,
    the number of its published initiatives there (one query)."""
    here = Q(initiatives__status=Initiative.Status.PUBLISHED, initiatives__country=code)
    return list(
        Programme.objects.filter(Q(country=code) | here)
        .annotate(n=Count("initiatives", filter=here, distinct=True))
        .distinct()
        .order_by("-n", "name")
    )


def map_summary(qs: QuerySet[Initiative]) -> dict[str, int]:
    """{"total": matching initiatives, "located": those with coordinates} in one query."""
    return qs.order_by().aggregate(
        total=Count("pk"),
        located=Count("pk", filter=Q(latitude__isnull=False, longitude__isnull=False)),
    )


MapPoint = tuple[float, float, str, str, str]


def map_points(qs: QuerySet[Initiative]) -> list[MapPoint]:
    """[lat, lng, name, url, country name] of the initiatives of `qs` that have coordinates.

    One query (values_list), by name. Country names are in the active language.
    """
    names = country_names()
    rows = (
        qs.filter(latitude__isnull=False, longitude__isnull=False)
        .order_by("name", "pk")
        .values_list("latitude", "longitude", "name", "slug", "country")
    )
    return [
        (
            float(lat),
            float(lng),
            name,
            reverse("initiatives:detail", args=[slug]),
            names.get(country, country),
        )
        for lat, lng, name, slug, country in rows
        if lat is not None and lng is not None  # filtered above; the types cannot know
    ]


def map_points_all() -> list[MapPoint]:
    """The unfiltered map (the most requested), cached until the published registry changes."""
    key = f"initiatives:map-points:{registry_version()}:{get_language()}"
    points = cache.get_or_set(key, lambda: map_points(_published()), STATS_CACHE_SECONDS)
    return cast(list[MapPoint], points)


def registry_statistics() -> RegistryStatistics:
    """The statistics page's numbers, cached until the published registry changes."""
    key = f"initiatives:statistics:{registry_version()}:{get_language()}"
    return cast(RegistryStatistics, cache.get_or_set(key, _compute_statistics, STATS_CACHE_SECONDS))


def _breakdown(
    key: str, title: str, description: str, category: str, rows: list[tuple[str, str, int]]
) -> Breakdown:
    """A Breakdown from (filter value, label, count) rows."""
    return Breakdown(
        key=key,
        title=title,
        description=description,
        category=category,
        rows=[(label, n) for _value, label, n in rows],
        values=[value for value, _label, _n in rows],
    )


def _compute_statistics() -> RegistryStatistics:
    qs = _published()
    totals = map_summary(qs)
    names = country_names()
    by_country, by_subdivision = counts_by_place(qs)
    breakdowns = [
        _breakdown(
            "country",
            gettext("Initiatives by country"),
            gettext(
                "Horizontal bar chart of the number of published initiatives in each country "
                "or territory, largest first."
            ),
            gettext("Country or territory"),
            [(code, names.get(code, code), n) for code, n in by_country],
        ),
        _breakdown(
            "subdivision",
            gettext("States and provinces with most initiatives"),
            gettext(
                "Horizontal bar chart of the number of published initiatives in each of the "
                "states, provinces or departments with most initiatives, largest first."
            ),
            gettext("State, province or department"),
            [
                (code, f"{subdivisions.name(code)} ({names.get(code[:2], code[:2])})", n)
                for code, n in by_subdivision[:SUBDIVISIONS_SHOWN]
            ],
        ),
        _breakdown(
            "sector",
            gettext("Initiatives by sector"),
            gettext(
                "Horizontal bar chart of the number of published initiatives in each sector, "
                "largest first. An initiative may work in several sectors."
            ),
            gettext("Sector"),
            [(sector.slug, str(sector.name), n) for sector, n in counts_by_sector()],
        ),
        _breakdown(
            "kind",
            gettext("Initiatives by type"),
            gettext("Horizontal bar chart of the number of published initiatives of each type."),
            gettext("Type"),
            counts_by_kind(qs),
        ),
        _breakdown(
            "stage",
            gettext("Initiatives by stage of development"),
            gettext(
                "Horizontal bar chart of the number of published initiatives at each stage "
                "of development."
            ),
            gettext("Stage"),
            counts_by_stage(qs),
        ),
        _breakdown(
            "founded",
            gettext("Initiatives by decade founded"),
            gettext(
                "Horizontal bar chart of the number of published initiatives by the decade "
                "in which they were founded, oldest first."
            ),
            gettext("Decade founded"),
            [("", label, n) for label, n in counts_by_decade(qs)],
        ),
    ]
    return RegistryStatistics(
        total=totals["total"],
        located=totals["located"],
        countries=len(by_country),
        breakdowns=breakdowns,
    )
