"""The time zones people choose from: canonical IANA zones, the region's first.

tzdata marks no zone as an alias, so "canonical" is read from its own tables: a zone is offered
when zone.tab or zone1970.tab lists it (one or more zones per country, as the IANA maintainers keep
them), plus UTC. That leaves out the backward-compatible names (W-SU, Zulu, US/Samoa,
America/Buenos_Aires, Etc/GMT+5) while keeping each country's own zone, even where the data now
links it to a neighbour's (America/Port_of_Spain). Stored aliases stay valid (the model's
validator accepts every zone this machine knows) and are shown as the zone they link to.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from django.utils.translation import gettext as _
from django_countries import countries

from .regions import REGION
from .search import normalise

UTC = "UTC"


def _table(name: str) -> list[list[str]]:
    text = resources.files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@lru_cache(maxsize=1)
def _zones() -> tuple[dict[str, str], frozenset[str]]:
    """(canonical zone -> the country it belongs to, for the region's zones; every canonical zone)."""
    region: dict[str, str] = {}
    offered = {UTC}
    for code, _coords, zone, *_rest in _table("zone.tab"):
        offered.add(zone)
        if code in REGION:
            region.setdefault(zone, code)
    for codes, _coords, zone, *_rest in _table("zone1970.tab"):
        offered.add(zone)
        in_region = [c for c in codes.split(",") if c in REGION]
        if in_region:
            region.setdefault(zone, in_region[0])
    return region, frozenset(offered)


@lru_cache(maxsize=1)
def _links() -> dict[str, str]:
    """alias -> target, from tzdata.zi's link lines ("L target alias")."""
    text = resources.files("tzdata").joinpath("zoneinfo", "tzdata.zi").read_text(encoding="utf-8")
    return {m[2]: m[1] for m in re.finditer(r"^L (\S+) (\S+)$", text, re.MULTILINE)}


def canonical(zone: str) -> str:
    """The offered zone that `zone` names (itself, or the zone an alias links to)."""
    offered = _zones()[1]
    seen = 0
    while zone not in offered and zone in _links() and seen < 5:
        zone, seen = _links()[zone], seen + 1
    return zone


def _label(zone: str) -> str:
    return zone.replace("_", " ")


def time_zone_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Choices for a zone <select>, in the reader's language: the region's zones by country, then
    every other canonical zone. Used by every form that asks for a zone."""
    region, offered = _zones()
    names = dict(countries)
    ours = sorted(
        (
            (zone, f"{names.get(code, code)} — {_label(zone.rsplit('/', 1)[-1])}")
            for zone, code in region.items()
        ),
        key=lambda choice: normalise(choice[1]),
    )
    others = [(zone, _label(zone)) for zone in sorted(offered - set(region))]
    return [
        (_("Latin America and the Caribbean"), ours),
        (_("Other time zones"), others),
    ]
