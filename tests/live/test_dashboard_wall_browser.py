"""The dashboard on a control room's screen (1440 × 900), in French and Russian: forty
countries' states without scrolling, a table that sorts and filters and keeps every
column in its panel, headings and labels whole, and the day of an earlier event."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from browsing import MARKS, SHOTS, Offline
from pagesite import WAIT_MS, Site, served_site

pytestmark = MARKS
CODE = "PANDORA-FORTY"
# fmt: off
FORTY = [
    "AL", "AT", "BA", "BE", "BG", "CH", "CY", "CZ", "DE", "DK",
    "EE", "EG", "ES", "FI", "FR", "GB", "GR", "HR", "HU", "IE",
    "IS", "IT", "LT", "LU", "LV", "MA", "ME", "MK", "MT", "NL",
    "NO", "PL", "PT", "RO", "RS", "SE", "SI", "SK", "TN", "TR",
]
# fmt: on


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with served_site(tmp_path_factory.mktemp("wall")) as served:
        today = served.today
        served.api("POST", "/api/operations", json={
            "code": CODE, "name": "Operation with forty countries", "lead": "WCO",
            "starts_on": (today - timedelta(days=6)).isoformat(),
            "ends_on": (today + timedelta(days=7)).isoformat(),
            "timezone": "UTC", "daily_cutoff": "23:59",
        })  # fmt: skip
        for cc in FORTY:
            served.api("POST", f"/api/operations/{CODE}/participants",
                       json={"country": cc, "agencies": ["customs"]})  # fmt: skip
        before, yesterday = today - timedelta(days=2), today - timedelta(days=1)
        for cc in FORTY[:12]:  # sent after that day's cut-off: late
            served.api("PUT", f"/api/operations/{CODE}/returns/{cc}/{before}",
                       json={"nil_return": True})  # fmt: skip
        for cc in FORTY[5:25]:
            served.api("PUT", f"/api/operations/{CODE}/returns/{cc}/{yesterday}", json={
                "seizures": [{"ref": f"{cc}-1", "category": "religious", "quantity": 3,
                              "place_type": "airport"}]})  # fmt: skip
        yield served


def _open(site: Site, browser: Any, lang: str) -> Any:
    context = site.context(browser, lang, 1440, 900)
    page = context.new_page()
    Offline(page)
    site.sign_in(page, "admin", f"/operations/{CODE}/dashboard")
    page.wait_for_selector("#compl-board li.ctile", timeout=WAIT_MS)
    return page


@pytest.mark.parametrize("lang", ["fr", "ru"])
def test_forty_countries_fit_one_screen(site: Site, browser: Any, lang: str) -> None:
    page = _open(site, browser, lang)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"dashboard-forty-{lang}-1440.png"))
    tiles = page.locator("#compl-board li.ctile")
    assert tiles.count() == 40
    bottom = max(b["y"] + b["height"] for b in (t.bounding_box() for t in tiles.all()) if b)
    assert bottom <= 900, bottom  # every country on screen, nothing to scroll
    board = page.locator("#compl-board")
    assert board.evaluate("e => e.scrollHeight <= e.clientHeight + 1")
    # Each tile says its states in words (the colour and sign repeat them).
    es = page.locator("#compl-board li[data-country=ES]")
    assert es.get_attribute("class") == "ctile st-missing"  # sent nothing for its last day
    label = es.get_attribute("aria-label") or ""
    assert label.startswith(("ES Espagne", "ES Испания")), label
    # Headings and figures are whole: no tile heading or value cut.
    for tile in page.locator(".tiles .tile").all():
        heading = tile.locator("h3")
        assert heading.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), heading.inner_text()
    values = page.locator("#values li").first
    assert values.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
    page.context.close()


def test_the_table_filters_sorts_and_keeps_its_columns(site: Site, browser: Any) -> None:
    from playwright.sync_api import expect

    page = _open(site, browser, "ru")
    page.fill("#compl-filter", "Испа")
    expect(page.locator("#compl-board li.ctile")).to_have_count(1)
    expect(page.locator("#compl-count")).to_have_text("1 из 40 стран")
    page.fill("#compl-filter", "")
    page.select_option("#compl-show", "attention")  # the last day due: late or missing
    classes = {t.get_attribute("class") for t in page.locator("#compl-board li.ctile").all()}
    assert classes == {"ctile st-missing", "ctile st-late"}
    page.select_option("#compl-show", "waiting")  # the day being collected: not in yet
    waiting = page.locator("#compl-board li.ctile")
    expect(waiting).to_have_count(20)
    assert {t.get_attribute("data-country") for t in waiting.all()} == set(FORTY) - set(FORTY[5:25])
    page.select_option("#compl-show", "")
    page.click(".compl-views button[data-view=table]")
    expect(page.locator("#compl-body tr")).to_have_count(40)
    wrap = page.locator("#compl-table")
    assert wrap.evaluate("e => e.scrollWidth <= e.clientWidth + 1")  # no column cut off
    page.click("#compl thead th[data-key=missing] button")
    expect(page.locator("#compl thead th[data-key=missing]")).to_have_attribute(
        "aria-sort", "descending"
    )
    first = page.locator("#compl-body tr").first.locator("td[data-col=missing]").inner_text()
    last = page.locator("#compl-body tr").last.locator("td[data-col=missing]").inner_text()
    assert int(first) >= int(last)
    # The choice is remembered: the table again after a reload.
    page.reload()
    expect(page.locator("#compl-table")).to_be_visible(timeout=WAIT_MS)
    page.context.close()


def test_an_event_of_an_earlier_day_says_its_day(site: Site, browser: Any) -> None:
    earlier = datetime.combine(site.today - timedelta(days=3), time(13, 5), tzinfo=UTC)

    def relay(ws: Any) -> None:
        server = ws.connect_to_server()

        def down(message: str | bytes) -> None:
            data = json.loads(message)
            if data.get("type") == "snapshot" and data.get("recent"):
                data["recent"][0]["at"] = earlier.isoformat().replace("+00:00", "Z")
                message = json.dumps(data)
            ws.send(message)

        server.on_message(down)
        ws.on_message(lambda message: server.send(message))

    context = site.context(browser, "fr", 1440, 900)
    page = context.new_page()
    page.route_web_socket("**/live", relay)
    site.sign_in(page, "admin", f"/operations/{CODE}/dashboard")
    page.wait_for_selector("#feed li.ev", timeout=WAIT_MS)
    dated = page.locator("#feed li.ev time .d")
    assert dated.count() == 1
    expected = page.evaluate(
        "(ms) => new Intl.DateTimeFormat('fr', {timeZone: 'UTC', day: 'numeric', "
        "month: 'short'}).format(ms)",
        earlier.timestamp() * 1000,
    )
    assert dated.inner_text() == expected
    assert dated.locator("xpath=..").inner_text().replace("\n", " ") == f"{expected} 13:05"
    # Today's events keep their time alone.
    assert page.locator("#feed li.ev").nth(1).locator("time .d").count() == 0
    context.close()
