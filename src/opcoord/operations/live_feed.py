"""What the live channel sends: snapshots, and events filtered for who watches.

The operations package owns what a snapshot holds and what a role may see; the live
package only carries it.
"""

import json
from collections import OrderedDict
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from opcoord.auth import Caller
from opcoord.live.events import EventType, RecordedEvent
from opcoord.live.models import LiveEvent
from opcoord.live.outbox import last_seq
from opcoord.live.pump import to_recorded
from opcoord.live.snapshot import count_cells
from opcoord.operations import access, figures, operations, participants
from opcoord.operations.enums import Role
from opcoord.operations.models import Operation, Participant, Seizure

__all__ = ["build_snapshot", "last_seq", "message_for", "message_text", "replay"]

RECENT = 30
# Fields of another country's return event that an NCP does not receive.
_NCP_KEEP = ("type", "seq", "at", "operation", "day", "delta")


async def objects_by_day(session: AsyncSession, op: Operation) -> dict[str, int]:
    rows = await session.execute(
        sa.select(Seizure.day, sa.func.sum(Seizure.quantity))
        .where(Seizure.operation_id == op.id, Seizure.is_current)
        .group_by(Seizure.day)
        .order_by(Seizure.day)
    )
    return {d.isoformat(): int(n) for d, n in rows.all() if n}


async def build_snapshot(
    session: AsyncSession, op: Operation, caller: Caller, now: datetime
) -> dict[str, Any]:
    """Everything a dashboard starts from, as of one database state."""
    assert op.id is not None
    seq = await last_seq(session, op.id)
    grid = await figures.completeness(session, op, now)
    cells = {
        row["country"]: {d.isoformat(): str(s) for d, s in row["days"].items()}
        for row in grid["countries"]
        if access.sees_country_detail(caller, row["country"])
    }
    people = (
        await session.scalars(
            sa.select(Participant)
            .where(Participant.operation_id == op.id)
            .order_by(Participant.country)
        )
    ).all()
    recent = (
        await session.scalars(
            sa.select(LiveEvent)
            .where(LiveEvent.stream_id == op.id)
            .order_by(LiveEvent.seq.desc())
            .limit(RECENT)
        )
    ).all()
    return {
        "type": "snapshot",
        "seq": seq,
        "at": now.isoformat(),
        "operation": operations.to_public(op, now, len(people)).model_dump(mode="json"),
        "totals": await figures.totals(session, op),
        "objects_by_day": await objects_by_day(session, op),
        "completeness": {
            "today": grid["today"].isoformat(),
            "days": [d.isoformat() for d in grid["days"]],
            "countries": cells,
            "counts": count_cells(cells),
        },
        "participants": [participants.to_public(p).model_dump(mode="json") for p in people],
        "recent": [m for m in (message_for(caller, to_recorded(e)) for e in reversed(recent)) if m],
    }


def message_for(caller: Caller, event: RecordedEvent) -> dict[str, Any]:
    """The websocket message for ``event`` as ``caller`` may see it."""
    if access.sees_country_detail(caller, event.country):
        message = event.message()
        if "completeness" in message and caller.role is not Role.coordinator:
            # Operation-wide events may list every country's day: keep the caller's own.
            cells = message["completeness"]
            if event.type is EventType.participant_added:
                if message["participant"]["country"] != caller.country:
                    message = {k: v for k, v in message.items() if k != "completeness"}
            else:
                message["completeness"] = {c: s for c, s in cells.items() if c == caller.country}
        if caller.role is not Role.coordinator:
            # Lists of other countries (missing, late, still due) are their detail.
            for key in ("missing", "late", "countries"):
                if isinstance(message.get(key), list):
                    message[key] = [c for c in message[key] if c == caller.country]
        return message
    full = event.message()
    if "delta" not in event.payload:
        # Another country's detail with no operation-wide figure in it: only its number,
        # so every client still sees an unbroken sequence.
        return {"type": full["type"], "seq": full["seq"], "at": full["at"]}
    return {k: full[k] for k in _NCP_KEEP if k in full}


EncodedCache = OrderedDict[tuple[int, int, str], str]
ENCODED_MAX = 4096


def message_text(caller: Caller, event: RecordedEvent, cache: EncodedCache) -> str:
    """``message_for`` as JSON text, encoded once per kind of viewer.

    Hundreds of sockets watching one event share one encoding. The cache belongs to the
    app's hub (one database); it is only a cache: a miss re-encodes.
    """
    view = "c" if caller.role is Role.coordinator else f"n:{caller.country}"
    key = (event.stream_id, event.seq, view)
    text = cache.get(key)
    if text is None:
        text = json.dumps(message_for(caller, event), separators=(",", ":"))
        cache[key] = text
        if len(cache) > ENCODED_MAX:
            cache.popitem(last=False)
    return text



async def replay(
    session: AsyncSession, stream_id: int, since: int, limit: int
) -> list[RecordedEvent] | None:
    """Events after ``since``, or None when there are more than ``limit`` of them."""
    rows = (
        await session.scalars(
            sa.select(LiveEvent)
            .where(LiveEvent.stream_id == stream_id, LiveEvent.seq > since)
            .order_by(LiveEvent.seq)
            .limit(limit + 1)
        )
    ).all()
    if len(rows) > limit:
        return None
    return [to_recorded(r) for r in rows]
