"""The registry's open-data columns, each named once: the API, the downloads (CSV, XLSX, GeoJSON)
and the staff import/export read this list, so that a column cannot be in one and missing in
another, or read one way here and another way there.

A column is a field of the initiative, named as the model names it (its label, translated, is the
model field's verbose name), or, for `url`, its public page. Its kind says what it holds; each
format writes a kind its own way (the API in `api.py`, the downloads in `downloads.py`, the
import in `resources.py`). A contact column is read through the one privacy rule (`iapt_platform.accounts.privacy`): the public audience in
the API and the downloads, the owners' in the staff's round-trip file.
"""

import enum
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .models import Initiative


class Kind(enum.Enum):
    TEXT = "text"  # as stored
    CODE = "code"  # a choice's code (type, stage, legal form, a language, a visibility)
    COUNTRY = "country"  # ISO 3166-1 alpha-2, with its name
    SUBDIVISION = "subdivision"  # ISO 3166-2 first level, with its name
    DECIMAL = "decimal"  # a number with the model field's decimal places (coordinates, staff)
    INTEGER = "integer"
    YES_NO = "yes_no"
    CODES = "codes"  # several codes of a fixed set (digital topics, funding sources)
    SECTORS = "sectors"
    PROGRAMME = "programme"
    CONTACT = "contact"  # under the privacy rule
    MOMENT = "moment"  # a date and time, given in UTC
    PAGE = "page"  # the initiative's public page (not stored)
    IMAGE = "image"


class Use(enum.Flag):
    OPEN = enum.auto()  # every row of the open data: the API list and the downloads
    DETAIL = enum.auto()  # the API's answer for one initiative only (long texts, links, logo)
    IMPORT = enum.auto()  # the staff import/export file


OPEN_AND_IMPORT = Use.OPEN | Use.IMPORT
DETAIL_AND_IMPORT = Use.DETAIL | Use.IMPORT


@dataclass(frozen=True)
class Column:
    key: str  # the name in the API and the import file: the model field's
    kind: Kind
    uses: Use
    # The downloads' header where it differs from the key: the files' headers are identifiers
    # people script against since the first release ("type"), so they stay as they are.
    header: str = ""
    choices: tuple[tuple[str, Any], ...] = ()  # the fixed set of a CODES column
    contact: str = ""  # a CONTACT column's name in `Initiative.contact_fields()`

    @property
    def download_header(self) -> str:
        return self.header or self.key

    @property
    def decimal_places(self) -> int | None:
        return getattr(Initiative._meta.get_field(self.key), "decimal_places", None)


def _col(key: str, kind: Kind = Kind.TEXT, uses: Use = OPEN_AND_IMPORT, **extra: Any) -> Column:
    return Column(key=key, kind=kind, uses=uses, **extra)


_MEMBERS = [
    "micro_small_firms",
    "medium_firms",
    "large_firms",
    "universities",
    "public_bodies",
    "civil_society",
]

# In the order of the downloads and the API's list; the API's detail adds its own columns after
# them, in this order too.
COLUMNS: tuple[Column, ...] = (
    _col("slug"),
    _col("name"),
    _col("acronym"),
    _col("kind", Kind.CODE, header="type"),
    _col("country", Kind.COUNTRY),
    _col("subdivision", Kind.SUBDIVISION),
    _col("territory"),
    _col("city"),
    _col("latitude", Kind.DECIMAL),
    _col("longitude", Kind.DECIMAL),
    _col("sectors", Kind.SECTORS),
    _col("value_chain", uses=DETAIL_AND_IMPORT),
    _col("stage", Kind.CODE),
    _col("year_founded", Kind.INTEGER),
    _col("programme", Kind.PROGRAMME),
    _col("website"),
    _col("managing_organisation"),
    _col("legal_form", Kind.CODE),
    *(_col(f"members_{kind}", Kind.INTEGER) for kind in _MEMBERS),
    _col("staff_fte", Kind.DECIMAL),
    _col("digital_focus", Kind.YES_NO),
    _col("digital_topics", Kind.CODES, choices=tuple(Initiative.DIGITAL_TOPICS)),
    _col("description", uses=DETAIL_AND_IMPORT),
    _col("description_language", Kind.CODE, uses=DETAIL_AND_IMPORT),
    _col("services_offered", uses=DETAIL_AND_IMPORT),
    _col("strategic_lines", uses=DETAIL_AND_IMPORT),
    _col(
        "funding_sources",
        Kind.CODES,
        uses=DETAIL_AND_IMPORT,
        choices=tuple(Initiative.FUNDING_SOURCES),
    ),
    _col("logo", Kind.IMAGE, uses=Use.DETAIL),
    *(
        _col(f"{network}_url", uses=DETAIL_AND_IMPORT)
        for network in ("linkedin", "x", "facebook", "instagram", "youtube")
    ),
    # The contact person: the import file carries the whole record with its visibilities; the
    # open data only what each detail's visibility lets the public see.
    _col("contact_name", uses=Use.IMPORT),
    _col("contact_email", Kind.CONTACT, contact="email"),
    _col("contact_email_visibility", Kind.CODE, uses=Use.IMPORT),
    _col("contact_phone", Kind.CONTACT, contact="phone"),
    _col("contact_phone_visibility", Kind.CODE, uses=Use.IMPORT),
    # Set by the platform (an import verifies and publishes its rows now).
    _col("last_verified_at", Kind.MOMENT, uses=Use.OPEN),
    _col("published_at", Kind.MOMENT, uses=Use.OPEN),
    _col("url", Kind.PAGE, uses=Use.OPEN),
)


@functools.cache
def _chosen(use: Use) -> tuple[Column, ...]:
    return tuple(column for column in COLUMNS if use & column.uses)


def columns(use: Use) -> list[Column]:
    """The columns of a use, in order (worked out once: flag arithmetic is slow per row)."""
    return list(_chosen(use))


def api_columns(*, detail: bool) -> list[Column]:
    """The API's fields: the open-data row, then, for one initiative, the detail's own."""
    extra = [c for c in COLUMNS if Use.DETAIL in c.uses and Use.OPEN not in c.uses]
    return columns(Use.OPEN) + (extra if detail else [])


def keys(chosen: list[Column]) -> list[str]:
    return [column.key for column in chosen]


def stored(chosen: list[Column]) -> Iterator[Column]:
    """The columns read as they are stored (no join, no privacy rule, not computed)."""
    computed = {Kind.SECTORS, Kind.PROGRAMME, Kind.CONTACT, Kind.PAGE}
    return (column for column in chosen if column.kind not in computed)
