"""Country outlines and centroids shipped with opcoord, for maps that work offline.

Run time only reads two data files next to this module:
- ``countries.geojson``: simplified Natural Earth 1:50m outlines, one feature per
  country, ``id`` = ISO 3166-1 alpha-2 (null for territories without a code);
- ``country_centroids.json``: ``{alpha2: [lat, lon]}`` for every ISO country.

Why not countryinfo's polygons directly: countryinfo 1.0.1 ships outlines for only 173
of its 254 countries, and Hungary, Serbia, Montenegro, Myanmar and Jamaica are among
the missing, which leaves holes in a European operation's map. Its centroids (the
``latlng`` field) are complete enough and are used, keyed by ISO code through pycountry.

``python -m opcoord.live.geo TOPOJSON LICENSE`` regenerates both files
(scripts/vendor-assets.sh does it with world-atlas' countries-50m.json).
"""

import json
import sys
from collections.abc import Iterator, Sequence
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

_HERE = Path(__file__).parent
OUTLINES_FILE = "countries.geojson"
CENTROIDS_FILE = "country_centroids.json"
# Degrees; ~5 km, invisible at the zooms coordinators use, and with the islet filter it
# cuts the 50m data to a size that can be inlined in every map page.
SIMPLIFY_TOLERANCE = 0.05
DECIMALS = 2
# Square degrees; islets smaller than this are dropped, except a country's largest
# piece, so that microstates and island nations keep an outline.
MIN_POLYGON_AREA = 0.02
# Natural Earth has no ISO numeric code for Kosovo; XK is the code EU and INTERPOL use.
_NO_NUMERIC = {"Kosovo": "XK"}

Point = tuple[float, float]


@cache
def _centroids() -> dict[str, tuple[float, float]]:
    raw = (_HERE / CENTROIDS_FILE).read_text("utf-8")
    return {cc: (lat, lon) for cc, (lat, lon) in json.loads(raw).items()}


def country_centroid(cc: str) -> tuple[float, float] | None:
    """(lat, lon) of an ISO 3166-1 alpha-2 country, or None if unknown."""
    return _centroids().get(cc.upper())


@cache
def outlines_json() -> str:
    """The outlines as compact GeoJSON text, ready to embed in a page."""
    return (_HERE / OUTLINES_FILE).read_text("utf-8")


@cache
def country_names() -> dict[str, str]:
    """ISO alpha-2 -> short English name, from the outline file."""
    features = json.loads(outlines_json())["features"]
    return {f["id"]: f["properties"]["name"] for f in features if f["id"]}


# ---- generation (build time only) -------------------------------------------------


def _decode_arcs(topo: dict[str, Any]) -> list[list[Point]]:
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:  # quantised and delta-encoded
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _simplify(points: Sequence[Point], tolerance: float) -> list[Point]:
    """Douglas-Peucker, iterative so long coastlines cannot hit the recursion limit."""
    if len(points) < 3:
        return list(points)
    keep = {0, len(points) - 1}
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        norm = (dx * dx + dy * dy) ** 0.5
        best, index = 0.0, -1
        for i in range(first + 1, last):
            px, py = points[i]
            if norm:
                dist = abs(dy * (px - x1) - dx * (py - y1)) / norm
            else:
                dist = ((px - x1) ** 2 + (py - y1) ** 2) ** 0.5
            if dist > best:
                best, index = dist, i
        if best > tolerance:
            keep.add(index)
            stack += [(first, index), (index, last)]
    return [points[i] for i in sorted(keep)]


def _ring(arc_ids: Sequence[int], arcs: list[list[Point]]) -> list[list[float]]:
    out: list[list[float]] = []
    for a in arc_ids:
        # Arcs are simplified before stitching, so a border shared by two countries
        # stays identical in both and no slivers appear between them.
        points = arcs[a] if a >= 0 else arcs[~a][::-1]
        for x, y in points[1:] if out else points:
            p = [round(x, DECIMALS), round(y, DECIMALS)]
            if not out or p != out[-1]:
                out.append(p)
    return out


def _polygons(geometry: dict[str, Any]) -> Iterator[list[list[int]]]:
    if geometry["type"] == "Polygon":
        yield geometry["arcs"]
    elif geometry["type"] == "MultiPolygon":
        yield from geometry["arcs"]


def _area(ring: Sequence[Sequence[float]]) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in pairwise(ring))) / 2


def _feature(
    geom: dict[str, Any], simple: list[list[Point]], full: list[list[Point]]
) -> dict[str, Any] | None:
    import pycountry  # build time only

    polygons = []
    for polygon in _polygons(geom):
        rings = [r for r in (_ring(ids, simple) for ids in polygon) if len(r) >= 4]
        if rings:
            polygons.append(rings)
    if not polygons:  # microstates vanish when simplified: keep them unsimplified
        polygons = [[_ring(ids, full) for ids in p] for p in _polygons(geom)]
    if not polygons:
        return None
    largest = max(polygons, key=lambda p: _area(p[0]))
    polygons = [p for p in polygons if p is largest or _area(p[0]) >= MIN_POLYGON_AREA]
    name = geom["properties"]["name"]
    country = pycountry.countries.get(numeric=geom["id"]) if geom.get("id") else None
    cc = country.alpha_2 if country else _NO_NUMERIC.get(name)
    geometry = (
        {"type": "Polygon", "coordinates": polygons[0]}
        if len(polygons) == 1
        else {"type": "MultiPolygon", "coordinates": polygons}
    )
    return {"type": "Feature", "id": cc, "properties": {"name": name}, "geometry": geometry}


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    def parts(g: dict[str, Any]) -> list[Any]:
        return [g["coordinates"]] if g["type"] == "Polygon" else list(g["coordinates"])

    return {"type": "MultiPolygon", "coordinates": parts(a) + parts(b)}


def _countryinfo_centroids() -> dict[str, list[float]]:
    import countryinfo  # build time only

    out: dict[str, list[float]] = {}
    for path in sorted((Path(countryinfo.__file__).parent / "data").glob("*.json")):
        data = json.loads(path.read_text("utf-8"))
        cc = (data.get("ISO") or {}).get("alpha2")
        latlng = data.get("latlng") or data.get("capital_latlng")
        if latlng and isinstance(latlng[0], list):  # several capitals (BQ): take the first
            latlng = latlng[0]
        if cc and latlng and cc not in out:
            out[cc] = [float(latlng[0]), float(latlng[1])]
    return out


def build_files(topojson: Path, license_file: Path, out_dir: Path = _HERE) -> None:
    import pycountry  # build time only

    topo = json.loads(topojson.read_text("utf-8"))
    full = _decode_arcs(topo)
    simple = [_simplify(arc, SIMPLIFY_TOLERANCE) for arc in full]
    geoms = topo["objects"]["countries"]["geometries"]
    features: list[dict[str, Any]] = []
    by_cc: dict[str, dict[str, Any]] = {}
    for feature in filter(None, (_feature(g, simple, full) for g in geoms)):
        first = by_cc.get(feature["id"])
        if first is None:
            features.append(feature)
            if feature["id"]:
                by_cc[feature["id"]] = feature
        else:  # Ashmore and Cartier Is. carry Australia's code: one feature per code
            first["geometry"] = _merge(first["geometry"], feature["geometry"])
    collection = {
        "type": "FeatureCollection",
        "source": "Natural Earth 1:50m (public domain) via world-atlas (npm), simplified",
        "license": license_file.read_text("utf-8").strip(),
        "features": features,
    }
    text = json.dumps(collection, separators=(",", ":"), ensure_ascii=False)
    (out_dir / OUTLINES_FILE).write_text(text + "\n", "utf-8")

    known = _countryinfo_centroids()
    centroids: dict[str, list[float]] = {}
    for cc in sorted({c.alpha_2 for c in pycountry.countries} | set(_NO_NUMERIC.values())):
        if cc in known:
            centroids[cc] = known[cc]
        elif cc in by_cc:  # fall back to the middle of the largest outer ring
            geometry = by_cc[cc]["geometry"]
            polys = geometry["coordinates"]
            rings = [polys[0]] if geometry["type"] == "Polygon" else [p[0] for p in polys]
            ring = max(rings, key=_area)
            xs, ys = [p[0] for p in ring], [p[1] for p in ring]
            centroids[cc] = [round(sum(ys) / len(ys), 2), round(sum(xs) / len(xs), 2)]
    (out_dir / CENTROIDS_FILE).write_text(json.dumps(centroids, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    build_files(Path(sys.argv[1]), Path(sys.argv[2]))
