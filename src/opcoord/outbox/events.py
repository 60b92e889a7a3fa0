"""Typed change events. Actions record them; the live channel carries them.

Events speak in plain values: nothing here knows the domain's classes.
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class EventType(StrEnum):
    return_submitted = "return_submitted"
    return_amended = "return_amended"
    nil_return = "nil_return"
    seizure_recorded = "seizure_recorded"
    participant_added = "participant_added"
    # A coordinator put a participating country in another region (or in none).
    participant_changed = "participant_changed"
    operation_status_changed = "operation_status_changed"
    day_closed = "day_closed"
    reminder = "reminder"
    report_ready = "report_ready"
    duplicate_found = "duplicate_found"
    duplicate_resolved = "duplicate_resolved"
    alert = "alert"
    alert_acknowledged = "alert_acknowledged"
    return_reviewed = "return_reviewed"
    return_queried = "return_queried"
    # A seizure matched a listed stolen object; a coordinator confirmed or rejected it.
    watchlist_hit = "watchlist_hit"
    hit_reviewed = "hit_reviewed"


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    """A change, before it has its place in the stream.

    ``country`` names the country whose detail the payload carries (None when the event
    is about the whole operation); the live channel uses it to filter what an NCP sees.
    ``audience``, when set, names every country whose contact points may read the event
    at all (an alert for ES and PT): the others receive only its number.
    """

    type: EventType
    stream_id: int
    payload: dict[str, Any]
    country: str | None = None
    audience: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """A change with its sequence number, as stored in the event log."""

    type: EventType
    stream_id: int
    seq: int
    payload: dict[str, Any]
    created_at: datetime
    country: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    audience: tuple[str, ...] | None = None

    def message(self) -> dict[str, Any]:
        """The websocket message for this event."""
        return {
            "type": str(self.type),
            "seq": self.seq,
            "at": self.created_at.isoformat(),
            **self.payload,
        }
