"""A server killed while it retries a webhook loses nothing: another server on the same
PostgreSQL takes the delivery over once its lease runs out, with the same delivery id,
and the receiver accepts each event exactly once."""

import asyncio
import os
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sinks import Received, receiver

from serving import opcoord_server

from conftest import PG_URL, _pg_exec, _pg_url_for

pytestmark = [
    pytest.mark.multiprocess,
    pytest.mark.skipif(not PG_URL, reason="needs OPCOORD_TEST_DATABASE_URL (PostgreSQL)"),
]
TOKEN = "outbound-kill-admin-token-0123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SECRET = "kill-test-shared-secret-0123"
# Open on the real clock (the servers run on it).
TODAY = datetime.now(UTC).date()
OPERATION = {
    "code": "PANDORA-K",
    "name": "Operation Pandora K",
    "lead": "Guardia Civil",
    "partners": ["Europol"],
    "starts_on": str(TODAY - timedelta(days=1)),
    "ends_on": str(TODAY + timedelta(days=5)),
    "timezone": "UTC",
    "daily_cutoff": "23:59",
}
ENV = {
    "OPCOORD_ADMIN_TOKEN": TOKEN,
    "OPCOORD_SCHEDULER_ENABLED": "false",
    "OPCOORD_OUTBOUND_POLL_SECONDS": "0.2",
    "OPCOORD_OUTBOUND_BACKOFF_SECONDS": "1",
    "OPCOORD_OUTBOUND_LEASE_SECONDS": "3",
}


@pytest.fixture
def pg_db() -> Iterator[str]:
    name = f"opcoord_outkill_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_exec(f'CREATE DATABASE "{name}"'))
    try:
        yield _pg_url_for(name).replace("postgresql+asyncpg://", "postgresql://")
    finally:
        asyncio.run(_pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


class Script:
    """Per delivery: the first attempt fails; the second is held (its sender is killed
    meanwhile) and then fails; every later one succeeds."""

    def __init__(self) -> None:
        self.held = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.seen: dict[str, int] = {}

    def __call__(self, headers: dict[str, str]) -> int:
        key = headers["x-opcoord-delivery"]
        with self.lock:
            self.seen[key] = n = self.seen.get(key, 0) + 1
        if n == 2 and not self.release.is_set():
            self.held.set()
            self.release.wait(30)
        return 500 if n <= 2 else 200


def wait(what: str, test: Any, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := test()):
        assert time.monotonic() < deadline, what
        time.sleep(0.1)
    return found


def test_a_server_killed_during_a_retry_loses_no_delivery(pg_db: str, tmp_path: Any) -> None:
    env = {**ENV, "OPCOORD_DATABASE_URL": pg_db}
    script = Script()
    with receiver(SECRET) as box:
        box.answer = script
        with opcoord_server(env, log=tmp_path / "a.log") as a:
            a_pid = opcoord_server.pid  # type: ignore[attr-defined]
            body = {"url": box.url, "events": ["participant_added"], "secret": SECRET}
            r = httpx.post(f"{a}/api/webhooks", json=body, headers=AUTH)
            assert r.status_code == 201, r.text
            hook_id = r.json()["id"]
            assert httpx.post(f"{a}/api/operations", json=OPERATION, headers=AUTH).is_success
            for cc in ("ES", "FR", "IT"):
                joins = {"country": cc, "agencies": ["police"]}
                r = httpx.post(f"{a}/api/operations/PANDORA-K/participants", json=joins,
                               headers=AUTH)  # fmt: skip
                assert r.status_code == 201, r.text
            wait("a retry under way", script.held.is_set)
            os.kill(a_pid, signal.SIGKILL)  # mid-send: no shutdown hook runs
        script.release.set()
        with opcoord_server(env, log=tmp_path / "b.log") as b:

            def delivered() -> list[dict[str, Any]] | None:
                r = httpx.get(f"{b}/api/webhooks/{hook_id}/deliveries", headers=AUTH)
                found = list(r.json())
                done = len(found) == 3 and all(d["status"] == "delivered" for d in found)
                return found if done else None

            found = wait("every delivery delivered by the second server", delivered)
    accepted: dict[str, list[Received]] = {}
    for req in box.requests:
        assert req.signed
        if req.answered == 200:
            accepted.setdefault(req.delivery, []).append(req)
    # Each event accepted exactly once, under the id its log shows.
    assert sorted(accepted) == sorted(d["id"] for d in found)
    assert all(len(v) == 1 for v in accepted.values())
    got = sorted(v[0].json["participant"]["country"] for v in accepted.values())
    assert got == ["ES", "FR", "IT"]
    # The attempt cut short by the kill is in the log, unfinished.
    cut = [a for d in found for a in d["attempts"] if a["finished_at"] is None]
    assert cut, found
