"""APScheduler bound to the app's lifespan: the operations' day cycle.

Every instance runs an ``AsyncIOScheduler`` with an in-memory job store (APScheduler
3.x stores cannot be shared between processes). Nothing is kept only in its memory:

- ``opcoord:sync`` runs at start (the catch-up) and then every
  ``scheduler_sync_seconds``: it runs whatever is due and not yet run
  (``scheduled.run_due_jobs``) and arms one date job per upcoming job of every open
  operation, under the job's stable id (``CODE:kind[:day]``).
- An armed job only wakes the runner up; the database decides what is due and the
  ``job_runs`` claim decides which instance does it, exactly once.

Times come from the injected clock (``app.state.clock``): an armed job fires after the
clock-time that separates now from its instant, so a frozen test clock never fires one.
Long work (a report build started by ``POST .../close``) runs as a background task
owned by this lifespan, which waits for it (bounded) at shutdown.

At shutdown no job starts any more, a batch under way may finish (bounded), a sync
still arming jobs is stopped and awaited (bounded), then the background tasks: all
before the database is disposed of. APScheduler's own shutdown would cancel the running
jobs without waiting for them, leaving them to hold their connections past the engine.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler  # type: ignore[import-untyped]
from apscheduler.triggers.date import DateTrigger  # type: ignore[import-untyped]
from apscheduler.triggers.interval import IntervalTrigger  # type: ignore[import-untyped]

from opcoord.operations import scheduled
from opcoord.operations.scheduled import AfterRun, Context
from opcoord.tasks import stop_tasks

log = logging.getLogger(__name__)
#: How far an armed job may be from where a sync would arm it before it is armed again.
REARM_SLACK = timedelta(seconds=1)

SYNC_JOB = "opcoord:sync"
SHUTDOWN_GRACE_SECONDS = 30.0


class Runner:
    """Runs due jobs one batch at a time per process, and owns background tasks."""

    def __init__(self, ctx: Context, scheduler: AsyncIOScheduler | None = None) -> None:
        self.ctx = ctx
        self.scheduler = scheduler
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._jobs: set[asyncio.Task[Any]] = set()  # the scheduler's jobs now running
        self._closed = False

    async def job(self, step: Callable[[], Awaitable[Any]]) -> None:
        """What the scheduler runs: ``step``, known to ``aclose`` while it runs."""
        task = asyncio.current_task()
        assert task is not None
        self._jobs.add(task)
        try:
            await step()
        except asyncio.CancelledError:
            if not self._closed:
                raise
            # Stopped at shutdown: the next start's catch-up does what it had not done.
        finally:
            self._jobs.discard(task)

    async def run_due(self) -> list[str]:
        async with self._lock:
            if self._closed:
                return []
            return await scheduled.run_due_jobs(self.ctx, self.ctx.clock.now())

    async def sync(self) -> None:
        """Catch up, then arm the upcoming jobs of every open operation."""
        try:
            await self.run_due()
            if self.scheduler is not None:
                await self.arm()
        except Exception:
            log.exception("scheduler sync failed; the next sync retries")

    async def arm(self) -> None:
        assert self.scheduler is not None
        now = self.ctx.clock.now()
        wall = datetime.now(UTC)
        wanted = {job.id: job for job in await scheduled.upcoming(self.ctx, now)}
        for existing in self.scheduler.get_jobs():
            if existing.id != SYNC_JOB and existing.id not in wanted:
                existing.remove()  # its operation was closed, or its day re-planned
        for job_id, job in wanted.items():
            run_date = wall + (job.at - now)
            armed = self.scheduler.get_job(job_id)
            # A job armed by an earlier sync whose clock has moved since (a sync that
            # started before a slow start-up finished, a test's clock) is armed again.
            if armed is not None and abs(armed.next_run_time - run_date) <= REARM_SLACK:
                continue
            self.scheduler.add_job(
                self.job,
                DateTrigger(run_date=run_date),
                args=[self.run_due],
                id=job_id,
                name=job_id,
                replace_existing=True,
            )

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str | None = None) -> asyncio.Task[Any]:
        """Run ``coro`` in the background, kept alive and awaited at shutdown."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task %s failed", task.get_name(), exc_info=task.exception())

    async def aclose(self) -> None:
        """Let a running batch finish (bounded), refuse new ones, stop the jobs still
        running, then let the background tasks finish (bounded) and stop the rest."""
        with suppress(TimeoutError):
            async with asyncio.timeout(SHUTDOWN_GRACE_SECONDS):
                await self._lock.acquire()
                self._lock.release()
        self._closed = True
        await stop_tasks(self._jobs, "scheduler jobs")
        pending = list(self._tasks)
        if not pending:
            return
        _, still = await asyncio.wait(pending, timeout=SHUTDOWN_GRACE_SECONDS)
        await stop_tasks(still, "scheduler's background tasks")


def scheduler_lifespan(*after_run: AfterRun) -> Any:
    """The app's lifespan that runs the day cycle; ``after_run`` hooks follow each batch."""

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        state = app.state
        ctx = Context(db=state.db, clock=state.clock, settings=state.settings, after_run=after_run)
        async with _scheduling(app, ctx):
            yield

    return lifespan


@asynccontextmanager
async def _scheduling(app: Any, ctx: Context) -> AsyncIterator[None]:
    """Start the scheduler in the app's running loop; stop it (and its tasks) at exit."""
    scheduler = None
    if ctx.settings.scheduler_enabled:
        scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
        )
    runner = Runner(ctx, scheduler)
    app.state.runner = runner
    app.state.scheduler = scheduler
    if scheduler is not None:
        scheduler.start()
        scheduler.add_job(
            runner.job,
            IntervalTrigger(seconds=ctx.settings.scheduler_sync_seconds),
            args=[runner.sync],
            id=SYNC_JOB,
            name=SYNC_JOB,
            next_run_time=datetime.now(UTC),  # the catch-up, right after start
            replace_existing=True,
        )
    try:
        yield
    finally:
        if scheduler is not None:
            scheduler.pause()  # no job starts any more; those running go on
        await runner.aclose()
        if scheduler is not None:
            scheduler.shutdown(wait=False)
