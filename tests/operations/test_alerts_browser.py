"""Alerts in a real browser (Debian's Chromium, a real `opcoord serve`, no network but
the app's): the contact point's banner arrives live, shows on its calendar and
dashboard in its language until acknowledged; the coordinators' page sends an alert
and sees the acknowledgement arrive."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from browsing import MARKS, SHOTS, Offline
from serving import opcoord_server

ADMIN_TOKEN = "alerts-browser-admin-token-0123456789"
PASSWORD = "correct horse battery"
CODE = "PANDORA-AL"
WAIT_MS = 15_000

pytestmark = MARKS


@dataclass
class Server:
    base: str

    def api(self, method: str, path: str, token: str = ADMIN_TOKEN, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"}
        r = httpx.request(method, f"{self.base}{path}", headers=headers, timeout=30, **kw)
        assert r.status_code < 400, f"{method} {path}: {r.status_code} {r.text}"
        return r.json() if r.content else None

    def alert(self, title: str, countries: list[str], priority: str = "normal") -> int:
        body = {"title": title, "body": f"{title}: details.", "countries": countries}
        r = self.api("POST", f"/api/operations/{CODE}/alerts", json={**body, "priority": priority})
        return int(r["id"])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("alerts-browser")
    env = {
        "OPCOORD_DATABASE_URL": f"sqlite:///{tmp}/opcoord.db",
        "OPCOORD_ADMIN_TOKEN": ADMIN_TOKEN,
    }
    with opcoord_server(env, tmp / "server.log") as base:
        server = Server(base)
        today = datetime.now(UTC).date()
        server.api("POST", "/api/operations", json={
            "code": CODE, "name": "Operation Pandora Alerts", "lead": "Guardia Civil",
            "starts_on": (today - timedelta(days=3)).isoformat(),
            "ends_on": (today + timedelta(days=5)).isoformat(),
            "timezone": "UTC", "daily_cutoff": "23:59",
        })  # fmt: skip
        for cc in ("ES", "PT"):
            server.api("POST", f"/api/operations/{CODE}/participants",
                       json={"country": cc, "agencies": ["customs"]})  # fmt: skip
        for name, role, cc in (("maria", "ncp", "ES"), ("olga", "coordinator", None)):
            user: dict[str, Any] = {"username": name, "role": role}
            if cc:
                user["country"] = cc
            server.api("POST", "/api/users", json=user)
            server.api("PUT", f"/api/users/{name}/password", json={"password": PASSWORD})
        yield server


@dataclass
class Session:
    page: Any
    offline: Offline
    errors: list[str]

    def check(self) -> None:
        assert self.offline.attempted == [], self.offline.attempted
        assert self.errors == [], self.errors


def signed_in(browser: Any, server: Server, who: str, target: str, locale: str) -> Session:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale=locale)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    session = Session(page, Offline(page), [])
    page.on("pageerror", lambda e: session.errors.append(str(e)))
    page.goto(f"{server.base}{target}")
    page.fill("#username", who)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{target}")
    return session


def test_the_banner_arrives_live_and_stays_until_acknowledged(server: Server, browser: Any) -> None:
    from playwright.sync_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    ncp = signed_in(browser, server, "maria", f"/operations/{CODE}/returns", "en-GB")
    page = ncp.page
    expect(page.locator("#alerts .alert")).to_have_count(0)
    server.alert("Route to watch: Porto", ["PT"])
    urgent = server.alert("Roman aurei via Algeciras", ["ES"], "urgent")
    banner = page.locator(f"#alerts .alert[data-id='{urgent}']")
    expect(banner).to_contain_text("Roman aurei via Algeciras")
    expect(banner).to_contain_text("Urgent alert")
    expect(banner).to_have_class("alert alert-urgent")
    # The alert for Portugal never reaches Spain's page.
    expect(page.locator("#alerts")).not_to_contain_text("Porto")
    page.screenshot(path=str(SHOTS / "alerts-banner-calendar.png"))

    # It is still there on the dashboard, and after a reload.
    page.goto(f"{server.base}/operations/{CODE}/dashboard")
    expect(page.locator(f"#alerts .alert[data-id='{urgent}']")).to_be_visible()
    normal = server.alert("Coins on an auction site", [])
    expect(page.locator(f"#alerts .alert[data-id='{normal}']")).to_contain_text("Alert")
    expect(page.locator(f"#alerts .alert[data-id='{normal}']")).to_have_class("alert alert-normal")
    page.locator(f"#alerts .alert[data-id='{urgent}'] .alert-ack").click()
    expect(page.locator(f"#alerts .alert[data-id='{urgent}']")).to_have_count(0)
    listed = server.api("GET", f"/api/operations/{CODE}/alerts")["alerts"]
    by_id = {a["id"]: a for a in listed}
    assert [k["country"] for k in by_id[urgent]["acknowledgements"]] == ["ES"]
    page.reload()
    expect(page.locator("#alerts .alert")).to_have_count(1)
    ncp.check()

    # In French, the fixed words are French (the alert's own text is the coordinator's).
    fr = signed_in(browser, server, "maria", f"/operations/{CODE}/returns", "fr-FR")
    page = fr.page
    page.select_option("#lang-select", "fr")
    page.wait_for_load_state()
    expect(page.locator(f"#alerts .alert[data-id='{normal}']")).to_contain_text("Alerte")
    expect(page.locator(f"#alerts .alert[data-id='{normal}'] .alert-ack")).to_have_text(
        "Accuser réception"
    )
    fr.check()


def test_the_coordinators_page_sends_and_sees_who_acknowledged(
    server: Server, browser: Any
) -> None:
    from playwright.sync_api import expect

    desk = signed_in(browser, server, "olga", f"/operations/{CODE}/alerts", "en-GB")
    page = desk.page
    page.fill("#a-title", "Icons leaving by ferry")
    page.fill("#a-body", "Check lorries on the Huelva ferry.")
    page.check("input[name=priority][value=urgent]")
    page.check("input[name='countries[]'][value=ES]")
    page.click("#alert-form button[type=submit]")
    sent = page.locator("#alert-list .sent-alert").first
    expect(sent).to_contain_text("Icons leaving by ferry")
    expect(sent.locator(".ack-pending")).to_contain_text("(ES)")
    alert_id = int(sent.get_attribute("data-id") or 0)
    token = server.api("POST", "/api/users/maria/token")["token"]
    server.api("POST", f"/api/operations/{CODE}/alerts/{alert_id}/ack", token=token)
    fresh = page.locator(f"#alert-list .sent-alert[data-id='{alert_id}']")
    expect(fresh.locator(".ack-done")).to_contain_text("maria")
    expect(fresh.locator(".ack-pending")).to_have_count(0)
    page.screenshot(path=str(SHOTS / "alerts-desk.png"))
    desk.check()
