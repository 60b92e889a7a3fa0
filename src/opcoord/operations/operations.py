"""Actions on operations: create, read, list, and the facts access decisions need."""

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from opcoord.accounts.access import OperationFacts
from opcoord.audit import log as audit
from opcoord.db import Database, Query, pk
from opcoord.errors import conflict, not_found
from opcoord.operations import integrity, ledger
from opcoord.operations.enums import OperationStatus
from opcoord.operations.models import Operation, Participant
from opcoord.operations.schemas import OperationCreate, OperationPublic, OperationUpdate

_BY_CODE = sa.select(Operation).where(col(Operation.code) == sa.bindparam("code"))
_FOR_UPDATE = _BY_CODE.with_for_update()
_FOR_SHARE = _BY_CODE.with_for_update(read=True)


async def load(
    session: AsyncSession, code: str, *, for_update: bool = False, for_share: bool = False
) -> Operation:
    """The operation ``code`` (404 if there is none), optionally with its row locked
    until commit (PostgreSQL; SQLite has one writer at a time anyway): ``for_update``
    for changes to the operation itself (closing, participants, the report), which
    wait for the returns being written; ``for_share`` for the writes of returns, which
    run side by side and wait only for those."""
    stmt = _FOR_UPDATE if for_update else _FOR_SHARE if for_share else _BY_CODE
    op = await session.scalar(stmt, {"code": code})
    if op is None:
        raise not_found("code", f"no operation with code {code!r}")
    return op


#: The operation's id and code with each participant's country (one row with none when
#: it has no participant yet): what the access policy decides on.
_FACTS = Query(
    sa.select(pk(Operation), col(Operation.code), col(Participant.country))
    .outerjoin(Participant, col(Participant.operation_id) == pk(Operation))
    .where(col(Operation.code) == sa.bindparam("code"))
)


async def load_facts(db: Database, code: str) -> OperationFacts | None:
    """The operation's facts for the access policy, in one query; None if it does not
    exist. Every request about an operation asks (the guard), so it is a ``Query``."""
    rows = await db.fetch(_FACTS, code=code)
    if not rows:
        return None
    countries = frozenset(country for _, _, country in rows if country is not None)
    return OperationFacts(code=rows[0][1], id=rows[0][0], participants=countries)


async def participant_count(session: AsyncSession, operation_id: int) -> int:
    stmt = sa.select(sa.func.count()).where(col(Participant.operation_id) == operation_id)
    return int(await session.scalar(stmt) or 0)


@dataclass(slots=True)
class OperationRow:
    """An operation's row as ``get_operation`` reads it (no ORM object)."""

    code: str
    name: str
    lead: str
    partners: list[str]
    starts_on: date
    ends_on: date
    timezone: str
    daily_cutoff: str
    closed_at: datetime | None
    lock_after_days: int | None


#: The operation and its number of participants, in one statement.
_ONE = Query(
    sa.select(
        col(Operation.code),
        col(Operation.name),
        col(Operation.lead),
        col(Operation.partners),
        col(Operation.starts_on),
        col(Operation.ends_on),
        col(Operation.timezone),
        col(Operation.daily_cutoff),
        col(Operation.closed_at),
        col(Operation.lock_after_days),
        sa.select(sa.func.count())
        .where(col(Participant.operation_id) == pk(Operation))
        .scalar_subquery(),
    ).where(col(Operation.code) == sa.bindparam("code"))
)


def to_public(op: Operation | OperationRow, now: datetime, participants: int) -> OperationPublic:
    return OperationPublic(
        code=op.code,
        name=op.name,
        lead=op.lead,
        partners=list(op.partners),
        starts_on=op.starts_on,
        ends_on=op.ends_on,
        timezone=op.timezone,
        daily_cutoff=op.daily_cutoff,
        status=ledger.status(op, now),
        closed_at=op.closed_at,
        closed_early=ledger.closed_early(op),
        participants=participants,
        lock_after_days=op.lock_after_days,
    )


async def create_operation(db: Database, data: OperationCreate, now: datetime) -> OperationPublic:
    async with db.write() as session:
        exists = await session.scalar(
            sa.select(pk(Operation)).where(col(Operation.code) == data.code)
        )
        if exists is not None:
            raise conflict(f"an operation with code {data.code!r} already exists", "code")
        op = Operation(**data.model_dump(), created_at=now)
        session.add(op)
        await session.flush()
        await audit_operation(session, op, "operation.create", now)
    return to_public(op, now, 0)


async def audit_operation(session: AsyncSession, op: Operation, action: str, now: datetime) -> None:
    """The audit entry of a change to the operation's row, with its new state."""
    assert op.id is not None
    await audit.record(
        session,
        action,
        now,
        stream_id=op.id,
        operation=op.code,
        object=op.code,
        object_key=integrity.key("operations", op.id),
        state=integrity.operation_state(op),
    )


async def get_operation(db: Database, code: str, now: datetime) -> OperationPublic:
    row = await db.fetch_one(_ONE, code=code)
    if row is None:
        raise not_found("code", f"no operation with code {code!r}")
    *fields, participants = row
    return to_public(OperationRow(*fields), now, int(participants or 0))


async def list_operations(db: Database, now: datetime) -> list[OperationPublic]:
    counts = (
        sa.select(col(Participant.operation_id), sa.func.count().label("n"))
        .group_by(col(Participant.operation_id))
        .subquery()
    )
    stmt = (
        sa.select(Operation, sa.func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.operation_id == pk(Operation))
        .order_by(col(Operation.starts_on).desc(), col(Operation.code))
    )
    async with db.read() as session:
        rows = (await session.execute(stmt)).all()
    return [to_public(op, now, int(n)) for op, n in rows]


async def update_operation(
    db: Database, code: str, data: OperationUpdate, now: datetime
) -> OperationPublic:
    """Change the editable fields given in ``data`` (a PATCH: the others stay)."""
    changes = data.model_dump(include=data.model_fields_set)
    async with db.write() as session:
        op = await load(session, code, for_update=True)
        assert op.id is not None
        if ledger.status(op, now) is OperationStatus.closed:
            raise conflict(
                f"operation {op.code} is closed: its figures are final", kind="operation_closed"
            )
        for name, value in changes.items():
            setattr(op, name, value)
        session.add(op)
        await session.flush()
        await audit_operation(session, op, "operation.update", now)
        return to_public(op, now, await participant_count(session, op.id))
