"""The live dashboard in a real browser: Debian's Chromium driven by Playwright, against a
real `opcoord serve`, with the network closed to everything but the app.

A coordinator signs in through the form, opens the dashboard, and watches a return
submitted through the API change the totals, the feed, the completeness table and the
map without a reload. A contact point sees the same page without the map.
Screenshots go to artifacts/screenshots/.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
from websockets.sync.client import connect

from browsing import MARKS, SHOTS, Offline, wait_js
from serving import opcoord_server

from conftest import seizure

ADMIN_TOKEN = "browser-test-admin-token-0123456789"
PASSWORD = "correct horse battery"
CODE = "PANDORA-LIVE"
WAIT_MS = 15_000

pytestmark = MARKS


@dataclass
class Server:
    base: str
    today: date
    ncp: dict[str, str] = field(default_factory=dict)

    def api(self, method: str, path: str, token: str = ADMIN_TOKEN, **kw: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"}
        r = httpx.request(method, f"{self.base}{path}", headers=headers, timeout=30, **kw)
        assert r.status_code < 400, f"{method} {path}: {r.status_code} {r.text}"
        return r

    def put_return(self, country: str, day: date, body: dict[str, Any]) -> httpx.Response:
        path = f"/api/operations/{CODE}/returns/{country}/{day.isoformat()}"
        return self.api("PUT", path, json=body)

    def totals(self) -> dict[str, Any]:
        return dict(self.api("GET", f"/api/operations/{CODE}/summary").json()["totals"])


def _seed(server: Server) -> None:
    """An operation mid-window with a few days of returns, as a coordinator would find it."""
    today = server.today
    server.api("POST", "/api/operations", json={
        "code": CODE, "name": "Operation Pandora Live", "lead": "Guardia Civil",
        "partners": ["Europol", "INTERPOL", "WCO"],
        "starts_on": (today - timedelta(days=6)).isoformat(),
        "ends_on": (today + timedelta(days=7)).isoformat(),
        "timezone": "UTC", "daily_cutoff": "23:59",
    })  # fmt: skip
    for cc in ("ES", "FR", "IT", "GR", "DE", "NL", "PT"):
        server.api("POST", f"/api/operations/{CODE}/participants",
                   json={"country": cc, "agencies": ["customs", "police"]})  # fmt: skip
    made = server.api("POST", "/api/users", json={"username": "maria", "role": "ncp",
                                                   "country": "ES"})  # fmt: skip
    server.ncp = {"username": "maria", "token": made.json()["token"]}
    for user in ("admin", "maria"):
        server.api("PUT", f"/api/users/{user}/password", json={"password": PASSWORD})
    day = today - timedelta(days=1)
    server.put_return("ES", day - timedelta(days=1), {
        "counters": {"arrests": 2, "investigations_criminal": 3},
        "seizures": [seizure("ES-0001", 91, "coins", lat=40.47, lon=-3.56, place_name="Madrid",
                              origin_country="IT", destination_country="CH",
                              estimated_value=500000, currency="EUR")],
    })  # fmt: skip
    server.put_return("FR", day, {"counters": {"investigations_administrative": 1},
        "seizures": [seizure("FR-0001", 12, "archaeological", lat=43.3, lon=5.37,
                              place_type="seaport", place_name="Marseille"),
                     seizure("FR-0002", 3, "paintings", place_type="online", online=True,
                              estimated_value=12000.5, currency="EUR")]})  # fmt: skip
    server.put_return("IT", day, {"seizures": [
        seizure("IT-0001", 40, "ceramics", lat=41.8, lon=12.25, place_name="Roma Fiumicino",
                 estimated_value=8000, currency="USD")]})  # fmt: skip
    server.put_return("GR", day, {"nil_return": True})
    server.put_return(
        "NL",
        day - timedelta(days=2),
        {
            "seizures": [
                seizure(
                    "NL-0001", 7, category="religious", lat=52.31, lon=4.76, place_name="Schiphol"
                )
            ]
        },
    )
    server.put_return("PT", today, {"nil_return": True})


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("browser")
    env = {
        "OPCOORD_DATABASE_URL": f"sqlite:///{tmp}/opcoord.db",
        "OPCOORD_ADMIN_TOKEN": ADMIN_TOKEN,
    }
    with opcoord_server(env, tmp / "server.log") as base:
        server = Server(base, datetime.now(UTC).date())
        _seed(server)
        yield server


def _sign_in(page: Any, server: Server, username: str) -> None:
    page.goto(f"{server.base}/operations/{CODE}/dashboard")
    assert "/signin" in page.url  # the page asks for a password, then comes back
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/operations/{CODE}/dashboard")


def _fmt(n: int) -> str:
    return f"{n:,}"


def _fresh_snapshot(server: Server, token: str) -> dict[str, Any]:
    # Synchronous client: Playwright's sync API already runs an event loop in this thread.
    url = server.base.replace("http://", "ws://") + f"/api/operations/{CODE}/live"
    with connect(url, proxy=None) as ws:
        ws.send(json.dumps({"type": "auth", "token": token}))
        return dict(json.loads(ws.recv(timeout=10)))


def _comparable(snap: dict[str, Any]) -> str:
    kept = {k: v for k, v in snap.items() if k not in ("at", "recent", "type")}
    return json.dumps(kept, sort_keys=True)


def _marker_count(frame: Any) -> int:
    return int(frame.evaluate("window.opcoordMap.markers.getLayers().length"))


def test_coordinator_watches_a_return_arrive_without_reload(server: Server, browser: Any) -> None:
    from playwright.sync_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    offline = Offline(page)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _sign_in(page, server, "admin")
    expect(page.locator("#conn-text")).to_have_text("Live", timeout=WAIT_MS)

    before = server.totals()
    tile = page.locator(".tiles [data-total=objects_seized]")
    expect(tile).to_have_text(_fmt(before["objects_seized"]))
    expect(page.locator(".tiles [data-total=seizures]")).to_have_text(_fmt(before["seizures"]))
    expect(page.locator(".tiles [data-total=arrests]")).to_have_text(_fmt(before["arrests"]))
    investigations = before["investigations_criminal"] + before["investigations_administrative"]
    expect(page.locator(".tiles [data-total=investigations]")).to_have_text(_fmt(investigations))
    expect(page.locator(".tiles [data-total=countries_reported]")).to_have_text(
        _fmt(before["countries_reported"])
    )
    expect(page.locator("#values")).to_contain_text("512,000.50")
    # The cut-off is 23:59 the next day: yesterday is the day being collected, and ES has
    # not sent it yet; the day before yesterday is the last one due (sent late).
    yesterday = server.today - timedelta(days=1)
    es_collecting = page.locator("#compl-body tr[data-country=ES] td[data-col=collecting] .lbl")
    expect(es_collecting).to_have_text("Being collected")
    expect(page.locator("#today-head")).to_contain_text("Being collected")
    es_last = page.locator("#compl-body tr[data-country=ES] td[data-col=last_due] .lbl")
    expect(es_last).to_have_text("Late")  # seeded today, after its cut-off

    map_frame = page.frame_locator("#mapframe")
    expect(map_frame.locator(".leaflet-container")).to_be_visible(timeout=WAIT_MS)
    frame = page.frame(url=lambda u: "/map/frame" in u)
    assert frame is not None
    wait_js(frame, "window.opcoordMap && window.opcoordMap.loaded", timeout=WAIT_MS)
    markers_before = _marker_count(frame)
    assert markers_before == 4  # the seeded seizures with coordinates
    page.wait_for_timeout(500)
    page.screenshot(path=str(SHOTS / "dashboard-coordinator-1366.png"))

    # A contact point's return arrives through the API, not through this page.
    server.put_return("ES", yesterday, {
        "counters": {"arrests": 1},
        "seizures": [
            seizure("ES-0100", 9, "coins", lat=36.68, lon=-4.5, place_name="Málaga",
                     origin_country="ES", destination_country="GB"),
            seizure("ES-0101", 5, "manuscripts", lat=41.3, lon=2.08, place_name="Barcelona",
                     place_type="postal_centre", conveyance="postal"),
        ],
    })  # fmt: skip
    expect(tile).to_have_text(_fmt(before["objects_seized"] + 14), timeout=WAIT_MS)
    expect(page.locator(".tiles [data-total=arrests]")).to_have_text(_fmt(before["arrests"] + 1))
    newest = page.locator("#feed > li").first
    expect(newest).to_contain_text("ES submitted its return for")
    expect(newest).to_contain_text("2 seizures, 14 objects")
    expect(newest).to_contain_text("ref ES-0100")
    expect(es_collecting).to_have_text("Submitted")
    wait_js(
        frame,
        f"window.opcoordMap.markers.getLayers().length === {markers_before + 2}",
        timeout=WAIT_MS,
    )
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1  # no reload

    # What the page holds equals what a fresh snapshot says (the JS mirror of apply_event).
    held = page.evaluate("JSON.stringify(window.opcoordDashboard.state())")
    assert _comparable(json.loads(held)) == _comparable(_fresh_snapshot(server, ADMIN_TOKEN))

    # The table (the board opens first) sorts from the keyboard, and says so to assistive
    # technology.
    page.click(".compl-views button[data-view=table]")
    missing = page.locator("#compl thead th[data-key=missing]")
    missing.locator("button").focus()
    page.keyboard.press("Enter")
    expect(missing).to_have_attribute("aria-sort", "descending")
    expect(page.locator("#compl thead th[data-key=country]")).to_have_attribute("aria-sort", "none")
    assert page.locator("#compl-body tr").first.get_attribute("data-country") == "DE"

    page.wait_for_timeout(600)
    page.screenshot(path=str(SHOTS / "dashboard-coordinator-1366-after.png"))
    page.screenshot(path=str(SHOTS / "dashboard-coordinator-1366-full.png"), full_page=True)
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.wait_for_timeout(3000)  # let the highlights fade
    page.screenshot(path=str(SHOTS / "dashboard-coordinator-1920.png"))
    assert offline.attempted == []
    assert errors == []
    context.close()


def test_contact_point_sees_the_dashboard_without_the_map(server: Server, browser: Any) -> None:
    from playwright.sync_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    offline = Offline(page)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _sign_in(page, server, "maria")
    expect(page.locator("#conn-text")).to_have_text("Live", timeout=WAIT_MS)
    totals = server.totals()
    expect(page.locator(".tiles [data-total=objects_seized]")).to_have_text(
        _fmt(totals["objects_seized"])
    )
    assert page.locator("iframe").count() == 0
    assert page.get_by_role("link", name="Full map").count() == 0
    rows = page.locator("#compl-body tr")
    expect(rows).to_have_count(1)
    assert rows.first.get_attribute("data-country") == "ES"

    # Another country's return: the totals move, its detail stays hidden.
    server.put_return("IT", server.today, {"seizures": [seizure("IT-0100", 6, "fossils")]})
    expect(page.locator(".tiles [data-total=objects_seized]")).to_have_text(
        _fmt(totals["objects_seized"] + 6), timeout=WAIT_MS
    )
    newest = page.locator("#feed > li").first
    expect(newest).to_contain_text("Another country submitted a return for")
    expect(page.locator("#feed")).not_to_contain_text("IT-0100")
    page.wait_for_timeout(3000)
    page.screenshot(path=str(SHOTS / "dashboard-ncp-1366.png"))
    assert offline.attempted == []
    assert errors == []
    context.close()


def test_french_reader_sees_the_dashboard_in_french(server: Server, browser: Any) -> None:
    from playwright.sync_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    host = urlparse(server.base).hostname
    context.add_cookies([{"name": "opcoord_lang", "value": "fr", "domain": host, "path": "/"}])
    page = context.new_page()
    offline = Offline(page)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _sign_in(page, server, "admin")
    assert page.locator("html").get_attribute("lang") == "fr"
    expect(page.locator("#conn-text")).to_have_text("En direct", timeout=WAIT_MS)
    expect(page.locator("#feed-title")).to_have_text("Activité en direct")
    expect(page.locator("#timeline-title")).to_have_text("Objets saisis par jour")
    expect(page.locator("#cats-title")).to_have_text("Objets par catégorie")
    expect(page.locator(".tile-main h3")).to_have_text("Objets saisis")

    # Numbers grouped the French way (narrow no-break space), decimals with a comma.
    total = server.totals()["objects_seized"]
    grouped = page.evaluate("(n) => new Intl.NumberFormat('fr').format(n)", total)
    expect(page.locator(".tiles [data-total=objects_seized]")).to_have_text(grouped)
    expect(page.locator("#values")).to_contain_text("512\u202f000,50")

    # A return arriving live is told in French, with the day in French.
    day = server.today - timedelta(days=3)  # DE has sent nothing yet
    server.put_return("DE", day, {"seizures": [seizure("DE-0100", 3, "coins"),
                                               seizure("DE-0101", 2, "paintings")]})  # fmt: skip
    newest = page.locator("#feed > li").first
    month = page.evaluate(
        "(iso) => new Intl.DateTimeFormat('fr', {timeZone: 'UTC', day: 'numeric', "
        "month: 'long'}).format(new Date(iso + 'T00:00:00Z'))",
        day.isoformat(),
    )
    expect(newest).to_contain_text(f"DE a transmis son rapport du {month}", timeout=WAIT_MS)
    expect(newest).to_contain_text("2 saisies, 5 objets")
    expect(newest).to_contain_text("réf. DE-0100")
    expect(page.locator("#compl-body tr[data-country=ES] .cname")).to_have_text("Espagne")
    page.wait_for_timeout(600)
    page.screenshot(path=str(SHOTS / "dashboard-coordinator-fr-1366.png"))
    assert offline.attempted == []
    assert errors == []
    context.close()
