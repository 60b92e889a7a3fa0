"""A partner in a real browser: signs in, finds the published report, downloads its PDF."""

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from browsing import MARKS, SHOTS, Offline
from serving import opcoord_server

ADMIN_TOKEN = "portal-browser-admin-token-0123456789"
PASSWORD = "correct horse battery"
pytestmark = MARKS


def api(base: str, method: str, path: str, **kw: Any) -> httpx.Response:
    r = httpx.request(
        method,
        f"{base}{path}",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        timeout=60,
        **kw,
    )
    assert r.status_code < 400, f"{method} {path}: {r.status_code} {r.text}"
    return r


def test_partner_downloads_the_published_pdf(tmp_path: Any, browser: Any) -> None:
    env = {
        "OPCOORD_DATABASE_URL": f"sqlite:///{tmp_path}/opcoord.db",
        "OPCOORD_ADMIN_TOKEN": ADMIN_TOKEN,
    }
    with opcoord_server(env, tmp_path / "server.log") as base:
        today = datetime.now(UTC).date()
        api(
            base,
            "POST",
            "/api/operations",
            json={
                "code": "PANDORA-P",
                "name": "Operation Pandora P",
                "lead": "Guardia Civil",
                "starts_on": str(today - timedelta(days=3)),
                "ends_on": str(today + timedelta(days=3)),
                "timezone": "UTC",
                "daily_cutoff": "10:00",
            },
        )
        api(
            base,
            "POST",
            "/api/operations/PANDORA-P/participants",
            json={"country": "ES", "agencies": ["customs"]},
        )
        api(
            base,
            "PUT",
            f"/api/operations/PANDORA-P/returns/ES/{today - timedelta(days=1)}",
            json={
                "seizures": [
                    {
                        "ref": "ES-CASE-77",
                        "category": "coins",
                        "quantity": 91,
                        "place_type": "airport",
                        "description": "suspect's suitcase",
                    }
                ],
                "amendment_reason": None,
            },
        )
        api(base, "POST", "/api/operations/PANDORA-P/close")
        deadline = time.monotonic() + 60
        while (
            api(base, "GET", "/api/operations/PANDORA-P/report/status").json()["editions"][-1][
                "status"
            ]
            != "ready"
        ):
            assert time.monotonic() < deadline, "report not produced"
            time.sleep(0.3)
        api(base, "POST", "/api/operations/PANDORA-P/report/publish")
        api(base, "POST", "/api/users", json={"username": "unesco", "role": "partner"})
        api(base, "PUT", "/api/users/unesco/password", json={"password": PASSWORD})

        context = browser.new_context(
            viewport={"width": 1366, "height": 900}, accept_downloads=True
        )
        page = context.new_page()
        offline = Offline(page)
        page.goto(f"{base}/reports")
        page.fill("#username", "unesco")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/reports")
        assert "Operation Pandora P" in page.inner_text("main")
        page.click("a[href='/operations/PANDORA-P/report']")
        page.wait_for_url(f"{base}/operations/PANDORA-P/report")
        report = page.frame_locator("iframe.reportframe")
        assert "91" in report.locator("body").inner_text(timeout=15_000)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "portal-partner-report.png"))
        with page.expect_download() as download:
            page.click("a.button:has-text('PDF')")
        path = download.value.path()
        assert download.value.suggested_filename == "PANDORA-P-report-edition-1-partner.pdf"
        pdf = Path(path).read_bytes()
        assert pdf.startswith(b"%PDF") and b"ES-CASE-77" not in pdf
        assert offline.attempted == []
        context.close()
