"""The seizure map as one HTML page: a pure builder, data in and HTML out.

Everything the page loads is local: Leaflet and its plugins come from frontend/vendor
(served by the app under ``asset_base``, or inlined for a self-contained report), and
the base map is a country-outline layer instead of a tile server, because opcoord runs
on networks cut off from the internet. Markers, heat and popups are drawn in the
browser from one compact JSON array (strings interned), so 100,000 seizures stay a few
megabytes; folium's one-Marker-per-point MarkerCluster took 27 s and 23 MB.

The page script is ``_MAP_JS`` below. It sets ``window.opcoordMap`` = {map, markers,
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

from opcoord.live.geo import country_centroid, country_names, outlines_json

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
    """frontend/vendor: inside the installed package (wheel), else in the checkout."""
    here = Path(__file__).resolve()
    for candidate in (here.parents[1] / "frontend", here.parents[3] / "frontend"):
        if (candidate / "vendor" / JS_ASSETS[0]).is_file():
            return candidate / "vendor"
    raise FileNotFoundError("frontend/vendor not found: run scripts/vendor-assets.sh")


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
_MAP_JS = r"""
(function () {
  "use strict";
  var map = __MAP__;
  var D = JSON.parse(document.getElementById("opcoord-data").textContent);
  var world = JSON.parse(document.getElementById("opcoord-countries").textContent);
  var S = D.strings;
  var ESC = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"};
  function esc(v) { return String(v).replace(/[&<>"']/g, function (c) { return ESC[c]; }); }
  function str(i) { return i === null || i === undefined ? null : S[i]; }

  function fromRow(r) {  // column order: see _ROW_FIELDS in mapbuilder.py
    return {lat: r[0], lon: r[1], category: str(r[2]), quantity: r[3], place_type: str(r[4]),
      place_name: str(r[5]), day: str(r[6]), country: str(r[7]), conveyance: str(r[8]),
      origin_country: str(r[9]), destination_country: str(r[10]), ref: str(r[11]),
      description: str(r[12])};
  }
  function label(v) { return v === null || v === undefined ? "" : String(v).replace(/_/g, " "); }
  function popupHtml(p) {
    var rows = [];
    function add(name, value) {
      if (value !== null && value !== undefined && value !== "") {
        rows.push("<tr><th>" + name + "</th><td>" + esc(value) + "</td></tr>");
      }
    }
    add("Reference", p.ref);
    add("Category", label(p.category));
    add("Quantity", p.quantity);
    add("Place", [label(p.place_type), p.place_name].filter(Boolean).join(": "));
    add("Date", p.day);
    add("Reporting country", p.country);
    add("Conveyance", label(p.conveyance));
    if (p.origin_country || p.destination_country) {
      add("Route", (p.origin_country || "?") + " \u2192 " + (p.destination_country || "?"));
    }
    add("Description", p.description);
    return '<table class="opcoord-popup">' + rows.join("") + "</table>";
  }
  function colour(category) { return D.colours[category] || D.colours.other; }
  function marker(p) {
    // markerPane: above the heat canvas, which leaflet.heat puts in the overlay pane.
    var m = L.circleMarker([p.lat, p.lon], {radius: 6, weight: 1, color: "#333",
      fillColor: colour(p.category), fillOpacity: 0.9, pane: "markerPane"});
    m.seizure = p;
    // Built when opened: 100,000 popup strings up front would cost seconds and memory.
    m.bindPopup(function (layer) { return popupHtml(layer.seizure); });
    return m;
  }

  var api = {loaded: false};  // becomes window.opcoordMap
  var markers = L.markerClusterGroup({chunkedLoading: true, maxClusterRadius: 50,
    chunkProgress: function (done, total) { api.loaded = done === total; }});
  var heat = L.heatLayer(D.rows.map(function (r) { return [r[0], r[1], r[3]]; }),
    // No maxZoom option: the layer control would grey the layer out above it. With the
    // map's maxZoom (18) leaflet.heat scales weights by 2^-12 at zooms <= 6: undo that.
    {radius: 18, blur: 15, max: D.heatMax / 4096, minOpacity: 0.3});

  var choro = L.geoJSON(world, {
    filter: function (f) { return Boolean(f.id && D.choropleth[f.id]); },
    style: function (f) {
      return {fillColor: D.choropleth[f.id].colour, fillOpacity: 0.7, color: "#666", weight: 0.8};
    },
    onEachFeature: function (f, layer) {
      layer.bindTooltip(esc(f.properties.name) + ": " +
        D.choropleth[f.id].objects.toLocaleString("en") + " objects seized");
    }
  });
  var outlines = L.geoJSON(world, {interactive: false, style: D.tiles
    ? {color: "#777", weight: 0.6, fill: false}
    : {color: "#9a9a9a", weight: 0.6, fillColor: "#f4f1ea", fillOpacity: 1}});

  var routes = L.featureGroup(D.routes.map(function (r) {
    // [from lat, from lon, to lat, to lon, line weight, objects, seizures, from, to]
    return L.polyline([[r[0], r[1]], [r[2], r[3]]], {color: "#6a1b9a", opacity: 0.6,
      weight: r[4]}).bindTooltip(esc(r[7]) + " \u2192 " + esc(r[8]) + ": " +
      r[5].toLocaleString("en") + " objects, " + r[6] + " seizures");
  }));

  var legend = L.control({position: "bottomright"});
  legend.onAdd = function () {
    var div = document.getElementById("opcoord-legend");
    div.style.display = "";
    L.DomEvent.disableScrollPropagation(div);
    return div;
  };
  var bases = {};
  if (D.tiles) { bases["Map tiles"] = __TILES__; }
  outlines.addTo(map);
  choro.addTo(map);
  routes.addTo(map);
  // heat starts hidden: over the clusters it is noise until a coordinator asks for it
  markers.addTo(map);
  // Added once on the map, so that chunkedLoading keeps the page responsive.
  markers.addLayers(D.rows.map(function (r) { return marker(fromRow(r)); }));
  L.control.layers(bases, {"Country outlines": outlines, "Objects by reporting country": choro,
    "Routes (origin \u2192 destination)": routes, "Heat (objects)": heat,
    "Seizures": markers}, {collapsed: false}).addTo(map);
  legend.addTo(map);

  var noCoords = D.noCoords;
  function addSeizure(s) {
    if (s.lat === null || s.lat === undefined || s.lon === null || s.lon === undefined) {
      noCoords += 1;
      document.getElementById("opcoord-nocoords").textContent = noCoords.toLocaleString("en");
      return null;
    }
    var m = marker(s);
    markers.addLayer(m);
    // leaflet.heat 0.2.0 fails in redraw when the layer is off the map: queue the point.
    if (map.hasLayer(heat)) { heat.addLatLng([s.lat, s.lon, s.quantity]); }
    else { heat._latlngs.push(L.latLng(s.lat, s.lon, s.quantity)); }
    return m;
  }
  window.opcoordMap = L.Util.extend(api, {map: map, markers: markers, heat: heat,
    routes: routes, choropleth: choro, outlines: outlines, addSeizure: addSeizure,
    popupHtml: popupHtml, colours: D.colours});
})();
"""
