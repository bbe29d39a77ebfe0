"""Build the region's country shapes from world-atlas (Natural Earth, via the npm registry).

Usage: python scripts/vendor_map.py path/to/world-atlas/countries-50m.json
Writes initiatives/data/lac-countries.geojson: the countries and territories of
iapt_platform.lib.regions.REGION as GeoJSON, coordinates rounded to 0.01 degree (about 1 km), keyed
by ISO alpha-2 in each feature's `id`. The map draws it (no tile server) and the registry checks
coordinates against it.
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import os  # noqa: E402

import django  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iapt_platform.settings")
os.environ.setdefault("DEBUG", "true")
django.setup()

from django_countries import countries  # noqa: E402

from iapt_platform.lib.regions import REGION  # noqa: E402

# world-atlas names features by ISO 3166-1 numeric code.
NUMERIC_TO_ALPHA2 = {f"{countries.numeric(code):03d}": code for code in REGION}


def decode_arcs(topology):
    scale_x, scale_y = topology["transform"]["scale"]
    translate_x, translate_y = topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * scale_x + translate_x, y * scale_y + translate_y))
        arcs.append(points)
    return arcs


def ring(arcs, indices):
    points = []
    for index in indices:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        points.extend(arc[1:] if points else arc)
    rounded = []
    for lon, lat in points:
        point = [round(lon, 2), round(lat, 2)]
        if not rounded or rounded[-1] != point:
            rounded.append(point)
    if rounded[0] != rounded[-1]:
        rounded.append(rounded[0])
    return rounded


def main(source: str) -> None:
    topology = json.loads(Path(source).read_text())
    arcs = decode_arcs(topology)
    features = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        alpha2 = NUMERIC_TO_ALPHA2.get(str(geometry.get("id", "")))
        if alpha2 not in REGION:
            continue
        polygons = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]
        coordinates = []
        for polygon in polygons:
            rings = [ring(arcs, r) for r in polygon]
            rings = [r for r in rings if len(r) >= 4]
            if rings:
                coordinates.append(rings)
        features.append(
            {
                "type": "Feature",
                "id": alpha2,
                "properties": {},
                "geometry": {"type": "MultiPolygon", "coordinates": coordinates},
            }
        )
    out = ROOT / "initiatives" / "data" / "lac-countries.geojson"
    out.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"))
    )
    print(f"{len(features)} shapes, {out.stat().st_size // 1024} KiB -> {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1])
