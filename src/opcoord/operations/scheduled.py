"""The day cycle's jobs: reminders, day closes and the closing report.

What is due is derived from the database and a ``now``; nothing depends on a
scheduler's memory. ``run_due_jobs(ctx, now)`` runs everything due and not yet run, so
the same call is the scheduler's job, its catch-up at start, and what tests call with a
frozen clock. Each run first claims its stable job id in ``job_runs``
(``INSERT ... ON CONFLICT DO NOTHING RETURNING``) inside the transaction that does the
work: with several instances, the one whose insert succeeds runs it, and a failed run
leaves no claim behind.

Jobs of an operation (ids are stable: ``CODE:kind[:day]``):

- ``CODE:reminder:DAY`` at the cut-off minus the lead time: a ``reminder`` event that
  lists the countries whose return for DAY is still due (none: no event). Skipped once
  the cut-off has passed (a reminder after the fact reminds no one).
- ``CODE:day-close:DAY`` at DAY's cut-off: the countries that sent nothing are marked
  missing (kept in the claim's ``result``) and ``day_closed`` publishes the day's
  completeness.
- ``CODE:close`` at the last day's cut-off: the operation is closed and edition 1 of
  the report is built (see ``closing.py``).

Days whose cut-off passed before the operation was created in opcoord get no reminder
or day close: there was nothing open to close.
"""

import asyncio
import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from litestar.exceptions import HTTPException
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from opcoord.clock import Clock
from opcoord.config import Settings
from opcoord.db import Database
from opcoord.live.events import ChangeEvent, EventType, RecordedEvent
from opcoord.live.hub import Hub
from opcoord.live.outbox import record
from opcoord.operations import calendar, closing, report_data
from opcoord.operations.enums import OperationStatus
from opcoord.operations.models import DailyReturn, JobRun, Operation, Participant
from opcoord.operations.operations import load

log = logging.getLogger(__name__)

REMINDER, DAY_CLOSE, CLOSE = "reminder", "day-close", "close"


@dataclass(frozen=True, slots=True)
class Context:
    """What jobs need from the running app (``app.state``) or from the command line."""

    db: Database
    hub: Hub
    clock: Clock
    settings: Settings

    @classmethod
    def of(cls, state: Any) -> "Context":
        return cls(db=state.db, hub=state.hub, clock=state.clock, settings=state.settings)

    @property
    def lead(self) -> timedelta:
        return timedelta(minutes=self.settings.reminder_lead_minutes)

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.settings.report_build_lease_seconds)


@dataclass(frozen=True, slots=True, order=True)
class PlannedJob:
    at: datetime
    order: int  # reminder 0, day close 1, close 2: the order at one instant
    id: str = field(compare=False)
    kind: str = field(compare=False)
    operation_id: int = field(compare=False)
    day: date | None = field(compare=False)


def plan(op: Operation, lead: timedelta) -> list[PlannedJob]:
    """Every job of the operation's cycle, in the order they fall due."""
    assert op.id is not None
    jobs = []
    for day in calendar.days(op.starts_on, op.ends_on):
        due = calendar.due_at(op, day)
        if due <= op.created_at:
            continue
        if due - lead > op.created_at:
            jobs.append(
                PlannedJob(due - lead, 0, f"{op.code}:{REMINDER}:{day}", REMINDER, op.id, day)
            )
        jobs.append(PlannedJob(due, 1, f"{op.code}:{DAY_CLOSE}:{day}", DAY_CLOSE, op.id, day))
    jobs.append(PlannedJob(calendar.final_due_at(op), 2, f"{op.code}:{CLOSE}", CLOSE, op.id, None))
    return sorted(jobs)


async def claim(
    session: AsyncSession, job: PlannedJob, now: datetime, result: dict[str, Any] | None = None
) -> int | None:
    """Insert the job's run row; its id if this transaction claimed it, else None."""
    insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
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
        .returning(JobRun.id)
    )
    return await session.scalar(stmt)


async def _day_state(session: AsyncSession, op: Operation, day: date) -> dict[str, Any]:
    """Who was expected on ``day``, who sent what, who is missing."""
    expected = list(
        await session.scalars(
            sa.select(Participant.country)
            .where(
                Participant.operation_id == op.id,
                Participant.joins_on <= day,
                sa.or_(Participant.leaves_on.is_(None), Participant.leaves_on >= day),
            )
            .order_by(Participant.country)
        )
    )
    returned = dict(
        (
            await session.execute(
                sa.select(DailyReturn.country, DailyReturn.first_late).where(
                    DailyReturn.operation_id == op.id, DailyReturn.day == day
                )
            )
        ).all()
    )
    missing = [c for c in expected if c not in returned]
    late = sorted(c for c in expected if returned.get(c))
    return {"expected": expected, "missing": missing, "late": late}


async def _reminder(
    session: AsyncSession, op: Operation, job: PlannedJob, now: datetime
) -> tuple[bool, list[RecordedEvent]]:
    assert job.day is not None and op.id is not None
    state = await _day_state(session, op, job.day)
    if await claim(session, job, now, {"due": state["missing"]}) is None:
        return False, []
    if not state["missing"]:
        return True, []
    payload = {
        "operation": op.code,
        "day": job.day.isoformat(),
        "due_at": calendar.due_at(op, job.day).isoformat(),
        "countries": state["missing"],
    }
    return True, [await record(session, ChangeEvent(EventType.reminder, op.id, payload), now)]


async def _day_close(
    session: AsyncSession, op: Operation, job: PlannedJob, now: datetime
) -> tuple[bool, list[RecordedEvent]]:
    assert job.day is not None and op.id is not None
    state = await _day_state(session, op, job.day)
    n = len(state["expected"])
    submitted = n - len(state["missing"])
    result = {
        "missing": state["missing"],
        "late": state["late"],
        "expected": n,
        "submitted": submitted,
    }
    if await claim(session, job, now, result) is None:
        return False, []
    payload = {
        "operation": op.code,
        "day": job.day.isoformat(),
        "due_at": calendar.due_at(op, job.day).isoformat(),
        **result,
        "reporting_rate": round(submitted / n, 4) if n else None,
        # The cells that changed: a dashboard applies these to its completeness grid.
        "completeness": dict.fromkeys(state["missing"], "missing"),
    }
    return True, [await record(session, ChangeEvent(EventType.day_closed, op.id, payload), now)]


async def run_job(ctx: Context, job: PlannedJob, now: datetime) -> bool:
    """Run one planned job if it is still to be run; True if this call ran it."""
    if job.kind == CLOSE:
        async with ctx.db.read() as session:
            code = await session.scalar(
                sa.select(Operation.code).where(Operation.id == job.operation_id)
            )
        assert code is not None
        closed = await closing.close_operation(ctx.db, ctx.hub, code, now)
        if closed.created:
            async with ctx.db.write() as session:
                await claim(session, job, now, {"edition": closed.edition})
        return closed.created
    async with ctx.db.write() as session:
        op = await session.get(Operation, job.operation_id, with_for_update=True)
        if op is None or op.closed_at is not None:
            return False
        action = _reminder if job.kind == REMINDER else _day_close
        ran, events = await action(session, op, job, now)
    await ctx.hub.publish(events)
    return ran


async def due_jobs(ctx: Context, now: datetime) -> list[PlannedJob]:
    """Jobs due at ``now`` that have not run, across the open operations."""
    async with ctx.db.read() as session:
        ops = (
            await session.scalars(sa.select(Operation).where(Operation.closed_at.is_(None)))
        ).all()
        if not ops:
            return []
        done = set(
            await session.scalars(
                sa.select(JobRun.job_id).where(JobRun.operation_id.in_([o.id for o in ops]))
            )
        )
    out = []
    for op in ops:
        for job in plan(op, ctx.lead):
            if job.at > now:
                break
            if job.id in done:
                continue
            if job.kind == REMINDER and job.day and now >= calendar.due_at(op, job.day):
                continue  # the cut-off has passed: too late to remind
            out.append(job)
    return sorted(out)


async def run_due_jobs(ctx: Context, now: datetime) -> list[str]:
    """Run every due job, then build any pending report; the ids of what this call ran."""
    ran = []
    for job in await due_jobs(ctx, now):
        try:
            if await run_job(ctx, job, now):
                ran.append(job.id)
        except Exception:
            log.exception("scheduled job %s failed; it will be retried", job.id)
    for edition_id in await closing.pending_editions(ctx.db):
        try:
            if await closing.build_edition(
                ctx.db, ctx.hub, edition_id, ctx.clock.now, lease=ctx.lease
            ):
                ran.append(f"report-edition:{edition_id}")
        except Exception:
            log.exception("report edition %s failed; it will be retried", edition_id)
    return ran


async def upcoming(ctx: Context, now: datetime) -> list[PlannedJob]:
    """Jobs of open operations that fall due after ``now``: what the scheduler arms."""
    async with ctx.db.read() as session:
        ops = (
            await session.scalars(sa.select(Operation).where(Operation.closed_at.is_(None)))
        ).all()
    return sorted(job for op in ops for job in plan(op, ctx.lead) if job.at > now)


# ---- opcoord report CODE ---------------------------------------------------------------

_STEPS = ("aggregates", "seizures", "map", "html", "pdf", "xlsx", "csv", "saving")


@click.command("report")
@click.argument("code")
@click.option(
    "--out",
    "-o",
    default=".",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write the files to.",
)
@click.option("--close", "close_now", is_flag=True, help="Close the operation now if still open.")
@click.option("--edition", "number", type=int, default=None, help="Edition number (latest).")
@click.option("--partner", is_flag=True, help="Write the partner edition.")
@click.option(
    "--lang",
    type=click.Choice(["en", "fr", "es", "ru"]),
    default="en",
    show_default=True,
    help="Language of the HTML, PDF and XLSX files (the CSV and JSON have none).",
)
def report_command(
    code: str, out: Path, close_now: bool, number: int | None, partner: bool, lang: str
) -> None:
    """Produce the consolidated report of operation CODE and write its files.

    An operation whose last cut-off has passed is closed first, through the same path as
    the scheduler (exactly once, whichever runs first); one still running needs --close.
    """
    try:
        written = asyncio.run(_report(code, out, close_now, number, partner, lang))
    except click.ClickException:
        raise
    except HTTPException as exc:
        raise click.ClickException(str(exc.detail)) from None
    for path in written:
        click.echo(str(path))


async def _report(
    code: str, out: Path, close_now: bool, number: int | None, partner: bool, lang: str = "en"
) -> list[Path]:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from opcoord.config import get_settings
    from opcoord.db import make_engine, migrate

    settings = get_settings()
    engine = make_engine(settings.database_url)
    await migrate(engine)
    ctx = Context(db=Database(engine), hub=Hub(), clock=Clock(), settings=settings)
    audience = "partner" if partner else "full"
    try:
        with Progress(
            TextColumn("{task.description:<28}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
        ) as bar:
            task = bar.add_task(f"{code}: checking", total=len(_STEPS) + len(closing.FORMATS))

            def step(name: str) -> None:
                bar.update(task, advance=1, description=f"{code}: {name}")

            edition = await _ready_edition(ctx, code, close_now, number, step)
            bar.update(task, completed=len(_STEPS))
            out.mkdir(parents=True, exist_ok=True)
            written = []
            for fmt in closing.FORMATS:
                bar.update(task, description=f"{code}: writing {fmt}")
                stored = await closing.artefact(
                    ctx.db, edition, audience, fmt, ctx.clock.now(), lang
                )
                path = out / closing.file_name(code, edition.edition, audience, fmt, lang)
                path.write_bytes(stored.data)
                written.append(path)
                bar.update(task, advance=1)
            assert edition.report is not None
            body = edition.report if not partner else report_data.partner_edition(edition.report)
            path = out / closing.file_name(code, edition.edition, audience, "json")
            path.write_text(json.dumps(body, indent=2, ensure_ascii=False), encoding="utf-8")
            written.append(path)
            bar.update(task, description=f"{code}: done")
        return written
    finally:
        await engine.dispose()


async def _ready_edition(
    ctx: Context, code: str, close_now: bool, number: int | None, step: closing.Progress
) -> Any:
    now = ctx.clock.now()
    async with ctx.db.read() as session:
        op = await load(session, code)
    if op.closed_at is None:
        if calendar.status(op, now) is not OperationStatus.closed and not close_now:
            raise click.ClickException(
                f"operation {code} is still {calendar.status(op, now)}; use --close to close it now"
            )
        await closing.close_operation(ctx.db, ctx.hub, code, now)
    while True:
        _, edition = await closing.find_edition(ctx.db, code, number, published_only=False)
        if edition.status == "ready":
            return edition
        assert edition.id is not None
        built = await closing.build_edition(
            ctx.db, ctx.hub, edition.id, ctx.clock.now, lease=ctx.lease, progress=step
        )
        if not built:  # a server is building it right now: wait for it
            await asyncio.sleep(1)
