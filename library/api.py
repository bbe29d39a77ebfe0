"""The read-only API of the library: published resources with the browse page's filters, and the
topics. Files are linked through the download view, never through storage addresses."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend

from iapt_platform.lib.api import OpenDataView, PageField, Pagination

from . import selectors
from .filters import (
    SORTS,
    ResourceFilterForm,
    apply_filters,
    cleaned_params,
    country_choices,
    year_choices,
)
from .models import LANGUAGES, Evidence, Resource, Topic


class TopicSerializer(serializers.ModelSerializer):
    resource_count = serializers.IntegerField(
        read_only=True, help_text=_("Published resources on this topic.")
    )

    class Meta:
        model = Topic
        fields = ["slug", "name", "resource_count"]


class TopicSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Topic
        fields = ["slug", "name"]


class EvidenceSerializer(serializers.ModelSerializer):
    outcomes = serializers.ListField(
        child=serializers.ChoiceField(choices=Evidence.Outcome.choices), read_only=True
    )
    sector = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Evidence
        fields = ["method", "outcomes", "direction", "sector", "period_start", "period_end"]


class ResourceSerializer(serializers.ModelSerializer):
    topics = TopicSummarySerializer(many=True, read_only=True)
    languages = serializers.ListField(child=serializers.CharField(), read_only=True)
    countries = serializers.SerializerMethodField()
    authors = serializers.ListField(child=serializers.CharField(), read_only=True)
    evidence = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField(
        help_text=_("The file, when the resource has one.")
    )
    url = PageField(help_text=_("The resource's public page."))
    published_at = serializers.DateTimeField(read_only=True, allow_null=True, default_timezone=UTC)

    class Meta:
        model = Resource
        fields = [
            "slug",
            "title",
            "title_language",
            "summary",
            "summary_language",
            "type",
            "topics",
            "languages",
            "countries",
            "year",
            "authors",
            "publisher",
            "licence",
            "external_url",
            "download_url",
            "download_count",
            "evidence",
            "published_at",
            "url",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_countries(self, obj: Resource) -> list[str]:
        return [str(code) for code in obj.countries]

    @extend_schema_field(EvidenceSerializer(allow_null=True))
    def get_evidence(self, obj: Resource) -> dict[str, Any] | None:
        evidence = getattr(obj, "evidence", None)
        return EvidenceSerializer(evidence).data if evidence is not None else None

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_download_url(self, obj: Resource) -> str | None:
        if not obj.file:
            return None
        return self.context["request"].build_absolute_uri(
            reverse("library:download", args=[obj.slug])
        )


SLUG = {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$", "maxLength": 50}


class ResourceFilterBackend(BaseFilterBackend):
    """The browse page's filters: empty values ignored, an unknown value refused with a 400.

    Its parameters are described with the values it accepts, so that a request the schema allows
    is never refused.
    """

    def filter_queryset(self, request: Any, queryset: QuerySet, view: Any) -> QuerySet:
        params = cleaned_params(request.query_params)
        # Topics and sectors are matched by slug: an unknown one matches nothing (the API
        # documents slugs, not the taxonomy of the day); every other value is validated.
        slugs = {key: params.getlist(key) for key in ("topic", "sector")}
        for key in slugs:
            params.pop(key, None)
        form = ResourceFilterForm(params)
        if not form.is_valid():
            raise ValidationError(form.errors.get_json_data())
        active = {**form.active(), **{k: v for k, v in slugs.items() if v}}
        filtered = apply_filters(queryset, active)
        return selectors.resource_ordered(filtered, selectors.default_sort(params, active))

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        def many(name: str, description: Any, items: dict[str, Any]) -> dict[str, Any]:
            return {
                "name": name,
                "in": "query",
                "required": False,
                "description": str(description),
                "schema": {"type": "array", "items": items},
                "style": "form",
                "explode": True,
            }

        def choices(values: list[str]) -> dict[str, Any]:
            return {"type": "string", "enum": values}

        fields = ResourceFilterForm.base_fields
        years = [int(value) for value, _label in year_choices()]
        return [
            {
                "name": "q",
                "in": "query",
                "required": False,
                "description": str(_("Words in the metadata or inside the files.")),
                "schema": {"type": "string", "maxLength": 200},
            },
            many("type", _("Resource type."), choices(list(Resource.Type.values))),
            many("topic", _("Topic slug (see /api/topics/)."), SLUG),
            many("language", _("Language of the resource."), choices([c for c, _l in LANGUAGES])),
            many(
                "country",
                _("ISO 3166-1 alpha-2 code of a country covered."),
                choices([c for c, _l in country_choices()]),
            ),
            many(
                "year",
                fields["year"].label,
                {"type": "integer", "minimum": min(years), "maximum": max(years)},
            ),
            many("method", _("Evaluation method."), choices(list(Evidence.Method.values))),
            many("outcome", _("Outcome measured."), choices(list(Evidence.Outcome.values))),
            many(
                "direction", _("Direction of the effect."), choices(list(Evidence.Direction.values))
            ),
            many("sector", _("Sector slug of an impact evaluation (see /api/sectors/)."), SLUG),
            {
                "name": "sort",
                "in": "query",
                "required": False,
                "description": str(_("Order of the results.")),
                "schema": {"type": "string", "enum": list(SORTS)},
            },
        ]


@extend_schema(
    summary=_("Published resources of the library"),
    description=_("Filtered like the library's browse page. An unknown filter value gives 400."),
)
class ResourceList(OpenDataView, generics.ListAPIView):
    serializer_class = ResourceSerializer
    pagination_class = Pagination
    filter_backends = [ResourceFilterBackend]

    def get_queryset(self) -> QuerySet[Resource]:
        return selectors.resource_list_public()


@extend_schema(summary=_("One published resource"))
class ResourceDetail(OpenDataView, generics.RetrieveAPIView):
    serializer_class = ResourceSerializer
    lookup_field = "slug"

    def get_queryset(self) -> QuerySet[Resource]:
        return selectors.resource_list_public()


@extend_schema(summary=_("Topics of the library"))
class TopicList(OpenDataView, generics.ListAPIView):
    serializer_class = TopicSerializer
    pagination_class = None  # a short taxonomy, read whole

    def get_queryset(self) -> QuerySet[Topic]:
        published = Q(resources__status=Resource.Status.PUBLISHED)
        return Topic.objects.annotate(resource_count=Count("resources", filter=published)).order_by(
            "order", "pk"
        )
