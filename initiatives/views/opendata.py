"""Open-data downloads of the published registry (CSV, XLSX, GeoJSON) for the directory's filter.

The same query parameters as the directory page select the rows, so "Download this list" gives
what the reader sees. Contact details leave the database only when their owner made them public.
"""

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from django.db.models import F, QuerySet, Value
from django.db.models.expressions import Case
from django.db.models.functions import Coalesce
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from django_countries import countries

from iapt_platform.accounts import privacy
from iapt_platform.lib import subdivisions, tabular

from .. import selectors
from ..models import Initiative

CHUNK_SIZE = 2000
# Column names are stable identifiers for people who script against the files: not translated.
COLUMNS = [
    "slug",
    "name",
    "acronym",
    "type",
    "country",
    "country_name",
    "subdivision",
    "subdivision_name",
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
    "url",
]
_VALUES = [
    "id",
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
    "stage",
    "year_founded",
    "programme_name",
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
    "public_email",
    "public_phone",
    "last_verified_at",
]
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
}


@require_safe
def export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    filterset, qs, invalid = selectors.initiative_filtered(request.GET)
    if invalid:
        fields = ", ".join(sorted(filterset.form.errors))
        return HttpResponseBadRequest(
            _("Unknown filter value in: %(fields)s. Remove it or pick a value from the directory.")
            % {"fields": fields},
            content_type="text/plain; charset=utf-8",
        )
    if fmt == "geojson":
        qs = qs.filter(latitude__isnull=False, longitude__isnull=False)
    # Names and links are resolved now, while the reader's language and the request are at hand;
    # a streaming body is produced after the view has returned.
    rows = _rows(
        qs,
        country_names={code: str(name) for code, name in countries},
        url_template=request.build_absolute_uri(reverse("initiatives:detail", args=[_SLUG])),
    )
    response: HttpResponseBase
    if fmt == "csv":
        response = StreamingHttpResponse(
            tabular.csv_chunks(COLUMNS, ([row[c] for c in COLUMNS] for row in rows)),
            content_type=CONTENT_TYPES[fmt],
        )
    elif fmt == "xlsx":
        response = HttpResponse(
            tabular.xlsx_bytes(
                COLUMNS, ([row[c] for c in COLUMNS] for row in rows), title="initiatives"
            ),
            content_type=CONTENT_TYPES[fmt],
        )
    else:
        response = StreamingHttpResponse(_geojson_chunks(rows), content_type=CONTENT_TYPES[fmt])
    filename = f"iapt-initiatives-{timezone.now():%Y-%m-%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


_SLUG = "--slug--"


def _public(field: str, visibility: str) -> Case:
    # Downloads are for anyone: the public audience of the one contact rule, inside the query.
    return privacy.visible_value_expression(field, visibility, privacy.Audience.PUBLIC)


def _rows(
    qs: QuerySet[Initiative], *, country_names: dict[str, str], url_template: str
) -> Iterator[dict[str, Any]]:
    """One dict per initiative, keyed by COLUMNS, in name order; a few queries per 2000 rows."""
    values = (
        qs.order_by("name", "pk")
        .annotate(
            programme_name=Coalesce(F("programme__name"), Value("")),
            public_email=_public("contact_email", "contact_email_visibility"),
            public_phone=_public("contact_phone", "contact_phone_visibility"),
        )
        .values(*_VALUES)
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for batch in _batches(values, CHUNK_SIZE):
        sectors = _sector_slugs([row["id"] for row in batch])
        for row in batch:
            yield {
                "slug": row["slug"],
                "name": row["name"],
                "acronym": row["acronym"],
                "type": row["kind"],
                "country": row["country"],
                "country_name": country_names.get(row["country"], row["country"]),
                "subdivision": row["subdivision"],
                "subdivision_name": subdivisions.name(row["subdivision"]),
                "territory": row["territory"],
                "city": row["city"],
                "latitude": row["latitude"],
                "longitude": row["longitude"],
                "sectors": ";".join(sectors.get(row["id"], [])),
                "stage": row["stage"],
                "year_founded": row["year_founded"],
                "programme": row["programme_name"],
                "website": row["website"],
                "managing_organisation": row["managing_organisation"],
                "legal_form": row["legal_form"],
                "members_micro_small_firms": row["members_micro_small_firms"],
                "members_medium_firms": row["members_medium_firms"],
                "members_large_firms": row["members_large_firms"],
                "members_universities": row["members_universities"],
                "members_public_bodies": row["members_public_bodies"],
                "members_civil_society": row["members_civil_society"],
                "staff_fte": row["staff_fte"],
                "digital_focus": row["digital_focus"],
                "digital_topics": _joined(row["digital_topics"]),
                "contact_email": row["public_email"],
                "contact_phone": row["public_phone"],
                "last_verified_at": _iso_utc(row["last_verified_at"]),
                "url": url_template.replace(_SLUG, row["slug"]),
            }


def _batches(items: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _sector_slugs(ids: list[int]) -> dict[int, list[str]]:
    """Sector slugs per initiative id, in the taxonomy's order: one query for the whole batch."""
    through = Initiative.sectors.through
    pairs = (
        through.objects.filter(initiative_id__in=ids)
        .order_by("sector__order", "sector__slug")
        .values_list("initiative_id", "sector__slug")
    )
    slugs: dict[int, list[str]] = {}
    for initiative_id, slug in pairs:
        slugs.setdefault(initiative_id, []).append(slug)
    return slugs


def _joined(topics: Any) -> str:
    return ";".join(str(t) for t in topics) if isinstance(topics, list) else ""


def _iso_utc(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


def _number(value: Any) -> float | None:
    return float(value) if value is not None else None


def _geojson_chunks(rows: Iterable[dict[str, Any]], *, per_chunk: int = 500) -> Iterator[str]:
    yield '{"type":"FeatureCollection","features":['
    for number, batch in enumerate(_batches(rows, per_chunk)):
        features = ",".join(
            json.dumps(_feature(row), ensure_ascii=False, separators=(",", ":")) for row in batch
        )
        yield ("," if number else "") + features
    yield "]}"


def _feature(row: dict[str, Any]) -> dict[str, Any]:
    properties = {
        **row,
        "latitude": _number(row["latitude"]),
        "longitude": _number(row["longitude"]),
        "staff_fte": _number(row["staff_fte"]),
    }
    return {
        "type": "Feature",
        "id": row["slug"],
        "geometry": {
            "type": "Point",
            "coordinates": [properties["longitude"], properties["latitude"]],
        },
        "properties": properties,
    }
