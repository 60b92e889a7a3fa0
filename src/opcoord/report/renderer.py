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
lapses and the next sync builds it again (``editions.build_edition``). Renders take
turns, so stopping or retiring the process touches only the render that asked. A process
that dies mid-render (killed, out of memory) is replaced: the render is tried once more
in a new one, and fails if that dies too. A process whose server was killed ends itself.

Only functions that can be sent by name cross to the process; anything else (a test's
stand-in) runs in a thread as before.
"""

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
import weakref
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
_turns: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock]" = (
    weakref.WeakKeyDictionary()
)


def _warm(parent: int) -> None:
    """The rendering process's start: ignore the terminal's Ctrl-C (the server stops
    it), end itself when its server is gone (killed, it could not say so), and import
    the renderers before the first render needs them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_orphaned, args=(parent,), daemon=True).start()
    for name in ("csv", "html", "pdf", "xlsx"):
        import_module(f"opcoord.report.render.{name}")


def _orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


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
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_warm,
                initargs=(os.getpid(),),
            )
        return _pool


def _retire(pool: ProcessPoolExecutor, *, kill: bool) -> None:
    """Forget ``pool``; stop its process at once when ``kill``, else once it is idle."""
    global _pool
    with _lock:
        if _pool is pool:
            _pool = None
    if kill:
        # ProcessPoolExecutor has no way to stop a running task: end its process.
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()
    # A pool retired alive finishes what it holds, then its process ends.
    pool.shutdown(wait=False, cancel_futures=kill)


async def render(fn: Callable[..., Any], *args: Any, rows: int = 0) -> Any:
    """``fn(*args)`` in the rendering process (in a thread when ``fn`` cannot be sent
    there); ``rows``: how many seizures it draws, to retire the process after a big one."""
    if not _sendable(fn):
        return await asyncio.to_thread(fn, *args)
    # One render at a time: the process has one worker anyway, and stopping it (a render
    # given up) or retiring it (after a heavy one) then touches only the caller's own.
    async with _turn():
        return await _render(fn, args, rows)


def _turn() -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    with _lock:
        turn = _turns.get(loop)
        if turn is None:
            turn = _turns[loop] = asyncio.Lock()
        return turn


async def _render(fn: Callable[..., Any], args: tuple[Any, ...], rows: int) -> Any:
    for attempt in (1, 2):
        pool = _get()
        try:
            future = pool.submit(fn, *args)
        except (BrokenProcessPool, RuntimeError):  # died, or retired meanwhile
            _retire(pool, kill=True)
            continue
        with _lock:
            _running.add(future)
        try:
            return await asyncio.wrap_future(future)
        except BrokenProcessPool:
            # Its process died: killed (the server stopping it, or from outside) or by
            # this render (out of memory). Once more in a new process; a render that
            # ends its process twice fails.
            log.error("the report's rendering process died (attempt %d)", attempt)
            _retire(pool, kill=True)
            if attempt == 2:
                raise
        except asyncio.CancelledError:
            # The caller gave up (the server is stopping): the render must not go on alone.
            if not future.done():
                _retire(pool, kill=True)
            raise
        finally:
            with _lock:
                _running.discard(future)
            if rows >= HEAVY_ROWS and _pool is pool:
                _retire(pool, kill=False)
    raise BrokenProcessPool("the report's rendering process could not be started")


def stop() -> None:
    """At the server's stop: end a render still running. An idle process is kept for
    the next app of this process (tests start many); it ends with the interpreter."""
    with _lock:
        pool = _pool
        busy = any(not f.done() for f in _running)
    if pool is not None and busy:
        _retire(pool, kill=True)
