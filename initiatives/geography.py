"""Country shapes of the region (initiatives/data/lac-countries.geojson, from Natural Earth via
world-atlas; see scripts/vendor_map.py) and the check that a point lies in a country."""

import itertools
import json
from functools import lru_cache
from pathlib import Path

SHAPES = Path(__file__).resolve().parent / "data" / "lac-countries.geojson"
# About 25 km: coastal cities and ports sit on the edge of the simplified shapes.
TOLERANCE_DEGREES = 0.25
# Territories that Natural Earth draws as part of another country: boxes (south, west, north, east).
BOXES = {
    "GF": [(2.1, -54.7, 5.9, -51.5)],
    "GP": [(15.8, -61.9, 16.6, -60.9)],
    "MQ": [(14.3, -61.3, 14.95, -60.75)],
    "BQ": [(11.95, -68.5, 12.35, -68.15), (17.4, -63.3, 17.7, -62.9)],
}


@lru_cache(maxsize=1)
def _polygons() -> dict[str, list[list[list[tuple[float, float]]]]]:
    data = json.loads(SHAPES.read_text())
    return {
        feature["id"]: [
            [[(x, y) for x, y in ring] for ring in poly]
            for poly in feature["geometry"]["coordinates"]
        ]
        for feature in data["features"]
    }


def country_shapes_geojson() -> str:
    return SHAPES.read_text()


def point_in_country(code: str, lat: float, lng: float) -> bool:
    if code in BOXES:
        t = TOLERANCE_DEGREES
        return any(s - t <= lat <= n + t and w - t <= lng <= e + t for s, w, n, e in BOXES[code])
    polygons = _polygons().get(code)
    if polygons is None:
        return True  # no shape to check against: accept rather than refuse a real place
    for polygon in polygons:
        if _in_ring(polygon[0], lng, lat) and not any(
            _in_ring(hole, lng, lat) for hole in polygon[1:]
        ):
            return True
    return any(_near_ring(ring, lng, lat) for polygon in polygons for ring in polygon[:1])


def _in_ring(ring, x: float, y: float) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def _near_ring(ring, x: float, y: float) -> bool:
    t2 = TOLERANCE_DEGREES**2
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        dx, dy = x2 - x1, y2 - y1
        length2 = dx * dx + dy * dy
        k = 0.0 if length2 == 0 else max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / length2))
        px, py = x1 + k * dx - x, y1 + k * dy - y
        if px * px + py * py <= t2:
            return True
    return False
