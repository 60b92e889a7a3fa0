"""What a dashboard does with each event: apply it to the snapshot it started from.

Pure functions, mirrored line for line by the dashboard's reducer
(``frontend/static/js/live/state.js``); both are tested on the same event sequences (a snapshot
with every later event applied equals a fresh snapshot). Neither decides anything: the
events carry the day ledger's states, the day being collected and the last day due, and
the reducers only put them in place and count them.
"""

import copy
from collections import Counter
from decimal import Decimal
from typing import Any

from opcoord.operations.figures import money
from opcoord.operations.ledger import RETURNED, DayState
from opcoord.operations.schemas import ReviewStatus

DAY_STATES = tuple(str(s) for s in DayState)
REVIEW_STATES = tuple(str(s) for s in ReviewStatus)
RETURN_EVENTS = frozenset({"return_submitted", "return_amended", "nil_return"})
#: Keys of an event that replace the same keys of the snapshot's completeness.
COMPLETENESS_KEYS = ("collecting", "collecting_due_at", "last_due", "days")
#: Keys of an ``operation_status_changed`` event that replace the operation's.
OPERATION_KEYS = ("status", "closed_at", "closed_early")
#: Day states of a return received (the ledger's ``RETURNED``).
RECEIVED = tuple(str(s) for s in DayState if s in RETURNED)


def apply_delta(totals: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    """Totals with a delta applied (both shaped like the API's ``totals``)."""
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in totals.items()}
    for key, value in change.items():
        if isinstance(value, dict):
            target = out.setdefault(key, {})
            for k, v in value.items():
                if key == "estimated_value":
                    target[k] = money(Decimal(str(target.get(k, 0))) + Decimal(str(v)))
                else:
                    target[k] = target.get(k, 0) + v
                if not target[k]:
                    del target[k]
            out[key] = dict(sorted(target.items()))
        else:
            out[key] = out.get(key, 0) + value
    return out


def count_cells(countries: dict[str, dict[str, str]]) -> dict[str, int]:
    counts = Counter(s for cells in countries.values() for s in cells.values())
    return {s: counts.get(s, 0) for s in DAY_STATES}


def count_reviews(countries: dict[str, dict[str, str]]) -> dict[str, int]:
    counts = Counter(s for cells in countries.values() for s in cells.values())
    return {s: counts.get(s, 0) for s in REVIEW_STATES}


def region_rows(snap: dict[str, Any]) -> list[dict[str, Any]]:
    """Figures and completeness per region of the snapshot's participants (none when no
    participant has a region; countries in no region under None, last), from what the
    snapshot holds per country: its day cells, objects and seizures."""
    people = snap["participants"]
    if not any(p.get("region") for p in people):
        return []
    groups: dict[str, list[str]] = {}
    for p in sorted(people, key=lambda p: p["country"]):
        groups.setdefault(p.get("region") or "", []).append(p["country"])
    grid = snap["completeness"]["countries"]
    objects = snap["totals"].get("objects_by_country", {})
    seizures = snap.get("seizures_by_country", {})
    rows = []
    for name in sorted(groups, key=lambda n: (n == "", n)):
        countries = groups[name]
        states = [list(grid.get(c, {}).values()) for c in countries]
        rows.append(
            {
                "region": name or None,
                "countries": countries,
                "participating": len(countries),
                "reporting": sum(1 for row in states if any(s in RECEIVED for s in row)),
                "returns": sum(1 for row in states for s in row if s in RECEIVED),
                "missing": sum(1 for row in states for s in row if s == "missing"),
                "seizures": sum(seizures.get(c, 0) for c in countries),
                "objects_seized": sum(objects.get(c, 0) for c in countries),
            }
        )
    return rows


def _apply_seizures(snap: dict[str, Any], event: dict[str, Any]) -> None:
    """Seizures per country: a return's change to its country's, or an event's own
    ``seizures_by_country`` change (a merged pair of duplicates)."""
    by_country = snap.get("seizures_by_country")
    if by_country is None:
        return
    changes = dict(event.get("seizures_by_country", {}))
    seizures = event.get("delta", {}).get("seizures", 0)
    if event["type"] in RETURN_EVENTS and "country" in event and seizures:
        changes[event["country"]] = changes.get(event["country"], 0) + seizures
    for country, n in changes.items():
        by_country[country] = by_country.get(country, 0) + n
        if not by_country[country]:
            del by_country[country]


def _apply_review(snap: dict[str, Any], event: dict[str, Any]) -> None:
    """A return's review state: pending with each new version, else as reviewed."""
    reviews = snap.get("reviews")
    if reviews is None or "country" not in event or "day" not in event:
        return
    status = event.get("review_status")
    if event["type"] == "return_reviewed" and isinstance(event.get("review"), dict):
        status = event["review"].get("status")
    if status is None:
        return
    reviews["countries"].setdefault(event["country"], {})[event["day"]] = status
    reviews["counts"] = count_reviews(reviews["countries"])


def apply_event(snapshot: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    """The snapshot after ``event`` (a websocket message)."""
    snap = copy.deepcopy(snapshot)
    kind = event["type"]
    snap["seq"] = max(snap["seq"], event["seq"])
    if "delta" in event:
        snap["totals"] = apply_delta(snap["totals"], event["delta"])
    completeness = snap["completeness"]
    grid = completeness["countries"]
    if kind in RETURN_EVENTS:
        objects = event.get("delta", {}).get("objects_seized", 0)
        if objects and "day" in event:
            by_day = snap["objects_by_day"]
            by_day[event["day"]] = by_day.get(event["day"], 0) + objects
            if not by_day[event["day"]]:
                del by_day[event["day"]]
        if event.get("country") in grid and "day_status" in event:
            grid[event["country"]][event["day"]] = event["day_status"]
    if kind == "participant_added":
        p = event["participant"]
        snap["participants"] = sorted([*snap["participants"], p], key=lambda x: x["country"])
        snap["operation"]["participants"] = len(snap["participants"])
        for country in event.get("completeness", {}):
            grid.setdefault(country, {})
    if kind == "participant_changed" and "participant" in event:
        p = event["participant"]
        people = snap["participants"]
        snap["participants"] = [p if x["country"] == p["country"] else x for x in people]
    for country, cells in event.get("completeness", {}).items():
        if country in grid:
            grid[country].update(cells)
    for key in COMPLETENESS_KEYS:
        if key in event:
            completeness[key] = event[key]
    if kind == "operation_status_changed":
        for key in OPERATION_KEYS:
            if key in event:
                snap["operation"][key] = event[key]
    _apply_review(snap, event)
    _apply_seizures(snap, event)
    completeness["counts"] = count_cells(grid)
    if "regions" in snap:
        snap["regions"] = region_rows(snap)
    return snap
