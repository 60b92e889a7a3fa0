"""The day cycle's jobs: opening, reminders, day closes and the closing.

What is due is derived from the database, the day ledger and a ``now``; nothing depends
on a scheduler's memory. ``run_due_jobs(ctx, now)`` runs everything due and not yet
run, so the same call is the scheduler's job, its catch-up at start, and what tests call
with a frozen clock. Each run first claims its stable job id in ``job_runs``
(``INSERT ... ON CONFLICT DO NOTHING RETURNING``) inside the transaction that does the
work: with several instances, the one whose insert succeeds runs it, and a failed run
leaves no claim behind.

Jobs of an operation (ids are stable: ``CODE:kind[:day]``):

- ``CODE:open`` at local midnight of the first day: ``operation_status_changed``
  (active), the first day now being collected.
- ``CODE:reminder:DAY`` at the cut-off minus the lead time: a ``reminder`` event that
  lists the countries whose return for DAY is still being collected (none: no event).
  Skipped once the cut-off has passed (a reminder after the fact reminds no one).
- ``CODE:day-close:DAY`` at DAY's cut-off: ``day_closed`` with the new states of DAY
  (missing where nothing came) and of the next day (now being collected).
- ``CODE:close`` at the last day's cut-off: the operation is closed (``closing.py``);
  the report is then produced by the hooks given to the scheduler (``opcoord.report``).

Days whose cut-off passed before the operation was created in opcoord get no reminder
or day close: there was nothing open to close.
"""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from opcoord.clock import Clock
from opcoord.config import Settings
from opcoord.db import Database, dialect_of, pk
from opcoord.operations import closing, figures, ledger
from opcoord.operations.models import JobRun, Operation
from opcoord.outbox.events import ChangeEvent, EventType
from opcoord.outbox.record import record

log = logging.getLogger(__name__)

OPEN, REMINDER, DAY_CLOSE, CLOSE = "open", "reminder", "day-close", "close"
#: Work run after each batch of due jobs (e.g. building the reports of closed operations):
#: each returns the names of what it did.
AfterRun = Callable[["Context", datetime], Awaitable[list[str]]]


@dataclass(frozen=True, slots=True)
class Context:
    """What jobs need from the running app (``app.state``) or from the command line."""

    db: Database
    clock: Clock
    settings: Settings
    after_run: tuple[AfterRun, ...] = ()

    @classmethod
    def of(cls, state: Any) -> "Context":
        """The running app's context (its scheduler lifespan made it)."""
        ctx: Context = state.runner.ctx
        return ctx

    @property
    def lead(self) -> timedelta:
        return timedelta(minutes=self.settings.reminder_lead_minutes)


@dataclass(frozen=True, slots=True, order=True)
class PlannedJob:
    at: datetime
    order: int  # open 0, reminder 1, day close 2, close 3: the order at one instant
    id: str = field(compare=False)
    kind: str = field(compare=False)
    operation_id: int = field(compare=False)
    day: date | None = field(compare=False)


def plan(op: Operation, lead: timedelta) -> list[PlannedJob]:
    """Every job of the operation's cycle, in the order they fall due."""
    assert op.id is not None
    jobs = []
    if ledger.opens_at(op) > op.created_at:
        jobs.append(PlannedJob(ledger.opens_at(op), 0, f"{op.code}:{OPEN}", OPEN, op.id, None))
    for day in ledger.days(op.starts_on, op.ends_on):
        due = ledger.due_at(op, day)
        if due <= op.created_at:
            continue
        if due - lead > op.created_at:
            jobs.append(
                PlannedJob(due - lead, 1, f"{op.code}:{REMINDER}:{day}", REMINDER, op.id, day)
            )
        jobs.append(PlannedJob(due, 2, f"{op.code}:{DAY_CLOSE}:{day}", DAY_CLOSE, op.id, day))
    final = ledger.final_due_at(op)
    jobs.append(PlannedJob(final, 3, f"{op.code}:{CLOSE}", CLOSE, op.id, None))
    return sorted(jobs)


async def claim(
    session: AsyncSession, job: PlannedJob, now: datetime, result: dict[str, Any] | None = None
) -> int | None:
    """Insert the job's run row; its id if this transaction claimed it, else None."""
    insert = postgresql.insert if dialect_of(session) == "postgresql" else sqlite.insert
    stmt = (
        insert(JobRun)
        .values(
            job_id=job.id,
            operation_id=job.operation_id,
            kind=job.kind,
            day=job.day,
            claimed_at=now,
            result=result,
        )
        .on_conflict_do_nothing(index_elements=["job_id"])
        .returning(pk(JobRun))
    )
    return await session.scalar(stmt)


async def _reminder(session: AsyncSession, op: Operation, job: PlannedJob, now: datetime) -> bool:
    assert job.day is not None and op.id is not None
    grid = await figures.day_grid(session, op, now, only_days=[job.day])
    due = sorted(c for c, row in grid.cells.items() if row.get(job.day) in ledger.PENDING)
    if await claim(session, job, now, {"due": due}) is None:
        return False
    if due:
        payload = {
            "operation": op.code,
            "day": job.day.isoformat(),
            "due_at": ledger.due_at(op, job.day).isoformat(),
            "countries": due,
        }
        await record(session, ChangeEvent(EventType.reminder, op.id, payload), now)
    return True


async def _day_close(session: AsyncSession, op: Operation, job: PlannedJob, now: datetime) -> bool:
    assert job.day is not None and op.id is not None
    following = job.day + timedelta(days=1)
    grid = await figures.day_grid(session, op, now, only_days=[job.day, following])
    closed = {c: row[job.day] for c, row in grid.cells.items() if job.day in row}
    tally = ledger.Tally.of(closed.values())
    result = {
        "missing": sorted(c for c, s in closed.items() if s is ledger.DayState.missing),
        "late": sorted(c for c, s in closed.items() if s is ledger.DayState.late),
        "expected": tally.expected,
        "submitted": tally.received,
    }
    if await claim(session, job, now, result) is None:
        return False
    payload = {
        "operation": op.code,
        "day": job.day.isoformat(),
        "due_at": ledger.due_at(op, job.day).isoformat(),
        **result,
        "reporting_rate": tally.rate,
        **figures.collection_json(op, grid),
        # The cells that the cut-off moved: the day closed and the day now collected.
        "completeness": figures.cells_json({c: row for c, row in grid.cells.items() if row}),
    }
    await record(session, ChangeEvent(EventType.day_closed, op.id, payload), now)
    return True


async def _open(session: AsyncSession, op: Operation, job: PlannedJob, now: datetime) -> bool:
    if await claim(session, job, now) is None:
        return False
    await closing.record_opening(session, op, now)
    return True


_ACTIONS = {OPEN: _open, REMINDER: _reminder, DAY_CLOSE: _day_close}


async def run_job(ctx: Context, job: PlannedJob, now: datetime) -> bool:
    """Run one planned job if it is still to be run; True if this call ran it."""
    if job.kind == CLOSE:
        async with ctx.db.read() as session:
            code = await session.scalar(
                sa.select(col(Operation.code)).where(pk(Operation) == job.operation_id)
            )
        assert code is not None
        closed = await closing.close_operation(ctx.db, code, now)
        if closed.created:  # closed by hand (or by another instance) first: not this job's
            async with ctx.db.write() as session:
                await claim(session, job, now, {"closed_at": closed.closed_at.isoformat()})
        return closed.created
    async with ctx.db.write() as session:
        op = await session.get(Operation, job.operation_id, with_for_update=True)
        if op is None or op.closed_at is not None:
            return False
        return await _ACTIONS[job.kind](session, op, job, now)


async def _open_operations(ctx: Context) -> list[Operation]:
    async with ctx.db.read() as session:
        stmt = sa.select(Operation).where(col(Operation.closed_at).is_(None))
        return list((await session.scalars(stmt)).all())


async def due_jobs(ctx: Context, now: datetime) -> list[PlannedJob]:
    """Jobs due at ``now`` that have not run, across the open operations."""
    ops = await _open_operations(ctx)
    if not ops:
        return []
    async with ctx.db.read() as session:
        done = set(
            await session.scalars(
                sa.select(col(JobRun.job_id)).where(
                    col(JobRun.operation_id).in_([o.id for o in ops])
                )
            )
        )
    out = []
    for op in ops:
        for job in plan(op, ctx.lead):
            if job.at > now:
                break
            if job.id in done:
                continue
            if job.kind == REMINDER and job.day and now >= ledger.due_at(op, job.day):
                continue  # the cut-off has passed: too late to remind
            out.append(job)
    return sorted(out)


async def run_due_jobs(ctx: Context, now: datetime) -> list[str]:
    """Run every due job, then the after-run hooks; the ids of what this call ran."""
    ran = []
    for job in await due_jobs(ctx, now):
        try:
            if await run_job(ctx, job, now):
                ran.append(job.id)
        except Exception:
            log.exception("scheduled job %s failed; it will be retried", job.id)
    for hook in ctx.after_run:
        try:
            ran.extend(await hook(ctx, now))
        except Exception:
            log.exception("after-run work failed; it will be retried")
    return ran


async def upcoming(ctx: Context, now: datetime) -> list[PlannedJob]:
    """Jobs of open operations that fall due after ``now``: what the scheduler arms."""
    ops = await _open_operations(ctx)
    return sorted(job for op in ops for job in plan(op, ctx.lead) if job.at > now)
