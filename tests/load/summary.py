"""The run's verdict: which figures must be zero, and the table printed at the end."""

from typing import Any

# Figure -> why a non-zero value fails the run.
MUST_BE_ZERO = {
    "lost": "acknowledged writes missing from the database or holding other content",
    "duplicated": "writes that produced more than one version",
    "phantom_versions": "versions no client sent whole",
    "unexpected_answers": "answers that contradict the API's contract (see errors)",
    "events_missed": "seqs a dashboard never received",
    "event_repeats": "seqs a dashboard received twice",
    "reorderings": "seqs that arrived after a later one",
    "snapshots_unexplained": "resumes answered with a snapshot though the replay was short",
    "seqs_told_differently": "seqs whose event differed between sockets",
    "versions_without_event": "versions no return event announced",
    "events_without_version": "return events for versions that do not exist",
    "versions_with_several_events": "versions announced by more than one event",
    "totals_mismatches": "totals that disagree with the versions or with the folded deltas",
    "start_failures": "instances that failed to start when both started at once",
}


def failures(figures: dict[str, Any], kills_wanted: int) -> list[str]:
    found = [f"{k} = {figures[k]}: {why}" for k, why in MUST_BE_ZERO.items() if figures[k]]
    if figures["kills"] < kills_wanted:
        found.append(f"kills = {figures['kills']}, wanted {kills_wanted}")
    if figures["acknowledged"] == 0:
        found.append("no write was acknowledged")
    return found


def figures_of(
    writes: dict[str, Any],
    events: dict[str, Any],
    dashboards: list[dict[str, Any]],
    stats: dict[str, int],
    kills: list[dict[str, Any]],
) -> dict[str, Any]:
    """The flat figures of the JSON file and the table."""
    total = {k: sum(int(d.get(k, 0)) for d in dashboards) for k in (
        "received", "missed", "repeats", "reordered", "snapshots_on_resume", "drops",
        "resumes", "connect_failures",
    )}  # fmt: skip
    return {
        "acknowledged": writes["acknowledged"],
        "landed_unanswered": writes["landed_unanswered"],
        "versions": writes["versions"],
        "returns": writes["returns"],
        "lost": writes["lost"],
        "duplicated": writes["duplicated"],
        "phantom_versions": writes["phantom_versions"],
        "unacknowledged_versions": writes["unacknowledged_versions"],
        "unexpected_answers": stats.get("unexpected_answers", 0),
        "given_up": stats.get("given_up", 0),
        "events_missed": total["missed"],
        "event_repeats": total["repeats"],
        "reorderings": total["reordered"],
        "snapshots_unexplained": sum(len(d["snapshots_unexplained"]) for d in dashboards),
        "seqs_told_differently": events["seqs_told_differently"],
        "versions_without_event": events["versions_without_event"],
        "events_without_version": events["events_without_version"],
        "versions_with_several_events": events["versions_with_several_events"],
        "events_in_stream": events["final_seq"] - events["first_seq_watched"],
        "events_received": total["received"],
        "dashboards": len(dashboards),
        "dashboard_drops": total["drops"],
        "dashboard_resumes": total["resumes"],
        "dashboard_connect_failures": total["connect_failures"],
        "retries": stats.get("retries", 0),
        "http_412": stats.get("http_412", 0),
        "http_409": stats.get("http_409", 0),
        "http_5xx": stats.get("http_5xx", 0),
        "timeouts": stats.get("timeouts", 0),
        "connection_errors": stats.get("connection_errors", 0),
        "cuts": stats.get("cuts", 0),
        "kills": len(kills),
        "acks_after_restart": sum(k.get("acks_after_restart", 0) for k in kills),
    }


ROWS = [
    ("acknowledged", "writes acknowledged (2xx)"),
    ("landed_unanswered", "writes whose answer was lost, found on re-read"),
    ("versions", "versions in the database"),
    ("lost", "LOST (acknowledged, missing or changed)"),
    ("duplicated", "DUPLICATED (one write, several versions)"),
    ("phantom_versions", "PHANTOM versions"),
    ("unexpected_answers", "answers against the contract"),
    ("events_in_stream", "events in the stream during the run"),
    ("events_received", "events received by all dashboards"),
    ("events_missed", "EVENTS MISSED"),
    ("event_repeats", "EVENTS REPEATED"),
    ("reorderings", "REORDERINGS"),
    ("snapshots_unexplained", "resumes answered with an unneeded snapshot"),
    ("versions_without_event", "versions without their event"),
    ("events_without_version", "return events without a version"),
    ("totals_mismatches", "totals disagreeing (summary, dashboards)"),
    ("dashboard_resumes", "dashboard resumes (?since=N)"),
    ("retries", "retries"),
    ("http_412", "412s (re-read, re-applied)"),
    ("http_5xx", "5xx answers"),
    ("timeouts", "client timeouts"),
    ("connection_errors", "refused / reset connections"),
    ("cuts", "requests cut by the client"),
    ("given_up", "writes given up"),
    ("start_failures", "instances failing to start together"),
    ("kills", "SIGKILLs (and restarts)"),
    ("acks_after_restart", "acks by a killed instance after its restart"),
]


def table(figures: dict[str, Any], extra: list[tuple[str, str]]) -> str:
    lines = [f"{label:<48} {figures[key]:>10}" for key, label in ROWS]
    lines += [f"{label:<48} {value:>10}" for label, value in extra]
    width = max(len(line) for line in lines)
    return "\n".join(["-" * width, *lines, "-" * width])
