"""The list's filters, shared by the page, its iCalendar and RSS versions, and the API."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from iapt_platform.lib.regions import COUNTRIES
from initiatives.models import Sector

from .forms import region_country_choices
from .models import Opportunity, Topic

OPEN, SOON, UPCOMING, CLOSED = "open", "soon", "upcoming", "closed"
WHEN = [
    (OPEN, _("Open now")),
    (SOON, _("Closing soon")),
    (UPCOMING, _("Opening later")),
    (CLOSED, _("Closed")),
]


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 365})
class DaysFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


@extend_schema_field({"type": "string", "enum": list(COUNTRIES)})
class CountryFilter(django_filters.ChoiceFilter):
    """One of the region's countries (ISO 3166-1 alpha-2); the whole-region ones match any."""


@extend_schema_field({"type": "string"})
class SlugFilter(django_filters.ModelChoiceFilter):
    """One object by slug (`?sector=agrifood`)."""


class OpportunityFilter(django_filters.FilterSet):
    when = django_filters.ChoiceFilter(
        label=_("When"), choices=WHEN, method="filter_when", empty_label=None
    )
    within = DaysFilter(
        label=_("Closing within (days)"),
        method="filter_noop",
        min_value=1,
        max_value=365,
        widget=forms.NumberInput(attrs={"min": 1, "max": 365}),
    )
    country = CountryFilter(
        label=_("Country"),
        choices=region_country_choices,
        method="filter_country",
        empty_label=_("All"),
    )
    sector = SlugFilter(
        label=_("Sector"),
        field_name="sectors",
        to_field_name="slug",
        queryset=Sector.objects.all(),
        empty_label=_("All"),
    )
    topic = SlugFilter(
        label=_("Topic"),
        field_name="topics",
        to_field_name="slug",
        queryset=Topic.objects.all(),
        empty_label=_("All"),
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=Opportunity.Kind.choices, empty_label=_("All")
    )

    class Meta:
        model = Opportunity
        fields: list[str] = []

    PARAMS = ("when", "within", "country", "sector", "topic", "kind")

    def __init__(self, data=None, *args, **kwargs) -> None:
        # "Open now" unless the reader chose otherwise.
        if data is not None and not data.get("when"):
            data = data.copy()
            data["when"] = OPEN
        super().__init__(data, *args, **kwargs)
        self.form.fields["within"].widget.attrs["placeholder"] = str(closing_soon_days())

    def filter_when(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        now = timezone.now()
        if value == SOON:
            days = int(self.form.cleaned_data.get("within") or closing_soon_days())
            return queryset.filter(
                opens_at__lte=now, closes_at__gt=now, closes_at__lte=now + dt.timedelta(days=days)
            ).order_by("closes_at", "id")
        if value == UPCOMING:
            return queryset.filter(opens_at__gt=now).order_by("opens_at", "id")
        if value == CLOSED:
            return queryset.filter(closes_at__lte=now).order_by("-closes_at", "-id")
        return queryset.filter(opens_at__lte=now, closes_at__gt=now).order_by("closes_at", "id")

    def filter_noop(self, queryset: QuerySet, name: str, value: object) -> QuerySet:
        return queryset  # read by filter_when

    def filter_country(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value:
            return queryset
        # As OpportunityQuerySet.for_country: the whole region's ones are open to every country.
        return queryset.filter(Q(whole_region=True) | Q(countries__contains=value))


def closing_soon_days() -> int:
    return settings.OPPORTUNITIES_CLOSING_SOON_DAYS
