"""The matcher's quality on the benchmark's generated list, at the quick size (no timing)."""

import json
import subprocess
import sys
from pathlib import Path

from opcoord.intel.matching import Index, describe

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


def test_a_list_of_one_stolen_object_finds_its_seizure_written_in_russian() -> None:
    # Too short a list to tell which words are common: its one object is still found.
    listed = describe(
        category="religious",
        texts=("Icon of Saint Nicholas",),
        materials="silver",
        period="17th century",
        inscriptions="SVETI NIKOLA",
        dimensions=("32 x 25 cm",),
    )
    seized = describe(
        category="religious",
        texts=("Икона Святого Николая, серебро, XVII век, 32x25 cm",),
        inscriptions="SVETI NIKOLA",
        dimensions=("Икона Святого Николая, серебро, XVII век, 32x25 cm",),
    )
    [match] = Index.build([listed]).match(seized, 0.75)
    assert match.position == 0
    assert {"inscriptions", "dimensions", "materials", "period"} <= set(match.fields)
