"""Opening and closing an operation, each exactly once.

``close_operation``: ``UPDATE operations SET closed_at = ... WHERE closed_at IS NULL``.
Only the transaction whose update matches a row goes on and records the closing event;
from then on every write to the operation is refused (409), so its data are frozen.
The consolidated report is produced from them afterwards (``opcoord.report``), once per
closing, whichever instance closed it.

The scheduler's jobs, ``POST .../close`` and ``opcoord report --close`` all call this.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from opcoord.db import Database, pk
from opcoord.operations import figures, ledger, operations
from opcoord.operations.models import Operation
from opcoord.operations.operations import load
from opcoord.outbox.events import ChangeEvent, EventType
from opcoord.outbox.record import record

_datetime = TypeAdapter(datetime)


@dataclass(frozen=True, slots=True)
class Closed:
    operation: str
    closed_at: datetime
    created: bool  # this call closed the operation (False: it was closed already)


async def close_operation(db: Database, code: str, now: datetime) -> Closed:
    """Close the operation (idempotent): the one caller that closes it gets ``created``."""
    async with db.write() as session:
        op = await load(session, code, for_update=True)
        assert op.id is not None
        # Data stop being accepted at the last cut-off even if nobody closed it then.
        cutoff = min(now, ledger.final_due_at(op))
        claimed = await session.scalar(
            sa.update(Operation)
            .where(pk(Operation) == op.id, col(Operation.closed_at).is_(None))
            .values(closed_at=cutoff)
            .returning(pk(Operation))
        )
        if claimed is None:
            return Closed(code, op.closed_at or cutoff, created=False)
        op.closed_at = cutoff
        await _record_status(session, op, now, closed=True)
        await operations.audit_operation(session, op, "operation.close", now)
    return Closed(code, cutoff, created=True)


async def _record_status(
    session: AsyncSession, op: Operation, now: datetime, *, closed: bool
) -> None:
    """The ``operation_status_changed`` event, with every cell the change moved."""
    assert op.id is not None
    grid = await figures.day_grid(session, op, now)
    last_due = grid.last_due
    if closed:  # the days after the last one due are no longer expected
        moved = {c: {d: s for d, s in row.items() if last_due is None or d > last_due}
                 for c, row in grid.cells.items()}  # fmt: skip
    else:  # opening: the first day is being collected
        moved = {c: {d: s for d, s in row.items() if d == grid.collecting}
                 for c, row in grid.cells.items()}  # fmt: skip
    payload = {
        "operation": op.code,
        "status": str(ledger.status(op, now)),
        # Serialised as the operation's public model does, so a dashboard's snapshot
        # with this applied equals a fresh one.
        "closed_at": _datetime.dump_python(op.closed_at, mode="json") if op.closed_at else None,
        "closed_early": ledger.closed_early(op),
        **figures.collection_json(op, grid),
        "days": [d.isoformat() for d in ledger.days_run(op)],
        "completeness": figures.cells_json({c: row for c, row in moved.items() if row}),
    }
    await record(session, ChangeEvent(EventType.operation_status_changed, op.id, payload), now)


async def record_opening(session: AsyncSession, op: Operation, now: datetime) -> None:
    """The window's first day has begun: the operation is active, its first day collected."""
    await _record_status(session, op, now, closed=False)
