"""The map as a coordinator reads it, in a real browser, in English, French and Russian.

One layer when the page opens (seizures grouped into rings coloured by category), the
others one click away; a key beside the map that never covers a seizure (Türkiye,
Cyprus and Egypt were hidden under the old one); every word in the reader's language
and numbers and dates in its locale; nothing wider than a phone at 390 px.
"""

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from browsing import MARKS, SHOTS, Offline, wait_js
from opcoord.i18n import Lang
from pagesite import CODE, WAIT_MS, Site, served_site

pytestmark = MARKS

WORDS = {
    "en": {
        "layers": ["Seizures, grouped where they are close", "Objects seized, by reporting country",
                   "Routes (origin → destination)", "Heat: where most objects were seized"],
        "title": f"Seizures · {CODE}",
        "nocoords": "1 seizure without coordinates (not on the map)",
        "archaeological": "Archaeological objects",
        "popup": ["Reference", "Category", "Quantity", "Place", "Date", "Reporting country",
                  "Coins (numismatics)", "Auction house, gallery or dealer", "Madrid",
                  "Italy → Switzerland"],
        "route": "Egypt → France: 302 objects in 2 seizures",
        "seizures": "seizures",
    },
    "fr": {
        "layers": ["Saisies, regroupées quand elles sont proches",
                   "Objets saisis, par pays déclarant", "Itinéraires (origine → destination)",
                   "Chaleur : où le plus d'objets ont été saisis"],
        "title": f"Saisies · {CODE}",
        "nocoords": "1 saisie sans coordonnées (absente de la carte)",
        "archaeological": "Objets archéologiques",
        "popup": ["Référence", "Catégorie", "Quantité", "Lieu", "Date", "Pays déclarant",
                  "Pièces de monnaie (numismatique)", "Maison de vente, galerie ou marchand",
                  "Type de lieu", "Italie → Suisse"],
        "route": "Égypte → France : 302 objets en 2 saisies",
        "seizures": "saisies",
    },
    "ru": {
        "layers": ["Изъятия, сгруппированные по близости", "Изъятые предметы по сообщившим странам",
                   "Маршруты (происхождение → назначение)",
                   "Тепловая карта: где изъято больше всего предметов"],
        "title": f"Изъятия · {CODE}",
        "nocoords": "1 изъятие без координат (нет на карте)",
        "archaeological": "Археологические предметы",
        "popup": ["Номер", "Категория", "Количество", "Место", "Дата", "Отчитывающаяся страна",
                  "Монеты (нумизматика)", "Италия → Швейцария"],
        "route": "Египет → Франция",
        "seizures": "изъят",
    },
}  # fmt: skip
CATEGORY_COLOURS = {"#a6611a", "#e6ab02", "#1f78b4", "#e31a1c", "#ff7f00", "#222222"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with served_site(tmp_path_factory.mktemp("map-browser")) as served:
        yield served


def _open_map(site: Site, browser: Any, lang: str, width: int, height: int) -> tuple[Any, Any]:
    context = site.context(browser, lang, width, height)
    page = context.new_page()
    site.sign_in(page, "admin", f"/operations/{CODE}/map")
    return page, _map_frame(page)


def _map_frame(page: Any) -> Any:
    for _ in range(WAIT_MS // 100):
        frame = page.frame(url=lambda u: "/map/frame" in u)
        if frame is not None:
            wait_js(frame, "window.opcoordMap && opcoordMap.loaded", timeout=WAIT_MS)
            return frame
        page.wait_for_timeout(100)
    raise AssertionError("the map frame did not load")


def _visible_text(frame: Any, selector: str) -> list[str]:
    return [t.strip() for t in frame.locator(selector).all_inner_texts()]


@pytest.mark.parametrize("lang", ["en", "fr", "ru"])
def test_the_coordinator_reads_the_map_in_their_language(
    site: Site, browser: Any, lang: str
) -> None:
    words = WORDS[lang]
    page, frame = _open_map(site, browser, lang, 1440, 900)
    offline = Offline(page)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.reload()
    frame = _map_frame(page)

    # One layer when the page opens: the seizures, grouped; the others are switches.
    on = frame.evaluate(
        "Object.keys(opcoordMap.layers).filter(k => opcoordMap.map.hasLayer(opcoordMap.layers[k]))"
    )
    assert on == ["markers"]
    assert _visible_text(frame, ".opcoord-layer > label") == words["layers"]
    assert frame.locator(".opcoord-title").inner_text() == words["title"]
    assert frame.locator("#opcoord-nocoords").inner_text() == words["nocoords"]

    # The key lists what is on the map, in the reader's words, and covers none of it.
    key = frame.locator("#opcoord-categories li:visible")
    assert key.count() == 6  # the categories seized; the others wait, hidden, for live ones
    assert key.first.locator(".lbl").inner_text() == words["archaeological"]  # most seizures
    assert key.first.locator(".n").inner_text() == "2"
    panel = frame.locator("#opcoord-panel").bounding_box()
    box = frame.locator(".folium-map").bounding_box()
    assert panel["x"] >= box["x"] + box["width"] - 1  # beside the map, not over it
    placed = frame.evaluate("""() => {
        const m = opcoordMap.map, size = m.getSize();
        return opcoordMap.markers.getLayers().map(l => {
          const p = m.latLngToContainerPoint(l.getLatLng());
          return [l.seizure.country, p.x >= 0 && p.y >= 0 && p.x <= size.x && p.y <= size.y];
        });
    }""")
    assert {cc for cc, inside in placed if inside} == {"ES", "IT", "TR", "CY", "EG", "FR"}

    # Groups are rings of category colours, titled in the reader's language.
    frame.evaluate("() => { opcoordMap.map.setZoom(3); }")
    frame.wait_for_selector(".opcoord-pie svg")
    fills = set(frame.eval_on_selector_all(
        ".opcoord-pie svg path, .opcoord-pie svg circle[fill^='#']",
        "els => els.map(e => e.getAttribute('fill')).filter(f => f !== '#fff')"))  # fmt: skip
    assert fills and fills <= CATEGORY_COLOURS
    titles = frame.eval_on_selector_all(
        ".opcoord-pie svg title", "els => els.map(e => e.textContent)"
    )
    assert titles and all(words["seizures"] in t for t in titles), titles

    # A popup in the reader's words: labels, vocabulary, country names, the date.
    popup = frame.evaluate("""() => {
        const m = opcoordMap.markers.getLayers().find(l => l.seizure.ref === "ES-0001");
        return opcoordMap.popupHtml(m.seizure);
    }""")
    for expected in words["popup"]:
        assert expected.replace("'", "&#39;") in popup, (expected, popup)
    assert "auction_house" not in popup and not re.search(r"\d{4}-\d\d-\d\d", popup)
    assert Lang(lang).date(site.today - timedelta(days=2)) in popup
    # A seizure arriving live is told the same way, its date formatted in the browser.
    live = frame.evaluate(
        """(iso) => opcoordMap.popupHtml({ref: "X-1", category: "coins",
        quantity: 1200, place_type: "seaport", day: iso, country: "GR"})""",
        site.today.isoformat(),
    )
    assert Lang(lang).date(site.today) in live and Lang(lang).number(1200) in live, live

    # Routes: one click, drawn as arrows, their key and tooltips in the reader's words.
    frame.click("input[data-layer=routes]")
    assert frame.evaluate("opcoordMap.map.hasLayer(opcoordMap.routes)")
    assert frame.locator("#opcoord-key-routes").is_visible()
    assert frame.locator(".opcoord-arrow").count() == 5  # one per origin -> destination
    tips = frame.evaluate(
        "opcoordMap.routes.getLayers().filter(l => l.getTooltip).map(l => l.getTooltip() && "
        "l.getTooltip().getContent()).filter(Boolean)"
    )
    assert any(words["route"] in t for t in tips), tips
    frame.click("input[data-layer=choropleth]")
    assert frame.locator("#opcoord-key-choropleth li").count() >= 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"map-coordinator-{lang}-1440.png"))
    assert offline.attempted == []
    assert errors == []
    page.context.close()


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_map_fits_a_phone(site: Site, browser: Any, lang: str) -> None:
    page, frame = _open_map(site, browser, lang, 390, 844)
    assert frame.evaluate("document.scrollingElement.scrollWidth") <= frame.evaluate(
        "window.innerWidth"
    )
    panel = frame.locator("#opcoord-panel").bounding_box()
    box = frame.locator(".folium-map").bounding_box()
    assert panel["y"] >= box["y"] + box["height"] - 1  # under the map on a narrow screen
    assert box["height"] >= 200
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"map-coordinator-{lang}-390.png"))
    page.context.close()


def test_the_dashboard_embeds_the_map_without_its_panel(site: Site, browser: Any) -> None:
    context = site.context(browser, "fr")
    page = context.new_page()
    site.sign_in(page, "admin", f"/operations/{CODE}/dashboard")
    frame = _map_frame(page)
    assert frame.locator("aside").count() == 0
    assert frame.locator(".opcoord-strip").inner_text() == WORDS["fr"]["nocoords"]
    context.close()


def test_screenshots_stay_out_of_the_repository() -> None:
    ignored = (Path(__file__).resolve().parents[2] / ".gitignore").read_text()
    assert "/artifacts/" in ignored.splitlines()
