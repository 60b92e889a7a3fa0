"""Writes events to the log inside the caller's transaction, and reads them back.

Numbering takes the stream's row lock until commit, so on PostgreSQL events commit in
the order of their numbers and a reader resuming after N misses none. ``record_all``
numbers them at once; ``record_at_commit`` leaves it to the database's commit (a
deferred trigger), so the lock is held for the commit alone. On PostgreSQL the
same transaction sends ``NOTIFY opcoord_live, '<stream>'``, which the server delivers
on commit and never on rollback: every instance's pump learns of the event then. In the
writing process, ``Database.write`` calls its commit hooks with the streams that the
transaction touched (``session.info[STREAMS]``), so the local pump needs no round trip.
"""

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from opcoord.db import STREAMS_TOUCHED, Query, dialect_of, run
from opcoord.outbox.events import ChangeEvent, EventType, RecordedEvent
from opcoord.outbox.models import LiveEvent, LiveStream

# Carries only the stream id: NOTIFY payloads are limited to 8000 bytes, and every
# instance reads the events themselves from the log.
CHANNEL = "opcoord_live"


async def next_seq(session: AsyncSession, stream_id: int) -> int:
    """Hand out the stream's next number, holding its row lock until commit."""
    insert = postgresql.insert if dialect_of(session) == "postgresql" else sqlite.insert
    stmt = (
        insert(LiveStream)
        .values(stream_id=stream_id, last_seq=1)
        .on_conflict_do_update(
            index_elements=["stream_id"], set_={"last_seq": col(LiveStream.last_seq) + 1}
        )
        .returning(col(LiveStream.last_seq))
    )
    return int((await session.execute(stmt)).scalar_one())


async def record(session: AsyncSession, event: ChangeEvent, now: datetime) -> RecordedEvent:
    """Add ``event`` to its stream in the session's transaction."""
    return (await record_all(session, [event], now))[0]


def _audience(event: ChangeEvent) -> list[str] | None:
    return None if event.audience is None else list(event.audience)


async def _record_sqlite(
    session: AsyncSession, events: Sequence[ChangeEvent], now: datetime
) -> list[RecordedEvent]:
    """SQLite (one writer at a time, no DML in WITH): number and add one by one."""
    out = []
    for event in events:
        seq = await next_seq(session, event.stream_id)
        session.add(
            LiveEvent(
                stream_id=event.stream_id,
                seq=seq,
                type=str(event.type),
                country=event.country,
                audience=_audience(event),
                payload=event.payload,
                created_at=now,
            )
        )
        out.append(
            RecordedEvent(
                type=event.type,
                stream_id=event.stream_id,
                seq=seq,
                payload=event.payload,
                created_at=now,
                country=event.country,
                audience=event.audience,
            )
        )
    return out


#: Events numbered in one statement (four parameters each).
NUMBERED_AT_ONCE = 1_000


def _event_rows(n: int) -> tuple[str, list[sa.BindParameter[Any]]]:
    """The ``VALUES`` rows of ``n`` events and their bound parameters (every value is a
    parameter; only placeholders are formatted into a statement's text)."""
    table = LiveEvent.__table__.c  # type: ignore[attr-defined]
    rows = ", ".join(f"({i}, :type{i}, :country{i}, :audience{i}, :payload{i})" for i in range(n))
    binds = [
        sa.bindparam("sid", type_=sa.Integer()),
        sa.bindparam("at", type_=table.created_at.type),
        sa.bindparam("channel", CHANNEL, type_=sa.String()),
        sa.bindparam("sid_text", type_=sa.String()),
    ]
    for i in range(n):
        binds += [
            sa.bindparam(f"type{i}", type_=table.type.type),
            sa.bindparam(f"country{i}", type_=table.country.type),
            sa.bindparam(f"audience{i}", type_=table.audience.type),
            sa.bindparam(f"payload{i}", type_=table.payload.type),
        ]
    return rows, binds


def _event_params(stream_id: int, events: Sequence[ChangeEvent], now: datetime) -> dict[str, Any]:
    params: dict[str, Any] = {"sid": stream_id, "at": now, "sid_text": str(stream_id)}
    for i, e in enumerate(events):
        params |= {
            f"type{i}": str(e.type),
            f"country{i}": e.country,
            f"audience{i}": _audience(e),
            f"payload{i}": e.payload,
        }
    return params


@lru_cache(maxsize=32)
def _numbered(n: int) -> Query:
    """``n`` events numbered, inserted and announced in one statement (PostgreSQL),
    built once per count."""
    rows, binds = _event_rows(n)
    binds.append(sa.bindparam("n", type_=sa.Integer()))
    stmt = sa.text(
        f"""
        WITH bump AS (
            INSERT INTO live_streams (stream_id, last_seq) VALUES (:sid, :n)
            ON CONFLICT (stream_id) DO UPDATE SET last_seq = live_streams.last_seq + :n
            RETURNING last_seq
        ), ins AS (
            INSERT INTO live_events
                (stream_id, seq, type, country, audience, payload, created_at)
            SELECT :sid, bump.last_seq - :n + 1 + v.ord, v.type, v.country, v.audience,
                v.payload, :at
            FROM bump, (VALUES {rows}) AS v (ord, type, country, audience, payload)
            RETURNING seq
        )
        SELECT last_seq, pg_notify(:channel, :sid_text) FROM bump
        """  # noqa: S608
    ).bindparams(*binds)
    return Query(stmt.columns(sa.column("last_seq", sa.Integer()), sa.column("notified")))


async def record_all(
    session: AsyncSession, events: Sequence[ChangeEvent], now: datetime
) -> list[RecordedEvent]:
    """Add ``events`` (of one stream) in the session's transaction, numbered one after
    another.

    On PostgreSQL this is one statement: the stream's number moved on by as many, the
    events inserted and the NOTIFY sent. The stream's row lock it takes is held until
    commit, so a writer that numbers its events last (as the writes of returns do)
    holds every other writer of the operation up for one round trip and its commit,
    whatever else it did before.
    """
    if not events:
        return []
    stream_id = events[0].stream_id
    if any(e.stream_id != stream_id for e in events):
        raise ValueError("record_all numbers the events of one stream")
    if len(events) > NUMBERED_AT_ONCE:  # a statement takes at most 32,767 parameters
        out = []
        for at in range(0, len(events), NUMBERED_AT_ONCE):
            out += await record_all(session, events[at : at + NUMBERED_AT_ONCE], now)
        return out
    if dialect_of(session) != "postgresql":
        recorded = await _record_sqlite(session, events, now)
        session.info.setdefault(STREAMS_TOUCHED, set()).add(stream_id)
        return recorded
    n = len(events)
    params = _event_params(stream_id, events, now)
    ((last, _),) = await run(session, _numbered(n), n=n, **params)
    session.info.setdefault(STREAMS_TOUCHED, set()).add(stream_id)
    first = last - n + 1
    return [
        RecordedEvent(
            type=e.type,
            stream_id=stream_id,
            seq=first + i,
            payload=e.payload,
            created_at=now,
            country=e.country,
            audience=e.audience,
        )
        for i, e in enumerate(events)
    ]


@lru_cache(maxsize=32)
def _pending(n: int) -> Query:
    """``n`` events inserted to be numbered at commit, and announced (PostgreSQL)."""
    rows, binds = _event_rows(n)
    stmt = sa.text(
        f"""
        WITH ins AS (
            INSERT INTO live_events
                (stream_id, seq, type, country, audience, payload, created_at)
            SELECT :sid, -nextval('live_events_pending'), v.type, v.country, v.audience,
                v.payload, :at
            FROM (VALUES {rows}) AS v (ord, type, country, audience, payload)
            ORDER BY v.ord
            RETURNING 1
        )
        SELECT pg_notify(:channel, :sid_text)
        """  # noqa: S608
    ).bindparams(*binds)
    return Query(stmt.columns(sa.column("notified")))


async def record_at_commit(
    session: AsyncSession, events: Sequence[ChangeEvent], now: datetime
) -> None:
    """Add ``events`` (of one stream) to be numbered as the transaction commits.

    On PostgreSQL they are inserted with placeholder numbers and the database numbers
    them in its commit (``live_events_numbered_at_commit``, a deferred trigger), in the
    order given: the stream's row is taken then and held only for the commit, not
    across this write's remaining round trips, so the writers of one operation wait for
    each other only that long. Their numbers are not known before the commit; the
    readers of the log only ever see committed, numbered events. On SQLite (one writer
    at a time) this is ``record_all``.
    """
    if not events:
        return
    stream_id = events[0].stream_id
    if any(e.stream_id != stream_id for e in events):
        raise ValueError("record_at_commit takes the events of one stream")
    if dialect_of(session) != "postgresql":
        await record_all(session, events, now)
        return
    for at in range(0, len(events), NUMBERED_AT_ONCE):
        part = events[at : at + NUMBERED_AT_ONCE]
        await run(session, _pending(len(part)), **_event_params(stream_id, part, now))
    session.info.setdefault(STREAMS_TOUCHED, set()).add(stream_id)


async def last_seq(session: AsyncSession, stream_id: int) -> int:
    value = await session.scalar(
        sa.select(col(LiveStream.last_seq)).where(col(LiveStream.stream_id) == stream_id)
    )
    return int(value or 0)


def to_recorded(row: LiveEvent) -> RecordedEvent:
    return RecordedEvent(
        type=EventType(row.type),
        stream_id=row.stream_id,
        seq=row.seq,
        payload=row.payload,
        created_at=row.created_at,
        country=row.country,
        audience=None if row.audience is None else tuple(row.audience),
    )


async def read_after(
    session: AsyncSession, stream_id: int, since: int, limit: int
) -> list[RecordedEvent]:
    """Up to ``limit`` events of the stream after ``since``, in order."""
    rows = (
        await session.scalars(
            sa.select(LiveEvent)
            .where(col(LiveEvent.stream_id) == stream_id, col(LiveEvent.seq) > since)
            .order_by(col(LiveEvent.seq))
            .limit(limit)
        )
    ).all()
    return [to_recorded(r) for r in rows]


async def latest(session: AsyncSession, stream_id: int, limit: int) -> list[RecordedEvent]:
    """The stream's last ``limit`` events, oldest first."""
    rows = (
        await session.scalars(
            sa.select(LiveEvent)
            .where(col(LiveEvent.stream_id) == stream_id)
            .order_by(col(LiveEvent.seq).desc())
            .limit(limit)
        )
    ).all()
    return [to_recorded(r) for r in reversed(rows)]
