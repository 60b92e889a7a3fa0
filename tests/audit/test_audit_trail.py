"""The audit trail through the API: every write and every download leaves an entry;
entries are read newest first, filtered and paged; the log is append-only and
``opcoord audit verify`` finds an altered entry, an altered return version, a raised
role and a removed entry, naming the row."""

import asyncio
from typing import Any

import sqlalchemy as sa
from litestar.testing import TestClient

from opcoord.cli import verify_everything
from opcoord.clock import FrozenClock

from conftest import ADMIN, Api, seizure, wait_ready

DAY = "2026-06-09"


def _entries(client: TestClient[Any], **params: Any) -> list[dict[str, Any]]:
    r = client.get("/api/audit", params=params, headers=ADMIN)
    assert r.status_code == 200, r.text
    return list(r.json()["entries"])


def _verify(client: TestClient[Any]) -> tuple[Any, int]:
    return client.blocking_portal.call(verify_everything, client.app.state.db)


def _sql(client: TestClient[Any], statement: str, **params: Any) -> None:
    async def run() -> None:
        async with client.app.state.db.write() as session:
            await session.execute(sa.text(statement), params)

    client.blocking_portal.call(run)


def _story(api: Api, client: TestClient[Any], clock: FrozenClock) -> dict[str, dict[str, str]]:
    api.operation()
    api.participant("ES")
    es = api.user("maria", "ncp", "ES")
    partner = api.user("unesco", "partner")
    body = {"counters": {"arrests": 2}, "seizures": [seizure("ES-1", 91)]}
    assert api.put_return("ES", DAY, body, es).status_code == 201
    body["amendment_reason"] = "recount"
    body["counters"] = {"arrests": 3}
    assert api.put_return("ES", DAY, body, es).status_code == 200
    assert client.put("/api/users/maria/password", json={"password": "correct horse battery"},
                      headers=ADMIN).status_code == 204  # fmt: skip
    assert (
        client.get("/api/operations/PANDORA-X/seizures.geojson", headers=ADMIN).status_code == 200
    )
    assert client.post("/api/operations/PANDORA-X/close", headers=ADMIN).status_code == 202
    wait_ready(client, "PANDORA-X")
    assert client.post("/api/operations/PANDORA-X/report/publish", headers=ADMIN).status_code == 200
    assert client.get("/api/operations/PANDORA-X/report.csv", headers=partner).status_code == 200
    return {"es": es, "partner": partner}


def test_every_write_and_download_leaves_an_entry(
    client: TestClient[Any], api: Api, clock: FrozenClock
) -> None:
    _story(api, client, clock)
    entries = _entries(client)
    actions = [e["action"] for e in reversed(entries)]
    for wanted in (
        "user.create",
        "operation.create",
        "participant.add",
        "return.submit",
        "return.amend",
        "user.password",
        "geojson.download",
        "operation.close",
        "report.publish",
        "report.download",
    ):
        assert wanted in actions, wanted
    by_action = {e["action"]: e for e in entries}  # the newest of each
    submit = by_action["return.submit"]
    assert submit["actor"] == "maria" and submit["role"] == "ncp"
    assert submit["operation"] == "PANDORA-X" and submit["object"] == f"ES {DAY} version 1"
    assert submit["request_id"] and submit["ip"]
    download = by_action["report.download"]
    assert download["actor"] == "unesco" and "csv" in download["object"]
    assert "partner" in download["object"]
    assert by_action["return.amend"]["detail"]["reason"] == "recount"
    # Newest first, nothing but what the caller may see: no token, no password hash.
    assert entries[0]["action"] == "report.download"
    assert "token" not in str(entries) and "argon2" not in str(entries)
    assert _verify(client) == (None, _count(client))


def _count(client: TestClient[Any]) -> int:
    async def count() -> int:
        async with client.app.state.db.read() as session:
            return int(await session.scalar(sa.text("SELECT count(*) FROM audit_log")) or 0)

    return client.blocking_portal.call(count)


def test_filters_and_pages(client: TestClient[Any], api: Api, clock: FrozenClock) -> None:
    _story(api, client, clock)
    mine = _entries(client, actor="maria")
    assert mine and {e["actor"] for e in mine} == {"maria"}
    reports = _entries(client, action="report")
    assert {e["action"] for e in reports} == {"report.publish", "report.download"}
    assert {e["operation"] for e in _entries(client, operation="PANDORA-X")} == {"PANDORA-X"}
    first = client.get("/api/audit", params={"limit": 3}, headers=ADMIN).json()
    assert len(first["entries"]) == 3 and first["next"]
    second = client.get("/api/audit", params={"limit": 3, "cursor": first["next"]},
                        headers=ADMIN).json()  # fmt: skip
    seen = {(e["at"], e["action"], e["object"]) for e in first["entries"]}
    assert not seen & {(e["at"], e["action"], e["object"]) for e in second["entries"]}
    assert _entries(client, since="2030-01-01T00:00:00Z") == []
    beyond = client.get("/api/audit", params={"cursor": 2**31}, headers=ADMIN)
    assert beyond.status_code == 422 and beyond.json()["errors"][0]["field"] == "cursor"
    page = client.get("/audit", params={"actor": "maria"}, headers=ADMIN)
    assert page.status_code == 200 and "return.submit" in page.text and "Audit log" in page.text
    # There is no way to change or delete an entry.
    for method in ("PUT", "PATCH", "DELETE"):
        assert client.request(method, "/api/audit", headers=ADMIN).status_code == 405


def test_verify_names_the_first_altered_row(
    client: TestClient[Any], api: Api, clock: FrozenClock
) -> None:
    _story(api, client, clock)
    problem, checked = _verify(client)
    assert problem is None and checked > 10
    # A figure edited in the database: the return version is named.
    _sql(client, "UPDATE return_versions SET arrests = 30 WHERE version = 2")
    problem, _ = _verify(client)
    assert problem is not None and problem.table == "return_versions"
    assert "ES 2026-06-09 version 2" in str(problem)
    _sql(client, "UPDATE return_versions SET arrests = 3 WHERE version = 2")
    assert _verify(client)[0] is None  # put back: intact again
    # A seizure's quantity edited: its version is named.
    _sql(client, "UPDATE seizures SET quantity = 9 WHERE ref = 'ES-1' AND is_current")
    problem, _ = _verify(client)
    assert problem is not None and problem.table == "return_versions"
    _sql(client, "UPDATE seizures SET quantity = 91 WHERE ref = 'ES-1' AND is_current")
    # A contact point raised to coordinator in the database.
    _sql(client, "UPDATE users SET role = 'coordinator' WHERE username = 'maria'")
    problem, _ = _verify(client)
    assert problem is not None and problem.table == "users" and "maria" in str(problem)
    _sql(client, "UPDATE users SET role = 'ncp' WHERE username = 'maria'")
    # An audit entry rewritten: its chain breaks there.
    _sql(client, "UPDATE audit_log SET actor = 'someone' WHERE action = 'return.submit'")
    problem, _ = _verify(client)
    assert problem is not None and problem.table == "audit_log" and "altered" in str(problem)


def test_verify_finds_removed_entries(
    client: TestClient[Any], api: Api, clock: FrozenClock
) -> None:
    _story(api, client, clock)
    _sql(client, "DELETE FROM audit_log WHERE action = 'geojson.download'")
    problem, _ = _verify(client)
    assert problem is not None and "removed" in str(problem)


def test_verify_finds_the_newest_entry_removed(
    client: TestClient[Any], api: Api, clock: FrozenClock
) -> None:
    _story(api, client, clock)
    _sql(client, "DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)")
    problem, _ = _verify(client)
    assert problem is not None and problem.table == "audit_heads"


def test_verify_from_the_command_line(tmp_path: Any) -> None:
    """`opcoord audit verify` exits 0 on an intact database and 1 naming the row."""
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "OPCOORD_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db",
        "OPCOORD_AUDIT_KEY": "command-line-audit-key-0123456789abcdef",
    }
    run = [sys.executable, "-m", "opcoord.cli"]
    made = subprocess.run([*run, "users", "create", "maria", "--role", "ncp", "--country", "ES"],
                          env=env, capture_output=True, text=True, check=True)  # fmt: skip
    assert made.stdout.strip().splitlines()[-1]
    ok = subprocess.run([*run, "audit", "verify"], env=env, capture_output=True, text=True)
    assert ok.returncode == 0 and "intact" in ok.stdout
    asyncio.run(_raise_role(f"sqlite+aiosqlite:///{tmp_path}/cli.db"))
    bad = subprocess.run([*run, "audit", "verify"], env=env, capture_output=True, text=True)
    assert bad.returncode == 1 and "users row" in bad.stderr and "maria" in bad.stderr
    wrong_key = {**env, "OPCOORD_AUDIT_KEY": "another-audit-key-0123456789abcdefgh"}
    forged = subprocess.run([*run, "audit", "verify"], env=wrong_key, capture_output=True,
                            text=True)  # fmt: skip
    assert forged.returncode == 1 and "audit_log" in forged.stderr


async def _raise_role(url: str) -> None:
    from opcoord.db import make_engine

    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(sa.text("UPDATE users SET role = 'coordinator' WHERE username='maria'"))
    await engine.dispose()
