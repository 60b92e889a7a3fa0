"""Exactly once across processes: two `opcoord serve` on one PostgreSQL make one report,
and a server started after the end time produces the report it missed."""

import asyncio
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import asyncpg
import httpx
import pytest

from serving import opcoord_server

from conftest import PG_URL, _pg_exec, _pg_url_for

pytestmark = [
    pytest.mark.multiprocess,
    pytest.mark.skipif(not PG_URL, reason="needs OPCOORD_TEST_DATABASE_URL (PostgreSQL)"),
]
TOKEN = "exactly-once-admin-token-0123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
# Ended weeks before the servers start (the real clock): closing is overdue.
PAST = {
    "name": "Operation Pandora Past",
    "lead": "Guardia Civil",
    "partners": ["Europol"],
    "starts_on": "2026-11-01",
    "ends_on": "2026-11-03",
    "timezone": "Europe/Madrid",
    "daily_cutoff": "10:00",
}


@pytest.fixture
def pg_db() -> Iterator[str]:
    name = f"opcoord_once_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_exec(f'CREATE DATABASE "{name}"'))
    try:
        yield _pg_url_for(name).replace("postgresql+asyncpg://", "postgresql://")
    finally:
        asyncio.run(_pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def server(url: str, *, scheduler: bool = True) -> Iterator[str]:
    env = {
        "OPCOORD_DATABASE_URL": url,
        "OPCOORD_ADMIN_TOKEN": TOKEN,
        "OPCOORD_SCHEDULER_ENABLED": "true" if scheduler else "false",
        "OPCOORD_SCHEDULER_SYNC_SECONDS": "1",
    }
    with opcoord_server(env) as base:
        yield base


async def _query(url: str, sql: str) -> list[Any]:
    conn = await asyncpg.connect(url, timeout=10)
    try:
        return list(await conn.fetch(sql))
    finally:
        await conn.close()


def query(url: str, sql: str) -> list[Any]:
    return asyncio.run(_query(url, sql))


def wait_report(base: str, code: str, timeout: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        r = httpx.get(f"{base}/api/operations/{code}/report", headers=AUTH, timeout=10)
        if r.status_code == 200:
            return dict(r.json())
        assert r.status_code == 409, r.text
        assert time.monotonic() < deadline, "no report"
        time.sleep(0.3)


def create(base: str, code: str) -> None:
    r = httpx.post(f"{base}/api/operations", json={**PAST, "code": code}, headers=AUTH)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "closed"  # by time, though nobody has closed it yet


def counts(url: str) -> dict[str, int]:
    rows = query(url, "SELECT type, count(*) AS n FROM live_events GROUP BY type")
    out = {r["type"]: int(r["n"]) for r in rows}
    out["editions"] = int(query(url, "SELECT count(*) AS n FROM report_editions")[0]["n"])
    out["artefacts"] = int(query(url, "SELECT count(*) AS n FROM report_artefacts")[0]["n"])
    return out


def test_two_servers_make_one_report(pg_db: str) -> None:
    with server(pg_db) as a, server(pg_db) as b:
        create(a, "PAST-A")  # both schedulers see it on their next sync (every second)
        create(b, "PAST-B")
        with ThreadPoolExecutor(2) as pool:  # and both servers are asked to close B at once
            answers = list(
                pool.map(
                    lambda base: (
                        httpx.post(
                            f"{base}/api/operations/PAST-B/close", headers=AUTH, timeout=30
                        ).status_code
                    ),
                    (a, b),
                )
            )
        assert sorted(answers) in ([200, 200], [200, 202], [202, 200])
        assert answers.count(202) <= 1
        for code in ("PAST-A", "PAST-B"):
            assert wait_report(a, code)["edition"] == 1
            assert wait_report(b, code)["edition"] == 1
        time.sleep(3)  # a few more syncs on both: nothing may run again
        got = counts(pg_db)
    assert got["editions"] == 2
    assert got["artefacts"] == 8  # html, pdf, xlsx, csv of each report, once
    assert got["report_ready"] == 2 and got["operation_status_changed"] == 2
    assert got.get("day_closed", 0) == 0  # those days were over before the operations existed
    runs = [r["job_id"] for r in query(pg_db, "SELECT job_id FROM job_runs ORDER BY job_id")]
    # B was closed by hand or by a scheduler, whichever came first; never both.
    assert runs in (["PAST-A:close"], ["PAST-A:close", "PAST-B:close"])
    assert answers.count(202) == (0 if "PAST-B:close" in runs else 1)


def test_server_started_after_the_end_produces_the_report(pg_db: str) -> None:
    with server(pg_db, scheduler=False) as a:
        create(a, "PAST-C")
        time.sleep(2)
        assert httpx.get(f"{a}/api/operations/PAST-C/report", headers=AUTH).status_code == 409
    assert counts(pg_db)["editions"] == 0  # nobody ran the cycle
    with server(pg_db) as b:
        report = wait_report(b, "PAST-C")
    assert report["data_cutoff"] == "2026-11-04T09:00:00+00:00"  # 4 Nov 10:00 in Madrid
    assert report["totals"]["returns"] == 0
    assert counts(pg_db)["report_ready"] == 1
