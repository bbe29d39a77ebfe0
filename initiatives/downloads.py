"""The open-data downloads' files (CSV, XLSX, GeoJSON), written from the open-data rows of
`selectors.initiative_open_data` with the columns of `columns.COLUMNS`.

A cell is text or a number: sectors and topics joined with ";", a country and a state by code
with their names in the reader's language in the next column, a date and time in UTC as the API
gives it.
"""

import json
import operator
from collections.abc import Callable, Iterable, Iterator
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
        # Each header with the function that writes its cell, worked out once for all rows.
        self.writers: list[tuple[str, Callable[[dict[str, Any]], Any]]] = []
        for column in columns.columns(columns.Use.OPEN):
            self.writers.append((column.download_header, self._writer(column)))
            if column.kind in _NAMED:
                name = self._name_writer(column)
                self.writers.append((f"{column.download_header}_name", name))

    def row(self, row: dict[str, Any]) -> dict[str, Any]:
        return {header: write(row) for header, write in self.writers}

    def _writer(self, column: columns.Column) -> Callable[[dict[str, Any]], Any]:
        key = column.key
        if column.kind in (Kind.SECTORS, Kind.CODES):
            return lambda row: _joined(row[key])
        if column.kind is Kind.MOMENT:
            return lambda row: iso_utc(row[key])
        if column.kind is Kind.PAGE:
            return lambda row: self.page_url.replace(_SLUG, row["slug"])
        return operator.itemgetter(key)

    def _name_writer(self, column: columns.Column) -> Callable[[dict[str, Any]], Any]:
        key = column.key
        if column.kind is Kind.COUNTRY:
            return lambda row: self.country_names.get(row[key], row[key])
        return lambda row: subdivisions.name(row[key])


def _joined(values: Any) -> str:
    return ";".join(str(v) for v in values) if isinstance(values, list) else ""


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


# Numbers in the GeoJSON, not the decimal text of the spreadsheets.
_DECIMALS = [c.download_header for c in columns.columns(columns.Use.OPEN) if c.kind is Kind.DECIMAL]


def _feature(row: dict[str, Any]) -> dict[str, Any]:
    properties = {**row, **{name: _number(row[name]) for name in _DECIMALS}}
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
