"""Reads of opportunities: the public list and its filters, a page, the feeds, a person's own."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, QuerySet
from django.http import QueryDict
from django.utils import timezone

from iapt_platform.accounts import personal_data
from iapt_platform.lib.cache import CacheVersion, timed
from initiatives.models import Sector

from .filters import OpportunityFilter
from .models import Opportunity, OpportunityDocument, Topic

# Every page and section showing opportunities is kept under this version (bumped by any change,
# apps.py) and the minute: an opportunity that closes leaves the open list on the clock.
OPPORTUNITIES_VERSION = CacheVersion("opportunities:version")
opportunities_version = timed(OPPORTUNITIES_VERSION.get, 60)

PAGE_SIZE = 20
FEED_SIZE = 50
# A calendar keeps a deadline for a month after it passed, so that it does not vanish the day after.
CALENDAR_KEEPS = dt.timedelta(days=30)


def _with_related(qs: QuerySet[Opportunity]) -> QuerySet[Opportunity]:
    return qs.prefetch_related(
        Prefetch("sectors", queryset=Sector.objects.order_by("slug")),
        Prefetch("topics", queryset=Topic.objects.order_by("order", "slug")),
    )


@dataclass
class Listing:
    filterset: OpportunityFilter
    page: Page
    query_string: str  # the filters, without the page, for links (pages, feeds)
    invalid: bool

    @property
    def form(self) -> Any:
        return self.filterset.form

    @property
    def active_filter_count(self) -> int:
        data = self.filterset.form.data
        return sum(bool(data.get(name)) for name in OpportunityFilter.PARAMS if name != "when")


def opportunity_filtered(
    params: QueryDict,
) -> tuple[OpportunityFilter, QuerySet[Opportunity], bool]:
    filterset = OpportunityFilter(params, queryset=Opportunity.objects.published())
    if filterset.is_valid():
        return filterset, _with_related(filterset.qs), False
    # An unknown value gives no result rather than silently ignoring the filter.
    return filterset, Opportunity.objects.none(), True


def opportunity_listing(params: QueryDict, *, page_number: str | None) -> Listing:
    filterset, qs, invalid = opportunity_filtered(params)
    page = Paginator(qs, PAGE_SIZE).get_page(page_number)
    query = QueryDict(mutable=True)
    for name in OpportunityFilter.PARAMS:
        value = params.get(name)
        if value:
            query[name] = value
    return Listing(filterset=filterset, page=page, query_string=query.urlencode(), invalid=invalid)


def opportunity_get(*, slug: str) -> Opportunity | None:
    return (
        _with_related(Opportunity.objects.filter(slug=slug))
        .select_related("proposed_by")
        .prefetch_related("documents")
        .first()
    )


def opportunity_current() -> QuerySet[Opportunity]:
    """Published and not closed: the RSS feed and the API."""
    return _with_related(Opportunity.objects.current()).order_by("closes_at", "id")


def opportunity_latest_current(*, limit: int) -> list[Opportunity]:
    return list(opportunity_current().order_by("-published_at", "-id")[:limit])


def opportunity_closing_first(*, limit: int) -> list[Opportunity]:
    """The home page's few: one query (their cards name no sector or topic)."""
    return list(Opportunity.objects.open().order_by("closes_at", "id")[:limit])


def opportunity_calendar(params: QueryDict) -> QuerySet[Opportunity]:
    """The deadlines of the list's filters; with no `when`, current ones and the month past."""
    if params.get("when"):
        _filterset, qs, _invalid = opportunity_filtered(params)
        return qs
    since = timezone.now() - CALENDAR_KEEPS
    params = params.copy()
    params["when"] = "open"
    filterset = OpportunityFilter(params, queryset=Opportunity.objects.published())
    if not filterset.is_valid():
        return Opportunity.objects.none()
    # The same filters but "when": current ones, opening later ones, and those just closed.
    others = {k: v for k, v in filterset.form.cleaned_data.items() if k != "when"}
    qs = Opportunity.objects.published().filter(closes_at__gt=since)
    for name, value in others.items():
        if value in (None, ""):
            continue
        qs = filterset.filters[name].filter(qs, value)
    return qs.order_by("closes_at", "id")


def opportunities_of(*, user: Any) -> QuerySet[Opportunity]:
    return Opportunity.objects.filter(proposed_by=user).order_by("-created_at", "-id")


def documents_of(opportunity: Opportunity) -> QuerySet[OpportunityDocument]:
    return opportunity.documents.all()


def personal_data_of(user: Any) -> personal_data.Portion:
    """The opportunities the person proposed or posted, with the documents they attached."""
    portion = personal_data.Portion(data={})
    rows = []
    for opportunity in opportunities_of(user=user).prefetch_related("documents"):
        documents = []
        for document in opportunity.documents.all():
            name = personal_data.file_name(f"opportunities/{opportunity.pk}", document.file)
            portion.files.append((name, document.file))
            documents.append(name)
        rows.append({**personal_data.record(opportunity), "documents": documents})
    portion.data["opportunities"] = rows
    return portion
