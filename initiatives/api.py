"""The read-only open-data API of the registry: published initiatives, sectors and programmes.

It filters with the directory's InitiativeFilter, so a link and an API call with the same query
give the same initiatives, and an unknown value gives 400. Contact details appear only when their
owner made them public, whoever asks: the API takes no credentials.
"""

from datetime import UTC
from typing import Any

import django_filters
from django.db import DatabaseError
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.throttling import AnonRateThrottle

from iapt_platform.lib import subdivisions

from . import presenters, selectors
from .filters import InitiativeFilter
from .models import Initiative, Programme, Sector

_COUNTRY_SCHEMA = inline_serializer(
    name="Country",
    fields={"code": serializers.CharField(), "name": serializers.CharField()},
    allow_null=True,
)


@extend_schema_field(_COUNTRY_SCHEMA)
class CountryField(serializers.Field):
    """A country as {code, name}, the name in the reader's language; null when not given."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: Any) -> dict[str, str] | None:
        if not value:
            return None
        return {"code": value.code, "name": str(value.name)}


_SUBDIVISION_SCHEMA = inline_serializer(
    name="Subdivision",
    fields={
        "code": serializers.CharField(help_text=_("ISO 3166-2 code, such as MX-MIC.")),
        "name": serializers.CharField(),
    },
    allow_null=True,
)


@extend_schema_field(_SUBDIVISION_SCHEMA)
class SubdivisionField(serializers.Field):
    """A state or province as {code, name} (ISO 3166-2, first level); null when not given."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: Any) -> dict[str, str] | None:
        found = subdivisions.get(value)
        return {"code": found.code, "name": found.name} if found else None


class SectorSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Sector
        fields = ["slug", "name"]


class SectorSerializer(serializers.ModelSerializer):
    initiative_count = serializers.IntegerField(
        read_only=True, help_text=_("Published initiatives in this sector.")
    )

    class Meta:
        model = Sector
        fields = ["slug", "name", "isic_code", "initiative_count"]


class ProgrammeSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Programme
        fields = ["slug", "name", "acronym"]


class ProgrammeSerializer(serializers.ModelSerializer):
    country = CountryField()
    initiative_count = serializers.IntegerField(
        read_only=True, help_text=_("Published initiatives that this programme supports.")
    )
    url = serializers.SerializerMethodField()

    class Meta:
        model = Programme
        fields = [
            "slug",
            "name",
            "acronym",
            "kind",
            "country",
            "website",
            "description",
            "description_language",
            "initiative_count",
            "url",
        ]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, obj: Programme) -> str:
        return self.context["request"].build_absolute_uri(obj.get_absolute_url())


class InitiativeSerializer(serializers.ModelSerializer):
    country = CountryField()
    subdivision = SubdivisionField()
    latitude = serializers.FloatField(read_only=True, allow_null=True)
    longitude = serializers.FloatField(read_only=True, allow_null=True)
    sectors = SectorSummarySerializer(many=True, read_only=True)
    programme = ProgrammeSummarySerializer(read_only=True, allow_null=True)
    staff_fte = serializers.FloatField(read_only=True, allow_null=True)
    digital_topics = serializers.ListField(
        child=serializers.ChoiceField(choices=Initiative.DIGITAL_TOPICS), read_only=True
    )
    contact_email = serializers.SerializerMethodField(
        help_text=_("Only when the initiative made it public.")
    )
    contact_phone = serializers.SerializerMethodField(
        help_text=_("Only when the initiative made it public.")
    )
    # Stored in UTC and given in UTC, whatever the reader's time zone.
    last_verified_at = serializers.DateTimeField(
        read_only=True, allow_null=True, default_timezone=UTC
    )
    published_at = serializers.DateTimeField(read_only=True, allow_null=True, default_timezone=UTC)
    url = serializers.SerializerMethodField(help_text=_("The initiative's public page."))

    class Meta:
        model = Initiative
        fields = [
            "slug",
            "name",
            "acronym",
            "kind",
            "country",
            "subdivision",
            "territory",
            "city",
            "latitude",
            "longitude",
            "sectors",
            "stage",
            "year_founded",
            "programme",
            "website",
            "managing_organisation",
            "legal_form",
            "members_micro_small_firms",
            "members_medium_firms",
            "members_large_firms",
            "members_universities",
            "members_public_bodies",
            "members_civil_society",
            "staff_fte",
            "digital_focus",
            "digital_topics",
            "contact_email",
            "contact_phone",
            "last_verified_at",
            "published_at",
            "url",
        ]

    @extend_schema_field({"type": "string", "format": "email", "nullable": True})
    def get_contact_email(self, obj: Initiative) -> str | None:
        return presenters.public_email(obj) or None

    @extend_schema_field({"type": "string", "nullable": True})
    def get_contact_phone(self, obj: Initiative) -> str | None:
        return presenters.public_phone(obj) or None

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, obj: Initiative) -> str:
        return self.context["request"].build_absolute_uri(obj.get_absolute_url())


class InitiativeDetailSerializer(InitiativeSerializer):
    funding_sources = serializers.ListField(
        child=serializers.ChoiceField(choices=Initiative.FUNDING_SOURCES), read_only=True
    )
    logo = serializers.ImageField(read_only=True, use_url=True)

    class Meta(InitiativeSerializer.Meta):
        fields = [
            *InitiativeSerializer.Meta.fields,
            "value_chain",
            "description",
            "description_language",
            "services_offered",
            "strategic_lines",
            "funding_sources",
            "logo",
            "linkedin_url",
            "x_url",
            "facebook_url",
            "instagram_url",
            "youtube_url",
        ]


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class OpenDataView(generics.GenericAPIView):
    # No credentials: everyone reads the same open data, and the API offers no way around the
    # site's sign-in (rate limits, two-factor authentication). Throttled per address.
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle]


@extend_schema(
    summary=_("Published initiatives"),
    description=_(
        "The published registry, filtered like the directory page. An unknown filter value "
        "gives 400."
    ),
)
class InitiativeList(OpenDataView, generics.ListAPIView):
    serializer_class = InitiativeSerializer
    pagination_class = Pagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = InitiativeFilter

    def get_queryset(self) -> QuerySet[Initiative]:
        return selectors.initiative_list_public()

    def filter_queryset(self, queryset: QuerySet[Initiative]) -> QuerySet[Initiative]:
        # The directory's own filtering (empty values ignored, an unknown value refused); the
        # filter backend above only documents the parameters in the schema.
        params = self.request.query_params
        filterset = selectors.initiative_filterset(params)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        filtered = filterset.filter_queryset(queryset)
        if any(v for v in params.getlist("sector") if v.strip()):
            # The sector join repeats an initiative that has several of the chosen sectors.
            filtered = queryset.filter(pk__in=filtered.values("pk"))
        sort = params.get("sort") or ("relevance" if params.get("q") else "name")
        return selectors.initiative_ordered(filtered, sort)


@extend_schema(summary=_("One published initiative"))
class InitiativeDetail(OpenDataView, generics.RetrieveAPIView):
    serializer_class = InitiativeDetailSerializer
    lookup_field = "slug"

    def get_queryset(self) -> QuerySet[Initiative]:
        return selectors.initiative_list_public()


@extend_schema(summary=_("Sectors of the taxonomy"))
class SectorList(OpenDataView, generics.ListAPIView):
    serializer_class = SectorSerializer
    pagination_class = None  # a short taxonomy, read whole

    def get_queryset(self) -> QuerySet[Sector]:
        published = Q(initiatives__status=Initiative.Status.PUBLISHED)
        return Sector.objects.annotate(
            initiative_count=Count("initiatives", filter=published)
        ).order_by("order", "name")


@extend_schema(summary=_("Programmes and other promoting entities"))
class ProgrammeList(OpenDataView, generics.ListAPIView):
    serializer_class = ProgrammeSerializer
    pagination_class = Pagination

    def get_queryset(self) -> QuerySet[Programme]:
        published = Q(initiatives__status=Initiative.Status.PUBLISHED)
        return Programme.objects.annotate(
            initiative_count=Count("initiatives", filter=published)
        ).order_by("name", "pk")


def document_filter_values(result, generator, request, public):  # type: ignore[no-untyped-def]
    """Schema post-processing: each filter of the initiative list with the values it accepts.

    The list refuses an unknown country, sector or programme with a 400, so the schema must say
    which values are known (taxonomies of the day: the schema is built when it is asked for),
    not "any string"."""
    operation = result.get("paths", {}).get("/api/initiatives/", {}).get("get")
    if not operation:
        return result
    values: dict[str, list[str]] = {}
    for name, declared in InitiativeFilter.base_filters.items():
        if isinstance(declared, django_filters.ModelMultipleChoiceFilter):
            queryset = declared.queryset.order_by(declared.field_name.split("__")[-1])
            try:
                values[name] = list(
                    queryset.values_list(declared.extra["to_field_name"], flat=True)
                )
            except DatabaseError:
                # `check --deploy` builds the schema with no database: nothing to list then.
                continue
        elif isinstance(declared, django_filters.MultipleChoiceFilter):
            choices = declared.extra["choices"]
            values[name] = [
                str(code) for code, _label in (choices() if callable(choices) else choices)
            ]
    for parameter in operation.get("parameters", []):
        if parameter["name"] in values:
            parameter["schema"] = {
                "type": "array",
                "items": {"type": "string", "enum": values[parameter["name"]]},
            }
    return result
