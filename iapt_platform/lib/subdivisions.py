"""The first-level administrative divisions (ISO 3166-2) of the region's countries: states,
provinces, departments, regions, parishes.

The codes and names come from pycountry (Debian's iso-codes, kept current with the ISO
newsletters); names are the official local ones ("Michoacán de Ocampo", "São Paulo"), the same in
every language of the interface. The table is read once per process (about 0.5 s and 4 MB the first
time, see the report of issue 21) and then kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from django_countries import countries

from .regions import REGION
from .search import normalise


@dataclass(frozen=True)
class Subdivision:
    code: str  # "MX-MIC"
    name: str  # "Michoacán de Ocampo"

    @property
    def country(self) -> str:
        return self.code[:2]


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, tuple[Subdivision, ...]], dict[str, str]]:
    """(first-level subdivisions per country, sorted by name; every subdivision's code -> the code
    of its first-level ancestor)."""
    import pycountry

    by_country: dict[str, tuple[Subdivision, ...]] = {}
    top: dict[str, str] = {}
    for country in REGION:
        rows = list(pycountry.subdivisions.get(country_code=country) or [])
        parents = {row.code: row.parent_code for row in rows}
        for row in rows:
            code = row.code
            # parent_code is sometimes given without the country prefix in older data.
            while parents.get(code):
                parent = parents[code]
                code = parent if "-" in parent else f"{country}-{parent}"
            top[row.code] = code
        first = [Subdivision(row.code, row.name) for row in rows if not row.parent_code]
        by_country[country] = tuple(sorted(first, key=lambda s: normalise(s.name)))
    return by_country, top


def of_country(country: str) -> tuple[Subdivision, ...]:
    return _tables()[0].get(country, ())


@lru_cache(maxsize=1)
def _by_code() -> dict[str, Subdivision]:
    return {s.code: s for subs in _tables()[0].values() for s in subs}


def get(code: str) -> Subdivision | None:
    return _by_code().get(code or "")


def name(code: str) -> str:
    found = get(code)
    return found.name if found else ""


def belongs(code: str, country: str) -> bool:
    found = get(code)
    return found is not None and found.country == country


def choices() -> list[tuple[str, str]]:
    """Every first-level subdivision of the region as (code, name): the values a filter accepts."""
    return [(s.code, s.name) for subs in _tables()[0].values() for s in subs]


def grouped_choices(*, first: str = "") -> list[tuple[str, list[tuple[str, str]]]]:
    """(country name, [(code, name)]) for a <select> with an <optgroup> per country: `first`'s
    group leads, then the other countries by name in the reader's language. Countries without
    subdivisions (most territories) are left out."""
    names = dict(countries)
    groups = [
        (str(names.get(country, country)), [(s.code, s.name) for s in subs], country)
        for country, subs in _tables()[0].items()
        if subs
    ]
    groups.sort(key=lambda g: (g[2] != first, normalise(g[0])))
    return [(label, options) for label, options, _code in groups]


# --- Reading free text ("Edo. de Michoacán", "Uruapan, Michoacán", "SP") ----------------------------

_PREFIXES = re.compile(
    r"^(?:(?:estado|provincia|departamento|depto|dpto|region|regiao|state|province|department|"
    r"parish|district|distrito|municipio|municipalidad)(?: (?:de|del|do|da|of))? )+"
)
_SUFFIXES = re.compile(r"(?: (?:state|province|department|region|parish|district))+$")
_ARTICLE = re.compile(r"^(?:el|la|los|las|o|a) ")
# Everyday names that differ from the ISO ones beyond accents, case and the words above.
_VARIANTS = {
    "AR-C": ["caba", "capital federal", "ciudad de buenos aires", "buenos aires ciudad"],
    "AR-V": ["tierra del fuego"],
    "BR-DF": ["brasilia"],
    "CL-LI": ["ohiggins", "o higgins"],
    "CL-RM": ["metropolitana", "santiago", "rm"],
    "CO-DC": ["bogota", "bogota dc", "bogota d c", "distrito capital"],
    "CO-SAP": ["san andres", "san andres y providencia"],
    "MX-CMX": ["cdmx", "df", "distrito federal", "mexico df", "ciudad de mexico"],
    "MX-MEX": ["estado de mexico", "edomex", "edo mex", "edo de mexico"],
    "MX-MIC": ["michoacan"],
    "MX-VER": ["veracruz"],
    "MX-COA": ["coahuila"],
    "PE-LMA": ["lima metropolitana"],
}


def _keys(text: str) -> set[str]:
    base = re.sub(r"\bst\b", "saint", normalise(text).replace("edo ", "estado "))
    stripped = _SUFFIXES.sub("", _PREFIXES.sub("", base))
    return {k for k in (base, stripped, _ARTICLE.sub("", stripped)) if k}


@lru_cache(maxsize=1)
def _index() -> dict[str, dict[str, set[str]]]:
    """Per country: each key (a name or variant, normalised) -> the first-level codes it names."""
    import pycountry

    _by_country, top = _tables()
    index: dict[str, dict[str, set[str]]] = {country: {} for country in REGION}

    def add(country: str, key: str, code: str) -> None:
        index[country].setdefault(key, set()).add(code)

    for country in REGION:
        for row in pycountry.subdivisions.get(country_code=country) or []:
            for key in _keys(row.name):
                add(country, key, top[row.code])
            suffix = row.code.split("-", 1)[1]
            if suffix.isalpha() and len(suffix) >= 2:  # "SP", "MIC": common abbreviations
                add(country, suffix.lower(), top[row.code])
    for code, variants in _VARIANTS.items():
        for variant in variants:
            index[code[:2]][variant] = {code}  # a listed variant wins over a lower-level name
    return index


def match(country: str, text: str) -> str:
    """The first-level code that `text` names in `country`, or "" when none does unambiguously.

    The whole text is tried first, then its parts from the last ("Uruapan, Michoacán")."""
    names = _index().get(country, {})
    if not names or not text.strip():
        return ""
    parts = [text, *reversed(re.split(r"[,;/()]| - ", text))]
    for part in parts:
        found: set[str] = set()
        for key in _keys(part):
            found |= names.get(key, set())
        if len(found) == 1:
            return found.pop()
    return ""
