"""What the live channel sends: snapshots, and events as each caller may see them.

What a snapshot holds comes from the day ledger and the figures; what a caller may see
of it, and of each event, is the access policy's (``access.totals_view``,
``access.event_view``). This module only assembles and encodes.
"""

import json
from collections import OrderedDict
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from opcoord.accounts import access
from opcoord.accounts.identity import Caller
from opcoord.intel import hits
from opcoord.live.state import count_cells, count_reviews, region_rows
from opcoord.operations import figures, ledger, operations, participants, reviews
from opcoord.operations.models import Operation, Seizure
from opcoord.outbox.events import RecordedEvent
from opcoord.outbox.record import last_seq, latest, read_after

RECENT = 30


async def objects_by_day(
    session: AsyncSession, op: Operation, countries: frozenset[str] | None = None
) -> dict[str, int]:
    among = sa.true() if countries is None else col(Seizure.country).in_(sorted(countries))
    rows = await session.execute(
        sa.select(col(Seizure.day), sa.func.sum(col(Seizure.quantity)))
        .where(col(Seizure.operation_id) == op.id, col(Seizure.is_current), among)
        .group_by(col(Seizure.day))
        .order_by(col(Seizure.day))
    )
    return {d.isoformat(): int(n) for d, n in rows.all() if n}


async def build_snapshot(
    session: AsyncSession, op: Operation, caller: Caller, now: datetime
) -> dict[str, Any]:
    """Everything a dashboard starts from, as of one database state: over the caller's
    countries only for a regional coordinator (``access.scope``); for those who read
    regions (``access.reads_regions``), seizures per country and figures per region."""
    assert op.id is not None
    seq = await last_seq(session, op.id)
    countries = access.scope(caller)
    people = await figures.participants_of(session, op, countries)
    grid = await figures.day_grid(session, op, now, participants=people)
    cells = figures.cells_json(
        {c: row for c, row in grid.cells.items() if access.sees_country(caller, c)}
    )
    recent = await latest(session, op.id, RECENT)
    review_cells = {
        c: row
        for c, row in (await reviews.states(session, op)).items()
        if access.sees_country(caller, c)
    }
    totals = await figures.totals(session, op, countries, (hits.more_totals,))
    snapshot = {
        "type": "snapshot",
        "seq": seq,
        "at": now.isoformat(),
        "operation": operations.to_public(op, now, len(people)).model_dump(mode="json"),
        "totals": access.totals_view(caller, totals),
        "objects_by_day": await objects_by_day(session, op, countries),
        "completeness": {
            "days": [d.isoformat() for d in ledger.days_run(op)],
            **figures.collection_json(op, grid),
            "countries": cells,
            "counts": count_cells(cells),
        },
        "reviews": {"countries": review_cells, "counts": count_reviews(review_cells)},
        "participants": [participants.to_public(p).model_dump(mode="json") for p in people],
        "recent": [message_for(caller, e) for e in recent],
    }
    if access.reads_regions(caller):
        # Per region, derived from the per-country figures (so the reducers keep it).
        by_country = await figures.seizures_by_country(session, op, countries)
        snapshot["seizures_by_country"] = access.own_figures(caller, by_country)
        snapshot["regions"] = region_rows(snapshot)
    return snapshot


def message_for(caller: Caller, event: RecordedEvent) -> dict[str, Any]:
    """The websocket message for ``event`` as ``caller`` may see it."""
    return access.event_view(caller, event.message(), event.country, event.audience)


EncodedCache = OrderedDict[tuple[int, int, str], str]
ENCODED_MAX = 4096


def message_text(caller: Caller, event: RecordedEvent, cache: EncodedCache) -> str:
    """``message_for`` as JSON text, encoded once per kind of viewer.

    Hundreds of sockets watching one event share one encoding. The cache belongs to the
    app's hub (one database); it is only a cache: a miss re-encodes.
    """
    key = (event.stream_id, event.seq, access.view_key(caller))
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
    events = await read_after(session, stream_id, since, limit + 1)
    return None if len(events) > limit else events


__all__ = ["build_snapshot", "last_seq", "message_for", "message_text", "replay"]
