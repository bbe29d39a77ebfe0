"""The read-only open-data API of the registry: published initiatives, sectors and programmes.

An initiative's fields are the open-data columns of `columns.COLUMNS`, as in the downloads. It
filters with the directory's InitiativeFilter, so a link and an API call with the same query
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
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError

from iapt_platform.accounts import privacy
from iapt_platform.lib import subdivisions
from iapt_platform.lib.api import OpenDataView, PageField, Pagination

from . import columns, selectors
from .columns import Kind
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
    url = PageField()

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


class PublicContactField(serializers.Field):
    """A contact detail as the public may see it (the API takes no credentials); null otherwise."""

    SCHEMAS: dict[str, dict[str, Any]] = {
        "email": {"type": "string", "format": "email", "nullable": True},
        "phone": {"type": "string", "nullable": True},
    }

    def __init__(self, *, detail: str, **kwargs: Any) -> None:
        self.detail = detail
        kwargs.setdefault("help_text", _("Only when the initiative made it public."))
        super().__init__(source="*", read_only=True, **kwargs)
        extend_schema_field(self.SCHEMAS[detail])(self)

    def to_representation(self, value: Initiative) -> str | None:
        return privacy.contact_for(value, audience=privacy.Audience.PUBLIC)[self.detail] or None


def _api_field(column: columns.Column) -> serializers.Field | None:
    """The API's form of a column, where the model field's own would not say it; else None."""
    match column.kind:
        case Kind.COUNTRY:
            return CountryField()
        case Kind.SUBDIVISION:
            return SubdivisionField()
        case Kind.DECIMAL:
            return serializers.FloatField(read_only=True, allow_null=True)
        case Kind.SECTORS:
            return SectorSummarySerializer(many=True, read_only=True)
        case Kind.PROGRAMME:
            return ProgrammeSummarySerializer(read_only=True, allow_null=True)
        case Kind.CODES:
            return serializers.ListField(
                child=serializers.ChoiceField(choices=list(column.choices)), read_only=True
            )
        case Kind.CONTACT:
            return PublicContactField(detail=column.contact)
        case Kind.MOMENT:
            # Stored in UTC and given in UTC, whatever the reader's time zone.
            return serializers.DateTimeField(read_only=True, allow_null=True, default_timezone=UTC)
        case Kind.PAGE:
            return PageField(help_text=_("The initiative's public page."))
        case Kind.IMAGE:
            return serializers.ImageField(read_only=True, use_url=True)
    return None


def _initiative_serializer(name: str, *, detail: bool) -> type[serializers.ModelSerializer]:
    """A serializer of the open-data columns (`columns.COLUMNS`): the list's, or the detail's."""
    chosen = columns.api_columns(detail=detail)
    declared = {c.key: field for c in chosen if (field := _api_field(c)) is not None}
    meta = type("Meta", (), {"model": Initiative, "fields": columns.keys(chosen)})
    attrs = {"__module__": __name__, "__doc__": None, "Meta": meta, **declared}
    return type(name, (serializers.ModelSerializer,), attrs)


InitiativeSerializer = _initiative_serializer("InitiativeSerializer", detail=False)
InitiativeDetailSerializer = _initiative_serializer("InitiativeDetailSerializer", detail=True)


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
