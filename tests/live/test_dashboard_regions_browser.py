"""The dashboard's "By region" table in Chromium: a coordinator reads each region's
reporting and seizures, watches a return and a change of region move them without a
reload; a regional coordinator sees its own countries' regions only; an operation with
no regions has no table."""

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from websockets.sync.client import connect

from browsing import MARKS, SHOTS, Offline, wait_js
from pagesite import ADMIN_TOKEN, PASSWORD, WAIT_MS, Site, served_site
from pagesite import CODE as PLAIN

from conftest import seizure

pytestmark = MARKS
CODE = "PANDORA-REGIONS"
IBERIA, WEST = "Iberia", "Western Europe"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """ES and PT in Iberia, FR and DE in Western Europe, IT in none. The window opened
    six days ago and the cut-off is 23:59 the next day: five days are due per country,
    yesterday is being collected. ES seized 5 objects the day before yesterday (sent
    today: late), FR sent a nil return for it."""
    with served_site(tmp_path_factory.mktemp("regions")) as served:
        today = served.today
        served.api("POST", "/api/operations", json={
            "code": CODE, "name": "Operation by regions", "lead": "WCO",
            "starts_on": (today - timedelta(days=6)).isoformat(),
            "ends_on": (today + timedelta(days=7)).isoformat(),
            "timezone": "UTC", "daily_cutoff": "23:59",
        })  # fmt: skip
        for cc, region in (("ES", IBERIA), ("PT", IBERIA), ("FR", WEST), ("DE", WEST),
                           ("IT", None)):  # fmt: skip
            served.api("POST", f"/api/operations/{CODE}/participants",
                       json={"country": cc, "agencies": ["customs"], "region": region})  # fmt: skip
        rilo = {"username": "rilo", "role": "regional", "countries": ["ES", "PT"]}
        served.api("POST", "/api/users", json=rilo)
        served.api("PUT", "/api/users/rilo/password", json={"password": PASSWORD})
        before = today - timedelta(days=2)
        returns = f"/api/operations/{CODE}/returns"
        served.api("PUT", f"{returns}/ES/{before}",
                   json={"seizures": [seizure("ES-1", 5, "coins")]})  # fmt: skip
        served.api("PUT", f"{returns}/FR/{before}", json={"nil_return": True})
        yield served


def _open(site: Site, browser: Any, user: str, code: str = CODE, lang: str = "en") -> Any:
    context = site.context(browser, lang, 1440, 900)
    page = context.new_page()
    Offline(page)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors
    site.sign_in(page, user, f"/operations/{code}/dashboard")
    wait_js(page, "!!(window.opcoordDashboard && window.opcoordDashboard.state())", WAIT_MS)
    return page


def _rows(page: Any) -> dict[str, dict[str, str]]:
    """The table as a reader sees it: per region, its countries and each figure's text."""
    found: dict[str, dict[str, str]] = page.evaluate("""() => {
      const out = {};
      document.querySelectorAll("#regions-body tr").forEach((tr) => {
        const row = {countries: tr.querySelector(".rcountries").textContent};
        tr.querySelectorAll("td").forEach((td) => { row[td.dataset.key] = td.textContent; });
        out[tr.querySelector("th span").textContent] = row;
      });
      return out;
    }""")
    return found


def _row(countries: str, reporting: str, *figures: int) -> dict[str, str]:
    """A row: its countries, "n of m" reporting, then returns, missing, seizures, objects."""
    keys = ("returns", "missing", "seizures", "objects_seized")
    return {"countries": countries, "reporting": reporting} | {
        k: str(v) for k, v in zip(keys, figures, strict=True)
    }


def _fresh(site: Site, token: str) -> dict[str, Any]:
    url = site.base.replace("http://", "ws://") + f"/api/operations/{CODE}/live"
    with connect(url, proxy=None) as ws:
        ws.send(json.dumps({"type": "auth", "token": token}))
        return dict(json.loads(ws.recv(timeout=10)))


def _kept(snap: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in snap.items() if k not in ("at", "recent", "type")},
                      sort_keys=True)  # fmt: skip


def test_a_coordinator_reads_and_watches_the_figures_per_region(site: Site, browser: Any) -> None:
    from playwright.sync_api import expect

    page = _open(site, browser, "admin")
    panel = page.locator("#regions-panel")
    expect(panel).to_be_visible()
    expect(panel.locator("h2")).to_have_text("By region")
    assert _rows(page) == {
        IBERIA: _row("ES, PT", "1 of 2", 1, 9, 1, 5),
        WEST: _row("DE, FR", "1 of 2", 1, 9, 0, 0),
        "No region": _row("IT", "0 of 1", 0, 5, 0, 0),
    }
    # Below the reporting board: the countries' tiles keep the wall screen.
    board = page.locator("#compl-board, #compl-table").first.bounding_box()
    assert board and panel.bounding_box()["y"] >= board["y"] + board["height"]

    # PT sends the day being collected, with one seizure of 3 objects.
    yesterday = site.today - timedelta(days=1)
    site.api("PUT", f"/api/operations/{CODE}/returns/PT/{yesterday}",
             json={"seizures": [seizure("PT-1", 3, "coins")]})  # fmt: skip
    iberia = page.locator(f"#regions-body tr[data-region='{IBERIA}']")
    expect(iberia.locator("td[data-key=objects_seized]")).to_have_text("8", timeout=WAIT_MS)
    assert _rows(page)[IBERIA] == _row("ES, PT", "2 of 2", 2, 9, 2, 8)

    # A coordinator moves PT to Western Europe: the table follows without a reload.
    site.api("PATCH", f"/api/operations/{CODE}/participants/PT", json={"region": WEST})
    expect(iberia.locator(".rcountries")).to_have_text("ES", timeout=WAIT_MS)
    assert _rows(page) == {
        IBERIA: _row("ES", "1 of 1", 1, 4, 1, 5),
        WEST: _row("DE, FR, PT", "2 of 3", 2, 14, 1, 3),
        "No region": _row("IT", "0 of 1", 0, 5, 0, 0),
    }
    pt = page.locator("#compl-body tr[data-country=PT] .cregion")
    page.click(".compl-views button[data-view=table]")
    expect(pt).to_have_text(WEST)
    held = page.evaluate("window.opcoordDashboard.state()")
    assert _kept(held) == _kept(_fresh(site, ADMIN_TOKEN))
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "dashboard-regions-1440.png"), full_page=True)
    assert page.errors == []
    # Put PT back, for the other tests.
    site.api("PATCH", f"/api/operations/{CODE}/participants/PT", json={"region": IBERIA})
    page.context.close()


def test_a_regional_coordinator_sees_its_own_countries_regions_only(
    site: Site, browser: Any
) -> None:
    from playwright.sync_api import expect

    page = _open(site, browser, "rilo", lang="fr")
    expect(page.locator("#regions-panel h2")).to_have_text("Par région")
    rows = _rows(page)
    assert list(rows) == [IBERIA]
    assert rows[IBERIA]["countries"] == "ES, PT"
    assert rows[IBERIA]["reporting"] == "2 sur 2"
    # ES moved to a region of its own: the regional coordinator's table splits.
    site.api("PATCH", f"/api/operations/{CODE}/participants/ES", json={"region": "Southern"})
    expect(page.locator("#regions-body tr")).to_have_count(2, timeout=WAIT_MS)
    assert {r: v["countries"] for r, v in _rows(page).items()} == {IBERIA: "PT", "Southern": "ES"}
    # A change to a country outside its own reaches it as a number only: nothing moves.
    site.api("PATCH", f"/api/operations/{CODE}/participants/DE", json={"region": "Central"})
    seq = _fresh(site, ADMIN_TOKEN)["seq"]
    wait_js(page, f"window.opcoordDashboard.state().seq >= {seq}", WAIT_MS)
    assert set(_rows(page)) == {IBERIA, "Southern"}
    assert page.errors == []
    site.api("PATCH", f"/api/operations/{CODE}/participants/ES", json={"region": IBERIA})
    site.api("PATCH", f"/api/operations/{CODE}/participants/DE", json={"region": WEST})
    page.context.close()


def test_an_operation_without_regions_has_no_table(site: Site, browser: Any) -> None:
    from playwright.sync_api import expect

    page = _open(site, browser, "admin", code=PLAIN)
    expect(page.locator("#compl-board li.ctile").first).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("#regions-panel")).to_be_hidden()
    assert page.locator("#regions-body tr").count() == 0
    # Its contact point's page has no such section at all.
    page.context.close()
    page = _open(site, browser, "maria", code=PLAIN)
    assert page.locator("#regions-panel").count() == 0
    page.context.close()
