"""The open-data downloads' files (CSV, XLSX, GeoJSON), written from the open-data rows of
`selectors.initiative_open_data` with the columns of `columns.COLUMNS`.

A cell is text or a number: sectors and topics joined with ";", a country and a state by code
with their names in the reader's language in the next column, a date and time in UTC as the API
gives it.
"""

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from iapt_platform.lib import subdivisions, tabular

from . import columns
from .columns import Kind

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
}
_NAMED = {Kind.COUNTRY, Kind.SUBDIVISION}  # a code, then its name in a column of its own
_SLUG = "--slug--"


def header() -> list[str]:
    names = []
    for column in columns.columns(columns.Use.OPEN):
        names.append(column.download_header)
        if column.kind in _NAMED:
            names.append(f"{column.download_header}_name")
    return names


class Cells:
    """Turns open-data rows into the files' cells. Names and links are resolved when it is made,
    while the reader's language and the request are at hand: a streaming body is produced after
    the view has returned."""

    def __init__(self, *, country_names: dict[str, str], page_url: str) -> None:
        self.country_names = country_names
        # The address of the initiative whose slug is `--slug--`.
        self.page_url = page_url

    def row(self, row: dict[str, Any]) -> dict[str, Any]:
        cells: dict[str, Any] = {}
        for column in columns.columns(columns.Use.OPEN):
            value = row.get(column.key, "")
            cells[column.download_header] = self._cell(column.kind, value, row)
            if column.kind is Kind.COUNTRY:
                cells[f"{column.download_header}_name"] = self.country_names.get(value, value)
            elif column.kind is Kind.SUBDIVISION:
                cells[f"{column.download_header}_name"] = subdivisions.name(value)
        return cells

    def _cell(self, kind: Kind, value: Any, row: dict[str, Any]) -> Any:
        if kind in (Kind.SECTORS, Kind.CODES):
            return ";".join(str(v) for v in value) if isinstance(value, list) else ""
        if kind is Kind.MOMENT:
            return iso_utc(value)
        if kind is Kind.PAGE:
            return self.page_url.replace(_SLUG, row["slug"])
        return value


def iso_utc(moment: datetime | None) -> str:
    """A date and time as the API gives it: ISO 8601 in UTC, written with Z."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else ""


def csv_chunks(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    return tabular.csv_chunks(header(), (list(row.values()) for row in rows))


def xlsx_bytes(rows: Iterable[dict[str, Any]]) -> bytes:
    return tabular.xlsx_bytes(header(), (list(row.values()) for row in rows), title="initiatives")


def geojson_chunks(rows: Iterable[dict[str, Any]], *, per_chunk: int = 500) -> Iterator[str]:
    yield '{"type":"FeatureCollection","features":['
    iterator = iter(rows)
    number = 0
    while batch := list(islice(iterator, per_chunk)):
        features = ",".join(
            json.dumps(_feature(row), ensure_ascii=False, separators=(",", ":")) for row in batch
        )
        yield ("," if number else "") + features
        number += 1
    yield "]}"


def _feature(row: dict[str, Any]) -> dict[str, Any]:
    decimals = [
        c.download_header for c in columns.columns(columns.Use.OPEN) if c.kind is Kind.DECIMAL
    ]
    properties = {**row, **{name: _number(row[name]) for name in decimals}}
    return {
        "type": "Feature",
        "id": row["slug"],
        "geometry": {
            "type": "Point",
            "coordinates": [properties["longitude"], properties["latitude"]],
        },
        "properties": properties,
    }


def _number(value: Any) -> float | None:
    return float(value) if value is not None else None
