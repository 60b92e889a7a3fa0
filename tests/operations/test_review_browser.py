"""The review queue in a real browser (Debian's Chromium, Playwright) against a real
`opcoord serve`: a coordinator works through returns from the keyboard without a page
reload (approve, query with a comment, hold), is stopped when a newer version arrived
since the page was loaded, and the contact point's open calendar shows the query live.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from browsing import MARKS, SHOTS, Offline
from serving import opcoord_server

ADMIN_TOKEN = "review-browser-admin-token-0123456789"
PASSWORD = "correct horse battery"
CODE = "PANDORA-RV"
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

    def review(self, country: str, day: str) -> dict[str, Any]:
        path = f"/api/operations/{CODE}/returns/{country}/{day}"
        return dict(self.api("GET", path).json()["review"])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("review-browser")
    env = {
        "OPCOORD_DATABASE_URL": f"sqlite:///{tmp}/opcoord.db",
        "OPCOORD_ADMIN_TOKEN": ADMIN_TOKEN,
    }
    with opcoord_server(env, tmp / "server.log") as base:
        s = Server(base, datetime.now(UTC).date())
        s.api("POST", "/api/operations", json={
            "code": CODE, "name": "Operation Pandora RV", "lead": "Guardia Civil",
            "starts_on": s.day(-6), "ends_on": s.day(8), "timezone": "UTC", "daily_cutoff": "23:59",
        })  # fmt: skip
        for cc in ("ES", "FR"):
            body = {"country": cc, "agencies": ["customs"]}
            s.api("POST", f"/api/operations/{CODE}/participants", json=body)
        for name, role, cc in (("maria", "ncp", "ES"), ("chef", "coordinator", None)):
            body = {"username": name, "role": role, **({"country": cc} if cc else {})}
            s.api("POST", "/api/users", json=body)
            s.api("PUT", f"/api/users/{name}/password", json={"password": PASSWORD})
        for cc, offset in (("ES", -3), ("ES", -2), ("FR", -2)):
            s.api("PUT", f"/api/operations/{CODE}/returns/{cc}/{s.day(offset)}",
                  json={"nil_return": True})  # fmt: skip
        yield s


def _signed_in(server: Server, browser: Any, name: str, url: str) -> tuple[Any, Any, Offline]:
    context = browser.new_context(viewport={"width": 1366, "height": 800}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    offline = Offline(page)
    page.goto(url)
    page.fill("#username", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(url)
    return context, page, offline


def test_a_coordinator_reviews_from_the_keyboard_and_the_contact_point_sees_the_query(
    server: Server, browser: Any
) -> None:
    from playwright.sync_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    es_ctx, es_page, es_offline = _signed_in(
        server, browser, "maria", f"{server.base}/operations/{CODE}/returns"
    )
    ctx, page, offline = _signed_in(
        server, browser, "chef", f"{server.base}/operations/{CODE}/review"
    )
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    es_page.on("pageerror", lambda e: errors.append(str(e)))
    loaded = page.evaluate("performance.getEntriesByType('navigation').length")
    rows = page.locator(".rq-row")
    expect(rows).to_have_count(3)
    first, second, third = server.day(-3), server.day(-2), server.day(-2)
    expect(rows.nth(0)).to_be_focused()
    # FR's return changes after the page was loaded: the coordinator has not seen it.
    body = {"nil_return": True, "notes": "recount", "amendment_reason": "recount"}
    server.api("PUT", f"/api/operations/{CODE}/returns/FR/{third}", json=body)

    page.keyboard.press("a")
    expect(rows.nth(0)).to_have_attribute("data-status", "approved")
    expect(rows.nth(1)).to_be_focused()
    page.keyboard.press("q")  # a query without a comment: asked for one
    expect(page.locator("#rq-status")).to_contain_text("needs a comment")
    expect(rows.nth(1).locator(".rq-comment")).to_be_focused()
    page.keyboard.type("Which border post?")
    page.keyboard.press("Enter")
    expect(rows.nth(1)).to_have_attribute("data-status", "query")
    expect(rows.nth(1).locator(".rq-review")).to_contain_text("Which border post?")
    expect(rows.nth(2)).to_be_focused()
    page.keyboard.press("h")
    expect(page.locator("#rq-status")).to_contain_text("a newer version arrived")
    expect(rows.nth(2)).to_have_class("rq-row is-current is-stale")
    expect(page.locator('[data-count="approved"]')).to_have_text("1")
    page.screenshot(path=str(SHOTS / "review-queue.png"))
    # No reload happened, and the server holds what the page shows.
    assert page.evaluate("performance.getEntriesByType('navigation').length") == loaded
    assert server.review("ES", first)["status"] == "approved"
    assert server.review("ES", second)["comment"] == "Which border post?"
    assert server.review("FR", third)["status"] == "pending"

    # The contact point's calendar, open all along, shows the query as it arrives.
    live = es_page.locator("#review-live")
    expect(live).to_be_visible()
    expect(live).to_contain_text("Which border post?")
    es_page.reload()
    expect(es_page.locator(f"td[data-day='{second}']")).to_have_attribute("data-review", "query")
    expect(es_page.locator("#review-queries")).to_contain_text("Which border post?")
    es_page.goto(f"{server.base}/operations/{CODE}/returns/ES/{second}")
    expect(es_page.locator("#review-notice")).to_contain_text("Which border post?")
    es_page.screenshot(path=str(SHOTS / "review-query-day.png"))
    assert errors == []
    assert offline.attempted == [] and es_offline.attempted == []
    ctx.close()
    es_ctx.close()
