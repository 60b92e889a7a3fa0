"""What a dashboard does with each event: apply it to the snapshot it started from.

Pure functions, shared by the server's tests and mirrored by the dashboard's script
(``frontend/js/dashboard.js``): a snapshot with every later event applied equals a
fresh snapshot.
"""

import copy
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

DAY_STATUSES = ("submitted", "nil", "late", "missing", "not_due")
RETURN_EVENTS = frozenset({"return_submitted", "return_amended", "nil_return"})


def money(value: Decimal | int | float | str | None) -> int | float:
    """A sum of values for JSON: an integer when whole, else a two-decimal number."""
    dec = Decimal(str(value or 0)).quantize(Decimal("0.01"))
    return int(dec) if dec == dec.to_integral_value() else float(dec)


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
    return {s: counts.get(s, 0) for s in DAY_STATUSES}


def apply_event(snapshot: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    """The snapshot after ``event`` (a websocket message)."""
    snap = copy.deepcopy(snapshot)
    kind = event["type"]
    snap["seq"] = max(snap["seq"], event["seq"])
    if "delta" in event:
        snap["totals"] = apply_delta(snap["totals"], event["delta"])
    grid = snap["completeness"]["countries"]
    if kind in RETURN_EVENTS:
        objects = event.get("delta", {}).get("objects_seized", 0)
        if objects and "day" in event:
            by_day = snap["objects_by_day"]
            by_day[event["day"]] = by_day.get(event["day"], 0) + objects
            if not by_day[event["day"]]:
                del by_day[event["day"]]
        if event.get("country") in grid:
            grid[event["country"]][event["day"]] = event["day_status"]
    elif kind == "participant_added":
        p = event["participant"]
        snap["participants"] = sorted([*snap["participants"], p], key=lambda x: x["country"])
        snap["operation"]["participants"] = len(snap["participants"])
        if "completeness" in event:
            grid[p["country"]] = dict(event["completeness"])
    elif kind == "day_closed":
        for country, status in event.get("completeness", {}).items():
            if country in grid:
                grid[country][event["day"]] = status
        # Day D closes at the cut-off on D+1 (local time): the operation's today is D+1.
        next_day = (date.fromisoformat(event["day"]) + timedelta(days=1)).isoformat()
        snap["completeness"]["today"] = max(snap["completeness"]["today"], next_day)
    elif kind == "operation_status_changed":
        snap["operation"]["status"] = event["status"]
        if "closed_at" in event:
            snap["operation"]["closed_at"] = event["closed_at"]
    snap["completeness"]["counts"] = count_cells(grid)
    return snap
