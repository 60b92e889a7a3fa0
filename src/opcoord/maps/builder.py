"""The seizure map as one HTML page: a pure builder, data in and HTML out.

Everything the page loads is local: Leaflet and its plugins come from frontend/static/vendor
(served by the app under ``asset_base``, or inlined for a self-contained report), and
the base map is a country-outline layer instead of a tile server, because opcoord runs
on networks cut off from the internet. Markers, heat and popups are drawn in the
browser from one compact JSON array (strings interned), so 100,000 seizures stay a few
megabytes; folium's one-Marker-per-point MarkerCluster took 27 s and 23 MB.

The page script is ``assets/map.js``. It sets ``window.opcoordMap`` = {map, markers,
heat, routes, choropleth, outlines, colours, popupHtml(s), addSeizure(s), loaded}, where
``loaded`` turns true once the marker clusters are built (in chunks, for big maps). The live
dashboard calls ``opcoordMap.addSeizure(s)`` for a websocket event, with ``s`` an
object with the SeizurePoint field names (``day`` as "YYYY-MM-DD", absent or null
fields omitted from the popup); it returns the new marker, or null for a seizure
without coordinates, which increments the visible "without coordinates" count.
"""

import base64
import datetime
import html
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, cast

import folium
from branca.element import Element, Figure, MacroElement
from folium.template import Template

from opcoord.maps.outlines import country_centroid, country_names, outlines_json

# Fixed so that a category keeps its colour across maps, reports and the dashboard.
CATEGORY_COLOURS: dict[str, str] = {
    "archaeological": "#a6611a",
    "coins": "#e6ab02",
    "paintings": "#1f78b4",
    "sculptures": "#6a3d9a",
    "religious": "#e31a1c",
    "manuscripts": "#33a02c",
    "ceramics": "#ff7f00",
    "weapons": "#222222",
    "furniture": "#1b9e77",
    "musical_instruments": "#f781bf",
    "fossils": "#a6cee3",
    "ethnographic": "#b2df8a",
    "other": "#999999",
}
CHOROPLETH_COLOURS = ("#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026")
JS_ASSETS = (
    "leaflet/leaflet.js",
    "leaflet.markercluster/leaflet.markercluster.js",
    "leaflet.heat/leaflet-heat.js",
)
CSS_ASSETS = (
    "leaflet/leaflet.css",
    "leaflet.markercluster/MarkerCluster.css",
    "leaflet.markercluster/MarkerCluster.Default.css",
)
MIN_ROUTE_WEIGHT, MAX_ROUTE_WEIGHT = 1.5, 10.0


@dataclass(frozen=True, slots=True)
class SeizurePoint:
    ref: str | None
    category: str
    quantity: int
    place_type: str
    place_name: str | None
    day: datetime.date
    country: str
    conveyance: str | None
    origin_country: str | None
    destination_country: str | None
    lat: float | None
    lon: float | None
    description: str | None = None


def vendor_dir() -> Path:
    """frontend/static/vendor: inside the installed package (wheel), else in the checkout."""
    here = Path(__file__).resolve()
    for candidate in (here.parents[1] / "frontend", here.parents[3] / "frontend"):
        if (candidate / "static" / "vendor" / JS_ASSETS[0]).is_file():
            return candidate / "static" / "vendor"
    raise FileNotFoundError("frontend/static/vendor not found: run scripts/vendor-assets.sh")


def build_map(
    seizures: Iterable[SeizurePoint],
    *,
    objects_by_country: Mapping[str, int],
    asset_base: str | None = "/static/vendor",
    inline_assets: bool = False,
    tile_url: str | None = None,
    title: str = "",
) -> str:
    """The full HTML document of the seizure map.

    ``objects_by_country`` (ISO alpha-2 -> objects seized) feeds the choropleth; it is
    an SQL aggregate in the caller, not recomputed from ``seizures``. Assets are
    referenced under ``asset_base`` (e.g. /static/vendor/leaflet/leaflet.js), or
    inlined when ``inline_assets`` is true or there is no ``asset_base``.
    ``tile_url`` adds a tile layer, for deployments that have their own tile server.
    """
    m = folium.Map(location=(30, 15), zoom_start=3, tiles=None, prefer_canvas=True)
    root = cast(Figure, m.get_root())  # folium.Map puts itself in a new Figure
    # tiles=None drops maxZoom, and markercluster refuses a map without one.
    m.options.update(maxZoom=18, minZoom=2)
    if inline_assets or asset_base is None:
        m.default_js, m.default_css = [], []
        root.header.add_child(Element(_inline_assets()), name="opcoord_assets")
    else:
        base = asset_base.rstrip("/")
        m.default_js = [(Path(p).stem, f"{base}/{p}") for p in JS_ASSETS]
        m.default_css = [(Path(p).stem + "_css", f"{base}/{p}") for p in CSS_ASSETS]
    tiles_var = "null"
    if tile_url:
        tiles = folium.TileLayer(tile_url, attr="Map tiles: local server", control=False)
        tiles.add_to(m)
        tiles_var = tiles.get_name()

    data = _map_data(seizures, objects_by_country, has_tiles=bool(tile_url))
    bounds = data.pop("bounds")
    if bounds:
        m.fit_bounds(bounds, max_zoom=6)
    root.title = html.escape(title)
    root.header.add_child(Element(f"<style>{_PAGE_CSS}</style>"), name="opcoord_css")
    body = [
        _json_tag("opcoord-data", _dumps(data)),
        _json_tag("opcoord-countries", _safe_json(outlines_json())),
        _legend_html(data),
    ]
    if title:
        body.append(f'<div class="opcoord-title">{html.escape(title)}</div>')
    root.html.add_child(Element("\n".join(body)), name="opcoord_body")
    script = _MAP_JS.replace("__MAP__", m.get_name()).replace("__TILES__", tiles_var)
    m.add_child(_Script(script), name="opcoord_script")
    return root.render()


def _map_data(
    seizures: Iterable[SeizurePoint], objects_by_country: Mapping[str, int], *, has_tiles: bool
) -> dict[str, Any]:
    strings: dict[str, int] = {}
    days: dict[datetime.date, int] = {}

    def sid(s: str | None) -> int | None:
        return None if s is None else strings.setdefault(s, len(strings))

    rows: list[list[Any]] = []
    per_category: Counter[str] = Counter()
    pairs: dict[tuple[str, str], list[int]] = {}
    no_coords = 0
    for p in seizures:
        per_category[p.category if p.category in CATEGORY_COLOURS else "other"] += 1
        o, d = p.origin_country, p.destination_country
        if o and d and o != d:
            pair = pairs.setdefault((o, d), [0, 0])
            pair[0] += p.quantity
            pair[1] += 1
        if p.lat is None or p.lon is None:
            no_coords += 1
            continue
        day = days.get(p.day)
        if day is None:
            day = days[p.day] = strings.setdefault(p.day.isoformat(), len(strings))
        row = [round(p.lat, 5), round(p.lon, 5), sid(p.category), p.quantity,
               sid(p.place_type), sid(p.place_name), day, sid(p.country), sid(p.conveyance),
               sid(o), sid(d), sid(p.ref), sid(p.description)]  # fmt: skip
        while row[-1] is None:  # partner edition: no ref/description, shorter rows
            row.pop()
        rows.append(row)
    quantities = sorted(r[3] for r in rows)
    lats, lons = [r[0] for r in rows], [r[1] for r in rows]
    return {
        "strings": list(strings),
        "rows": rows,
        "colours": CATEGORY_COLOURS,
        "noCoords": no_coords,
        # 95th percentile: one hoard of 10,000 coins must not flatten the rest.
        "heatMax": max(1, quantities[int(len(quantities) * 0.95)] if quantities else 1),
        "routes": _routes(pairs),
        "choropleth": _choropleth(objects_by_country),
        "tiles": has_tiles,
        "categoryCounts": dict(per_category),
        "bounds": [[min(lats), min(lons)], [max(lats), max(lons)]] if rows else None,
    }


def _name(cc: str) -> str:
    return country_names().get(cc, cc)


def _routes(pairs: Mapping[tuple[str, str], list[int]]) -> list[list[Any]]:
    """One line per origin -> destination pair, width by objects (sqrt: area-like)."""
    top = max((objects for objects, _ in pairs.values()), default=0)
    routes = []
    for (o, d), (objects, count) in sorted(pairs.items(), key=lambda kv: -kv[1][0]):
        start, end = country_centroid(o), country_centroid(d)
        if start is None or end is None:
            continue
        share = math.sqrt(objects / top) if top > 0 else 0.0
        weight = round(MIN_ROUTE_WEIGHT + (MAX_ROUTE_WEIGHT - MIN_ROUTE_WEIGHT) * share, 1)
        routes.append([*start, *end, weight, objects, count, _name(o), _name(d)])
    return routes


def choropleth_breaks(values: Iterable[int]) -> list[int]:
    """Lower bounds of up to len(CHOROPLETH_COLOURS) quantile classes of positive values."""
    ranked = sorted(v for v in values if v > 0)
    if not ranked:
        return []
    n = len(CHOROPLETH_COLOURS)
    return sorted({ranked[len(ranked) * i // n] for i in range(n)})


def _choropleth(objects_by_country: Mapping[str, int]) -> dict[str, dict[str, Any]]:
    breaks = choropleth_breaks(objects_by_country.values())
    colours = _class_colours(len(breaks))
    out = {}
    for cc, objects in objects_by_country.items():
        if objects > 0:
            cls = sum(1 for b in breaks if objects >= b) - 1
            out[cc.upper()] = {"objects": objects, "colour": colours[cls]}
    return out


def _class_colours(n: int) -> tuple[str, ...]:
    # With few classes take the darkest colours: a lone country should not look pale.
    return CHOROPLETH_COLOURS[len(CHOROPLETH_COLOURS) - n :]


def _legend_html(data: Mapping[str, Any]) -> str:
    counts = data["categoryCounts"]
    items = [
        f'<li><i style="background:{colour}"></i>{html.escape(cat.replace("_", " "))}'
        f' <span class="n">{counts.get(cat, 0):,}</span></li>'
        for cat, colour in CATEGORY_COLOURS.items()
    ]
    breaks = choropleth_breaks(v["objects"] for v in data["choropleth"].values())
    classes = [
        f'<li><i style="background:{colour}"></i>&ge; {b:,}</li>'
        for colour, b in zip(_class_colours(len(breaks)), breaks, strict=True)
    ]
    return (
        '<div id="opcoord-legend" class="opcoord-legend" style="display:none">'
        f"<b>Seizures by category</b><ul>{''.join(items)}</ul>"
        + (f"<b>Objects by reporting country</b><ul>{''.join(classes)}</ul>" if classes else "")
        + '<p class="opcoord-nocoords-line"><span id="opcoord-nocoords">'
        f"{data['noCoords']:,}</span> seizures without coordinates (not on the map)</p></div>"
    )


def _safe_json(text: str) -> str:
    # Inside <script>, "</script>" or "<!--" in a string would end or corrupt the block;
    # escaped as \u003c etc. the JSON decodes to the same text.
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _dumps(data: Any) -> str:
    return _safe_json(json.dumps(data, separators=(",", ":"), ensure_ascii=False))


def _json_tag(element_id: str, text: str) -> str:
    return f'<script type="application/json" id="{element_id}">{text}</script>'


@cache
def _inline_assets() -> str:
    """Vendored CSS and JS as <style>/<script> blocks, CSS images as data: URIs."""
    root = vendor_dir()
    parts = []
    for rel in CSS_ASSETS:
        path = root / rel
        css = path.read_text("utf-8")

        def data_uri(match: re.Match[str], folder: Path = path.parent) -> str:
            image = (folder / match.group(1)).read_bytes()
            return f"url(data:image/png;base64,{base64.b64encode(image).decode()})"

        css = re.sub(r"url\((?!data:|#)['\"]?([^)'\"]+\.png)['\"]?\)", data_uri, css)
        parts.append(f"<style>{css}</style>")
    for rel in JS_ASSETS:
        js = (root / rel).read_text("utf-8").replace("</script", "<\\/script")
        parts.append(f"<script>{js}</script>")
    return "\n".join(parts)


class _Script(MacroElement):
    """Raw page code placed after folium has created the map."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}")

    def __init__(self, code: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.code = code


_PAGE_CSS = """
.leaflet-container { background: #dde8f0; }
.opcoord-title { position: absolute; top: 10px; left: 60px; z-index: 1000; font: bold 16px
  sans-serif; background: rgba(255,255,255,.85); padding: 4px 10px; border-radius: 4px; }
.opcoord-legend { background: rgba(255,255,255,.92); padding: 6px 10px; font: 12px/1.4
  sans-serif; border-radius: 4px; max-height: 60vh; overflow-y: auto; }
.opcoord-legend ul { list-style: none; margin: 2px 0 6px; padding: 0; }
.opcoord-legend i { display: inline-block; width: 12px; height: 12px; margin-right: 6px;
  vertical-align: -2px; border: 1px solid #555; border-radius: 50%; }
.opcoord-legend .n { color: #666; }
.opcoord-nocoords-line { margin: 4px 0 0; font-weight: bold; }
table.opcoord-popup th { text-align: left; padding-right: 8px; vertical-align: top; }
"""


# The page script. JSON.parse of <script type="application/json"> tags is much faster
# than a 10 MB JavaScript literal. Popups are built when opened, not for every point.
# The page script, a file of its own so that it reads (and lints) as JavaScript.
_MAP_JS = (Path(__file__).parent / "assets" / "map.js").read_text(encoding="utf-8")
