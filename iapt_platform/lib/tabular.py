"""Spreadsheet output shared by the apps: cells that cannot run as formulas, CSV and XLSX writers.

A spreadsheet treats a cell that starts with =, +, - or @ (and, in some programs, a tab or a
carriage return) as a formula, so text typed by the public could run as one when staff or a
reader opens a download (OWASP "CSV injection"). Such text gets a leading apostrophe.
"""

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Control characters that the XLSX format cannot hold (openpyxl refuses them).
_XLSX_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


# A plain signed number ("-33.45000", a latitude as text) is no formula, and must import back.
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")


def safe_cell(value: Any) -> Any:
    """The value, with text that a spreadsheet would read as a formula made literal."""
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_PREFIXES)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


class _Line:
    """A file-like object whose write() returns what it was given, for csv.writer."""

    def write(self, value: str) -> str:
        return value


def csv_chunks(
    header: Sequence[str], rows: Iterable[Sequence[Any]], *, lines_per_chunk: int = 500
) -> Iterator[str]:
    """CSV text in chunks of lines, for a streaming response.

    It starts with a byte order mark so that Excel reads the UTF-8 accents.
    """
    writer = csv.writer(_Line())
    lines = ["\ufeff" + writer.writerow(header)]
    for row in rows:
        lines.append(writer.writerow([_csv_cell(cell) for cell in row]))
        if len(lines) >= lines_per_chunk:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


def _csv_cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return safe_cell(value)


def xlsx_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str) -> bytes:
    """A one-sheet workbook, written row by row (openpyxl's write-only mode keeps memory low)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(list(header))
    for row in rows:
        sheet.append([_xlsx_cell(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, str):
        return safe_cell(_XLSX_ILLEGAL.sub("", value))
    return value
