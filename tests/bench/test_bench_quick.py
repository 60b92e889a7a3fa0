"""The benchmark harness end to end, tiny: every figure has its baseline, nothing lost.

No timing is asserted: the point is that the harness works, so CI can run it.
"""

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TINY = [
    "--seconds", "1", "--put-countries", "4", "--burst-dashboards", "12",
    "--burst-countries", "4", "--burst-window", "1", "--fanout-clients", "8,16",
    "--fanout-puts", "2", "--client-procs", "2", "--countries", "3", "--days", "3",
    "--seizures", "120", "--sizes", "40,80,160", "--api-ingest-max", "80", "--growth-days", "3",
    "--ingest-procs", "2",
]  # fmt: skip
SECTIONS = ("1 ceiling", "2 GET", "3 PUT", "4 burst", "5 fan-out", "6 report", "7 growth")


def _database() -> list[str]:
    url = os.environ.get("OPCOORD_TEST_DATABASE_URL")
    return ["--pg", url] if url else ["--sqlite"]


@pytest.mark.multiprocess
def test_tiny_run_has_every_figure_with_its_baseline(tmp_path: Path) -> None:
    if shutil.which("wrk") is None:
        if os.environ.get("CI"):
            pytest.fail("wrk is not installed: .ci/run must install Debian's wrk")
        pytest.skip("wrk is not installed (apt-get install wrk)")
    out = tmp_path / "results.json"
    run = subprocess.run(
        [sys.executable, "-m", "opcoord.bench", "--quick", *TINY, *_database(), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    results = json.loads(out.read_text())
    assert results["ok"] and results["problems"] == []
    assert results["checks"] == {"errors": 0, "lost_acknowledgements": 0, "missing_events": 0}
    figures = results["figures"]
    for section in SECTIONS:
        assert any(f["section"].startswith(section) for f in figures), section
    for f in figures:
        assert f["baseline_name"], f
        assert isinstance(f["baseline"], int | float) and math.isfinite(f["baseline"]), f
        assert isinstance(f["value"], int | float) and math.isfinite(f["value"]), f
    names = {f["name"] for f in figures}
    for expected in ("bare Litestar hello req/s", "GET operation (NCP) req/s",
                     "PUT return x5 seizures returns/s", "render PDF",
                     "render all formats (as the server)",
                     "growth exponent: report time"):  # fmt: skip
        assert expected in names, expected
    assert "| " not in run.stdout and "ratio" in run.stdout  # the table was printed


@pytest.mark.multiprocess
def test_workers_run_opcoord_as_several_instances(tmp_path: Path) -> None:
    """``--workers 2``: opcoord serves from two processes, and its GET and PUTs are
    measured beside bare servers run with as many (PostgreSQL only)."""
    url = os.environ.get("OPCOORD_TEST_DATABASE_URL")
    refused = subprocess.run(
        [sys.executable, "-m", "opcoord.bench", "--quick", "--sqlite", "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert refused.returncode == 2 and "--workers needs PostgreSQL" in refused.stderr
    if url is None or shutil.which("wrk") is None:
        pytest.skip("several workers need PostgreSQL, and the load wrk")
    out = tmp_path / "results.json"
    args = ["--quick", *TINY, "--pg", url, "--sections", "1,2,3", "--workers", "2"]
    run = subprocess.run(
        [sys.executable, "-m", "opcoord.bench", *args, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    results = json.loads(out.read_text())
    assert results["problems"] == [] and results["options"]["workers"] == 2
    assert results["details"]["instances"] == 2
    assert results["checks"] == {"errors": 0, "lost_acknowledgements": 0, "missing_events": 0}
    names = {f["name"] for f in results["figures"]}
    assert {"GET operation (NCP) req/s", "PUT return x5 seizures returns/s"} <= names
