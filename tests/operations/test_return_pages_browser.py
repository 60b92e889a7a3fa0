"""The contact point's pages in a real browser: Debian's Chromium driven by Playwright,
against a real `opcoord serve`, with the network closed to everything but the app.

A contact point signs in, fills a day's return with two seizures (one point picked on
the map) and sees it in the calendar; sends a one-click nil return; amends a day past
its due time, which asks for a reason; meets a validation error next to the field with
everything typed kept; and recovers from someone else's change (412) without losing
input. Screenshots go to artifacts/screenshots/.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from browsing import MARKS, SHOTS, Offline, wait_js
from serving import opcoord_server

ADMIN_TOKEN = "returns-browser-admin-token-0123456789"
PASSWORD = "correct horse battery"
CODE = "PANDORA-NCP"
WAIT_MS = 15_000

pytestmark = MARKS


@dataclass
class Server:
    base: str
    today: date

    def api(self, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}", **kw.pop("headers", {})}
        r = httpx.request(method, f"{self.base}{path}", headers=headers, timeout=30, **kw)
        assert r.status_code < 400, f"{method} {path}: {r.status_code} {r.text}"
        return r

    def day(self, offset: int) -> str:
        return (self.today + timedelta(days=offset)).isoformat()

    def ret(self, country: str, day: str) -> dict[str, Any]:
        return dict(self.api("GET", f"/api/operations/{CODE}/returns/{country}/{day}").json())

    def calendar(self) -> str:
        return f"{self.base}/operations/{CODE}/returns"

    def day_page(self, day: str, country: str = "ES") -> str:
        return f"{self.base}/operations/{CODE}/returns/{country}/{day}"


def _seed(server: Server) -> None:
    """A window around today (UTC): returns are due at 23:59 the next day."""
    server.api("POST", "/api/operations", json={
        "code": CODE, "name": "Operation Pandora NCP", "lead": "Guardia Civil",
        "partners": ["Europol", "INTERPOL", "WCO"],
        "starts_on": server.day(-6), "ends_on": server.day(8),
        "timezone": "UTC", "daily_cutoff": "23:59",
    })  # fmt: skip
    for cc in ("ES", "FR"):
        server.api("POST", f"/api/operations/{CODE}/participants",
                   json={"country": cc, "agencies": ["customs", "police"]})  # fmt: skip
    server.api("POST", "/api/users", json={"username": "maria", "role": "ncp", "country": "ES"})
    server.api("PUT", "/api/users/maria/password", json={"password": PASSWORD})
    # Two days ago, already past due: a return that will be amended.
    server.api("PUT", f"/api/operations/{CODE}/returns/ES/{server.day(-2)}", json={
        "counters": {"persons_checked": 40},
        "seizures": [{"ref": "ES-0001", "category": "ceramics", "quantity": 4,
                      "place_type": "seaport", "place_name": "Valencia", "hs_code": "970531"}],
    })  # fmt: skip
    nil_day = f"/api/operations/{CODE}/returns/ES/{server.day(-6)}"
    server.api("PUT", nil_day, json={"nil_return": True})


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("returns-browser")
    env = {
        "OPCOORD_DATABASE_URL": f"sqlite:///{tmp}/opcoord.db",
        "OPCOORD_ADMIN_TOKEN": ADMIN_TOKEN,
    }
    with opcoord_server(env, tmp / "server.log") as base:
        server = Server(base, datetime.now(UTC).date())
        _seed(server)
        yield server


@dataclass
class Session:
    page: Any
    offline: Offline
    errors: list[str]

    def check(self) -> None:
        assert self.offline.attempted == [], self.offline.attempted
        assert self.errors == [], self.errors


@pytest.fixture
def ncp(server: Server, browser: Any) -> Iterator[Session]:
    """Maria, Spain's contact point, signed in through the form, on her calendar."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1366, "height": 800}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    session = Session(page, Offline(page), [])
    page.on("pageerror", lambda e: session.errors.append(str(e)))
    page.goto(server.calendar())
    assert "/signin" in page.url
    page.fill("#username", "maria")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/operations/{CODE}/returns")
    yield session
    context.close()


def _shot(page: Any, name: str, *, full: bool = False) -> None:
    page.wait_for_timeout(250)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)


def _cell(page: Any, day: str) -> Any:
    return page.locator(f"td[data-day='{day}']")


def _row(page: Any, n: int) -> Any:
    return page.locator("#seizures .seizure").nth(n)


def test_submit_a_return_with_two_seizures_and_see_it_in_the_calendar(
    server: Server, ncp: Session
) -> None:
    from playwright.sync_api import expect

    page = ncp.page
    today = server.day(0)
    # Yesterday's return is due tonight at 23:59: it is the day being collected, and the
    # page leads with it; today's may be started early.
    expect(_cell(page, server.day(-1))).to_have_attribute("data-state", "collecting")
    expect(_cell(page, today)).to_have_attribute("data-state", "upcoming")
    expect(page.locator(".rt-today")).to_contain_text("is due by 23:59 on")
    expect(page.locator(".rt-today .btn-primary")).to_have_attribute(
        "href", f"/operations/{CODE}/returns/ES/{server.day(-1)}"
    )
    _shot(page, "returns-calendar-1366")

    _cell(page, today).locator("a").click()
    page.wait_for_url(f"**/returns/ES/{today}")
    page.fill("#c-persons_checked", "250")
    page.fill("#c-vehicles_checked", "80")
    page.fill("#c-arrests", "1")
    page.fill("#f-metal_detectors", "2")

    page.click("#add-seizure")
    first = _row(page, 0)
    expect(first.locator("[data-name=ref]")).to_be_focused()
    first.locator("[data-name=ref]").fill("ES-0100")
    first.locator("[data-name=category]").select_option("coins")
    first.locator("[data-name=quantity]").fill("12")
    first.locator("[data-name=place_type]").select_option("airport")
    first.locator("[data-name=place_name]").fill("Madrid-Barajas")
    first.locator("[data-name=conveyance]").select_option("air_passenger")
    first.locator("[data-name=origin_country]").select_option("IT")
    first.locator("[data-name=destination_country]").select_option("CH")
    first.locator("[data-name=estimated_value]").fill("15 000,50")
    expect(first.locator("[data-name=currency]")).to_have_value("EUR")  # Spain's currency
    first.locator("[data-name=description]").fill("Roman silver denarii in hand luggage")
    # The point is picked on the map (country outlines, no tile server).
    first.locator(".sz-pick").click()
    expect(page.locator("#map-dialog")).to_be_visible()
    wait_js(page, "document.querySelectorAll('#pick-map path').length > 50")
    box = page.locator("#pick-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.5)
    expect(page.locator("#map-use")).to_be_enabled()
    _shot(page, "return-map-picker-1366")
    page.click("#map-use")
    expect(first.locator("[data-name=lat]")).not_to_have_value("")
    expect(first.locator("[data-name=lon]")).not_to_have_value("")

    page.click("#add-seizure")
    second = _row(page, 1)
    second.locator("[data-name=ref]").fill("ES-0101")
    second.locator("[data-name=category]").select_option("paintings")
    second.locator("[data-name=quantity]").fill("2")
    second.locator("[data-name=place_type]").select_option("online")
    expect(second.locator("[data-name=online]")).to_be_checked()  # online place, online seizure
    second.locator("[data-name=place_name]").fill("Auction website")
    page.locator("#notes").fill("Joint control with the Guardia Civil.")
    _shot(page, "return-form-filled-1366", full=True)

    page.click("#submit-button")
    ok = page.locator("#messages .msg-ok")
    expect(ok).to_contain_text("Version 1 saved")
    expect(ok).to_contain_text("It arrived on time.")
    expect(page.locator("#day-state")).to_have_text("Submitted")
    expect(page.locator("#history tbody tr")).to_have_count(1)
    _shot(page, "return-submitted-1366")

    saved = server.ret("ES", today)
    assert saved["version"] == 1 and not saved["late"]
    assert saved["counters"]["persons_checked"] == 250 and saved["counters"]["arrests"] == 1
    assert saved["facilitating_items"]["metal_detectors"] == 2
    one, two = saved["seizures"]
    assert (one["ref"], one["quantity"], one["category"]) == ("ES-0100", 12, "coins")
    assert one["estimated_value"] == 15000.5 and one["currency"] == "EUR"
    assert one["origin_country"] == "IT" and one["destination_country"] == "CH"
    assert -90 <= one["lat"] <= 90 and -180 <= one["lon"] <= 180
    assert (two["ref"], two["place_type"], two["online"]) == ("ES-0101", "online", True)

    ok.get_by_role("link", name="Back to the calendar").click()
    page.wait_for_url(f"**/operations/{CODE}/returns")
    expect(_cell(page, today)).to_have_attribute("data-state", "submitted")
    expect(_cell(page, today).locator(".lbl")).to_have_text("Submitted")
    _shot(page, "returns-calendar-after-1366")

    # The same page on a tablet, in portrait.
    page.set_viewport_size({"width": 820, "height": 1180})
    _shot(page, "returns-calendar-tablet")
    page.goto(server.day_page(today))
    expect(_row(page, 1).locator("[data-name=ref]")).to_have_value("ES-0101")  # prefilled
    expect(page.locator("#messages")).to_be_empty()  # no stale draft after a successful save
    _shot(page, "return-form-tablet")
    _row(page, 0).scroll_into_view_if_needed()
    _shot(page, "return-seizure-tablet")
    ncp.check()


def test_one_click_nil_return(server: Server, ncp: Session) -> None:
    from playwright.sync_api import expect

    page = ncp.page
    day = server.day(-1)
    expect(_cell(page, day)).to_have_attribute("data-state", "collecting")
    _cell(page, day).locator("a").click()
    page.click("#nil-button")
    dialog = page.locator("#nil-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#nil-confirm")).to_be_focused()
    expect(page.locator("#nil-reason-box")).to_be_hidden()  # not an amendment
    _shot(page, "return-nil-confirm-1366")
    page.click("#nil-confirm")
    expect(page.locator("#messages .msg-ok")).to_contain_text("Nil return sent.")
    expect(page.locator("#day-state")).to_have_text("Nil return")
    assert server.ret("ES", day)["nil_return"] is True
    page.goto(server.calendar())
    expect(_cell(page, day)).to_have_attribute("data-state", "nil")
    expect(_cell(page, day).locator(".lbl")).to_have_text("Nil return")
    ncp.check()


def test_an_amendment_after_the_due_time_asks_for_a_reason(server: Server, ncp: Session) -> None:
    from playwright.sync_api import expect

    page = ncp.page
    day = server.day(-2)
    page.goto(server.day_page(day))
    expect(page.locator("#amend-box")).to_be_visible()
    expect(page.locator("#c-persons_checked")).to_have_value("40")  # prefilled
    expect(_row(page, 0).locator("[data-name=ref]")).to_have_value("ES-0001")
    page.fill("#c-persons_checked", "45")
    page.click("#submit-button")
    error = page.locator("#amendment_reason-err")
    expect(error).to_have_text("⚠ Give a reason for the amendment".removeprefix("⚠ "))
    expect(page.locator("#amendment_reason")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#messages .msg-error")).to_contain_text("Nothing was saved")
    expect(page.locator("#c-persons_checked")).to_have_value("45")  # nothing typed lost
    _shot(page, "return-amendment-reason-1366")
    assert server.ret("ES", day)["version"] == 1

    page.fill("#amendment_reason", "Five persons checked at the port were counted the next day.")
    page.click("#submit-button")
    expect(page.locator("#messages .msg-ok")).to_contain_text("Version 2 saved")
    rows = page.locator("#history tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("counted the next day")
    expect(page.locator("#current-version")).to_contain_text("Current version: 2")
    saved = server.ret("ES", day)
    assert saved["version"] == 2 and saved["counters"]["persons_checked"] == 45
    assert saved["seizures"][0]["hs_code"] == "970531"  # fields the form does not show are kept
    _shot(page, "return-amended-1366")
    page.locator("#history-box").scroll_into_view_if_needed()
    _shot(page, "return-history-1366")
    # Each version stays viewable.
    rows.last.get_by_role("link").click()
    expect(page.locator("#view-title")).to_contain_text("Version 1")
    expect(page.locator(".rt-readonly")).to_contain_text("40")
    ncp.check()


def test_validation_errors_next_to_the_field_keep_what_was_typed(
    server: Server, ncp: Session
) -> None:
    from playwright.sync_api import expect

    page = ncp.page
    day = server.day(-3)
    page.goto(server.day_page(day))
    expect(page.locator(".late-note")).to_be_visible()  # missing, so late: no reason needed
    page.fill("#c-arrests", "3")
    page.click("#add-seizure")
    row = _row(page, 0)
    row.locator("[data-name=ref]").fill("ES-0001")  # already reported two days ago
    row.locator("[data-name=category]").select_option("religious")
    row.locator("[data-name=quantity]").fill("0")
    row.locator("[data-name=place_type]").select_option("land_border")
    row.locator("[data-name=place_name]").fill("La Jonquera")
    row.locator("[data-name=lat]").fill("42,42")  # a comma is a decimal mark too
    row.locator("[data-name=lon]").fill("2.87")
    row.locator("[data-name=description]").fill("Two icons")
    page.click("#submit-button")

    quantity_error = row.locator("[data-error=quantity]")
    expect(quantity_error).to_have_text("Must be 1 or more")
    expect(row.locator("[data-name=quantity]")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#messages .msg-error")).to_contain_text("Seizure 1 — Quantity")
    for name, value in (("ref", "ES-0001"), ("quantity", "0"), ("place_name", "La Jonquera"),
                        ("lat", "42,42"), ("description", "Two icons")):  # fmt: skip
        expect(row.locator(f"[data-name={name}]")).to_have_value(value)
    expect(row.locator("[data-name=category]")).to_have_value("religious")
    expect(page.locator("#c-arrests")).to_have_value("3")
    _shot(page, "return-validation-error-1366")

    row.locator("[data-name=quantity]").fill("2")
    expect(quantity_error).to_be_hidden()  # the message goes as the field is fixed
    page.click("#submit-button")
    ref_error = row.locator("[data-error=ref]")
    expect(ref_error).to_contain_text("This reference was already reported on")
    row.locator("[data-name=ref]").fill("ES-0002")
    page.click("#submit-button")
    ok = page.locator("#messages .msg-ok")
    expect(ok).to_contain_text("Version 1 saved")
    expect(ok).to_contain_text("marked late")
    saved = server.ret("ES", day)
    assert saved["late"] and saved["seizures"][0]["lat"] == 42.42
    page.goto(server.calendar())
    expect(_cell(page, day)).to_have_attribute("data-state", "late")
    ncp.check()


def test_someone_elses_change_is_reported_and_input_survives_a_reload(
    server: Server, ncp: Session
) -> None:
    from playwright.sync_api import expect

    page = ncp.page
    day = server.day(-4)
    server.api("PUT", f"/api/operations/{CODE}/returns/ES/{day}", json={"counters": {"arrests": 1}})
    page.goto(server.day_page(day))
    page.fill("#c-online_checks", "17")
    page.fill("#amendment_reason", "Online checks added")
    # Meanwhile a coordinator corrects the same day.
    correction = {"counters": {"arrests": 2}, "amendment_reason": "corrected by the OCU"}
    server.api("PUT", f"/api/operations/{CODE}/returns/ES/{day}", json=correction)
    page.click("#submit-button")
    warn = page.locator("#messages .msg-warn")
    expect(warn).to_contain_text("Someone else saved version 2")
    expect(page.locator("#c-online_checks")).to_have_value("17")
    _shot(page, "return-conflict-1366")
    warn.get_by_role("button", name="Reload the latest version, keeping my input").click()
    expect(page.locator("#messages .msg-warn")).to_contain_text("Your unsaved input was restored")
    expect(page.locator("#c-online_checks")).to_have_value("17")
    expect(page.locator("#amendment_reason")).to_have_value("Online checks added")
    expect(page.locator("#history tbody tr")).to_have_count(2)
    page.click("#submit-button")
    expect(page.locator("#messages .msg-ok")).to_contain_text("Version 3 saved")
    assert server.ret("ES", day)["counters"]["online_checks"] == 17
    ncp.check()


def test_a_french_speaking_contact_point_gets_a_french_page(server: Server, browser: Any) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1366, "height": 800}, locale="fr-FR")
    page = context.new_page()
    offline = Offline(page)
    page.goto(server.calendar())
    page.fill("#username", "maria")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/operations/{CODE}/returns")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    _shot(page, "returns-calendar-fr")
    page.goto(server.day_page(server.day(-5)))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert page.locator("[data-name=origin_country] option[value=DE]").count() == 0  # no row yet
    page.click("#add-seizure")
    expect(_row(page, 0).locator("[data-name=origin_country] option[value=DE]")).to_have_text(
        "Allemagne"
    )
    _shot(page, "return-form-fr")
    assert offline.attempted == []
    context.close()


def test_upload_a_spreadsheet_of_seizures(server: Server, ncp: Session) -> None:
    from playwright.sync_api import expect

    page = ncp.page
    day = server.day(-5)
    page.goto(server.day_page(day))
    page.locator("#import-box summary").click()
    header = "ref,category,quantity,place_type,place_name,origin_country"
    bad = f"{header}\nES-0300,coins,5,airport,Bilbao,IT\nES-0301,coins,0,airport,Bilbao,IT\n"
    page.set_input_files(
        "#import-file", files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": bad.encode()}]
    )
    page.locator("#import-form button[type=submit]").click()
    result = page.locator("#import-result")
    expect(result).to_contain_text("The file was refused")
    expect(result.locator("tbody tr").first).to_contain_text("3")  # the header is row 1
    _shot(page, "return-import-refused-1366")
    good = bad.replace("ES-0301,coins,0", "ES-0301,coins,2")
    upload = {"name": "good.csv", "mimeType": "text/csv", "buffer": good.encode()}
    page.set_input_files("#import-file", files=[upload])
    page.locator("#import-form button[type=submit]").click()
    expect(result).to_contain_text("The file was accepted")
    expect(page.locator("#messages .msg-ok")).to_contain_text("Version 1 saved")
    expect(page.locator("#seizures .seizure")).to_have_count(2)
    expect(_row(page, 1).locator("[data-name=quantity]")).to_have_value("2")
    assert [s["ref"] for s in server.ret("ES", day)["seizures"]] == ["ES-0300", "ES-0301"]
    ncp.check()


def _version(server: Server, country: str, day: str) -> int | None:
    """The current version of a day's return, or None when none was sent."""
    r = httpx.get(
        f"{server.base}/api/operations/{CODE}/returns/{country}/{day}",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        timeout=30,
    )
    assert r.status_code in (200, 404), r.text
    return int(r.json()["version"]) if r.status_code == 200 else None


# Which element is under the submit bar's centre, whether the form goes on below it, and
# how opaque its background is (the alpha of its computed colour).
BAR_PROBE = """() => {
  const bar = document.querySelector('.submit-bar');
  const r = bar.getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  const bg = getComputedStyle(bar).backgroundColor;
  const m = /rgba?\\(([^)]+)\\)/.exec(bg);
  const parts = m ? m[1].split(',').map(Number) : [];
  return {
    barHit: Boolean(hit && hit.closest('.submit-bar')),
    bottom: r.bottom, height: window.innerHeight,
    formBelow: document.querySelector('#return-form').getBoundingClientRect().bottom
      > r.bottom + 20,
    fieldUnder: [...document.querySelectorAll('#return-form .field')].some((f) => {
      const q = f.getBoundingClientRect();
      return !f.closest('.submit-bar') && q.top < r.bottom && q.bottom > r.top;
    }),
    alpha: parts.length === 4 ? parts[3] : 1,
  };
}"""


@pytest.mark.parametrize("width,height", [(390, 844), (1440, 900)])
def test_the_sticky_submit_bar_hides_the_fields_scrolling_under_it(
    server: Server, ncp: Session, width: int, height: int
) -> None:
    from playwright.sync_api import expect

    page = ncp.page
    page.set_viewport_size({"width": width, "height": height})
    page.goto(server.day_page(server.day(0)))
    had = page.locator("#seizures .seizure").count()  # today's return may have some already
    for _ in range(3):
        page.click("#add-seizure")
    expect(page.locator("#seizures .seizure")).to_have_count(had + 3)
    # Scrolled to the middle of the seizures: fields pass under the stuck bar.
    page.evaluate("() => window.scrollTo(0, document.querySelector('#seizures').offsetTop + 300)")
    page.wait_for_timeout(100)
    probe = page.evaluate(BAR_PROBE)
    assert probe["formBelow"] and probe["fieldUnder"], probe  # the bar is stuck over fields
    assert abs(probe["bottom"] - probe["height"]) <= 1, probe
    assert probe["barHit"], probe
    assert probe["alpha"] == 1, probe
    _shot(page, f"return-submit-bar-{width}")
    ncp.check()


# The top of every input of the grid row an input is in (fields of one row start together).
ROW_TOPS = """(input) => {
  const field = input.closest('.field');
  const grid = field.parentElement;
  const top = field.getBoundingClientRect().top;
  return [...grid.children]
    .filter((f) => f.matches('.field') && Math.abs(f.getBoundingClientRect().top - top) < 1)
    .map((f) => f.querySelector('input:not([type=checkbox]), select, textarea'))
    .filter(Boolean)
    .map((i) => Math.round(i.getBoundingClientRect().top * 10) / 10);
}"""


def test_one_submit_shows_the_pages_and_the_servers_messages_and_keeps_rows_aligned(
    server: Server, ncp: Session
) -> None:
    from playwright.sync_api import expect

    page = ncp.page
    page.set_viewport_size({"width": 1440, "height": 900})
    day = server.day(0)
    before = _version(server, "ES", day)
    page.goto(server.day_page(day))
    had = page.locator("#seizures .seizure").count()  # today's return may have some already
    page.fill("#c-arrests", "-2")  # the browser's min="0" alone finds this
    page.click("#add-seizure")
    row = _row(page, had)
    n = had + 1
    row.locator("[data-name=ref]").fill("ES-0900")
    row.locator("[data-name=category]").select_option("coins")
    row.locator("[data-name=quantity]").fill("0")  # the browser's min="1"
    row.locator("[data-name=place_type]").select_option("airport")
    row.locator("[data-name=lat]").fill("200")  # only the server knows a latitude ends at 90
    row.locator("[data-name=lon]").fill("2")
    row.locator("[data-name=estimated_value]").fill("12,5")
    row.locator("[data-name=currency]").select_option("")  # the page: a value needs its currency
    page.click("#submit-button")

    expect(page.locator("[data-error='counters.arrests']")).to_have_text("Must be 0 or more")
    expect(row.locator("[data-error=quantity]")).to_have_text("Must be 1 or more")
    expect(row.locator("[data-error=lat]")).to_have_text("Must be 90 or less")
    expect(row.locator("[data-error=currency]")).to_be_visible()
    summary = page.locator("#messages .msg-error")
    for words in ("Arrests", f"Seizure {n} — Quantity", f"Seizure {n} — Latitude"):
        expect(summary).to_contain_text(words)
    assert _version(server, "ES", day) == before  # nothing was saved

    # A message under one field moves no neighbour of its row.
    for name in ("quantity", "lat", "currency"):
        tops = page.evaluate(ROW_TOPS, row.locator(f"[data-name={name}]").element_handle())
        assert len(tops) >= 2 and len(set(tops)) == 1, (name, tops)
    tops = page.evaluate(ROW_TOPS, page.locator("#c-arrests").element_handle())
    assert len(tops) >= 2 and len(set(tops)) == 1, tops
    _shot(page, "return-one-round-errors-1440")
    ncp.check()
