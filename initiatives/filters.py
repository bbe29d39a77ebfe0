"""The directory's filters, shared by the list, the map, the downloads and the API."""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from drf_spectacular.utils import extend_schema_field

from iapt_platform.lib import search, subdivisions
from iapt_platform.lib.regions import REGION

from .models import Initiative, Programme, Sector

SORTS = {
    "relevance": _("Relevance"),
    "name": _("Name"),
    "newest": _("Newest"),
    "founded": _("Year founded"),
}


def country_choices():
    names = dict(countries)
    return sorted(((code, names.get(code, code)) for code in REGION), key=lambda c: str(c[1]))


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class SlugsFilter(django_filters.ModelMultipleChoiceFilter):
    """Several objects by slug (`?sector=agrifood&sector=tourism`); documented as strings."""


class InitiativeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q", max_length=200)
    # Country, type, stage and programme are columns of the initiative (or a foreign key): they
    # never repeat a row, so no DISTINCT (which would also merge rows in the facets' one scan).
    country = django_filters.MultipleChoiceFilter(
        label=_("Country"), choices=country_choices, distinct=False
    )
    # ISO 3166-2 codes ("MX-MIC"); offered as a facet once a single country is chosen.
    subdivision = django_filters.MultipleChoiceFilter(
        label=_("State or province"), choices=subdivisions.choices, distinct=False
    )
    sector = SlugsFilter(
        label=_("Sector"),
        field_name="sectors__slug",
        to_field_name="slug",
        queryset=Sector.objects.all(),
        method="filter_sector",
    )
    kind = django_filters.MultipleChoiceFilter(
        label=_("Type"), choices=Initiative.Kind.choices, distinct=False
    )
    stage = django_filters.MultipleChoiceFilter(
        label=_("Stage"), choices=Initiative.Stage.choices, distinct=False
    )
    programme = SlugsFilter(
        label=_("Programme"),
        field_name="programme__slug",
        to_field_name="slug",
        queryset=Programme.objects.all(),
        distinct=False,
    )
    digital = django_filters.BooleanFilter(
        label=_("Digital-economy focus"), method="filter_digital", widget=forms.CheckboxInput
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"), choices=list(SORTS.items()), method="filter_sort", empty_label=None
    )

    class Meta:
        model = Initiative
        fields: list[str] = []

    FACETS = ("country", "sector", "kind", "stage", "programme", "digital")
    # Every parameter of the directory but sort and page (the map, downloads and page cache).
    PARAMS = ("q", "country", "subdivision", "sector", "kind", "stage", "programme", "digital")

    @classmethod
    def facets_for(cls, active: dict) -> tuple[str, ...]:
        """The facets counted and shown: subdivisions only under a single country (hundreds of
        them otherwise), or while one is chosen, so that it can be unticked."""
        if len(active.get("country") or ()) == 1 or active.get("subdivision"):
            return ("country", "subdivision", *cls.FACETS[1:])
        return cls.FACETS

    def filter_q(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return search.search(qs, value)

    def filter_sector(self, qs: QuerySet, name: str, value) -> QuerySet:
        """Initiatives of any of the chosen sectors, each once: a probe of the sectors' unique
        index per initiative (no join repeating rows, no DISTINCT), so a query ordered by an
        index of the initiatives (a country's, by name) reads its page in that order."""
        if not value:
            return qs
        chosen = Initiative.sectors.through.objects.filter(
            initiative_id=OuterRef("pk"), sector_id__in=[sector.pk for sector in value]
        )
        return qs.filter(Exists(chosen))

    def filter_digital(self, qs: QuerySet, name: str, value: bool) -> QuerySet:
        # An unticked box means "any", not "without a digital focus".
        return qs.filter(digital_focus=True) if value else qs

    def filter_sort(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs  # ordering is applied last, in selectors.initiative_directory

    def active_filters(self) -> dict:
        """The cleaned, non-empty filter values (empty when the form is invalid)."""
        if not self.is_bound or not self.form.is_valid():
            return {}
        return {
            k: v
            for k, v in self.form.cleaned_data.items()
            if k != "sort"
            and v not in (None, "", [], False)
            and not (hasattr(v, "exists") and not v)
        }
