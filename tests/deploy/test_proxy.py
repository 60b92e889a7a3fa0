"""compose.yaml's topology without Docker: two `opcoord serve` on one PostgreSQL behind
Debian's nginx running deploy/nginx.conf (only its upstream servers, listen address and
log file replaced). A dashboard signed in through the proxy gets a change submitted
through the other replica; when its replica stops, it reconnects and misses nothing."""

import asyncio
import contextlib
import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from serving import AUDIT_KEY, free_port, opcoord_server

from conftest import OPERATION, PG_URL, _pg_exec, _pg_url_for

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "deploy" / "nginx.conf"
ADMIN = "proxy-admin-token-0123456789"
PASSWORD = "proxy-test-password-42"
CODE = "PROXY-1"
NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
)

pytestmark = [
    pytest.mark.multiprocess,
    pytest.mark.skipif(PG_URL is None, reason="needs OPCOORD_TEST_DATABASE_URL (PostgreSQL)"),
]


def render(conf: str, upstreams: list[int], port: int, access_log: Path) -> str:
    """deploy/nginx.conf for 127.0.0.1: each replacement must match exactly once, so the
    test stops the day the shipped file changes shape."""
    server = re.compile(r"^(\s*)server app:8000 resolve (.*);$", re.M)
    assert len(server.findall(conf)) == 1, "one `server app:8000 resolve ...;` line"
    conf = server.sub(
        lambda m: "\n".join(f"{m[1]}server 127.0.0.1:{p} {m[2]};" for p in upstreams), conf
    )
    for old, new in (
        ("listen 80;", f"listen 127.0.0.1:{port};"),
        ("/var/log/nginx/access.log", str(access_log)),
    ):
        assert conf.count(old) == 1, old
        conf = conf.replace(old, new)
    return conf


#: What the nginx image's own nginx.conf around conf.d/ gives, for a prefix of ours.
MAIN = """worker_processes 1;
pid {prefix}/nginx.pid;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    keepalive_timeout 65;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/opcoord.conf;
}}
"""


@contextlib.contextmanager
def nginx(upstreams: list[int]) -> Iterator[tuple[int, Path]]:
    """Debian's nginx on a free port in front of ``upstreams``, run by nobody when the
    test runs as root; yield its port and folder."""
    if NGINX is None:
        if os.environ.get("CI"):
            pytest.fail("nginx is missing: scripts/test.sh installs it in CI")
        pytest.skip("needs Debian's nginx (apt-get install nginx)")
    prefix = Path(tempfile.mkdtemp(prefix="opcoord-nginx-"))
    port = free_port()
    (prefix / "opcoord.conf").write_text(
        render(SHIPPED.read_text(), upstreams, port, prefix / "access.log")
    )
    (prefix / "nginx.conf").write_text(MAIN.format(prefix=prefix))
    run_as: dict[str, Any] = {}
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        os.chown(prefix, nobody.pw_uid, nobody.pw_gid)
        run_as = {"user": nobody.pw_uid, "group": nobody.pw_gid}
    command = [NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf")]
    command += ["-e", str(prefix / "error.log")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, **run_as)
    assert checked.returncode == 0, checked.stderr  # the shipped file, as nginx reads it
    proc = subprocess.Popen([*command, "-g", "daemon off;"], **run_as)
    try:
        deadline = time.monotonic() + 20
        while True:
            assert proc.poll() is None, (prefix / "error.log").read_text()
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            assert time.monotonic() < deadline, "nginx did not answer"
            time.sleep(0.1)
        yield port, prefix
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        shutil.rmtree(prefix, ignore_errors=True)


class Replica:
    """One `opcoord serve` that the test can stop on its own (SIGTERM, as compose does)."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.stack = contextlib.ExitStack()
        self.base = self.stack.enter_context(opcoord_server(env, log))
        self.port = int(self.base.rsplit(":", 1)[1])

    def live_connections(self) -> float:
        text = httpx.get(f"{self.base}/metrics", timeout=5).text
        for family in text_string_to_metric_families(text):
            if family.name == "opcoord_live_connections":
                return float(family.samples[0].value)
        raise AssertionError("no opcoord_live_connections in /metrics")

    def stop(self) -> None:
        self.stack.close()


@pytest.fixture
def database() -> Iterator[str]:
    name = f"opcoord_proxy_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_exec(f'CREATE DATABASE "{name}"'))
    try:
        yield _pg_url_for(name)
    finally:
        asyncio.run(_pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def replicas(database: str, tmp_path: Path) -> Iterator[list[Replica]]:
    env = {"OPCOORD_DATABASE_URL": database, "OPCOORD_ADMIN_TOKEN": ADMIN}
    started: list[Replica] = []
    try:
        started.append(Replica(env, tmp_path / "replica0.log"))
        started.append(Replica(env, tmp_path / "replica1.log"))
        setpw = subprocess.run(
            [sys.executable, "-m", "opcoord.cli", "users", "set-password", "admin"],
            input=f"{PASSWORD}\n{PASSWORD}\n",
            env={**os.environ, **env, "OPCOORD_AUDIT_KEY": AUDIT_KEY},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert setpw.returncode == 0, setpw.stderr
        yield started
    finally:
        for replica in reversed(started):
            replica.stop()


def _operation() -> dict[str, Any]:
    today = datetime.now(UTC).date()
    return {
        **OPERATION,
        "code": CODE,
        "timezone": "UTC",
        "starts_on": str(today - timedelta(days=5)),
        "ends_on": str(today + timedelta(days=5)),
    }


def _return(ref: str, quantity: int) -> dict[str, Any]:
    place = {"category": "coins", "place_type": "airport"}
    return {"seizures": [{"ref": ref, "quantity": quantity, **place}]}


async def _next(ws: ClientConnection) -> dict[str, Any]:
    """The next message that is not a pong."""
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 15))
        if message.get("type") != "pong":
            return dict(message)


async def _holder(replicas: list[Replica]) -> Replica:
    """The replica the proxy gave the dashboard's socket to, as its metrics say."""
    deadline = time.monotonic() + 10
    while True:
        counts = await asyncio.gather(*(asyncio.to_thread(r.live_connections) for r in replicas))
        if sorted(counts) == [0.0, 1.0]:
            return replicas[counts.index(1.0)]
        assert time.monotonic() < deadline, f"live connections per replica: {counts}"
        await asyncio.sleep(0.1)


async def _scenario(replicas: list[Replica], port: int) -> None:
    proxy = f"http://127.0.0.1:{port}"
    admin = {"Authorization": f"Bearer {ADMIN}"}
    today = str(datetime.now(UTC).date())
    async with httpx.AsyncClient(base_url=proxy, headers=admin, timeout=15) as api:
        assert (await api.post("/api/operations", json=_operation())).status_code == 201
        for country in ("GR", "PT"):
            body = {"country": country, "agencies": ["customs"]}
            r = await api.post(f"/api/operations/{CODE}/participants", json=body)
            assert r.status_code == 201, r.text
        assert (await api.get("/metrics")).status_code == 404  # scraped per replica only
        assert (await api.get("/ready")).json()["status"] == "ready"

        # A coordinator signs in through the proxy, as a browser does.
        async with httpx.AsyncClient(base_url=proxy) as browser:
            form = {"username": "admin", "password": PASSWORD, "next": "/"}
            signed = await browser.post("/signin", data=form)
            assert signed.status_code == 303, signed.text
            cookie = signed.cookies["opcoord_session"]
        headers = {"Cookie": f"opcoord_session={cookie}", "Origin": proxy}
        live = f"ws://127.0.0.1:{port}/api/operations/{CODE}/live"

        async with connect(live, proxy=None, additional_headers=headers, max_queue=None) as ws:
            snapshot = await _next(ws)  # the Origin matched the Host the replica saw
            assert snapshot["type"] == "snapshot", snapshot
            holder = await _holder(replicas)
            other = next(r for r in replicas if r is not holder)
            r = await api.put(
                f"{other.base}/api/operations/{CODE}/returns/GR/{today}", json=_return("GR-1", 5)
            )
            assert r.status_code == 201, r.text
            event = await _next(ws)
            assert (event["type"], event["country"]) == ("return_submitted", "GR")
            assert event["seq"] > snapshot["seq"] and event["delta"]["objects_seized"] == 5

            stopping = asyncio.create_task(asyncio.to_thread(holder.stop))
            seen = [event]  # and the return's other events (its seizures), up to the close
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    seen.append(await _next(ws))
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1012  # restart
            await stopping
            last = max(m["seq"] for m in seen)

        # With one replica gone, the proxy sends everything to the other, without an error.
        r = await api.put(f"/api/operations/{CODE}/returns/PT/{today}", json=_return("PT-1", 7))
        assert r.status_code == 201, r.text
        for _ in range(10):
            assert (await api.get(f"/api/operations/{CODE}/summary")).status_code == 200

        # The dashboard reconnects as it does after any drop, from the last seq it holds:
        # it is given what it missed, not a new snapshot.
        async with connect(
            f"{live}?since={last}", proxy=None, additional_headers=headers, max_queue=None
        ) as ws:
            missed = await _next(ws)
            assert missed["type"] != "snapshot" and missed["seq"] == last + 1, missed
            while missed["type"] != "return_submitted":
                missed = await _next(ws)
            assert missed["country"] == "PT" and missed["delta"]["objects_seized"] == 7
            assert await asyncio.to_thread(other.live_connections) == 1.0
        totals = (await api.get(f"/api/operations/{CODE}/summary")).json()["totals"]
        assert totals["objects_seized"] == 12


def test_two_replicas_behind_the_shipped_nginx(replicas: list[Replica]) -> None:
    with nginx([r.port for r in replicas]) as (port, prefix):
        asyncio.run(_scenario(replicas, port))
        log = (prefix / "access.log").read_text()
    # nginx's access log names the request id the replica logged for the same request.
    assert re.search(r"request_id=[0-9a-f]{32}", log), log[-2000:]
