"""Hardening that an attacker or a careless operator would probe: security headers,
inputs that used to reach a 5xx, what /static serves, secrets refused in production,
files only their owner can read."""

import os
import socket
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from litestar.exceptions import WebSocketDisconnect

from opcoord.headers import inline_script_hashes

from conftest import ADMIN, Api, seizure

RETURN = "/api/operations/PANDORA-X/returns/ES/2026-06-09"


def test_security_headers_on_pages_and_data(api: Api) -> None:
    api.operation()
    api.participant("ES")
    api.put_return("ES", "2026-06-09", {"seizures": [seizure("ES-1", 3, lat=40.4, lon=-3.7)]},
                   ADMIN)  # fmt: skip
    page = api.client.get("/signin")
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'self'" in csp
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "same-origin"
    assert page.headers["cache-control"] == "no-store"
    data = api.client.get("/api/operations/PANDORA-X/summary", headers=ADMIN)
    assert data.headers["cache-control"] == "no-store" and data.headers["x-request-id"]
    asset = api.client.get("/static/css/app.css")
    assert asset.status_code == 200 and asset.headers.get("cache-control") != "no-store"
    assert "strict-transport-security" not in page.headers  # plain HTTP here
    # The map frame's inline scripts run because their hashes are in its policy.
    frame = api.client.get("/operations/PANDORA-X/map/frame", headers=ADMIN)
    hashes = inline_script_hashes(frame.content)
    assert hashes and all(h in frame.headers["content-security-policy"] for h in hashes)


async def test_hsts_behind_https() -> None:
    """Over HTTPS (directly, or through a proxy uvicorn trusts) browsers are told to
    keep to HTTPS; pages get a policy that allows exactly their own inline scripts."""
    from opcoord.headers import SecurityHeaders

    script = b"<script>alert(1)</script><script src='/x.js'></script>"

    async def page(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/html")]})  # fmt: skip
        await send({"type": "http.response.body", "body": script})

    sent: list[dict[str, Any]] = []

    async def send(message: Any) -> None:
        sent.append(message)

    async def receive() -> Any:
        return {"type": "http.request"}

    for scheme in ("https", "http"):
        sent.clear()
        await SecurityHeaders(page)({"type": "http", "scheme": scheme, "path": "/"}, receive, send)
        headers = dict(sent[0]["headers"])
        assert (b"strict-transport-security" in headers) is (scheme == "https")
        csp = headers[b"content-security-policy"].decode()
        assert inline_script_hashes(script)[0] in csp and len(inline_script_hashes(script)) == 1
        assert sent[1]["body"] == script


def test_static_serves_assets_not_templates(api: Api) -> None:
    for path in ("/static/templates/base.html", "/static/../templates/base.html",
                 "/static/%2e%2e/templates/base.html"):  # fmt: skip
        r = api.client.get(path)
        assert r.status_code == 404, path
        assert "{% block" not in r.text
    assert api.client.get("/static/js/live/state.js").status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", RETURN, "[" * 2000 + "]" * 2000),
        ("POST", "/api/operations", '{"a":' * 2000 + "1" + "}" * 2000),
    ],
)
def test_deeply_nested_json_is_a_400(api: Api, method: str, path: str, body: str) -> None:
    api.operation()
    api.participant("ES")
    headers = {**ADMIN, "content-type": "application/json"}
    r = api.client.request(method, path, content=body, headers=headers)
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "body"
    # Before authentication nothing is even read.
    assert api.client.request(method, path, content=body).status_code == 401


@pytest.mark.parametrize(
    "path",
    [
        RETURN + "?version=99999999999999999999",
        "/api/operations/PANDORA-X/report?number=99999999999999999999",
        "/api/operations/PANDORA-X/report.pdf?number=99999999999999999999",
        "/api/audit?cursor=99999999999999999999999",
        "/api/operations/PANDORA-X/returns/ES/2026-13-45",
        "/api/operations/PANDORA-X/seizures.geojson?from=2026-99-01",
    ],
)
def test_huge_or_malformed_numbers_are_a_422_naming_them(api: Api, path: str) -> None:
    api.operation()
    api.participant("ES")
    r = api.client.get(path, headers=ADMIN)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] in ("version", "number", "cursor", "day", "from")


@pytest.mark.parametrize("first", ["[" * 3000 + "]" * 3000, "[1, 2]", '"auth"', "x" * 100_000])
def test_a_websocket_first_message_that_is_not_auth_is_a_1008(api: Api, first: str) -> None:
    api.operation()
    with api.client.websocket_connect("/api/operations/PANDORA-X/live") as ws:
        ws.send_text(first)
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json(timeout=10)
        assert closed.value.code == 1008


def _serve(env: dict[str, str], tmp: Path) -> subprocess.CompletedProcess[str]:
    """`opcoord serve` on a port that is taken: it stops before serving anything."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        return subprocess.run(
            [sys.executable, "-m", "opcoord.cli", "serve", "--port", port],
            env={**os.environ, **env},
            cwd=tmp,
            capture_output=True,
            text=True,
            timeout=60,
        )


def test_production_refuses_weak_or_missing_secrets(tmp_path: Path) -> None:
    base = {
        "OPCOORD_ENVIRONMENT": "production",
        "OPCOORD_DATABASE_URL": f"sqlite:///{tmp_path}/p.db",
    }
    env = {k: v for k, v in os.environ.items() if k.startswith("OPCOORD_")}
    for k in env:
        os.environ.pop(k, None)
    try:
        short = _serve({**base, "OPCOORD_ADMIN_TOKEN": "short-but-16-chars"}, tmp_path)
        assert short.returncode != 0 and "OPCOORD_ADMIN_TOKEN" in short.stderr
        assert "OPCOORD_AUDIT_KEY" in short.stderr  # both problems, each named
        assert len(short.stderr.strip().splitlines()) == 1  # one line, no traceback
        known = _serve({**base, "OPCOORD_ADMIN_TOKEN": "test-admin-token-0123456789",
                        "OPCOORD_AUDIT_KEY": "x" * 40}, tmp_path)  # fmt: skip
        assert known.returncode != 0 and "published example" in known.stderr
        pg = _serve({**base, "OPCOORD_DATABASE_URL": "postgresql://opcoord:postgres@db/opcoord",
                     "OPCOORD_AUDIT_KEY": "y" * 40}, tmp_path)  # fmt: skip
        assert pg.returncode != 0 and "database password" in pg.stderr
    finally:
        os.environ.update(env)


def test_first_start_token_and_database_are_private_files(tmp_path: Path) -> None:
    """The first start's admin token goes to a 0600 file, not to the log; the SQLite
    database and the audit key are created 0600."""
    env = {
        "OPCOORD_DATABASE_URL": f"sqlite:///{tmp_path}/first.db",
        "OPCOORD_ADMIN_TOKEN": "",
        "OPCOORD_AUDIT_KEY": "",
    }
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("OPCOORD_")}
    try:
        # The port is taken: the server refuses in one line, before creating anything.
        ran = _serve(env, tmp_path)
    finally:
        os.environ.update(saved)
    assert ran.returncode != 0 and "cannot listen on" in ran.stderr
    token_file = tmp_path / "opcoord-admin.token"
    assert not token_file.exists()  # refused before anything was created
    ran = subprocess.run(
        [sys.executable, "-m", "opcoord.cli", "migrate"],
        env={**{k: v for k, v in os.environ.items() if not k.startswith("OPCOORD_")}, **env},
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    for name in ("first.db", "first.db.audit-key"):
        mode = stat.S_IMODE((tmp_path / name).stat().st_mode)
        assert mode == 0o600, (name, oct(mode))


def test_first_start_writes_the_token_to_a_private_file(tmp_path: Path) -> None:
    from serving import opcoord_server

    env = {"OPCOORD_DATABASE_URL": f"sqlite:///{tmp_path}/srv.db", "OPCOORD_ADMIN_TOKEN": ""}
    log = tmp_path / "server.log"
    with opcoord_server(env, log, cwd=tmp_path):
        pass
    token_file = tmp_path / "opcoord-admin.token"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    token = token_file.read_text().strip()
    assert len(token) >= 40 and token not in log.read_text()
    assert "opcoord-admin.token" in log.read_text()
