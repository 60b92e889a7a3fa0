"""The command line: `opcoord users create`, `opcoord serve` (migrations, admin token)."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "opcoord.cli", "serve", "--port", str(port)],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        me = httpx.get(f"{base}/api/users/me", headers={"Authorization": f"Bearer {token}"})
        assert me.json()["username"] == "maria" and me.json()["country"] == "ES"
        admin = httpx.get(f"{base}/api/users/me", headers={"Authorization": f"Bearer {ADMIN}"})
        assert admin.json()["role"] == "coordinator"
        schema = httpx.get(f"{base}/schema/openapi.json").json()
        assert "/api/operations/{code}/returns/{country}/{day}" in schema["paths"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if proc.stdout:
            proc.stdout.close()
