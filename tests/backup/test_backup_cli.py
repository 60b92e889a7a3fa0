"""`opcoord backup CODE -o FILE` and `opcoord restore FILE` as an administrator runs
them: from SQLite into PostgreSQL (or another SQLite), then `opcoord audit verify` on the
target; a second restore and a damaged file are refused in one line."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from backup_story import CODE, TARGETS, MakeDb, make_db, tell
from litestar.testing import TestClient

from opcoord.app import create_app
from opcoord.clock import FrozenClock
from opcoord.config import Settings

from conftest import ADMIN, NOW

__all__ = ["make_db"]  # the fixture, imported for pytest


def opcoord(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "OPCOORD_DATABASE_URL": settings.database_url,
        "OPCOORD_AUDIT_KEY": settings.audit_key or "",
    }
    return subprocess.run(
        [sys.executable, "-m", "opcoord.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.multiprocess
def test_backup_then_restore_on_the_command_line(make_db: MakeDb, tmp_path: Path) -> None:
    src = make_db("sqlite", audit_key="source-audit-key-0123456789abcdef")
    dst = make_db(TARGETS[-1], audit_key="target-audit-key-0123456789abcdef")
    clock = FrozenClock(NOW)
    with TestClient(create_app(src, clock=clock)) as client:
        tell(client, clock, close=False)
        totals = client.get(f"/api/operations/{CODE}/summary", headers=ADMIN).json()["totals"]
    file = tmp_path / "pandora-x.opcoord"

    made = opcoord(src, "backup", CODE, "-o", str(file))
    assert made.returncode == 0, made.stderr
    assert f"backed up {CODE}" in made.stdout and "5 return versions" in made.stdout
    assert file.stat().st_mode & 0o777 == 0o600  # law-enforcement data: its owner only

    done = opcoord(dst, "restore", str(file))
    assert done.returncode == 0, done.stderr
    assert f"restored {CODE}" in done.stdout
    assert "accounts created disabled, without password or token: ncp-es, ncp-fr, ncp-it" in (
        done.stdout
    )
    assert "another audit key" in done.stdout
    checked = opcoord(dst, "audit", "verify")
    assert checked.returncode == 0 and checked.stdout.startswith("intact:"), checked.stderr
    with TestClient(create_app(dst, clock=clock)) as client:
        after = client.get(f"/api/operations/{CODE}/summary", headers=ADMIN).json()["totals"]
    assert after == totals

    again = opcoord(dst, "restore", str(file))
    assert again.returncode == 1
    assert again.stderr.strip() == (
        f"Error: an operation with code {CODE!r} already exists in this database; "
        "nothing was restored"
    )
    cut = tmp_path / "cut.opcoord"
    cut.write_bytes(file.read_bytes()[:1000])
    broken = opcoord(dst, "restore", str(cut))
    assert broken.returncode == 1 and "Traceback" not in broken.stderr
    assert broken.stderr.strip().startswith("Error: cut.opcoord is not a complete opcoord backup")
    missing = opcoord(src, "backup", "NOPE", "-o", str(tmp_path / "nope.opcoord"))
    assert missing.returncode == 1 and "no operation with code 'NOPE'" in missing.stderr
