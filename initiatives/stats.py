"""Reads behind the map, country, sector and statistics pages: counts and map points.

The counts come from the registry's counts table (counts.py keeps it exact at every write): one
small query per page, whatever the size of the registry. The statistics page's numbers are also
cached per registry version and language (they carry translated labels, as plain strings).
"""

from dataclasses import dataclass
from typing import cast

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils.translation import get_language, gettext
from django_countries import countries

from iapt_platform.lib import subdivisions

from .models import Initiative, Programme, RegistryCount, Sector
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


class Tally:
    """Rows of the registry's counts (models.RegistryCount), summed as a page needs them."""

    def __init__(self, rows: list[tuple[str, str, str, int]]) -> None:
        self.rows = rows

    def by_value(self, dimension: str) -> dict[str, int]:
        """{value: count} of a dimension, over the countries read."""
        sums: dict[str, int] = {}
        for d, _country, value, n in self.rows:
            if d == dimension:
                sums[value] = sums.get(value, 0) + n
        return sums

    def by_country(self, dimension: str = "located") -> dict[str, int]:
        """{country: count} of a dimension (of "located", the number of initiatives)."""
        sums: dict[str, int] = {}
        for d, country, _value, n in self.rows:
            if d == dimension:
                sums[country] = sums.get(country, 0) + n
        return sums


def tally(**where: str) -> Tally:
    """The counts above zero (of a country, a dimension, a value), one query of a few rows."""
    rows = RegistryCount.objects.filter(n__gt=0, **where).order_by()
    return Tally(list(rows.values_list("dimension", "country", "value", "n")))


def _by_count_then_name(counts: dict[str, int], name) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda row: (-row[1], name(row[0])))


def counts_by_country(counts: Tally, dimension: str = "located") -> list[tuple[str, int]]:
    """(country code, count), largest first, then by name."""
    names = country_names()
    return _by_count_then_name(counts.by_country(dimension), lambda code: names.get(code, code))


def counts_by_country_of_sector(sector: Sector) -> list[tuple[str, int]]:
    """(country code, number of its published initiatives in the sector), largest first."""
    return counts_by_country(tally(dimension="sector", value=str(sector.pk)), "sector")


def counts_by_subdivision(counts: Tally) -> list[tuple[str, int]]:
    """(ISO 3166-2 code, count) of the initiatives that give their state or province, largest
    first, then by name."""
    by_subdivision = {code: n for code, n in counts.by_value("subdivision").items() if code}
    return _by_count_then_name(by_subdivision, subdivisions.name)


def counts_by_kind(counts: Tally) -> list[tuple[str, str, int]]:
    """(kind, label, count) for every type, in the vocabulary's order, zeros included."""
    by_kind = counts.by_value("kind")
    return [(value, str(label), by_kind.get(value, 0)) for value, label in Initiative.Kind.choices]


def counts_by_stage(counts: Tally) -> list[tuple[str, str, int]]:
    """(stage, label, count) for every stage, then "not stated" when some have none."""
    by_stage = counts.by_value("stage")
    rows = [
        (value, str(label), by_stage.get(value, 0)) for value, label in Initiative.Stage.choices
    ]
    if by_stage.get(""):
        rows.append(("", gettext("Not stated"), by_stage[""]))
    return rows


def counts_by_sector(counts: Tally) -> list[tuple[Sector, int]]:
    """(sector, number of published initiatives counted), largest first, then in the taxonomy's
    order and by name. Every sector is listed, zeros included (one query of the sectors)."""
    by_sector = counts.by_value("sector")
    sectors = list(Sector.objects.order_by("order", "name"))  # ties stay in this order
    rows = [(sector, by_sector.get(str(sector.pk), 0)) for sector in sectors]
    return sorted(rows, key=lambda row: -row[1])


def counts_by_decade(counts: Tally) -> Rows:
    """(decade label, count) by year founded, oldest first, then "not stated"."""
    by_decade = counts.by_value("decade")
    unknown = by_decade.pop("", 0)
    decades = sorted(int(d) for d in by_decade)
    rows: Rows = [(f"{d}\u2013{d + 9}", by_decade[str(d)]) for d in decades]  # en dash
    if unknown:
        rows.append((gettext("Not stated"), unknown))
    return rows


def programmes_of_country(code: str, counts: Tally) -> list[Programme]:
    """Programmes based in the country or supporting one of its published initiatives, with `n`,
    the number of its published initiatives there (`counts` are the country's), most first, then
    by name."""
    here = {int(pk): n for pk, n in counts.by_value("programme").items()}
    programmes = list(Programme.objects.filter(Q(country=code) | Q(pk__in=here)).order_by("name"))
    for programme in programmes:
        programme.n = here.get(programme.pk, 0)  # type: ignore[attr-defined]
    return sorted(programmes, key=lambda p: -p.n)  # type: ignore[attr-defined]


def map_summary(qs: QuerySet[Initiative]) -> dict[str, int]:
    """{"total": matching initiatives, "located": those with coordinates} in one query."""
    return qs.order_by().aggregate(
        total=Count("pk"),
        located=Count("pk", filter=Q(latitude__isnull=False, longitude__isnull=False)),
    )


def summary(counts: Tally) -> dict[str, int]:
    """{"total", "located"} of the counts read (map_summary of the whole registry, or of a
    country, without reading the initiatives)."""
    located = counts.by_value("located")
    return {"total": sum(located.values()), "located": located.get("1", 0)}


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
    counts = tally()
    totals = summary(counts)
    names = country_names()
    by_country = counts_by_country(counts)
    by_subdivision = counts_by_subdivision(counts)
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
            [(sector.slug, str(sector.name), n) for sector, n in counts_by_sector(counts)],
        ),
        _breakdown(
            "kind",
            gettext("Initiatives by type"),
            gettext("Horizontal bar chart of the number of published initiatives of each type."),
            gettext("Type"),
            counts_by_kind(counts),
        ),
        _breakdown(
            "stage",
            gettext("Initiatives by stage of development"),
            gettext(
                "Horizontal bar chart of the number of published initiatives at each stage "
                "of development."
            ),
            gettext("Stage"),
            counts_by_stage(counts),
        ),
        _breakdown(
            "founded",
            gettext("Initiatives by decade founded"),
            gettext(
                "Horizontal bar chart of the number of published initiatives by the decade "
                "in which they were founded, oldest first."
            ),
            gettext("Decade founded"),
            [("", label, n) for label, n in counts_by_decade(counts)],
        ),
    ]
    return RegistryStatistics(
        total=totals["total"],
        located=totals["located"],
        countries=len(by_country),
        breakdowns=breakdowns,
    )
