"""The harness's own judges, on made-up histories: a harness that cannot see a gap, a
repeat or a lost write would pass a broken server."""

from .audit import check_events, check_totals, check_writes
from .contacts import Ack, Fleet, normalise
from .dashboards import Watcher, analyse, fold


def watcher(start: int, received: list[int], role: str = "ncp") -> Watcher:
    w = Watcher("w", role, "token", "OP", [("A", 1)], home=0)
    w.start, w.received = start, received
    return w


def test_an_unbroken_sequence_passes() -> None:
    result = analyse(watcher(10, [11, 12, 13]), final=13)
    assert (result["missed"], result["repeats"], result["reordered"]) == (0, 0, 0)


def test_gaps_repeats_and_reorderings_are_told_apart() -> None:
    result = analyse(watcher(10, [11, 13, 12, 13, 9, 15]), final=16)
    assert result["missed_first"] == [14, 16]
    assert result["repeats"] == 2  # 13 again, and 9 from before the snapshot
    assert result["reordered"] == 1  # 12 after 13


def test_a_short_gap_covered_by_a_snapshot_is_reported() -> None:
    w = watcher(10, [11, 20])
    w.snapshots_on_resume = [(11, 19)]
    result = analyse(w, final=20)
    assert result["missed"] == 0 and result["snapshots_unexplained"] == [(11, 19)]


def content(token: str, persons: int = 1) -> dict[str, object]:
    return normalise({"counters": {"persons_checked": persons}, "notes": token})


def fleet_with(*acks: Ack, uncertain: set[str] | None = None) -> Fleet:
    f = Fleet("OP", [("A", 1)], {"ES": "t"}, {"ES": ["2026-01-01"]})
    f.acks = list(acks)
    f.uncertain = uncertain or set()
    return f


def ack(version: int, token: str) -> Ack:
    return Ack("ES", "2026-01-01", version, token, content(token), "A", 0.0)


def test_lost_duplicated_and_phantom_versions_are_found() -> None:
    key = ("ES", "2026-01-01")
    db = {key: [(1, content("ES.0.1")), (2, content("ES.0.1")), (3, content("ES.9.9"))]}
    result = check_writes(fleet_with(ack(1, "ES.0.1"), ack(4, "ES.0.2")), db)
    assert result["lost"] == 1  # version 4 does not exist
    # ES.0.1 in two versions, and versions 1 and 2 are the same content.
    assert result["duplicated"] == 2
    assert result["phantom_versions"] == 1  # ES.9.9 was never sent
    clean = check_writes(fleet_with(ack(1, "ES.0.1")), {key: [(1, content("ES.0.1"))]})
    assert (clean["lost"], clean["duplicated"], clean["phantom_versions"]) == (0, 0, 0)


def test_versions_and_return_events_must_match_one_to_one() -> None:
    w = watcher(0, [1, 2], role="coordinator")
    w.events = {1: ("return_submitted", "ES", "2026-01-01", 1), 2: ("day_closed",)}
    db = {("ES", "2026-01-01"): [(1, content("a")), (2, content("b"))]}
    result = check_events([w], db, final=2)
    assert result["versions_without_event"] == 1 and result["events_without_version"] == 0


def test_folded_deltas_must_equal_the_summary() -> None:
    w = watcher(0, [1], role="coordinator")
    start = {"countries_participating": 1, "returns": 0, "objects_by_country": {}}
    w.totals = fold(start, {"returns": 1})
    summary = {"countries_participating": 1, "returns": 1, "objects_by_country": {"ES": 2}}
    result = check_totals([w], {}, summary)
    assert set(result["dashboards_drifted"]["w"]) == {"objects_by_country"}
    assert result["summary_vs_versions"]  # no version, yet one return in the summary
