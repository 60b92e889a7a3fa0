"""Shared fixtures: a fresh, migrated database per test on SQLite and, when
OPCOORD_TEST_DATABASE_URL is set, on PostgreSQL too; a frozen clock; an API client.
"""

import asyncio
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import sqlalchemy as sa
from hypothesis import settings as hypothesis_settings
from litestar.testing import TestClient
from sqlalchemy.engine import make_url

from opcoord.app import create_app
from opcoord.clock import FrozenClock
from opcoord.config import Settings, normalise_database_url
from opcoord.db import migrate_url
from opcoord.outbox.models import LiveEvent

# Property tests: a short run in CI and by default, many more histories on request.
hypothesis_settings.register_profile("ci", max_examples=40, derandomize=True)
hypothesis_settings.register_profile("full", max_examples=400)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ADMIN_TOKEN = "test-admin-token-0123456789"
AUDIT_KEY = "test-audit-key-of-the-suite-0123456789"
PG_URL = os.environ.get("OPCOORD_TEST_DATABASE_URL")
BACKENDS = ["sqlite", *(["postgresql"] if PG_URL else [])]
# Mid-window for the standard operation below: 10 June 2026, 14:00 in Madrid.
NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)


def _pg_admin_dsn() -> str:
    assert PG_URL is not None
    url = make_url(normalise_database_url(PG_URL))
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_url_for(name: str) -> str:
    assert PG_URL is not None
    url = make_url(normalise_database_url(PG_URL)).set(database=name)
    return url.render_as_string(hide_password=False)


async def _pg_exec(sql: str) -> None:
    conn = await asyncpg.connect(_pg_admin_dsn(), timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One migrated database per backend; each test gets a copy."""
    out: dict[str, str] = {}
    sqlite_file = tmp_path_factory.mktemp("tmpl") / "template.db"
    asyncio.run(migrate_url(f"sqlite+aiosqlite:///{sqlite_file}"))
    out["sqlite"] = str(sqlite_file)
    name = None
    if PG_URL:
        # Fail, never skip, when PostgreSQL is configured but down.
        name = f"opcoord_tmpl_{os.getpid()}"
        asyncio.run(_pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        asyncio.run(_pg_exec(f'CREATE DATABASE "{name}"'))
        asyncio.run(migrate_url(_pg_url_for(name)))
        out["postgresql"] = name
    yield out
    if name:
        asyncio.run(_pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=BACKENDS)
def db_url(
    request: pytest.FixtureRequest, templates: dict[str, str], tmp_path: Path
) -> Iterator[str]:
    if request.param == "sqlite":
        target = tmp_path / "opcoord.db"
        shutil.copyfile(templates["sqlite"], target)
        yield f"sqlite+aiosqlite:///{target}"
        return
    name = f"opcoord_t_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_exec(f'CREATE DATABASE "{name}" TEMPLATE "{templates["postgresql"]}"'))
    try:
        yield _pg_url_for(name)
    finally:
        asyncio.run(_pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, one per test module (see browsing.py)."""
    from browsing import launched_browser

    yield from launched_browser()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(
        database_url=db_url,
        admin_token=ADMIN_TOKEN,
        audit_key=AUDIT_KEY,
        environment="test",
        db_pool_size=5,
    )


@pytest.fixture
def client(settings: Settings, clock: FrozenClock) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(settings, clock=clock)) as c:
        yield c


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


ADMIN = bearer(ADMIN_TOKEN)

OPERATION = {
    "code": "PANDORA-X",
    "name": "Operation Pandora X",
    "lead": "Guardia Civil",
    "partners": ["Europol", "INTERPOL", "WCO"],
    "starts_on": "2026-06-01",
    "ends_on": "2026-06-30",
    "timezone": "Europe/Madrid",
    "daily_cutoff": "10:00",
}


class Api:
    """Small helpers over the HTTP API, so tests read as the users' steps."""

    def __init__(self, client: TestClient[Any]) -> None:
        self.client = client

    def operation(self, **overrides: Any) -> dict[str, Any]:
        r = self.client.post("/api/operations", json={**OPERATION, **overrides}, headers=ADMIN)
        assert r.status_code == 201, r.text
        return dict(r.json())

    def participant(self, country: str, code: str = "PANDORA-X", **extra: Any) -> dict[str, Any]:
        body = {"country": country, "agencies": ["customs", "police"], **extra}
        r = self.client.post(f"/api/operations/{code}/participants", json=body, headers=ADMIN)
        assert r.status_code == 201, r.text
        return dict(r.json())

    def user(
        self,
        username: str,
        role: str,
        country: str | None = None,
        countries: list[str] | None = None,
    ) -> dict[str, str]:
        body: dict[str, Any] = {"username": username, "role": role}
        if country:
            body["country"] = country
        if countries is not None:
            body["countries"] = countries
        r = self.client.post("/api/users", json=body, headers=ADMIN)
        assert r.status_code == 201, r.text
        return bearer(r.json()["token"])

    def put_return(
        self,
        country: str,
        day: str,
        body: dict[str, Any],
        headers: dict[str, str],
        code: str = "PANDORA-X",
        **kw: Any,
    ) -> Any:
        return self.client.put(
            f"/api/operations/{code}/returns/{country}/{day}", json=body, headers=headers, **kw
        )

    def summary(self, code: str = "PANDORA-X") -> dict[str, Any]:
        r = self.client.get(f"/api/operations/{code}/summary", headers=ADMIN)
        assert r.status_code == 200, r.text
        return dict(r.json()["totals"])


@pytest.fixture
def api(client: TestClient[Any]) -> Api:
    return Api(client)


def seizure(ref: str, quantity: int = 1, category: str = "coins", **extra: Any) -> dict[str, Any]:
    return {
        "ref": ref,
        "category": category,
        "quantity": quantity,
        "place_type": "airport",
        **extra,
    }


def events(client: TestClient[Any], kind: str) -> list[dict[str, Any]]:
    async def read() -> list[dict[str, Any]]:
        async with client.app.state.db.read() as session:
            rows = await session.scalars(
                sa.select(LiveEvent).where(LiveEvent.type == kind).order_by(LiveEvent.seq)
            )
            return [dict(r.payload) for r in rows]

    return list(client.blocking_portal.call(read))


def wait_ready(client: TestClient[Any], code: str, edition: int = 1) -> dict[str, Any]:
    """Poll the status URL until the edition's files exist (the build runs in background)."""
    deadline = time.monotonic() + 60
    while True:
        status = client.get(f"/api/operations/{code}/report/status", headers=ADMIN).json()
        found = [e for e in status["editions"] if e["edition"] == edition]
        if found and found[0]["status"] == "ready":
            time.sleep(0.1)  # let the report_ready publish settle before shutdown
            return dict(status)
        assert time.monotonic() < deadline, status
        time.sleep(0.1)
