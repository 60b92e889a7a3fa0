"""Where a report's files are drawn: a process of their own beside the server.

Rendering is CPU-bound Python (the map, WeasyPrint's layout, the workbook's cells). In
a thread of the server it held the interpreter's lock for most of a build, so the event
loop answered dashboards, status polls and returns late while an operation closed, and
the server kept the build's memory. A separate process leaves the loop free, puts the
second core to work and gives the memory back (docs/performance.md).

One rendering process per server process, started on the first render with the
renderers imported, and kept for the next. A large render (``HEAVY_ROWS`` seizures or
more) retires it afterwards, so an idle server does not keep a closing's memory. A
render still running when the server stops is stopped with it; the edition's claim
lapses and the next sync builds it again (``editions.build_edition``). A process that
dies mid-render (killed, out of memory) is replaced: the render is tried once more in a
new one, and fails if that dies too.

Only functions that can be sent by name cross to the process; anything else (a test's
stand-in) runs in a thread as before.
"""

import asyncio
import logging
import multiprocessing
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from importlib import import_module
from typing import Any

log = logging.getLogger(__name__)

#: From this many seizures a render retires its process when it is done.
HEAVY_ROWS = 20_000

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_running: set["Future[Any]"] = set()


def _warm() -> None:
    """The rendering process's start: ignore the terminal's Ctrl-C (the server stops
    it) and import the renderers before the first render needs them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in ("csv", "html", "pdf", "xlsx"):
        import_module(f"opcoord.report.render.{name}")


def _sendable(fn: Callable[..., Any]) -> bool:
    """Whether ``fn`` reaches another process by its name (as pickle sends it)."""
    module = getattr(fn, "__module__", None)
    name = getattr(fn, "__qualname__", "")
    if not module or "<" in name:
        return False
    try:
        found: Any = import_module(module)
        for part in name.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError):
        return False
    return found is fn


def _get() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_warm
            )
        return _pool


def _retire(pool: ProcessPoolExecutor, *, kill: bool) -> None:
    """Forget ``pool``; stop its process at once when ``kill``, else once it is idle."""
    global _pool
    with _lock:
        if _pool is pool:
            _pool = None
    if kill:
        # ProcessPoolExecutor has no way to stop a running task: end its process (the
        # renders queued behind it are cancelled, and ``render`` sends them again).
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()
    # Renders already queued on a pool retired alive still run, then its process ends.
    pool.shutdown(wait=False, cancel_futures=kill)


async def render(fn: Callable[..., Any], *args: Any, rows: int = 0) -> Any:
    """``fn(*args)`` in the rendering process (in a thread when ``fn`` cannot be sent
    there); ``rows``: how many seizures it draws, to retire the process after a big one."""
    if not _sendable(fn):
        return await asyncio.to_thread(fn, *args)
    for attempt in (1, 2):
        pool = _get()
        try:
            future = pool.submit(fn, *args)
        except (BrokenProcessPool, RuntimeError):  # died, or retired meanwhile
            _retire(pool, kill=True)
            continue
        _running.add(future)
        try:
            return await asyncio.wrap_future(future)
        except BrokenProcessPool:
            # Its process died: killed under another render given up, or by this one
            # (out of memory). Once more in a new process; a render that kills its
            # process twice fails.
            log.error("the report's rendering process died (attempt %d)", attempt)
            _retire(pool, kill=True)
            if attempt == 2:
                raise
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if attempt == 2 or task is None or task.cancelling():
                # The caller gave up (the server is stopping): the render must not go
                # on alone.
                if not future.done():
                    _retire(pool, kill=True)
                raise
            # Not ours: a render given up before this one ran took its process along.
        finally:
            _running.discard(future)
            if rows >= HEAVY_ROWS and _pool is pool:
                _retire(pool, kill=False)
    raise BrokenProcessPool("the report's rendering process could not be started")


def stop() -> None:
    """At the server's stop: end a render still running. An idle process is kept for
    the next app of this process (tests start many); it ends with the interpreter."""
    with _lock:
        pool = _pool
    if pool is not None and any(not f.done() for f in _running):
        _retire(pool, kill=True)
