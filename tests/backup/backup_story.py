"""What the backup tests share: fresh databases of either kind, an operation's story
told through the API, and what its users see of it (read the same way from the source
before the backup and from the target after the restore)."""

import asyncio
import itertools
import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from litestar.testing import TestClient

from opcoord.backup import dump, load
from opcoord.cli import verify_everything
from opcoord.clock import FrozenClock
from opcoord.config import Settings
from opcoord.db import open_database

from conftest import (
    ADMIN,
    ADMIN_TOKEN,
    AUDIT_KEY,
    NOW,
    PG_URL,
    Api,
    _pg_exec,
    _pg_url_for,
    seizure,
    wait_ready,
)

CODE = "PANDORA-X"
#: Before the cut-off of 8 June (9 June, 10:00 in Madrid): the first returns are on time.
EARLY = datetime(2026, 6, 9, 6, 0, tzinfo=UTC)
#: Each direction a backup can travel; without PostgreSQL, SQLite into another SQLite.
DIRECTIONS = (
    [("sqlite", "postgresql"), ("postgresql", "sqlite")] if PG_URL else [("sqlite", "sqlite")]
)
TARGETS = ["sqlite", *(["postgresql"] if PG_URL else [])]

MakeDb = Callable[..., Settings]


@pytest.fixture
def make_db(templates: dict[str, str], tmp_path: Path) -> Iterator[MakeDb]:
    """A factory of fresh, migrated databases: ``make_db("postgresql", audit_key=...)``."""
    created: list[str] = []
    numbers = itertools.count()

    def make(kind: str, audit_key: str = AUDIT_KEY) -> Settings:
        if kind == "sqlite":
            path = tmp_path / f"opcoord-{next(numbers)}.db"
            shutil.copyfile(templates["sqlite"], path)
            url = f"sqlite+aiosqlite:///{path}"
        else:
            name = f"opcoord_b_{uuid.uuid4().hex[:12]}"
            asyncio.run(_pg_exec(f'CREATE DATABASE "{name}" TEMPLATE "{templates["postgresql"]}"'))
            created.append(name)
            url = _pg_url_for(name)
        return Settings(
            database_url=url,
            admin_token=ADMIN_TOKEN,
            audit_key=audit_key,
            environment="test",
            db_pool_size=5,
        )

    yield make
    for name in created:
        asyncio.run(_pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


ES_FIRST = {
    "counters": {"persons_checked": 1200, "vehicles_checked": 300, "arrests": 2,
                 "investigations_criminal": 1},
    "facilitating_items": {"metal_detectors": 1},
    "seizures": [
        seizure("ES-GC-0042", 91, hs_code="970531", description="Roman gold aurei",
                place_type="airport", place_name="Madrid-Barajas", lat=40.4719, lon=-3.5626,
                conveyance="air_passenger", origin_country="IT", departure_country="ES",
                destination_country="CH", estimated_value=500000, currency="EUR"),
        seizure("ES-GC-0043", 3, category="paintings", place_type="online",
                place_name="online marketplace", conveyance="online", online=True,
                estimated_value="12500.50", currency="EUR"),
    ],
}  # fmt: skip
IT_FIRST = {
    "counters": {"persons_checked": 800, "premises_checked": 4, "online_checks": 40},
    "seizures": [
        seizure("IT-TPC-7", 12, category="ceramics", place_type="seaport",
                place_name="Porto di Genova", lat=44.4056, lon=8.9090, conveyance="vessel",
                origin_country="GR", estimated_value=8000, currency="USD"),
    ],
}  # fmt: skip


def tell(client: TestClient[Any], clock: FrozenClock, *, close: bool = True) -> dict[str, Any]:
    """An operation with three countries: returns on time, a nil return, a late return,
    an amendment after the cut-off; then (``close``) its closing, report and publication.
    The contact points' headers by country."""
    api = Api(client)
    clock.set(EARLY)
    api.operation()
    for cc in ("ES", "FR", "IT"):
        api.participant(cc)
    ncps = {cc: api.user(f"ncp-{cc.lower()}", "ncp", cc) for cc in ("ES", "FR", "IT")}
    for cc, day, body, status in (
        ("ES", "2026-06-08", ES_FIRST, 201),
        ("FR", "2026-06-08", {"nil_return": True}, 201),
        ("IT", "2026-06-08", IT_FIRST, 201),
    ):
        r = api.put_return(cc, day, body, ncps[cc])
        assert r.status_code == status, r.text
    clock.set(NOW)
    amended = {
        **ES_FIRST,
        "counters": {**ES_FIRST["counters"], "arrests": 3},
        "seizures": [{**ES_FIRST["seizures"][0], "quantity": 90}, *ES_FIRST["seizures"][1:],
                     seizure("ES-GC-0044", 1, category="religious", place_type="land_border",
                             place_name="La Jonquera", conveyance="vehicle")],
        "amendment_reason": "recount at the Guardia Civil depot",
    }  # fmt: skip
    r = api.put_return("ES", "2026-06-08", amended, ncps["ES"])
    assert r.status_code == 200 and r.json()["version"] == 2, r.text
    late = {"counters": {"persons_checked": 50}, "seizures": [seizure("ES-GC-0050", 5)]}
    r = api.put_return("ES", "2026-06-09", late, ncps["ES"])
    assert r.status_code == 201 and r.json()["late"], r.text
    if close:
        assert client.post(f"/api/operations/{CODE}/close", headers=ADMIN).status_code == 202
        wait_ready(client, CODE)
        r = client.post(f"/api/operations/{CODE}/report/publish", headers=ADMIN)
        assert r.status_code == 200, r.text
    return ncps


RETURNS = [("ES", "2026-06-08"), ("ES", "2026-06-09"), ("FR", "2026-06-08"), ("IT", "2026-06-08")]


def _get(client: TestClient[Any], path: str, **params: Any) -> Any:
    r = client.get(path, params=params, headers=ADMIN)
    assert r.status_code == 200, (path, r.text)
    return r.json()


def audit_trail(client: TestClient[Any]) -> list[dict[str, Any]]:
    """The operation's audit entries as the coordinator reads them, oldest first."""
    found: list[dict[str, Any]] = []
    params: dict[str, Any] = {"operation": CODE, "limit": 200}
    while True:
        page = _get(client, "/api/audit", **params)
        found.extend(page["entries"])
        if not page["next"]:
            return list(reversed(found))
        params["cursor"] = page["next"]


def versions(client: TestClient[Any]) -> dict[str, Any]:
    """Every version of every return, as the coordinator reads it."""
    out = {}
    for cc, day in RETURNS:
        path = f"/api/operations/{CODE}/returns/{cc}/{day}"
        current = _get(client, path)
        for n in range(1, current["current_version"] + 1):
            out[f"{cc} {day} v{n}"] = _get(client, path, version=n)
    return out


def replay(client: TestClient[Any]) -> list[dict[str, Any]]:
    """Every live event, replayed from the start, as the coordinator's dashboard gets it."""
    with client.websocket_connect(f"/api/operations/{CODE}/live") as ws:
        ws.send_json({"type": "auth", "token": ADMIN_TOKEN})
        last = int(ws.receive_json(timeout=10)["seq"])
    got: list[dict[str, Any]] = []
    with client.websocket_connect(f"/api/operations/{CODE}/live?since=0") as ws:
        ws.send_json({"type": "auth", "token": ADMIN_TOKEN})
        while len(got) < last:
            got.append(dict(ws.receive_json(timeout=10)))
    assert [m["seq"] for m in got] == list(range(1, last + 1))
    return got


def seen(client: TestClient[Any]) -> dict[str, Any]:
    """What the operation's users see: the operation, the figures, every return and
    version, the map's points, the live events replayed from the start."""
    return {
        "operation": _get(client, f"/api/operations/{CODE}"),
        "summary": _get(client, f"/api/operations/{CODE}/summary"),
        "completeness": _get(client, f"/api/operations/{CODE}/completeness"),
        "versions": versions(client),
        "seizures": _get(client, f"/api/operations/{CODE}/seizures.geojson"),
        "live": replay(client),
    }


def report(client: TestClient[Any]) -> dict[str, Any]:
    """The closed operation's report: its JSON, its editions and its stored files."""
    base = f"/api/operations/{CODE}/report"
    files = {}
    for fmt in ("csv", "pdf", "xlsx"):
        r = client.get(f"{base}.{fmt}", params={"lang": "en"}, headers=ADMIN)
        assert r.status_code == 200, r.text
        files[fmt] = r.content
    return {"json": _get(client, base), "editions": _get(client, f"{base}/editions"), **files}


def verify(client: TestClient[Any]) -> tuple[Any, int]:
    return client.blocking_portal.call(verify_everything, client.app.state.db)


def row_counts(settings: Settings) -> dict[str, int]:
    """Rows per table: what "nothing changed" is checked with."""

    async def count() -> dict[str, int]:
        db = open_database(settings)
        try:
            async with db.read() as session:
                names = await session.run_sync(
                    lambda s: sa.inspect(s.connection()).get_table_names()
                )
                count = sa.select(sa.func.count())
                return {
                    n: int(await session.scalar(count.select_from(sa.table(n))) or 0)
                    for n in sorted(names)
                }
        finally:
            await db.dispose()

    return asyncio.run(count())


def backup(client: TestClient[Any], path: Path) -> dump.Written:
    db = client.app.state.db
    return client.blocking_portal.call(dump.backup, db, CODE, path, NOW)


def restore(settings: Settings, path: Path, **options: Any) -> load.Restored:
    """Restore into the database of ``settings`` with no server running on it."""

    async def run() -> load.Restored:
        db = open_database(settings)
        try:
            return await load.restore(db, path, NOW, **options)
        finally:
            await db.dispose()

    return asyncio.run(run())
