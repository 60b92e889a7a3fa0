"""The day form without a connection, in a real browser: Debian's Chromium driven by
Playwright against a real `opcoord serve`.

A contact point opens her calendar online (the offline worker installs and keeps the
pages of the open days), then loses the line: she fills a day's return and sends it, and
sees it "waiting to send" on the form and in the calendar; a reload without a line still
opens the form with her return in it; when the line comes back it is sent, and the server
has exactly one version. In the second test another client saves a newer version while
her change waits: when the line comes back the page shows the conflict, field by field,
and the server still has the other client's version, with no version added by the retry.

Playwright's offline mode does not reach a service worker's own requests in Chromium, so
the tests also abort every request the worker makes while "offline" (which needs
Playwright's service-worker network events, switched on for this module's browser).
"""

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from browsing import MARKS, SHOTS, wait_js
from serving import opcoord_server

ADMIN_TOKEN = "offline-browser-admin-token-0123456789"
PASSWORD = "correct horse battery"
CODE = "PANDORA-OFF"
WAIT_MS = 20_000
ACTIVE = "navigator.serviceWorker.getRegistration('/operations/').then(r => !!(r && r.active))"

pytestmark = MARKS


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """This module's Chromium, with the worker's requests visible to routing."""
    from browsing import launched_browser

    old = os.environ.get("PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS")
    os.environ["PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS"] = "1"
    try:
        yield from launched_browser()
    finally:
        if old is None:
            os.environ.pop("PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS", None)
        else:
            os.environ["PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS"] = old


@dataclass
class Server:
    base: str
    today: date

    def api(self, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}", **kw.pop("headers", {})}
        return httpx.request(method, f"{self.base}{path}", headers=headers, timeout=30, **kw)

    def day(self, offset: int) -> str:
        return (self.today + timedelta(days=offset)).isoformat()

    def return_path(self, day: str) -> str:
        return f"/api/operations/{CODE}/returns/ES/{day}"

    def versions(self, day: str) -> list[dict[str, Any]]:
        r = self.api("GET", self.return_path(day) + "/versions")
        return list(r.json()) if r.status_code == 200 else []


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("offline-browser")
    env = {
        "OPCOORD_DATABASE_URL": f"sqlite:///{tmp}/opcoord.db",
        "OPCOORD_ADMIN_TOKEN": ADMIN_TOKEN,
    }
    with opcoord_server(env, tmp / "server.log") as base:
        s = Server(base, datetime.now(UTC).date())
        for method, path, body in [
            ("POST", "/api/operations", {
                "code": CODE, "name": "Operation Pandora offline", "lead": "Guardia Civil",
                "partners": ["Europol"], "starts_on": s.day(-6), "ends_on": s.day(8),
                "timezone": "UTC", "daily_cutoff": "23:59"}),
            ("POST", f"/api/operations/{CODE}/participants",
             {"country": "ES", "agencies": ["customs"]}),
            ("POST", "/api/users", {"username": "lucia", "role": "ncp", "country": "ES"}),
            ("PUT", "/api/users/lucia/password", {"password": PASSWORD}),
            # Yesterday's return, still before its due time: the one the conflict is about.
            ("PUT", s.return_path(s.day(-1)), {"counters": {"persons_checked": 10}}),
        ]:  # fmt: skip
            r = s.api(method, path, json=body)
            assert r.status_code < 400, r.text
        yield s


class Line:
    """The browser's connection: Playwright's offline mode for the pages, and the
    worker's own requests aborted as a cut line would."""

    def __init__(self, context: Any) -> None:
        self.context = context

    @staticmethod
    def _cut(route: Any) -> None:
        if route.request.service_worker is not None:
            route.abort("internetdisconnected")
        else:
            route.continue_()

    def down(self) -> None:
        self.context.set_offline(True)
        self.context.route("**/*", self._cut)

    def up(self) -> None:
        self.context.unroute("**/*", self._cut)
        self.context.set_offline(False)


@dataclass
class Session:
    page: Any
    line: Line
    errors: list[str]


@pytest.fixture
def ncp(server: Server, browser: Any) -> Iterator[Session]:
    """Lucía, Spain's contact point, signed in, on her calendar, with the offline worker
    installed and the open days' pages kept."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1366, "height": 800}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    session = Session(page, Line(context), [])
    page.on("pageerror", lambda e: session.errors.append(str(e)))
    page.goto(f"{server.base}/operations/{CODE}/returns")
    page.fill("#username", "lucia")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/operations/{CODE}/returns")
    wait_js(page, ACTIVE)
    yield session
    context.close()


def _kept(page: Any, url: str) -> None:
    """Wait until the worker keeps ``url`` (the calendar asks it to keep the open days)."""
    wait_js(page, f"caches.open('opcoord-pages').then(c => c.match({url!r})).then(Boolean)")


def test_a_return_written_offline_waits_survives_a_reload_and_is_sent_once(
    server: Server, ncp: Session
) -> None:
    from playwright.sync_api import expect

    page, line = ncp.page, ncp.line
    day = server.day(-3)  # past due, no return yet: a late first version
    url = f"{server.base}/operations/{CODE}/returns/ES/{day}"
    _kept(page, url)
    page.goto(url)
    expect(page.locator("#return-form")).to_be_visible()

    line.down()
    page.fill("#c-persons_checked", "120")
    page.fill("#c-vehicles_checked", "35")
    page.locator("#notes").fill("Border post of La Junquera, line down since noon.")
    page.click("#submit-button")
    expect(page.locator("#messages")).to_contain_text("waiting to send")
    expect(page.locator("#waiting-box")).to_be_visible()
    expect(page.locator("#waiting-box")).to_contain_text("Waiting to send")
    assert server.versions(day) == []  # nothing reached the server
    page.screenshot(path=str(SHOTS / "return-waiting-to-send-1366.png"))

    # A reload without a line opens the kept page, with her return in it.
    page.reload()
    expect(page.locator("#c-persons_checked")).to_have_value("120")
    expect(page.locator("#c-vehicles_checked")).to_have_value("35")
    expect(page.locator("#notes")).to_have_value(
        "Border post of La Junquera, line down since noon."
    )
    expect(page.locator("#waiting-box")).to_be_visible()

    # The calendar (kept too) marks the day, and counts what waits.
    page.goto(f"{server.base}/operations/{CODE}/returns")
    cell = page.locator(f"td[data-day='{day}']")
    expect(cell.locator(".waiting")).to_have_text("Waiting to send")
    expect(page.locator("#cal-waiting")).to_have_text("Waiting to send from this browser: 1")
    page.screenshot(path=str(SHOTS / "returns-calendar-waiting-1366.png"))
    assert server.versions(day) == []

    # The line comes back: it is sent, and the calendar shows the server's state.
    line.up()
    expect(cell).to_have_attribute("data-state", "late")
    expect(cell.locator(".waiting")).to_have_count(0)
    expect(page.locator("#cal-waiting")).to_be_hidden()
    versions = server.versions(day)
    assert [v["version"] for v in versions] == [1]
    ret = server.api("GET", server.return_path(day)).json()
    assert ret["counters"]["persons_checked"] == 120
    assert ret["notes"] == "Border post of La Junquera, line down since noon."

    # Opening the day again shows version 1, with nothing waiting.
    page.goto(server.base + f"/operations/{CODE}/returns/ES/{day}")
    expect(page.locator("#current-version")).to_contain_text("Current version: 1")
    expect(page.locator("#waiting-box")).to_be_hidden()
    assert len(server.versions(day)) == 1
    assert ncp.errors == [], ncp.errors


def test_a_newer_version_saved_while_offline_is_shown_never_overwritten(
    server: Server, ncp: Session
) -> None:
    from playwright.sync_api import expect

    page, line = ncp.page, ncp.line
    day = server.day(-1)
    page.goto(f"{server.base}/operations/{CODE}/returns/ES/{day}")
    expect(page.locator("#current-version")).to_contain_text("Current version: 1")

    line.down()
    page.fill("#c-persons_checked", "55")
    page.fill("#c-arrests", "2")
    page.click("#submit-button")
    expect(page.locator("#waiting-box")).to_be_visible()

    # Meanwhile a colleague's tool sends version 2 through the API.
    theirs = server.api(
        "PUT",
        server.return_path(day),
        json={"counters": {"persons_checked": 12, "vehicles_checked": 4}},
        headers={"If-Match": '"1"'},
    )
    assert theirs.status_code == 200, theirs.text
    assert theirs.json()["version"] == 2

    line.up()
    msg = page.locator("#messages .msg-error")
    expect(msg).to_contain_text("saved version 2 of this day")
    diff = page.locator(".conflict-diff")
    expect(diff.locator("tr[data-field='counters.persons_checked'] .theirs")).to_have_text("12")
    expect(diff.locator("tr[data-field='counters.persons_checked'] .mine")).to_have_text("55")
    expect(diff.locator("tr[data-field='counters.arrests'] .mine")).to_have_text("2")
    expect(diff.locator("tr[data-field='counters.vehicles_checked'] .theirs")).to_have_text("4")
    page.screenshot(path=str(SHOTS / "return-offline-conflict-1366.png"), full_page=True)
    # The server still has the colleague's version; the retry added none.
    assert [v["version"] for v in server.versions(day)] == [1, 2]
    assert server.api("GET", server.return_path(day)).json()["counters"]["persons_checked"] == 12
    # Her input is still in the form.
    expect(page.locator("#c-persons_checked")).to_have_value("55")

    # A reload keeps the conflict in front of her, still not sent.
    page.reload()
    expect(page.locator("#messages .msg-error")).to_contain_text("saved version 2 of this day")
    assert len(server.versions(day)) == 2

    # She chooses hers, on top of version 2: it becomes version 3.
    page.click("#conflict-mine")
    expect(page.locator("#messages")).to_contain_text("to be saved after version 2")
    page.click("#submit-button")
    expect(page.locator("#messages .msg-ok")).to_contain_text("Version 3 saved")
    ret = server.api("GET", server.return_path(day)).json()
    assert ret["version"] == 3
    assert ret["counters"]["persons_checked"] == 55
    expect(page.locator("#waiting-box")).to_be_hidden()
    assert ncp.errors == [], ncp.errors


def test_signing_out_deletes_what_the_browser_kept(server: Server, ncp: Session) -> None:
    from playwright.sync_api import expect

    page, line = ncp.page, ncp.line
    day = server.day(-4)
    url = f"{server.base}/operations/{CODE}/returns/ES/{day}"
    _kept(page, url)
    page.goto(url)
    line.down()
    page.fill("#c-persons_checked", "9")
    page.click("#submit-button")
    expect(page.locator("#waiting-box")).to_be_visible()
    # The line returns but the return still cannot get through (a proxy refusing it).
    page.context.route(
        "**/api/**", lambda r: r.abort() if r.request.method == "PUT" else r.continue_()
    )
    line.up()

    asked: list[str] = []

    def accept(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    page.click("form.signout button[type=submit]")
    page.wait_for_url("**/signin**")
    assert asked and "Returns not sent yet: 1" in asked[0]
    kept = page.evaluate(
        "Promise.all([caches.keys(), indexedDB.databases()])"
        ".then(([c, d]) => [...c, ...d.map(x => x.name)].filter(n => n.startsWith('opcoord')))"
    )
    assert kept == []
    assert server.versions(day) == []  # deleted, never sent
