"""The quality benchmark's quick set: the detector finds the duplicates written
differently (translated, abbreviated, misspelt, transliterated) where an exact match of
descriptions does not, at the issue's target."""

import sys
from pathlib import Path

from opcoord.intel.duplicates_score import (
    THRESHOLD,
    WEIGHTS,
    _quantity,
    blocked,
    cheap_parts,
    quantity_band,
    score,
    score_from,
)
from opcoord.intel.duplicates_text import normalise, similarity

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import bench_duplicates


def test_the_quick_set_meets_the_target_and_beats_the_baseline() -> None:
    seizures, truth = bench_duplicates.generate(300, 20261201)
    result = bench_duplicates.measure(seizures, truth)
    assert result["true_pairs"] > 50
    ours, naive = result["opcoord"], result["baseline"]
    assert ours["recall"] >= 0.9
    assert ours["precision"] >= 0.8
    assert ours["f1"] > naive["f1"] + 0.5


def test_one_description_in_four_languages_and_two_scripts_reads_the_same() -> None:
    words = normalise("Roman gold aurei")
    assert words == "coin gold roman"
    for text in (
        "Aurei romains en or",
        "Monedas romanas de oro",
        "Римские золотые ауреи",
        "Rimskie zolotye aurei",
        "Rom. AV coins",
    ):
        assert normalise(text) == words, text
    assert normalise("Icon of the Virgin, XVIIIth c.") == normalise("икона Богородицы XVIII века")
    assert similarity("Βυζαντινή εικόνα", "Byzantine icon") == 1.0
    # A misspelling still reads as the word it misspells.
    assert similarity("Ottoman helmet", "Ottaman helmet") > 0.9
    # Another century is another object, however alike the rest.
    assert (
        similarity("portrait, oil on canvas, 17th century", "portrait, oil on canvas, 18th century")
        < 0.7
    )


def test_the_detectors_shortcut_decides_every_pair_as_the_score_does() -> None:
    """``score_from`` skips the description of pairs that cannot reach the threshold:
    over the quick set's blocked pairs it lists exactly those whose score reaches it,
    with the same score, and it does skip most of them."""
    seizures, _ = bench_duplicates.generate(300, 20261202)
    listed = skipped = narrowed = 0
    for i, a in enumerate(seizures):
        for b in seizures[i + 1 :]:
            if not blocked(a, b):
                continue
            full = score(a, b)
            quick = score_from(a, b, THRESHOLD)
            assert quick == (full if full >= THRESHOLD else None), (a, b)
            listed += quick is not None
            skipped += quick is None and WEIGHTS["description"] + sum(cheap_parts(a, b)) < THRESHOLD
            # The database is asked only for counts in the band: every listed pair is in it.
            band = quantity_band(a.quantity)
            assert band is not None
            inside = band[0] <= b.quantity <= band[1]
            assert inside or quick is None, (a, b)
            narrowed += not inside
    assert listed > 50
    assert skipped > listed
    assert narrowed > listed


def test_the_count_band_holds_every_count_that_may_reach_the_threshold() -> None:
    for mine in range(1, 3000):
        low, high = quantity_band(mine) or (0, 10**9)
        for theirs in (low - 1, high + 1):
            if theirs >= 1:
                # Everything else at its best still leaves the pair short.
                best = 1 - WEIGHTS["quantity"] + WEIGHTS["quantity"] * _quantity(mine, theirs)
                assert best < THRESHOLD - 0.0005, (mine, theirs)


def test_the_route_part_reads_agreement_links_and_what_is_unknown() -> None:
    """The route's share of a score: each route field both reports know counts once, as
    does whether one reporting country lies on the other's route; nothing known is 0.5."""
    from datetime import date

    from opcoord.intel.duplicates_score import Candidate, _route

    def seizure(
        country: str, origin: str | None = None, via: str | None = None, to: str | None = None
    ) -> Candidate:
        return Candidate(country, "R", date(2026, 6, 1), "coins", 3, "x", origin, via, to)

    assert _route(seizure("ES"), seizure("ES")) == 0.5  # same country, no route known
    assert _route(seizure("ES", "EG", to="ES"), seizure("ES", "EG", to="ES")) == 1.0
    assert _route(seizure("ES", "EG", to="ES"), seizure("ES", "TR", to="ES")) == 0.5
    # France lies on Spain's route: origin agrees, the link holds.
    assert _route(seizure("ES", "EG", "FR"), seizure("FR", "EG")) == 1.0
    # Both routes known, no link, origins differ: nothing agrees.
    assert _route(seizure("ES", "EG"), seizure("FR", "TR")) == 0.0
    # Italy's route is unknown: the link is half known, the origin is not compared.
    assert _route(seizure("ES", "EG"), seizure("IT")) == 0.5
    assert _route(seizure("ES", "EG", to="DE"), seizure("FR", "EG", to="IT")) == 1 / 3
