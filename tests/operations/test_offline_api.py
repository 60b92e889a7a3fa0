"""What an offline client relies on when it sends a kept return later: the ETag of each
version, 412 naming the version now current (in the body and the ETag) when its base is
stale, and no second version for a retry of what was already saved. Also the offline
worker's script and the queue's logic (under node)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from test_returns_api import DAY, full_return, setup

from conftest import Api

ROOT = Path(__file__).resolve().parents[2]
BASE = f"/api/operations/PANDORA-X/returns/ES/{DAY}"


def test_a_stale_base_is_412_naming_the_current_version(api: Api) -> None:
    es = setup(api)
    assert api.put_return("ES", DAY, full_return(), es).headers["etag"] == '"1"'
    two = api.put_return("ES", DAY, full_return(notes="second"), {**es, "If-Match": '"1"'})
    assert two.status_code == 200 and two.headers["etag"] == '"2"'
    # A draft written on version 1 while offline, sent once the line is back.
    late = api.put_return("ES", DAY, full_return(notes="draft"), {**es, "If-Match": '"1"'})
    assert late.status_code == 412
    assert late.headers["etag"] == '"2"'
    error = late.json()["errors"][0]
    assert error["type"] == "stale_version" and error["current_version"] == 2
    current = api.client.get(BASE, headers=es)
    assert current.headers["etag"] == '"2"' and current.json()["notes"] == "second"
    versions = api.client.get(f"{BASE}/versions", headers=es).json()
    assert [v["version"] for v in versions] == [1, 2]


def test_a_first_version_written_offline_meets_one_saved_meanwhile(api: Api) -> None:
    es = setup(api)
    api.put_return("ES", DAY, full_return(notes="theirs"), es)
    mine = api.put_return("ES", DAY, full_return(notes="mine"), {**es, "If-None-Match": "*"})
    assert mine.status_code == 412
    assert mine.json()["errors"][0]["current_version"] == 1
    assert mine.headers["etag"] == '"1"'
    assert api.client.get(BASE, headers=es).json()["notes"] == "theirs"


def test_a_retry_whose_first_answer_was_lost_adds_no_version(api: Api) -> None:
    es = setup(api)
    api.put_return("ES", DAY, full_return(), es)
    body = full_return(notes="sent twice")
    first = api.put_return("ES", DAY, body, {**es, "If-Match": '"1"'})
    assert first.status_code == 200 and first.json()["version"] == 2
    # The answer was lost: the client sends the same body with the same If-Match.
    again = api.put_return("ES", DAY, body, {**es, "If-Match": '"1"'})
    assert again.status_code == 200 and again.json()["version"] == 2
    assert again.headers["etag"] == '"2"'
    assert len(api.client.get(f"{BASE}/versions", headers=es).json()) == 2


def test_the_offline_worker_is_served_for_the_operations_pages(api: Api) -> None:
    r = api.client.get("/sw.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    assert r.headers["cache-control"] == "no-cache"
    body = r.text
    assert "__OFFLINE_VERSION__" not in body
    assert "opcoord-assets-" in body and "/static/js/returns.js" in body
    assert "worker-src 'self'" in r.headers["content-security-policy"]


def test_the_worker_cache_changes_with_the_assets(tmp_path: Path) -> None:
    from opcoord.operations.pages import offline_worker_source

    static = tmp_path / "static"
    shutil.copytree(ROOT / "frontend" / "static" / "js", static / "js")
    before = offline_worker_source(static)
    (static / "js" / "returns.js").write_text("// a new release\n")
    after = offline_worker_source(static)
    assert before != after
    assert before.replace(b"opcoord-assets-", b"") != after.replace(b"opcoord-assets-", b"")


def test_the_queue_logic_under_node() -> None:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("CI needs node to test the offline queue", pytrace=False)
        pytest.skip("needs node")
    ran = subprocess.run(
        [node, str(ROOT / "tests" / "js" / "offline_queue.mjs")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "FAIL" not in ran.stdout and ran.stdout.count("ok ") >= 8


def test_signing_out_tells_the_browser_to_delete_what_it_kept(api: Api) -> None:
    r = api.client.post("/signout", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["clear-site-data"] == '"storage"'
