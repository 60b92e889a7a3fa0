"""Stopping background tasks at shutdown: cancel once, wait a bounded time, name the late.

Every lifespan that runs background tasks stops them with ``stop_tasks`` before the
lifespan that opened the database disposes of its engine, so that no task still holds
a connection then, and none is left on the loop after the app has stopped.

A task is cancelled **once**. A task cancelled in the middle of a query does not stop at
once: SQLAlchemy invalidates its connection and closes it in a shielded task, which the
cancelled task waits for. A second cancel makes it give up that wait and stop the
connection's aiosqlite thread under the close, which then waits forever for a thread
that is gone: a task no one can end, and a loop that never closes (a process that never
exits, a test that hangs at its app's shutdown). So the caller waits, bounded, instead:
a task still running after ``timeout`` is logged with where it waits, and left.
"""

import asyncio
import logging
from collections.abc import Coroutine, Iterable
from typing import Any

log = logging.getLogger(__name__)

#: How long the tasks of one component get to finish once cancelled.
STOP_SECONDS = 20.0
#: How long background work a commit wakes (the duplicate detector, the watchlist
#: checker, the outbound worker) lets the next commits gather before it runs: at the
#: cut-off a hundred countries commit within seconds, and one turn then does the work of
#: many, where one turn per commit took as much of the server as the writes themselves.
SETTLE_SECONDS = 0.1


async def stop_tasks(
    tasks: Iterable[asyncio.Task[Any]], what: str, timeout: float = STOP_SECONDS
) -> bool:
    """Cancel every task of ``tasks`` not yet cancelled, and wait up to ``timeout``
    seconds for all of them to finish. True if they all did; those that did not are
    logged (``what`` names their component) and left running."""
    tasks = list(tasks)
    for task in tasks:
        if not task.done() and not task.cancelling():
            task.cancel()
    pending = [t for t in tasks if not t.done()]
    late: set[asyncio.Task[Any]] = set()
    if pending:
        _, late = await asyncio.wait(pending, timeout=timeout)
    for task in tasks:
        if task.done() and not task.cancelled():
            task.exception()  # retrieved: its owner logged it, or it ended as it should
    for task in late:
        log.error(
            "%s: task %s did not stop within %.0f s of its cancel; left waiting at %s",
            what,
            task.get_name(),
            timeout,
            where(task),
        )
    return not late


async def finish(coro: Coroutine[Any, Any, Any], what: str, timeout: float = STOP_SECONDS) -> bool:
    """Run ``coro`` (a last step of a shutdown) for at most ``timeout`` seconds, then
    stop it as ``stop_tasks`` does. True if it completed or failed by itself."""
    task = asyncio.get_running_loop().create_task(coro, name=what)
    done, _ = await asyncio.wait([task], timeout=timeout)
    if not done:
        await stop_tasks([task], what, timeout)
        return False
    if task.exception() is not None:
        log.warning("%s failed", what, exc_info=task.exception())
    return True


def where(task: asyncio.Task[Any]) -> str:
    """The innermost line a pending task waits at (for the log)."""
    coro: Any = task.get_coro()
    last = "?"
    for _ in range(100):
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if frame is not None:
            last = f"{frame.f_code.co_filename}:{frame.f_lineno} ({frame.f_code.co_name})"
        inner = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
        if inner is None:
            if coro is not None and frame is None:
                last = f"{last} awaiting {coro!r}"
            break
        coro = inner
    return last
