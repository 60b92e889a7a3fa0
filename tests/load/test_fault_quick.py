"""The fault harness at CI size: two real instances, one SIGKILL, a database blip; no
acknowledged write lost or duplicated, no dashboard missing an event."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PG_URL = os.environ.get("OPCOORD_TEST_DATABASE_URL")
ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.multiprocess,
    pytest.mark.skipif(PG_URL is None, reason="needs OPCOORD_TEST_DATABASE_URL (PostgreSQL)"),
]


def test_quick_fault_run_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    assert PG_URL is not None
    out = tmp_path / "fault.json"
    # --stagger: the two instances racing to create the admin account at start is a
    # known, rare failure (docs/fault-harness.md); this test is about what a kill loses.
    command = [sys.executable, "-m", "tests.load.fault", "--quick", "--stagger", "--pg", PG_URL]
    run = subprocess.run(
        [*command, "--out", str(out), "--logs", str(tmp_path / "logs")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,  # a bound for a hung run, not a performance figure
        check=False,
    )
    said = run.stdout[-6000:] + run.stderr[-4000:]
    assert out.exists(), said
    report = json.loads(out.read_text())
    figures = report["figures"]
    assert figures["acknowledged"] > 0, said
    for name in ("lost", "duplicated", "phantom_versions", "unexpected_answers"):
        assert figures[name] == 0, f"{name}: {said}"
    for name in ("events_missed", "event_repeats", "reorderings", "snapshots_unexplained"):
        assert figures[name] == 0, f"{name}: {said}"
    assert figures["versions_without_event"] == figures["events_without_version"] == 0, said
    assert figures["kills"] == 1, said
    assert figures["acks_after_restart"] > 0, said  # the restarted instance served again
    assert report["passed"] and run.returncode == 0, said
