"""A coordinator in a real browser: sees a pair side by side, merges it, and the totals
count the object once."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from browsing import MARKS, SHOTS, Offline
from serving import opcoord_server

ADMIN_TOKEN = "duplicates-browser-admin-token-0123456789"
pytestmark = MARKS
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def api(base: str, method: str, path: str, **kw: Any) -> httpx.Response:
    r = httpx.request(method, f"{base}{path}", headers=AUTH, timeout=60, **kw)
    assert r.status_code < 400, f"{method} {path}: {r.status_code} {r.text}"
    return r


def coins(ref: str, description: str) -> dict[str, Any]:
    return {
        "ref": ref,
        "category": "coins",
        "quantity": 91,
        "place_type": "airport",
        "description": description,
        "origin_country": "IT",
        "destination_country": "FR",
    }


def test_coordinator_merges_a_pair_on_the_page(tmp_path: Any, browser: Any) -> None:
    env = {
        "OPCOORD_DATABASE_URL": f"sqlite:///{tmp_path}/opcoord.db",
        "OPCOORD_ADMIN_TOKEN": ADMIN_TOKEN,
    }
    with opcoord_server(env, tmp_path / "server.log") as base:
        today = datetime.now(UTC).date()
        operation = {
            "code": "PANDORA-D",
            "name": "Operation Pandora D",
            "lead": "Guardia Civil",
            "starts_on": str(today - timedelta(days=5)),
            "ends_on": str(today + timedelta(days=5)),
            "timezone": "UTC",
            "daily_cutoff": "10:00",
        }
        api(base, "POST", "/api/operations", json=operation)
        for country in ("ES", "FR"):
            body = {"country": country, "agencies": ["customs"]}
            api(base, "POST", "/api/operations/PANDORA-D/participants", json=body)
        reports = {"ES": ("ES-GC-1", "Roman gold aurei"), "FR": ("FR-DG-9", "Aurei romains en or")}
        for offset, (country, (ref, text)) in enumerate(reports.items(), start=2):
            day = today - timedelta(days=offset)
            body = {"seizures": [coins(ref, text)], "amendment_reason": "late"}
            api(base, "PUT", f"/api/operations/PANDORA-D/returns/{country}/{day}", json=body)
        assert (
            api(base, "GET", "/api/operations/PANDORA-D/summary").json()["totals"]["objects_seized"]
            == 182
        )

        context = browser.new_context(
            viewport={"width": 1366, "height": 900}, extra_http_headers=AUTH
        )
        page = context.new_page()
        offline = Offline(page)
        page.goto(f"{base}/operations/PANDORA-D/duplicates")
        row = page.locator("tr[data-pair]")
        assert row.count() == 1
        text = row.inner_text()
        assert "Roman gold aurei" in text and "Aurei romains en or" in text
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "duplicates-pending.png"), full_page=True)
        with page.expect_navigation():
            page.click("tr[data-pair] button:has-text('Merge')")
        assert "merged" in page.locator("tr[data-pair]").inner_text()
        page.screenshot(path=str(SHOTS / "duplicates-merged.png"), full_page=True)
        totals = api(base, "GET", "/api/operations/PANDORA-D/summary").json()["totals"]
        assert totals["objects_seized"] == 91
        assert totals["seizures"] == 1
        assert offline.attempted == []
        context.close()
