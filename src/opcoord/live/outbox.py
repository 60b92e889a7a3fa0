"""Writes events to the log inside the caller's transaction (a transactional outbox).

The event exists if and only if the change it describes was committed.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from opcoord.live.events import ChangeEvent, RecordedEvent
from opcoord.live.models import LiveEvent, LiveStream


async def next_seq(session: AsyncSession, stream_id: int) -> int:
    """Hand out the stream's next number, holding its row lock until commit."""
    insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
    stmt = (
        insert(LiveStream)
        .values(stream_id=stream_id, last_seq=1)
        .on_conflict_do_update(
            index_elements=["stream_id"], set_={"last_seq": LiveStream.last_seq + 1}
        )
        .returning(LiveStream.last_seq)
    )
    return int((await session.execute(stmt)).scalar_one())


# Carries only the stream id: NOTIFY payloads are limited to 8000 bytes, and every
# instance reads the events themselves from the log.
CHANNEL = "opcoord_live"


async def record(session: AsyncSession, event: ChangeEvent, now: datetime) -> RecordedEvent:
    seq = await next_seq(session, event.stream_id)
    if session.bind.dialect.name == "postgresql":
        # Inside the transaction: PostgreSQL delivers it on commit, and never on rollback.
        await session.execute(sa.select(sa.func.pg_notify(CHANNEL, str(event.stream_id))))
    session.add(
        LiveEvent(
            stream_id=event.stream_id,
            seq=seq,
            type=str(event.type),
            country=event.country,
            payload=event.payload,
            created_at=now,
        )
    )
    return RecordedEvent(
        type=event.type,
        stream_id=event.stream_id,
        seq=seq,
        payload=event.payload,
        created_at=now,
        country=event.country,
    )


async def last_seq(session: AsyncSession, stream_id: int) -> int:
    value = await session.scalar(
        sa.select(LiveStream.last_seq).where(LiveStream.stream_id == stream_id)
    )
    return int(value or 0)
