"""The quality benchmark's quick set: the detector finds the duplicates written
differently (translated, abbreviated, misspelt, transliterated) where an exact match of
descriptions does not, at the issue's target."""

import sys
from pathlib import Path

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
