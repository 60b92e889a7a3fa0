"""The API browser in a real browser: Authorize with a token, then a call answers 200."""

from pathlib import Path
from typing import Any

from browsing import MARKS, Offline
from serving import opcoord_server

pytestmark = MARKS
TOKEN = "swagger-admin-token-0123456789"


def test_authorize_then_try_it_out_gets_200(browser: Any, tmp_path: Path) -> None:
    env = {
        "OPCOORD_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'swagger.db'}",
        "OPCOORD_ADMIN_TOKEN": TOKEN,
        "OPCOORD_SCHEDULER_ENABLED": "false",
    }
    with opcoord_server(env, log=tmp_path / "server.log") as base:
        page = browser.new_page()
        offline = Offline(page)
        page.goto(f"{base}/schema/swagger")
        page.click("button.authorize")
        page.fill(".auth-container input", TOKEN)
        page.click(".auth-btn-wrapper button.authorize")
        page.click(".auth-btn-wrapper button.btn-done")
        block = page.locator(".opblock-get", has=page.locator("[data-path='/api/operations']"))
        block.locator(".opblock-summary").first.click()
        block.locator("button.try-out__btn").click()
        with page.expect_response(f"{base}/api/operations") as answer:
            block.locator("button.execute").click()
        assert answer.value.status == 200
        assert answer.value.request.headers["authorization"] == f"Bearer {TOKEN}"
        status = block.locator(".live-responses-table tbody .response-col_status").first
        assert status.inner_text().strip() == "200"
        assert offline.attempted == []
        page.close()
