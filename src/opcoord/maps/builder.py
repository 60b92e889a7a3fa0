"""The seizure map as one HTML page: a pure builder, data in and HTML out.

Everything the page loads is local: Leaflet and its plugins come from frontend/static/vendor
(served by the app under ``asset_base``, or inlined for a self-contained report), and
the base map is a country-outline layer instead of a tile server, because opcoord runs
on networks cut off from the internet. Markers, heat and popups are drawn in the
browser from one compact JSON array (strings interned), so 100,000 seizures stay a few
megabytes; folium's one-Marker-per-point MarkerCluster took 27 s and 23 MB.

One layer is on when the page opens: the seizures, grouped into rings that show their
categories (a pie per cluster). Objects per reporting country, the routes (aggregated per
origin and destination, drawn as arrows whose width grows with the objects) and the heat
are one click away in the side panel (``panel.py``), which also holds each layer's key
and never covers the map. Every word is in the reader's language (``lang``), numbers
and dates in its locale.

The page script is ``assets/map.js``. It sets ``window.opcoordMap`` = {map, markers,
heat, routes, choropleth, outlines, layers, colours, popupHtml(s), addSeizure(s),
show(name, on), loaded}, where ``loaded`` turns true once the marker clusters are built
(in chunks, for big maps). The live dashboard calls ``opcoordMap.addSeizure(s)`` for a
websocket event, with ``s`` an object with the SeizurePoint field names (``day`` as
"YYYY-MM-DD", absent or null fields omitted from the popup); it returns the new marker,
or null for a seizure without coordinates, which increments the visible "without
coordinates" count.
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

from opcoord.i18n import Lang
from opcoord.maps import panel
from opcoord.maps.outlines import country_centroid, outlines_json
from opcoord.operations.enums import Category, Conveyance, PlaceType

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
# Routes drawn when the layer is switched on; the panel offers the rest, and says so.
ROUTES_SHOWN = 12


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
    lang: str = "en",
    compact: bool = False,
    window: tuple[datetime.date, datetime.date] | None = None,
) -> str:
    """The full HTML document of the seizure map, in language ``lang``.

    ``objects_by_country`` (ISO alpha-2 -> objects seized) feeds the choropleth; it is
    an SQL aggregate in the caller, not recomputed from ``seizures``. Assets are
    referenced under ``asset_base`` (e.g. /static/vendor/leaflet/leaflet.js), or
    inlined when ``inline_assets`` is true or there is no ``asset_base``.
    ``tile_url`` adds a tile layer, for deployments that have their own tile server.
    ``compact`` leaves out the side panel (a map embedded in a dashboard, whose own
    panels carry the key) and keeps only the line under the map. ``window`` (the
    operation's first and last day) has every day's date written here, so that a seizure
    added live shows its date exactly as the others do.
    """
    words = Lang(lang)
    m = folium.Map(location=(30, 15), zoom_start=3, tiles=None, prefer_canvas=True)
    root = cast(Figure, m.get_root())  # folium.Map puts itself in a new Figure
    # tiles=None drops maxZoom, and markercluster refuses a map without one.
    m.options.update(maxZoom=18, minZoom=2)
    if inline_assets or asset_base is None:
        m.default_js, m.default_css = [], []
        root.header.add_child(_Raw(_inline_assets()), name="opcoord_assets")
    else:
        base = asset_base.rstrip("/")
        m.default_js = [(Path(p).stem, f"{base}/{p}") for p in JS_ASSETS]
        m.default_css = [(Path(p).stem + "_css", f"{base}/{p}") for p in CSS_ASSETS]
    if tile_url:
        tiles = folium.TileLayer(tile_url, attr="Map tiles: local server", control=False)
        tiles.add_to(m)

    data = _map_data(seizures, objects_by_country, words, has_tiles=bool(tile_url))
    if window is not None:
        first, last = window
        for n in range((last - first).days + 1):
            day = first + datetime.timedelta(days=n)
            data["days"].setdefault(day.isoformat(), words.date(day))
    bounds = data.pop("bounds")
    if bounds:
        m.fit_bounds(bounds, max_zoom=6, padding=(24, 24))
    root.title = html.escape(title)
    root.header.add_child(_Raw(_favicon(inline_assets or asset_base is None)), name="icon")
    css = _PAGE_CSS + (_COMPACT_CSS if compact else "")
    root.header.add_child(_Raw(f"<style>{css}</style>"), name="opcoord_css")
    classes = list(zip(_class_colours(len(data["breaks"])), data["breaks"], strict=True))
    body = [
        _json_tag("opcoord-data", _dumps(data)),
        _json_tag("opcoord-countries", _safe_json(outlines_json())),
        panel.panel_html(words, data, classes, title=title, compact=compact),
    ]
    root.html.add_child(_Raw("\n".join(body)), name="opcoord_body")
    script = _MAP_JS.replace("__MAP__", m.get_name())
    m.add_child(_Script(script), name="opcoord_script")
    return _accessible(root.render(), m.get_name(), words)


def _accessible(page: str, map_id: str, lang: Lang) -> str:
    """What folium's page lacks for assistive technology: the page's language, a main
    landmark around the map, and zooming (its viewport forbids it)."""
    page = page.replace("<html>", f'<html lang="{lang.code}">', 1)
    label = html.escape(lang.gettext("Map of seizures"))
    page = page.replace(
        f'<div class="folium-map" id="{map_id}" >',
        f'<div class="folium-map" id="{map_id}" role="main" aria-label="{label}">',
        1,
    )
    return re.sub(
        r'<meta name="viewport" content="[^"]*"\s*/>',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        page,
        count=1,
    )


def _map_data(
    seizures: Iterable[SeizurePoint],
    objects_by_country: Mapping[str, int],
    lang: Lang,
    *,
    has_tiles: bool,
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
    routes = _routes(pairs, lang)
    choropleth = _choropleth(objects_by_country, lang)
    mentioned = {s for s in strings if len(s) == 2 and s.isupper()}
    mentioned |= {cc for r in routes for cc in r[7:9]} | set(choropleth)
    return {
        "strings": list(strings),
        "rows": rows,
        "colours": CATEGORY_COLOURS,
        "noCoords": no_coords,
        # 95th percentile: one hoard of 10,000 coins must not flatten the rest.
        "heatMax": max(1, quantities[int(len(quantities) * 0.95)] if quantities else 1),
        "routes": routes,
        "routesShown": ROUTES_SHOWN,
        "choropleth": choropleth,
        "breaks": choropleth_breaks(v["objects"] for v in choropleth.values()),
        "tiles": has_tiles,
        "categoryCounts": dict(per_category),
        "bounds": [[min(lats), min(lons)], [max(lats), max(lons)]] if rows else None,
        # What the page script needs to speak the reader's language.
        "locale": lang.intl,
        "t": panel.script_words(lang),
        "words": _words(lang),
        "countries": {cc: lang.country(cc) for cc in sorted(mentioned)},
        "days": {day.isoformat(): lang.date(day) for day in days},
    }


def _words(lang: Lang) -> dict[str, dict[str, str]]:
    """The vocabulary's labels (``auction_house`` -> "Auction house, gallery or dealer")."""
    return {
        "category": {c.value: lang.word(c.value) for c in Category},
        "place_type": {p.value: lang.word(p.value) for p in PlaceType},
        "conveyance": {c.value: lang.word(c.value) for c in Conveyance},
    }


def _routes(pairs: Mapping[tuple[str, str], list[int]], lang: Lang) -> list[list[Any]]:
    """One arrow per origin -> destination pair, width by objects (sqrt: area-like)."""
    top = max((objects for objects, _ in pairs.values()), default=0)
    routes = []
    for (o, d), (objects, count) in sorted(pairs.items(), key=lambda kv: -kv[1][0]):
        start, end = country_centroid(o), country_centroid(d)
        if start is None or end is None:
            continue
        share = math.sqrt(objects / top) if top > 0 else 0.0
        weight = round(MIN_ROUTE_WEIGHT + (MAX_ROUTE_WEIGHT - MIN_ROUTE_WEIGHT) * share, 1)
        label = panel.route_label(lang, o, d, objects, count)
        routes.append([*start, *end, weight, objects, count, o, d, label])
    return routes


def choropleth_breaks(values: Iterable[int]) -> list[int]:
    """Lower bounds of up to len(CHOROPLETH_COLOURS) quantile classes of positive values."""
    ranked = sorted(v for v in values if v > 0)
    if not ranked:
        return []
    n = len(CHOROPLETH_COLOURS)
    return sorted({ranked[len(ranked) * i // n] for i in range(n)})


def _choropleth(objects_by_country: Mapping[str, int], lang: Lang) -> dict[str, dict[str, Any]]:
    breaks = choropleth_breaks(objects_by_country.values())
    colours = _class_colours(len(breaks))
    out = {}
    for cc, objects in objects_by_country.items():
        if objects > 0:
            cls = sum(1 for b in breaks if objects >= b) - 1
            label = f"{lang.country(cc.upper())}: {panel.objects_text(lang, objects)}"
            out[cc.upper()] = {"objects": objects, "colour": colours[cls], "label": label}
    return out


def _class_colours(n: int) -> tuple[str, ...]:
    # With few classes take the darkest colours: a lone country should not look pale.
    return CHOROPLETH_COLOURS[len(CHOROPLETH_COLOURS) - n :]


def _safe_json(text: str) -> str:
    # Inside <script>, "</script>" or "<!--" in a string would end or corrupt the block;
    # escaped as \u003c etc. the JSON decodes to the same text.
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _dumps(data: Any) -> str:
    return _safe_json(json.dumps(data, separators=(",", ":"), ensure_ascii=False))


def _json_tag(element_id: str, text: str) -> str:
    return f'<script type="application/json" id="{element_id}">{text}</script>'


@cache
def _favicon(inline: bool) -> str:
    """The app's icon: linked on the served map, inlined in the self-contained report."""
    if not inline:
        return '<link rel="icon" type="image/svg+xml" href="/static/favicon.svg">'
    svg = (vendor_dir().parent / "favicon.svg").read_text("utf-8").strip()
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    return f'<link rel="icon" type="image/svg+xml" href="{uri}">'


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


class _Raw(Element):
    """Markup placed in the page as it is. branca's ``Element(text)`` compiles its text as
    a Jinja template: the seizures' own words (a place called ``{{ ... }}``) would run as
    template code, and 10 MB of map data would go through Jinja's lexer at every build."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


class _Script(MacroElement):
    """Raw page code placed after folium has created the map."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}")

    def __init__(self, code: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.code = code


_ASSETS = Path(__file__).parent / "assets"
_PAGE_CSS = (_ASSETS / "map.css").read_text(encoding="utf-8")
# Embedded in a dashboard panel: the map, and one line under it.
_COMPACT_CSS = """
body { grid-template-columns: minmax(0, 1fr); grid-template-rows: minmax(0, 1fr) auto;
  grid-template-areas: "map" "side"; }
.opcoord-strip { grid-area: side; padding: 3px 8px; font-size: 12px; background: #fbfcfd;
  border-top: 1px solid #c8d2dc; }
.opcoord-strip .opcoord-nocoords-line { margin: 0; }
"""
# The page script, a file of its own so that it reads (and lints) as JavaScript.
# JSON.parse of <script type="application/json"> tags is much faster than a 10 MB
# JavaScript literal. Popups are built when opened, not for every point.
_MAP_JS = (_ASSETS / "map.js").read_text(encoding="utf-8")
