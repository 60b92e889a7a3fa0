"""A write's prebuilt statements (``db.Query`` run inside its transaction): on PostgreSQL
they go straight to the driver, and their failures are still SQLAlchemy's, so a raced
constraint is a 409 and a lost connection a 503, and nothing of the write is kept."""

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError

from opcoord.accounts.models import RateCount
from opcoord.config import Settings
from opcoord.db import Database, Query, open_database, run
from opcoord.outbox import record
from opcoord.outbox.events import ChangeEvent, EventType
from opcoord.outbox.models import LiveEvent
from opcoord.web import _database_down

AT = datetime(2026, 6, 8, 12, 0, tzinfo=UTC)
_COUNT = Query(
    sa.insert(RateCount).values(
        key=sa.bindparam("k"), window=sa.bindparam("w"), count=sa.bindparam("n")
    )
)
_READ = Query(
    sa.select(RateCount.key, RateCount.window, RateCount.count).where(
        RateCount.key == sa.bindparam("k")
    )
)


async def _stored(db: Database, key: str) -> list[tuple[Any, ...]]:
    async with db.read() as session:
        return await run(session, _READ, k=key)


def test_a_raced_constraint_is_sqlalchemys_integrity_error_and_the_write_is_undone(
    settings: Settings,
) -> None:
    async def scenario() -> None:
        db = open_database(settings)
        try:
            with pytest.raises(IntegrityError):
                async with db.write() as session:
                    await run(session, _COUNT, k="first", w=AT, n=1)
                    await run(session, _COUNT, k="raced", w=AT, n=1)
                    await run(session, _COUNT, k="raced", w=AT, n=2)  # the same key again
            assert await _stored(db, "first") == []  # the whole write was rolled back
            async with db.write() as session:  # and the connection serves the next one
                await run(session, _COUNT, k="raced", w=AT, n=3)
            ((key, window, count),) = await _stored(db, "raced")
            assert (key, count) == ("raced", 3)
            assert window.replace(tzinfo=window.tzinfo or UTC) == AT
        finally:
            await db.dispose()

    asyncio.run(scenario())


def test_a_connection_lost_mid_write_is_a_database_down_error(settings: Settings) -> None:
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("a server connection to lose is PostgreSQL's")

    async def scenario() -> None:
        db = open_database(settings)
        try:
            with pytest.raises(DBAPIError) as lost:
                async with db.write() as session:
                    await run(session, _COUNT, k="lost", w=AT, n=1)
                    pid = (await session.execute(sa.text("SELECT pg_backend_pid()"))).scalar()
                    async with db.engine.connect() as other:
                        await other.execute(sa.text(f"SELECT pg_terminate_backend({int(pid)})"))
                    await run(session, _COUNT, k="lost-too", w=AT, n=1)
            assert _database_down(lost.value)  # answered 503: the client retries
            assert lost.value.connection_invalidated
            assert await _stored(db, "lost") == []
            # The dead connection did not go back to the pool: every write after it,
            # through every connection the pool holds, succeeds.
            for n in range(2 * settings.db_pool_size + 2):
                async with db.write() as session:
                    await run(session, _COUNT, k=f"after-{n}", w=AT, n=1)
        finally:
            await db.dispose()

    asyncio.run(scenario())


def test_thousands_of_events_of_one_write_are_numbered_one_after_another(
    settings: Settings,
) -> None:
    """A duplicate check of many bulk returns may record thousands of events at once:
    more than one statement's parameters, so they are numbered in slices, in order."""

    async def scenario() -> None:
        db = open_database(settings)
        try:
            events = [
                ChangeEvent(EventType.duplicate_found, 4242, {"n": n})
                for n in range(2 * record.NUMBERED_AT_ONCE + 7)
            ]
            async with db.write() as session:
                recorded = await record.record_all(session, events, AT)
            assert [e.seq for e in recorded] == list(range(1, len(events) + 1))
            async with db.read() as session:
                rows = await session.execute(
                    sa.select(LiveEvent.seq, LiveEvent.payload)
                    .where(LiveEvent.stream_id == 4242)
                    .order_by(LiveEvent.seq)
                )
                stored = [(seq, payload["n"]) for seq, payload in rows]
            assert stored == [(n + 1, n) for n in range(len(events))]
        finally:
            await db.dispose()

    asyncio.run(scenario())
