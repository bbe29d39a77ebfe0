"""The read-only API of opportunities: the published ones not yet closed, with the list's filters."""

from __future__ import annotations

from datetime import UTC

import django_filters
from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers

from iapt_platform.lib.api import OpenDataView, PageField, Pagination

from . import selectors
from .filters import OPEN, SOON, UPCOMING, WHEN, OpportunityFilter
from .models import Opportunity

SLUG = {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$", "maxLength": 50}


@extend_schema_field(SLUG)
class SlugParameter(django_filters.CharFilter):
    """A taxonomy's slug: an unknown one matches nothing (the API documents slugs, not the
    taxonomy of the day)."""


class OpportunityApiFilter(OpportunityFilter):
    when = django_filters.ChoiceFilter(
        label=_("When"),
        choices=[choice for choice in WHEN if choice[0] in (OPEN, SOON, UPCOMING)],
        method="filter_when",
        empty_label=None,
    )
    sector = SlugParameter(label=_("Sector"), field_name="sectors__slug")
    topic = SlugParameter(label=_("Topic"), field_name="topics__slug")


class OpportunitySerializer(serializers.ModelSerializer):
    title = serializers.SerializerMethodField()
    description = serializers.SerializerMethodField(help_text=_("Markdown."))
    language = serializers.SerializerMethodField(
        help_text=_(
            "The language of the title and description (the one asked for when written in it)."
        )
    )
    countries = serializers.SerializerMethodField(
        help_text=_(
            "ISO 3166-1 codes of the countries eligible (all of the region's when whole_region)."
        )
    )
    sectors = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")
    topics = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")
    amount = serializers.DecimalField(
        max_digits=16, decimal_places=2, read_only=True, allow_null=True
    )
    opens_at = serializers.DateTimeField(read_only=True, default_timezone=UTC)
    closes_at = serializers.DateTimeField(read_only=True, default_timezone=UTC)
    documents = serializers.SerializerMethodField()
    url = PageField(help_text=_("The opportunity's public page."))

    class Meta:
        model = Opportunity
        fields = [
            "slug",
            "kind",
            "title",
            "description",
            "language",
            "organiser",
            "whole_region",
            "countries",
            "sectors",
            "topics",
            "amount",
            "currency",
            "opens_at",
            "closes_at",
            "link",
            "documents",
            "url",
        ]

    def _reading(self, obj: Opportunity) -> tuple[str, str, str]:
        return obj.reading(get_language() or settings.LANGUAGE_CODE)

    def get_title(self, obj: Opportunity) -> str:
        return self._reading(obj)[0]

    def get_description(self, obj: Opportunity) -> str:
        return self._reading(obj)[1]

    def get_language(self, obj: Opportunity) -> str:
        return self._reading(obj)[2]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_countries(self, obj: Opportunity) -> list[str]:
        return obj.country_codes()

    @extend_schema_field(serializers.ListField(child=serializers.URLField()))
    def get_documents(self, obj: Opportunity) -> list[str]:
        request = self.context["request"]
        return [
            request.build_absolute_uri(reverse("opportunities:document", args=[obj.slug, d.pk]))
            for d in obj.documents.all()
        ]


@extend_schema(
    summary=_("Open opportunities"),
    description=_(
        "Published funding calls, grants, tenders, training programmes and events that have not "
        "closed yet, filtered like the list page (open now by default). Dates are in UTC."
    ),
)
class OpportunityList(OpenDataView, generics.ListAPIView):
    serializer_class = OpportunitySerializer
    pagination_class = Pagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = OpportunityApiFilter

    def get_queryset(self) -> QuerySet[Opportunity]:
        return selectors.opportunity_current().prefetch_related("documents")


@extend_schema(summary=_("One open opportunity"))
class OpportunityDetail(OpenDataView, generics.RetrieveAPIView):
    serializer_class = OpportunitySerializer
    lookup_field = "slug"

    def get_queryset(self) -> QuerySet[Opportunity]:
        return selectors.opportunity_current().prefetch_related("documents")
