"""Country shapes of the region (initiatives/data/lac-countries.geojson, from Natural Earth via
world-atlas; see scripts/vendor_map.py) and the check that a point lies in a country."""

import itertools
import json
import math
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


SVG_WIDTH = 320


def _area(ring) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in itertools.pairwise(ring))) / 2


@lru_cache(maxsize=64)
def _country_outline(code: str) -> tuple[tuple[float, float, float, float], tuple] | None:
    """The country's main land masses (islands under 5% of the largest are left out)."""
    polygons = _polygons().get(code)
    if not polygons:
        return None
    largest = max(_area(p[0]) for p in polygons)
    kept = tuple(tuple(p[0]) for p in polygons if _area(p[0]) >= 0.05 * largest)
    xs = [x for ring in kept for x, _y in ring]
    ys = [y for ring in kept for _x, y in ring]
    return (min(xs), min(ys), max(xs), max(ys)), kept


def location_svg(code: str, lat: float, lng: float) -> dict | None:
    """A small outline of the country with the initiative's place, drawn on the server."""
    outline = _country_outline(code)
    if outline is None:
        return None
    (min_x, min_y, max_x, max_y), rings = outline
    min_x, max_x = min(min_x, lng), max(max_x, lng)
    min_y, max_y = min(min_y, lat), max(max_y, lat)
    stretch = math.cos(math.radians((min_y + max_y) / 2))  # equirectangular, true at mid-latitude
    span_x = max((max_x - min_x) * stretch, 0.01)
    span_y = max(max_y - min_y, 0.01)
    scale = (SVG_WIDTH - 20) / max(span_x, span_y)
    width = round(span_x * scale + 20)
    height = round(span_y * scale + 20)

    def project(x: float, y: float) -> tuple[float, float]:
        return (x - min_x) * stretch * scale + 10, (max_y - y) * scale + 10

    parts = []
    for ring in rings:
        points, last = [], None
        for x, y in ring:
            px, py = project(x, y)
            if last is None or abs(px - last[0]) + abs(py - last[1]) >= 1.0:
                points.append(f"{px:.1f},{py:.1f}")
                last = (px, py)
        if len(points) >= 3:
            parts.append("M" + "L".join(points) + "Z")
    x, y = project(lng, lat)
    return {
        "width": width,
        "height": height,
        "path": "".join(parts),
        # Text, not floats: a template would write them with the reader's decimal comma.
        "x": f"{x:.1f}",
        "y": f"{y:.1f}",
    }
