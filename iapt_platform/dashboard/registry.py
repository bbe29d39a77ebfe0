"""The community dashboard's metrics: each app registers its own, the dashboard imports none.

An app registers its metric functions in its AppConfig.ready() (like `lib/sections.py`):

    register(Metric(key="threads", section=FORUM, label=_("Forum threads"),
                    compute=metrics.threads, kind=COUNT, order=10))

A metric function receives a `Window` (the months of the chosen period, then the whole period,
then the period before, and the country filter) and returns one figure per bucket, in that order.
`count_by_bucket` and `sum_by_bucket` do that in ONE aggregate query with a filtered aggregate per
bucket, so the dashboard's query count depends on the number of metrics, never on the data.

Kinds: COUNT counts things (initiatives, threads); PEOPLE counts people and SHARE is a share of
people (women among those who stated a gender): the dashboard suppresses their small cells
(`figures.py`), so no figure reveals one person.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

COUNT = "count"
PEOPLE = "people"
SHARE = "share"

# Sections of the page, in this order (headings in views.SECTION_TITLES).
REGISTRY = "registry"
MEMBERS = "members"
FORUM = "forum"
MEETINGS = "meetings"
LIBRARY = "library"
STORIES = "stories"
COLLABORATION = "collaboration"
BULLETIN = "bulletin"
SECTIONS = (REGISTRY, MEMBERS, FORUM, MEETINGS, LIBRARY, STORIES, COLLABORATION, BULLETIN)


@dataclass(frozen=True)
class Share:
    """A share of people: `part` of `whole` (women among those who stated a gender), with the
    percentage its app computes (community.meetings.stats rounds it)."""

    part: int
    whole: int
    percent: int | None


Figure = int | Share


@dataclass(frozen=True)
class Bucket:
    start: datetime  # aware, inclusive
    end: datetime  # aware, exclusive

    def dates(self, zone: tzinfo) -> tuple[date, date]:
        """The bucket as days of the reader's zone, for daily counters (end exclusive)."""
        return self.start.astimezone(zone).date(), self.end.astimezone(zone).date()


@dataclass(frozen=True)
class Window:
    """The months of the period, then the period itself, then the period before."""

    months: tuple[Bucket, ...]
    period: Bucket
    previous: Bucket
    country: str = ""  # ISO code, "" for every country
    zone: Any = None  # the reader's tzinfo

    @property
    def buckets(self) -> tuple[Bucket, ...]:
        return (*self.months, self.period, self.previous)

    @property
    def start(self) -> datetime:
        return self.previous.start

    @property
    def end(self) -> datetime:
        return self.period.end


@dataclass(frozen=True)
class Metric:
    key: str
    section: str
    label: Any  # lazy text
    description: Any
    compute: Callable[[Window], Sequence[Figure]]
    kind: str = COUNT
    order: int = 100
    # A figure derived from another metric's people (the countries of participants): its cells
    # are hidden wherever that metric's are.
    suppress_with: str = ""
    # A metric counting some of another metric's people (first-timers among participants): the
    # people counted there and not here (those who came back) are protected as well.
    part_of: str = ""
    unit: Any = field(default=None)  # heading of the numbers' column, else the label


_metrics: dict[str, Metric] = {}


def register(metric: Metric) -> None:
    _metrics[metric.key] = metric


def unregister(key: str) -> None:
    _metrics.pop(key, None)


def metrics() -> list[Metric]:
    order = {section: i for i, section in enumerate(SECTIONS)}
    return sorted(_metrics.values(), key=lambda m: (order.get(m.section, 99), m.order, m.key))


def get(key: str) -> Metric | None:
    return _metrics.get(key)


def _in(lookup: str, start: Any, end: Any) -> Q:
    return Q(**{f"{lookup}__gte": start, f"{lookup}__lt": end})


def _scoped(queryset: QuerySet, window: Window, lookup: str, country: str, start, end) -> QuerySet:
    """The rows of the whole window (the period before included), in the chosen country."""
    queryset = queryset.filter(_in(lookup, start, end))
    if window.country and country:
        queryset = queryset.filter(**{country: window.country})
    return queryset


def count_by_bucket(
    queryset: QuerySet,
    window: Window,
    *,
    date: str,
    country: str = "",
    distinct: str = "pk",
    where: Q | None = None,
) -> list[int]:
    """How many distinct `distinct` values each bucket holds, by the datetime lookup `date`
    (`country` is the lookup the country filter applies to, for example "author__country")."""

    def bounds(bucket: Bucket) -> tuple[datetime, datetime]:
        return bucket.start, bucket.end

    queryset = _scoped(queryset, window, date, country, window.start, window.end)
    aggregates = {
        f"b{i}": Count(distinct, distinct=True, filter=_in(date, *bounds(b)) & (where or Q()))
        for i, b in enumerate(window.buckets)
    }
    result = queryset.aggregate(**aggregates)
    return [result[f"b{i}"] or 0 for i in range(len(window.buckets))]


def sum_by_bucket(
    queryset: QuerySet, window: Window, *, day: str, value: str, country: str = ""
) -> list[int]:
    """The sum of a daily counter (`value` on rows dated by the DateField `day`) per bucket."""

    def bounds(bucket: Bucket) -> tuple[date, date]:
        return bucket.dates(window.zone)

    first, last = bounds(window.previous)[0], bounds(window.period)[1]
    queryset = _scoped(queryset, window, day, country, first, last)
    aggregates = {
        f"b{i}": Coalesce(Sum(value, filter=_in(day, *bounds(b))), 0)
        for i, b in enumerate(window.buckets)
    }
    result = queryset.aggregate(**aggregates)
    return [int(result[f"b{i}"]) for i in range(len(window.buckets))]


def register_section(
    section: str, entries: Sequence[tuple], *, kind: str = COUNT, order: int = 10
) -> None:
    """Register several metrics of one section: each entry is (key, label, description, compute)
    with, optionally, its kind, the key of the metric whose suppression it follows, and the key
    of the metric whose people it counts some of (`Metric.part_of`)."""
    for i, (key, label, description, compute, *rest) in enumerate(entries):
        register(
            Metric(
                key=key,
                section=section,
                label=label,
                description=description,
                compute=compute,
                kind=rest[0] if rest else kind,
                suppress_with=rest[1] if len(rest) > 1 else "",
                part_of=rest[2] if len(rest) > 2 else "",
                order=order + i,
            )
        )
