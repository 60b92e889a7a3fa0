"""The background checker: seizures checked just after their commit, and the catch-up.

A write that touched an operation's event stream (a return saved, an import) kicks the
checker from the database's commit hook; an upload kicks it from its route. The checker
runs ``hits.check_pending`` one pass at a time in this process, and again if kicked while
it ran. At start and every ``watchlist_catch_up_seconds`` it runs anyway: what was
committed but never checked (the process died in between, another instance took the
write) is found by the durable marker, not by memory.
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

from opcoord.clock import Clock
from opcoord.config import Settings
from opcoord.db import STREAMS_TOUCHED, Database
from opcoord.intel import hits
from opcoord.tasks import SETTLE_SECONDS, stop_tasks

log = logging.getLogger(__name__)


class Checker:
    def __init__(self, db: Database, clock: Clock, settings: Settings) -> None:
        self.db, self.clock, self.settings = db, clock, settings
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.passes = 0

    def kick(self) -> None:
        self._wake.set()

    def on_commit(self, noted: dict[str, set[int]]) -> None:
        if noted.get(STREAMS_TOUCHED):
            self.kick()

    async def run_once(self) -> int:
        made = await hits.check_pending(
            self.db, self.clock.now(), self.settings.watchlist_hit_threshold
        )
        self.passes += 1
        return made

    async def _loop(self) -> None:
        while True:
            with suppress(TimeoutError):
                async with asyncio.timeout(self.settings.watchlist_catch_up_seconds):
                    await self._wake.wait()
                await asyncio.sleep(SETTLE_SECONDS)  # the commits just behind join this pass
            self._wake.clear()
            try:
                await self.run_once()
            except Exception:
                log.exception("watchlist check failed; the next pass retries")

    def start(self) -> None:
        self.kick()  # the catch-up at start
        self._task = asyncio.get_running_loop().create_task(self._loop(), name="watchlists")

    async def stop(self) -> None:
        if self._task is not None:
            await stop_tasks([self._task], "watchlist checker")


def checker_lifespan() -> Any:
    """The app's lifespan that runs the checker (after the one that opens the database)."""

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        state = app.state
        checker = Checker(state.db, state.clock, state.settings)
        state.watchlist_checker = checker
        state.db.commit_hooks.append(checker.on_commit)
        checker.start()
        try:
            yield
        finally:
            await checker.stop()

    return lifespan
