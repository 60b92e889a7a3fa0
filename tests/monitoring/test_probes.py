"""/health, /ready and /metrics as an operator reads them, on SQLite and PostgreSQL."""

import asyncio
import gc
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import pytest
import sqlalchemy as sa
from litestar.testing import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import make_url

from opcoord.accounts.models import LiveConnection
from opcoord.app import create_app
from opcoord.clock import FrozenClock
from opcoord.config import Settings

from conftest import (
    ADMIN,
    ADMIN_TOKEN,
    AUDIT_KEY,
    PG_URL,
    Api,
    _pg_admin_dsn,
    _pg_exec,
    seizure,
)

LIVE = "/api/operations/PANDORA-X/live"
DAY = "2026-06-09"


def samples(client: TestClient[Any]) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of /metrics, parsed with Prometheus' own parser."""
    r = client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain; version=")
    out = {}
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def value(client: TestClient[Any], name: str, **labels: str) -> float:
    return samples(client).get((name, frozenset(labels.items())), 0.0)


def wait_ready(client: TestClient[Any], seconds: float = 15) -> dict[str, Any]:
    """/ready once it says ready (the LISTEN connection comes up just after start)."""
    deadline = time.monotonic() + seconds
    while True:
        r = client.get("/ready")
        if r.status_code == 200 or time.monotonic() > deadline:
            return {"status_code": r.status_code, **r.json()}
        time.sleep(0.1)


def collect_severed_connections() -> None:
    """The driver connections a fault cut are garbage once the app has stopped: collect
    them here, where their ResourceWarning ("unclosed connection") is expected, rather
    than during some later test."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


@pytest.fixture
def api(client: TestClient[Any]) -> Api:
    """The suite's API helper, once this app is ready: an app stopped while its LISTEN
    connection is still being opened leaves that connection to the garbage collector."""
    assert wait_ready(client)["status_code"] == 200
    return Api(client)


def test_health_and_ready_say_ok(client: TestClient[Any], settings: Settings) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    ready = wait_ready(client)
    assert ready["status_code"] == 200, ready
    expected = {"database": "ok", "migrations": "ok"}
    if not settings.is_sqlite:
        expected["listen"] = "ok"  # other instances' changes reach this one's dashboards
    assert ready == {"status_code": 200, "status": "ready", "checks": expected}


def test_ready_is_503_while_the_schema_is_behind_the_code(client: TestClient[Any]) -> None:
    assert wait_ready(client)["status_code"] == 200

    def stamp(revision: str) -> str:
        async def run() -> str:
            async with client.app.state.db.write() as session:
                old = await session.scalar(sa.text("SELECT version_num FROM alembic_version"))
                await session.execute(
                    sa.text("UPDATE alembic_version SET version_num = :v"), {"v": revision}
                )
                return str(old)

        return str(client.blocking_portal.call(run))

    head = stamp("0001")  # as if a newer build started before `opcoord migrate` ran
    try:
        r = client.get("/ready")
        assert r.status_code == 503
        assert r.json()["status"] == "not ready"
        assert r.json()["checks"]["database"] == "ok"
        assert "run opcoord migrate" in r.json()["checks"]["migrations"]
        assert client.get("/health").status_code == 200  # alive, only not ready
    finally:
        stamp(head)
    assert client.get("/ready").status_code == 200


def test_ready_is_503_when_the_sqlite_file_cannot_be_opened(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'gone' / 'opcoord.db'}",
        audit_key=AUDIT_KEY,
        environment="test",
        scheduler_enabled=False,
    )
    with TestClient(create_app(settings)) as client:
        r = client.get("/ready")
        assert r.status_code == 503
        assert r.json()["checks"] == {"database": "unreachable: OperationalError"}
        assert client.get("/health").status_code == 200
    collect_severed_connections()


@pytest.fixture
def pg_database() -> Iterator[str]:
    """A migrated PostgreSQL database of its own, that the test may lock out."""
    if PG_URL is None:
        pytest.skip("needs OPCOORD_TEST_DATABASE_URL (PostgreSQL)")
    import uuid

    from opcoord.db import migrate_url

    from conftest import _pg_url_for

    name = f"opcoord_ready_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_exec(f'CREATE DATABASE "{name}"'))
    try:
        url = _pg_url_for(name)
        asyncio.run(migrate_url(url))
        yield url
    finally:
        asyncio.run(_pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _terminate_connections(name: str) -> None:
    conn = await asyncpg.connect(_pg_admin_dsn(), timeout=10)
    try:
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
    finally:
        await conn.close()


def test_ready_is_503_while_postgresql_is_unreachable_and_recovers(pg_database: str) -> None:
    name = str(make_url(pg_database).database)
    settings = Settings(
        database_url=pg_database,
        admin_token=ADMIN_TOKEN,
        audit_key=AUDIT_KEY,
        environment="test",
        scheduler_enabled=False,
        db_pool_size=2,
    )
    with TestClient(create_app(settings)) as client:
        assert wait_ready(client)["status_code"] == 200
        # The database refuses every connection, the open ones included.
        asyncio.run(_pg_exec(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
        asyncio.run(_terminate_connections(name))
        try:
            r = client.get("/ready")
            assert r.status_code == 503, r.text
            assert r.headers["retry-after"] == "5"
            checks = r.json()["checks"]
            assert checks["database"].startswith("unreachable"), checks
            assert client.get("/health").status_code == 200
        finally:
            asyncio.run(_pg_exec(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        ready = wait_ready(client)  # the pool and the LISTEN connection come back
        assert ready["status_code"] == 200, ready
        assert ready["checks"] == {"database": "ok", "migrations": "ok", "listen": "ok"}
    collect_severed_connections()


def test_requests_are_counted_and_timed_by_route_template(api: Api) -> None:
    client = api.client
    api.operation()
    labels = {"method": "GET", "route": "/api/operations/{code}/summary"}
    ok = value(client, "opcoord_http_requests_total", **labels, status="200")
    missing = value(client, "opcoord_http_requests_total", **labels, status="404")
    timed = value(client, "opcoord_http_request_duration_seconds_count", **labels)
    assert client.get("/api/operations/PANDORA-X/summary", headers=ADMIN).status_code == 200
    assert client.get("/api/operations/NO-SUCH-1/summary", headers=ADMIN).status_code == 404
    assert client.get("/api/operations/NO-SUCH-2/summary", headers=ADMIN).status_code == 404
    found = samples(client)
    assert found[
        ("opcoord_http_requests_total", frozenset({**labels, "status": "200"}.items()))
    ] == (ok + 1)
    assert found[
        ("opcoord_http_requests_total", frozenset({**labels, "status": "404"}.items()))
    ] == (missing + 2)
    count = found[("opcoord_http_request_duration_seconds_count", frozenset(labels.items()))]
    assert count == timed + 3
    # However many codes are asked for, no series names one: the cardinality is bounded.
    assert not [key for key in found if "NO-SUCH" in str(key) or "PANDORA" in str(key)]


def test_returns_received_counts_each_outcome(api: Api) -> None:
    client = api.client
    api.operation()
    api.participant("ES")
    es = api.user("ncp-es", "ncp", "ES")

    def received(outcome: str) -> float:
        return value(client, "opcoord_returns_received_total", outcome=outcome, via="api")

    before = {k: received(k) for k in ("first", "new_version", "unchanged")}
    body: dict[str, Any] = {"seizures": [seizure("ES-1", 3)]}
    assert api.put_return("ES", DAY, body, es).status_code == 201
    assert received("first") == before["first"] + 1
    assert api.put_return("ES", DAY, body, es).status_code == 200  # the same content again
    assert received("unchanged") == before["unchanged"] + 1
    body = {"seizures": [seizure("ES-1", 4)], "amendment_reason": "recount"}
    assert api.put_return("ES", DAY, body, es).status_code == 200
    assert received("new_version") == before["new_version"] + 1
    refused = api.put_return("FR", DAY, body, ADMIN)  # not taking part: nothing received
    assert refused.status_code in (403, 404, 409, 422)
    assert sum(received(k) for k in before) == sum(before.values()) + 3


def test_live_connections_follow_the_open_sockets(api: Api, clock: FrozenClock) -> None:
    client = api.client
    api.operation()
    api.participant("ES")
    before = value(client, "opcoord_live_connections")
    with client.websocket_connect(LIVE) as ws:
        ws.send_json({"type": "auth", "token": ADMIN_TOKEN})
        assert ws.receive_json(timeout=10)["type"] == "snapshot"
        assert value(client, "opcoord_live_connections") == before + 1
    deadline = time.monotonic() + 10
    while value(client, "opcoord_live_connections") != before:
        assert time.monotonic() < deadline, "the closed socket is still counted"
        time.sleep(0.05)
    with client.websocket_connect(LIVE) as ws:  # refused: never counted
        ws.send_json({"type": "auth", "token": "wrong-token-0123456789"})
        assert value(client, "opcoord_live_connections") == before
    # Let the server forget the closed socket's row before the app stops: a database
    # write cut short by the shutdown would leave its connection to the garbage collector.
    while rows_of_open_sockets(client):
        assert time.monotonic() < deadline + 10, "the closed socket's row stays"
        time.sleep(0.05)


def rows_of_open_sockets(client: TestClient[Any]) -> int:
    async def count() -> int:
        async with client.app.state.db.read() as session:
            return int(await session.scalar(sa.select(sa.func.count()).select_from(LiveConnection)))

    return int(client.blocking_portal.call(count))
