"""Open-data downloads of the published registry (CSV, XLSX, GeoJSON) for the directory's filter.

The same query parameters as the directory page select the rows, so "Download this list" gives
what the reader sees. Contact details leave the database only when their owner made them public.
"""

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

from .. import downloads, selectors


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
    # Downloads are for anyone: the public audience of the one contact rule.
    cells = downloads.Cells(
        country_names={code: str(name) for code, name in countries},
        page_url=request.build_absolute_uri(reverse("initiatives:detail", args=["--slug--"])),
    )
    rows = map(cells.row, selectors.initiative_open_data(qs))
    response: HttpResponseBase
    if fmt == "csv":
        response = StreamingHttpResponse(downloads.csv_chunks(rows))
    elif fmt == "xlsx":
        response = HttpResponse(downloads.xlsx_bytes(rows))
    else:
        response = StreamingHttpResponse(downloads.geojson_chunks(rows))
    response["Content-Type"] = downloads.CONTENT_TYPES[fmt]
    filename = f"iapt-initiatives-{timezone.now():%Y-%m-%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
