"""The matcher's quality on the benchmark's generated list, at the quick size (no timing)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_hits_reach_the_targets_where_an_exact_title_match_finds_almost_nothing(
    tmp_path: Path,
) -> None:
    out = tmp_path / "figures.json"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_watchlists.py"), "--quick",
         "--out", str(out)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    figures = json.loads(out.read_text())
    matcher, baseline = figures["matcher"], figures["baseline_exact_title"]
    assert matcher["recall"] >= 0.9, matcher
    assert matcher["precision"] >= 0.8, matcher
    assert baseline["recall"] < 0.2, baseline
