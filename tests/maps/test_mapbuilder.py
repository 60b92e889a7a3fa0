"""The seizure map builder: data, escaping, aggregates and offline assets."""

import datetime
import json
import math
import re
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from browsing import wait_js
from opcoord.maps.builder import (
    CATEGORY_COLOURS,
    CHOROPLETH_COLOURS,
    JS_ASSETS,
    SeizurePoint,
    build_map,
    vendor_dir,
)
from opcoord.maps.outlines import country_centroid, country_names

DAY = datetime.date(2024, 6, 3)
EVIL = '<img src=x onerror="alert(1)">&'


def point(**changes: Any) -> SeizurePoint:
    base = SeizurePoint(
        ref="ES-2024-0001", category="coins", quantity=12, place_type="airport",
        place_name="Madrid-Barajas", day=DAY, country="ES", conveyance="air_passenger",
        origin_country="TR", destination_country="ES", lat=40.4722, lon=-3.5608,
        description="Roman denarii in hand luggage",
    )  # fmt: skip
    return replace(base, **changes)


def page_data(page: str, element_id: str = "opcoord-data") -> Any:
    pattern = rf'<script type="application/json" id="{element_id}">(.*?)</script>'
    match = re.search(pattern, page, re.S)
    assert match, element_id
    return json.loads(match.group(1))


def decoded_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    names = ["lat", "lon", "category", "quantity", "place_type", "place_name", "day",
             "country", "conveyance", "origin_country", "destination_country", "ref",
             "description"]  # fmt: skip
    strings = data["strings"]
    out = []
    for row in data["rows"]:
        full = row + [None] * (len(names) - len(row))
        values = dict(zip(names, full, strict=True))
        for n in names:
            if n not in ("lat", "lon", "quantity") and values[n] is not None:
                values[n] = strings[values[n]]
        out.append(values)
    return out


def test_markers_have_their_category_colour() -> None:
    categories = list(CATEGORY_COLOURS)
    assert len(categories) == 13 and len(set(CATEGORY_COLOURS.values())) == 13
    points = [point(category=c, lat=10.0 + i, lon=20.0 + i) for i, c in enumerate(categories)]
    page = build_map(points, objects_by_country={})
    data = page_data(page)
    rows = decoded_rows(data)
    assert [(r["category"], r["lat"], r["lon"]) for r in rows] == [
        (c, 10.0 + i, 20.0 + i) for i, c in enumerate(categories)
    ]
    assert data["colours"] == CATEGORY_COLOURS
    key = re.search(r'<ul class="opcoord-key" id="opcoord-categories">.*?</ul>', page, re.S)
    assert key
    for category, colour in CATEGORY_COLOURS.items():
        assert re.search(
            rf'<li data-category="{category}"><i class="sw dot" style="background:{colour}"'
            rf'[^>]*></i><span class="lbl">[^<]+</span> <span class="n">1</span></li>',
            key.group(0),
        ), category
    assert "Historical weapons" in key.group(0) and ">weapons<" not in key.group(0)


def test_the_key_lists_categories_by_count_and_keeps_empty_ones_hidden() -> None:
    points = [point(category="coins")] + [point(category="weapons")] * 3
    key = re.search(r'id="opcoord-categories">(.*?)</ul>', build_map(points, objects_by_country={}))
    assert key
    order = re.findall(r'data-category="(\w+)"', key.group(1))
    assert order[:2] == ["weapons", "coins"] and len(order) == 13
    assert '<li data-category="paintings" hidden>' in key.group(1)


def test_one_layer_shows_by_default_and_the_others_are_switches() -> None:
    page = build_map([point()], objects_by_country={"ES": 12})
    boxes = dict(re.findall(r'<input type="checkbox" data-layer="(\w+)"( checked)?>', page))
    assert boxes == {"markers": " checked", "choropleth": "", "routes": "", "heat": ""}
    for name in ("choropleth", "routes", "heat"):
        assert f'id="opcoord-key-{name}" hidden>' in page
    # The key sits beside the map, in the page's grid, not in a Leaflet control over it.
    assert '<aside id="opcoord-panel" class="opcoord-panel"' in page
    assert "L.control(" not in page and "L.control.layers" not in page


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("fr", ["Couches", "Objets saisis, par pays déclarant",
                "Itinéraires (origine → destination)", "Pièces de monnaie (numismatique)",
                "1 saisie sans coordonnées"]),
        ("ru", ["Слои", "Изъятые предметы по сообщившим странам", "Маршруты (происхождение",
                "Монеты", "1 изъятие без координат"]),
    ],
)  # fmt: skip
def test_every_word_is_in_the_readers_language(lang: str, words: list[str]) -> None:
    points = [point(), point(lat=None, lon=None, place_type="auction_house")]
    page = build_map(points, objects_by_country={"ES": 12000}, lang=lang, title="PANDORA")
    aside = re.search(r"<aside .*?</aside>", page, re.S)
    assert aside
    for word in words:
        assert word in aside.group(0), word
    for english in ("Layers", "Objects seized, by reporting country", "without coordinates"):
        assert english not in aside.group(0), english
    data = page_data(page)
    assert data["locale"] == lang
    assert data["words"]["place_type"]["auction_house"] not in ("auction_house", "auction house")
    assert data["days"]["2024-06-03"] == {"fr": "3 juin 2024", "ru": "3 июн. 2024\u202fг."}[lang]
    assert data["countries"]["TR"] == {"fr": "Turquie", "ru": "Турция"}[lang]
    assert data["choropleth"]["ES"]["label"] == {
        "fr": "Espagne : 12\u202f000 objets",
        "ru": "Испания: 12\u00a0000 предметов",
    }[lang].replace("Espagne :", "Espagne:")


def test_popup_data_is_carried_and_user_text_cannot_inject_html() -> None:
    page = build_map([point(place_name=EVIL, description=EVIL, ref="</script><b>")],
                     objects_by_country={}, title=EVIL)  # fmt: skip
    (row,) = decoded_rows(page_data(page))
    assert row == {
        "lat": 40.4722, "lon": -3.5608, "category": "coins", "quantity": 12,
        "place_type": "airport", "place_name": EVIL, "day": "2024-06-03", "country": "ES",
        "conveyance": "air_passenger", "origin_country": "TR", "destination_country": "ES",
        "ref": "</script><b>", "description": EVIL,
    }  # fmt: skip
    assert "<img" not in page and "</script><b>" not in page
    assert "<title>&lt;img src=x" in page
    # the popup itself is built in the browser by esc()-ing every value
    assert 'rows.push("<tr><th>" + esc(name) + "</th><td>" + esc(value)' in page


def test_user_text_that_looks_like_a_template_stays_text() -> None:
    words = "{{ 7 * 7 }} {% if true %}x{% endif %}"
    page = build_map([point(place_name=words, description="{{ self.__init__ }}")],
                     objects_by_country={}, title=words)  # fmt: skip
    (row,) = decoded_rows(page_data(page))
    assert row["place_name"] == words and row["description"] == "{{ self.__init__ }}"
    assert "49" not in page_data(page)["strings"]


def test_routes_are_aggregated_per_pair_and_weighted_by_objects() -> None:
    points = [
        point(origin_country="TR", destination_country="FR", quantity=10),
        point(origin_country="TR", destination_country="FR", quantity=30, lat=None, lon=None),
        point(origin_country="IQ", destination_country="DE", quantity=10),
        point(origin_country="ES", destination_country="ES"),  # domestic: no line
        point(origin_country=None, destination_country="DE"),
        point(origin_country="ZZ", destination_country="DE"),  # unknown code: no line
    ]
    routes = page_data(build_map(points, objects_by_country={}))["routes"]
    assert len(routes) == 2
    (tr_fr, iq_de) = routes
    tr, fr, iq, de = (country_centroid(cc) for cc in ("TR", "FR", "IQ", "DE"))
    assert tr and fr and iq and de
    assert tr_fr == [
        *tr,
        *fr,
        10.0,
        40,
        2,
        "TR",
        "FR",
        "Türkiye → France: 40 objects in 2 seizures",
    ]
    assert iq_de[:4] == [*iq, *de]
    assert iq_de[4] == pytest.approx(1.5 + 8.5 * math.sqrt(10 / 40), abs=0.051)
    assert iq_de[5:9] == [10, 1, "IQ", "DE"]


def test_only_the_largest_routes_draw_until_asked_and_the_key_says_so() -> None:
    from opcoord.maps.builder import ROUTES_SHOWN

    origins = ["TR", "IQ", "SY", "EG", "LB", "IR", "PE", "MX", "CN", "JP", "IN", "BR", "AR", "CL"]
    points = [point(origin_country=o, destination_country="FR", quantity=100 - i)
              for i, o in enumerate(origins)]  # fmt: skip
    page = build_map(points, objects_by_country={})
    data = page_data(page)
    assert len(data["routes"]) == len(origins) > ROUTES_SHOWN == data["routesShown"]
    assert [r[5] for r in data["routes"]] == sorted((r[5] for r in data["routes"]), reverse=True)
    assert f"The {ROUTES_SHOWN} largest of {len(origins)} routes" in page
    assert f'data-routes="all"> Show all {len(origins)} routes' in page
    assert "Türkiye → France" in page  # the largest, listed in the key


def test_choropleth_has_objects_per_reporting_country() -> None:
    objects = {"FR": 1000, "DE": 5, "it": 0, "es": 120, "GR": 40}
    page = build_map([], objects_by_country=objects)
    choro = page_data(page)["choropleth"]
    assert {cc: v["objects"] for cc, v in choro.items()} == {
        "FR": 1000, "DE": 5, "ES": 120, "GR": 40,
    }  # fmt: skip
    assert choro["FR"]["colour"] == CHOROPLETH_COLOURS[-1]
    ranked = sorted(choro.values(), key=lambda v: v["objects"])
    palette = list(CHOROPLETH_COLOURS)
    assert [palette.index(v["colour"]) for v in ranked] == sorted(
        palette.index(v["colour"]) for v in ranked
    )
    assert len({v["colour"] for v in ranked}) == 4
    features = page_data(page, "opcoord-countries")["features"]
    assert {"FR", "DE", "ES", "GR"} <= {f["id"] for f in features}


def test_seizures_without_coordinates_are_counted_visibly() -> None:
    points = [point(), point(lat=None, lon=None), point(lat=None), point(lon=None)]
    page = build_map(points, objects_by_country={})
    assert page_data(page)["noCoords"] == 3
    assert len(page_data(page)["rows"]) == 1
    assert '<span id="opcoord-nocoords">3 seizures without coordinates (not on the map)</span>' in (
        page
    )
    one = build_map([point(lat=None)], objects_by_country={}, lang="ru")
    assert '<span id="opcoord-nocoords">1 изъятие без координат (нет на карте)</span>' in one


def test_a_compact_map_has_no_panel_but_keeps_the_count() -> None:
    page = build_map([point(), point(lat=None)], objects_by_country={"ES": 1}, compact=True)
    assert "<aside" not in page and 'class="opcoord-strip"' in page
    assert "1 seizure without coordinates" in page


_LOADS = [
    r"""<script[^>]*\bsrc\s*=\s*["']?([^"'\s>]+)""",
    r"""<link[^>]*\bhref\s*=\s*["']?([^"'\s>]+)""",
    r"""<img[^>]*\bsrc\s*=\s*["']?([^"'\s>]+)""",
    r"""url\(\s*["']?([^"')]+)""",
    r"""@import\s+["']([^"']+)""",
    r"""L\.tileLayer\(\s*["']([^"']+)""",
]


def loaded_urls(page: str) -> list[str]:
    return [m for pattern in _LOADS for m in re.findall(pattern, page, re.I)]


@pytest.mark.parametrize("inline", [False, True])
def test_page_loads_nothing_from_outside(inline: bool) -> None:
    page = build_map([point(), point(lat=None)], objects_by_country={"ES": 12},
                     inline_assets=inline, title="PANDORA IX")  # fmt: skip
    urls = loaded_urls(page)
    external = [u for u in urls if re.match(r"(https?:)?//", u.strip(), re.I)]
    assert external == []
    if inline:
        assert not re.search(r"<script[^>]*\bsrc=|<link[^>]*stylesheet", page)
        styles = "".join(re.findall(r"<style>(.*?)</style>", page, re.S))
        css_urls = re.findall(r"""url\(\s*["']?([^"')]+)""", styles)
        assert css_urls and all(u.startswith(("data:", "#")) for u in css_urls), css_urls
    else:
        assets = [u for u in urls if u.startswith("/static/vendor/")]
        assert len(assets) == 6
        for url in assets:
            assert (vendor_dir() / url.removeprefix("/static/vendor/")).is_file()


def test_the_url_check_catches_folium_defaults() -> None:
    import folium

    page = folium.Map().get_root().render()
    assert any(u.startswith("https://") for u in loaded_urls(page))


def test_asset_base_and_tile_url_are_used() -> None:
    page = build_map([point()], objects_by_country={}, asset_base="/assets/v1/",
                     tile_url="/tiles/{z}/{x}/{y}.png")  # fmt: skip
    assert '<script src="/assets/v1/leaflet/leaflet.js"></script>' in page
    assert re.search(r'L\.tileLayer\(\s*"/tiles/\{z\}/\{x\}/\{y\}\.png"', page)
    assert page_data(page)["tiles"] is True


def test_inline_mode_contains_the_vendored_code() -> None:
    page = build_map([point()], objects_by_country={}, inline_assets=True)
    for rel in JS_ASSETS:
        code = (vendor_dir() / rel).read_text("utf-8")
        assert code[-2000:].strip() in page
    assert "url(data:image/png;base64," in page  # leaflet's layer-control icon


def test_partner_points_leave_no_none_behind() -> None:
    points = [point(ref=None, description=None, conveyance=None, origin_country=None,
                    destination_country=None, place_name=None)]  # fmt: skip
    page = build_map(points, objects_by_country={"ES": 12})
    data = page_data(page)
    assert len(data["rows"][0]) == 8  # trailing absent fields are dropped
    assert "None" not in page and "ES-2024" not in page
    assert data["routes"] == []


def test_country_centroids_and_outlines() -> None:
    assert country_centroid("fr") == (46.0, 2.0)
    assert country_centroid("ZZ") is None
    for cc in ("HU", "RS", "ME", "MM", "XK", "MT", "SG"):  # missing in countryinfo's polygons
        assert country_centroid(cc) is not None
        assert cc in country_names()


browser = pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="no chromium")


@pytest.mark.browser
@browser
def test_offline_page_works_in_chromium(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    points = [point(place_name=EVIL), point(ref=None, description=None, conveyance=None,
              lat=41.0, lon=2.0), point(lat=None)]  # fmt: skip
    path = tmp_path / "map.html"
    path.write_text(build_map(points, objects_by_country={"ES": 13}, inline_assets=True))
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--disable-sync"]  # fmt: skip
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=shutil.which("chromium"), args=args)
        page = chromium.new_page()
        requests: list[str] = []
        errors: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(path.as_uri())
        wait_js(page, "window.opcoordMap !== undefined")
        popups = page.evaluate(
            "opcoordMap.markers.getLayers().map(m => opcoordMap.popupHtml(m.seizure))"
        )
        added = page.evaluate("""[
            opcoordMap.addSeizure({category: "weapons", quantity: 2, place_type: "seaport",
              day: "2024-06-04", country: "GR", lat: 37.94, lon: 23.64}) !== null,
            opcoordMap.addSeizure({category: "coins", quantity: 1, place_type: "inland",
              day: "2024-06-04", country: "GR", lat: null, lon: null}) === null,
            opcoordMap.markers.getLayers().length,
            document.getElementById("opcoord-nocoords").textContent]""")
        chromium.close()
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
    assert errors == []
    assert len(popups) == 2
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;" in popups[0]
    assert "<img" not in popups[0] and "ES-2024-0001" in popups[0]
    assert "Roman denarii" in popups[0] and "Türkiye \u2192 Spain" in popups[0]
    assert "<td>Coins (numismatics)</td>" in popups[0] and "<td>Air passenger</td>" in popups[0]
    for absent in ("None", "null", "undefined", "Reference", "Description", "Conveyance"):
        assert absent not in popups[1]
    assert added == [True, True, 3, "2 seizures without coordinates (not on the map)"]


def test_the_map_carries_the_apps_icon() -> None:
    served = build_map([point()], objects_by_country={})
    assert '<link rel="icon" type="image/svg+xml" href="/static/favicon.svg">' in served
    inline = build_map([point()], objects_by_country={}, inline_assets=True)
    assert '<link rel="icon" type="image/svg+xml" href="data:image/svg+xml;base64,' in inline
