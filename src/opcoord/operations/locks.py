"""Exceptions to day locks: a coordinator lets one day of one country be written again
until a given time. Whether a day is locked is the day ledger's decision
(``ledger.locked``), from the day's lock time and the latest exception's end.
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from opcoord.accounts.identity import Caller
from opcoord.audit import log as audit
from opcoord.db import Database, pk
from opcoord.errors import invalid, not_found
from opcoord.operations import ledger
from opcoord.operations.models import LockException, Operation, Participant
from opcoord.operations.operations import load
from opcoord.operations.schemas import LockExceptionPublic, UnlockIn

#: An exception to a lock is time-limited: at most this long.
MAX_EXCEPTION = timedelta(days=90)


async def _participant(session: AsyncSession, op: Operation, country: str) -> Participant:
    p = await session.scalar(
        sa.select(Participant).where(
            col(Participant.operation_id) == op.id, col(Participant.country) == country
        )
    )
    if p is None:
        raise not_found("country", f"{country} does not take part in operation {op.code}")
    return p


async def exception_until(
    session: AsyncSession, operation_id: int, country: str, day: date
) -> datetime | None:
    """The end of the latest exception granted to the day's lock, if any."""
    found: datetime | None = await session.scalar(
        sa.select(col(LockException.until))
        .where(
            col(LockException.operation_id) == operation_id,
            col(LockException.country) == country,
            col(LockException.day) == day,
        )
        .order_by(pk(LockException).desc())
        .limit(1)
    )
    return found


async def exceptions_of(
    session: AsyncSession, operation_id: int, country: str, days: Sequence[date] | None = None
) -> dict[date, datetime]:
    """Per day of ``country``, the end of its latest exception."""
    stmt = (
        sa.select(col(LockException.day), col(LockException.until))
        .where(
            col(LockException.operation_id) == operation_id,
            col(LockException.country) == country,
        )
        .order_by(pk(LockException))
    )
    if days is not None:
        stmt = stmt.where(col(LockException.day).in_(list(days)))
    return dict((await session.execute(stmt)).all())


async def check_unlocked(
    session: AsyncSession, op: Operation, country: str, day: date, now: datetime
) -> None:
    """Ask the ledger whether the day accepts changes (409 when it is locked)."""
    if ledger.locks_at(op, day) is None:
        return
    assert op.id is not None
    until = await exception_until(session, op.id, country, day)
    ledger.check_unlocked(op, country, day, now, until)


async def unlock_day(
    db: Database,
    caller: Caller,
    code: str,
    country: str,
    day: date,
    data: UnlockIn,
    now: datetime,
) -> LockExceptionPublic:
    """Grant an exception to the day's lock until ``data.until``."""
    try:
        until = data.until.astimezone(UTC)
    except OverflowError:  # an offset that moves it past year 9999
        raise invalid("until", "not a valid moment", "datetime_parsing") from None
    if until <= now:
        raise invalid("until", f"{data.until.isoformat()} is not in the future", "until_past")
    if until > now + MAX_EXCEPTION:
        raise invalid(
            "until", f"an exception lasts at most {MAX_EXCEPTION.days} days", "until_too_far"
        )
    async with db.write() as session:
        op = await load(session, code, for_share=True)
        assert op.id is not None
        p = await _participant(session, op, country)
        ledger.check_writable(op, p, country, day, now)
        row = LockException(
            operation_id=op.id,
            country=country,
            day=day,
            until=until,
            reason=data.reason,
            granted_by=caller.id,
            granted_at=now,
        )
        session.add(row)
        await session.flush()
        await audit.record(
            session,
            "return.unlock",
            now,
            stream_id=op.id,
            operation=op.code,
            object=f"{country} {day}",
            detail={"until": until.isoformat(), "reason": data.reason},
        )
    return LockExceptionPublic(
        operation=op.code,
        country=country,
        day=day,
        until=row.until,
        reason=row.reason,
        granted_by=caller.username,
        granted_at=now,
        locks_at=ledger.locks_at(op, day),
    )
