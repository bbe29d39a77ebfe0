"""The library's filters, shared by the browse page, the citation exports, the evidence map and
the API: one form that validates the query string, and one function that applies it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import F, FloatField, QuerySet, Value
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from iapt_platform.lib import search
from initiatives.models import Sector

from .models import (
    LANGUAGES,
    Evidence,
    EvidenceOutcome,
    Resource,
    ResourceCountry,
    ResourceLanguage,
    Topic,
)

SORTS = {
    "relevance": _("Relevance"),
    "newest": _("Newest"),
    "downloads": _("Most downloaded"),
    "title": _("Title"),
}
# Facets shown with counts on the browse page, in the order they appear.
FACETS = ("type", "topic", "language", "country", "year", "method")
# Every filter the query string may carry (facets, plus the evidence map's cells).
FILTER_KEYS = ("q", *FACETS, "outcome", "direction", "sector")
FIRST_YEAR = 1950


def year_choices() -> list[tuple[str, str]]:
    return [(str(y), str(y)) for y in range(timezone.now().year + 1, FIRST_YEAR - 1, -1)]


def country_choices() -> list[tuple[str, str]]:
    return [(code, str(name)) for code, name in countries]


class ResourceFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=200, required=False)
    type = forms.MultipleChoiceField(label=_("Type"), choices=Resource.Type.choices, required=False)
    topic: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label=_("Topic"), queryset=Topic.objects.all(), to_field_name="slug", required=False
    )
    language = forms.MultipleChoiceField(label=_("Language"), choices=LANGUAGES, required=False)
    country = forms.MultipleChoiceField(label=_("Country"), choices=country_choices, required=False)
    year = forms.TypedMultipleChoiceField(
        label=_("Year"), choices=year_choices, coerce=int, required=False
    )
    method = forms.MultipleChoiceField(
        label=_("Evaluation method"), choices=Evidence.Method.choices, required=False
    )
    outcome = forms.MultipleChoiceField(
        label=_("Outcome"), choices=Evidence.Outcome.choices, required=False
    )
    direction = forms.MultipleChoiceField(
        label=_("Direction of the effect"), choices=Evidence.Direction.choices, required=False
    )
    sector: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label=_("Sector"), queryset=Sector.objects.all(), to_field_name="slug", required=False
    )
    sort = forms.ChoiceField(label=_("Sort by"), choices=list(SORTS.items()), required=False)

    def active(self) -> dict:
        """The cleaned, non-empty filters (not the sort)."""
        if not self.is_valid():
            return {}
        return {
            k: v
            for k, v in self.cleaned_data.items()
            if k != "sort" and v not in (None, "", [], ()) and not (hasattr(v, "exists") and not v)
        }


def cleaned_params(params: QueryDict) -> QueryDict:
    """The filter and sort keys of `params`, without empty values (a select's "all" option)."""
    kept = QueryDict(mutable=True)
    for key in (*FILTER_KEYS, "sort"):
        values = [v for v in params.getlist(key) if v.strip()]
        if values:
            kept.setlist(key, values)
    return kept


def apply_filters(qs: QuerySet[Resource], active: dict, *, rank: bool = True) -> QuerySet:
    """Filter `qs` by the cleaned values. Multi-valued fields are matched with `pk IN (subquery)`,
    so that no row repeats and the search rank survives."""
    if active.get("type"):
        qs = qs.filter(type__in=active["type"])
    if active.get("year"):
        qs = qs.filter(year__in=active["year"])
    if active.get("topic"):
        through = Resource.topics.through
        slugs = [getattr(t, "slug", t) for t in active["topic"]]  # topics or their slugs
        qs = qs.filter(pk__in=through.objects.filter(topic__slug__in=slugs).values("resource_id"))
    if active.get("language"):
        qs = qs.filter(
            pk__in=ResourceLanguage.objects.filter(language__in=active["language"]).values(
                "resource_id"
            )
        )
    if active.get("country"):
        qs = qs.filter(
            pk__in=ResourceCountry.objects.filter(country__in=active["country"]).values(
                "resource_id"
            )
        )
    if active.get("method"):
        qs = qs.filter(evidence__method__in=active["method"])
    if active.get("direction"):
        qs = qs.filter(evidence__direction__in=active["direction"])
    if active.get("sector"):
        qs = qs.filter(evidence__sector__slug__in=[getattr(t, "slug", t) for t in active["sector"]])
    if active.get("outcome"):
        qs = qs.filter(
            evidence__in=EvidenceOutcome.objects.filter(outcome__in=active["outcome"]).values(
                "evidence_id"
            )
        )
    if active.get("q"):
        qs = search.search(qs, active["q"], rank=False)
        if rank:
            qs = qs.annotate(rank=_rank(active["q"]))
    return qs


def _rank(query: str) -> Any:
    """Relevance from the metadata (title first, then authors, topics and places, then the
    summary). The text inside files decides whether a resource matches, not its rank: ranking
    tens of thousands of matches on whole-document vectors would read every one of them."""
    if not search.is_postgres():
        return Value(0.0, output_field=FloatField())
    words = search.terms(query)
    tsquery = SearchQuery(" & ".join(f"{w}:*" for w in words), search_type="raw", config="simple")
    return Coalesce(SearchRank(F("rank_vector"), tsquery), Value(0.0))
