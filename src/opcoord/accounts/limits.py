"""Limits that keep one account or one address from taking the service for everyone.

Counts are kept in the database (``rate_counts``, one row per key and window), so every
instance enforces the same limit; an answer over the limit is a 429 with Retry-After.
Windows are fixed (a minute, a quarter of an hour): coarse, cheap, and shared.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col

from opcoord.accounts.models import LiveConnection, RateCount
from opcoord.db import Database, Query
from opcoord.errors import TooManyRequests

#: Open websockets whose instance has not said so for this long no longer count.
LIVE_STALE = timedelta(minutes=3)


@dataclass(frozen=True, slots=True)
class Limit:
    name: str  # what the caller is told is limited
    allowed: int  # per window
    window: timedelta


def window_start(now: datetime, window: timedelta) -> datetime:
    seconds = int(window.total_seconds())
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, UTC)


async def hit(db: Database, limit: Limit, key: str, now: datetime, weight: int = 1) -> None:
    """Count ``weight`` against ``key``; 429 when the window's count goes over."""
    await hit_all(db, [(limit, key, weight)], now)


async def hit_all(db: Database, hits: list[tuple[Limit, str, int]], now: datetime) -> None:
    """Count several (limit, key, weight) at once, in one statement and one transaction;
    429 for the first whose window's count goes over."""
    rows = {
        (key[:120], window_start(now, limit.window)): (limit, weight) for limit, key, weight in hits
    }
    if not rows:
        return
    params: dict[str, Any] = {}
    for i, ((k, w), (_, weight)) in enumerate(rows.items()):
        params |= {f"k{i}": k, f"w{i}": w, f"n{i}": weight}
    # A statement of its own (PostgreSQL: autocommit), counted whatever the request does.
    for key, start, count in await db.write_alone(_counting(db.dialect, len(rows)), **params):
        start = start if start.tzinfo else start.replace(tzinfo=UTC)
        limit, _ = rows[(key, start)]
        if count > limit.allowed:
            retry = max(1, int((start + limit.window - now).total_seconds()) + 1)
            raise TooManyRequests(f"too many {limit.name}: try again in {retry} s", retry)


@cache
def _counting(dialect: str, n: int) -> Query:
    """``n`` counts added at once, built once per size (every write is counted)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = RateCount.__table__  # type: ignore[attr-defined]
    values = insert(RateCount).values(
        [
            {
                "key": sa.bindparam(f"k{i}", type_=table.c.key.type),
                "window": sa.bindparam(f"w{i}", type_=table.c.window.type),
                "count": sa.bindparam(f"n{i}", type_=table.c.count.type),
            }
            for i in range(n)
        ]
    )
    return Query(
        values.on_conflict_do_update(
            index_elements=["key", "window"],
            set_={"count": col(RateCount.count) + values.excluded.count},
        ).returning(col(RateCount.key), col(RateCount.window), col(RateCount.count))
    )


async def purge(db: Database, now: datetime) -> None:
    """Forget counts older than a day, and sockets no instance has kept alive."""
    async with db.write() as session:
        await session.execute(
            sa.delete(RateCount).where(col(RateCount.window) < now - timedelta(days=1))
        )
        await session.execute(
            sa.delete(LiveConnection).where(col(LiveConnection.seen_at) < now - LIVE_STALE)
        )


# --- open websockets ----------------------------------------------------------------------


async def open_socket(
    db: Database, socket_id: str, user_id: int, allowed: int, now: datetime
) -> None:
    """Register a socket of the account; 429 (closed 1008 by the caller) over ``allowed``."""
    async with db.write() as session:
        open_now = await session.scalar(
            sa.select(sa.func.count()).where(
                col(LiveConnection.user_id) == user_id,
                col(LiveConnection.seen_at) >= now - LIVE_STALE,
            )
        )
        if int(open_now or 0) >= allowed:
            raise TooManyRequests(f"at most {allowed} open live connections per account", 60)
        session.add(LiveConnection(id=socket_id, user_id=user_id, opened_at=now, seen_at=now))


async def keep_sockets(db: Database, socket_ids: list[str], now: datetime) -> None:
    if not socket_ids:
        return
    async with db.write() as session:
        await session.execute(
            sa.update(LiveConnection)
            .where(col(LiveConnection.id).in_(socket_ids))
            .values(seen_at=now)
        )


async def forget_sockets(db: Database, socket_ids: list[str]) -> None:
    async with db.write() as session:
        await session.execute(
            sa.delete(LiveConnection).where(col(LiveConnection.id).in_(socket_ids))
        )
