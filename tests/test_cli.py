"""The command line: `opcoord users create`, `opcoord serve` (migrations, admin token)."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from serving import free_port, opcoord_server

from conftest import PG_URL, _pg_exec, _pg_url_for

ADMIN = "cli-admin-token-0123456789"


def opcoord(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "opcoord.cli", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def frozen_objects(base: str) -> float:
    """What the answering process says it froze out of the garbage collector."""
    metrics = httpx.get(f"{base}/metrics").text
    line = next(x for x in metrics.splitlines() if x.startswith("opcoord_gc_frozen_objects "))
    return float(line.split()[1])


@pytest.fixture(params=["sqlite", *(["postgresql"] if PG_URL else [])])
def fresh_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: no schema yet."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/fresh.db"
        return
    import asyncio
    import uuid

    name = f"opcoord_cli_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_exec(f'CREATE DATABASE "{name}"'))
    try:
        yield _pg_url_for(name).replace("postgresql+asyncpg://", "postgresql://")
    finally:
        asyncio.run(_pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.mark.multiprocess
def test_users_create_then_serve(fresh_db: str) -> None:
    env = {"OPCOORD_DATABASE_URL": fresh_db, "OPCOORD_ADMIN_TOKEN": ADMIN}
    made = opcoord("users", "create", "maria", "--role", "ncp", "--country", "es", env=env)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip().splitlines()[-1]
    assert len(token) >= 40
    refused = opcoord("users", "create", "maria", "--role", "partner", env=env)
    assert refused.returncode != 0 and "taken" in refused.stderr
    bad = opcoord("users", "create", "pierre", "--role", "ncp", env=env)
    assert bad.returncode != 0 and "country" in bad.stderr
    rilo = opcoord(
        "users", "create", "rilo", "--role", "regional", "--countries", "pt, es", env=env
    )
    assert rilo.returncode == 0, rilo.stderr
    assert "created regional rilo (ES, PT)" in rilo.stdout
    rilo_token = rilo.stdout.strip().splitlines()[-1]
    bad = opcoord("users", "create", "rilo2", "--role", "regional", env=env)
    assert bad.returncode != 0 and "countries" in bad.stderr
    bad = opcoord("users", "create", "rilo3", "--role", "regional", "--countries", "ES,ZZ", env=env)
    assert bad.returncode != 0 and "countries" in bad.stderr
    listed = opcoord("users", "list", env=env)
    assert any(
        line.split()[:3] == ["rilo", "regional", "ES,PT"] for line in listed.stdout.splitlines()
    )

    with opcoord_server(env) as base:
        me = httpx.get(f"{base}/api/users/me", headers={"Authorization": f"Bearer {token}"})
        assert me.json()["username"] == "maria" and me.json()["country"] == "ES"
        me = httpx.get(f"{base}/api/users/me", headers={"Authorization": f"Bearer {rilo_token}"})
        assert me.json()["role"] == "regional" and me.json()["countries"] == ["ES", "PT"]
        admin = httpx.get(f"{base}/api/users/me", headers={"Authorization": f"Bearer {ADMIN}"})
        assert admin.json()["role"] == "coordinator"
        schema = httpx.get(f"{base}/schema/openapi.json").json()
        assert "/api/operations/{code}/returns/{country}/{day}" in schema["paths"]
        assert frozen_objects(base) > 100_000  # the started server's heap (opcoord.heap)


@pytest.mark.multiprocess
def test_serve_with_workers(fresh_db: str) -> None:
    """`serve --workers 2` runs two server processes on one port (PostgreSQL); SQLite,
    which has one writer, is refused in one line."""
    env = {"OPCOORD_DATABASE_URL": fresh_db, "OPCOORD_ADMIN_TOKEN": ADMIN}
    if fresh_db.startswith("sqlite"):
        refused = opcoord("serve", "--workers", "2", env=env)
        assert refused.returncode != 0
        assert refused.stderr.strip().splitlines() == [
            "Error: --workers needs PostgreSQL: SQLite has one writer, kept by one process"
        ]
        return
    with opcoord_server(env, args=("--workers", "2")) as base:
        parent = opcoord_server.pid  # type: ignore[attr-defined]
        children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        workers = [  # uvicorn spawns its workers with multiprocessing
            c for c in children if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()
        ]
        assert len(workers) == 2
        auth = {"Authorization": f"Bearer {ADMIN}"}
        made = httpx.post(
            f"{base}/api/operations",
            json={
                "code": "WORKERS-1",
                "name": "Two workers",
                "lead": "Guardia Civil",
                "starts_on": "2026-01-05",
                "ends_on": "2026-01-20",
                "timezone": "Europe/Madrid",
                "daily_cutoff": "10:00",
            },
            headers=auth,
        )
        assert made.status_code == 201, made.text
        # Each request on a new connection: whichever worker accepts it, it sees the
        # operation the other may have created.
        for _ in range(20):
            one = httpx.get(f"{base}/api/operations/WORKERS-1", headers=auth)
            assert one.status_code == 200 and one.json()["name"] == "Two workers"
            assert frozen_objects(base) > 100_000  # each worker settles its own heap


def test_demo_deletes_no_database_it_did_not_make(tmp_path: Path) -> None:
    """A demo pointed at a real database, or started on a busy port, leaves the file
    alone and says why in one line."""
    real = tmp_path / "opcoord.db"
    env = {"OPCOORD_DATABASE_URL": f"sqlite:///{real}", "OPCOORD_ADMIN_TOKEN": ADMIN}
    made = opcoord("users", "create", "maria", "--role", "ncp", "--country", "es", env=env)
    assert made.returncode == 0, made.stderr
    import sqlite3

    with sqlite3.connect(real) as conn:
        conn.execute(
            "INSERT INTO operations (code, name, lead, partners, starts_on, ends_on, timezone,"
            " daily_cutoff, created_at) VALUES ('PANDORA-X', 'x', 'y', '[]', '2026-06-01',"
            " '2026-06-30', 'Europe/Madrid', '10:00', '2026-06-01 00:00:00')"
        )
    before = real.read_bytes()
    refused = opcoord("demo", "--db", str(real), "--port", str(free_port()), env={})
    assert refused.returncode != 0
    assert "is not a demo database" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert real.read_bytes() == before

    import socket

    demo_db = tmp_path / "demo.db"
    demo_db.write_bytes(b"")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        refused = opcoord("demo", "--db", str(demo_db), "--port", str(port), env={})
    assert refused.returncode != 0 and "cannot listen" in refused.stderr
    assert demo_db.exists()


def test_a_bad_setting_is_one_line_naming_it(tmp_path: Path) -> None:
    env = {"OPCOORD_DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "OPCOORD_ADMIN_TOKEN": "short"}
    for args in (("users", "list"), ("serve", "--port", str(free_port()))):
        refused = opcoord(*args, env=env)
        assert refused.returncode != 0
        assert refused.stderr.strip().splitlines() == [
            "Error: OPCOORD_ADMIN_TOKEN must be at least 16 characters"
        ]
