"""Where a report's files are drawn: processes of their own beside the server.

Rendering is CPU-bound Python (the map, WeasyPrint's layout, the workbook's cells). In
a thread of the server it held the interpreter's lock for most of a build, so the event
loop answered dashboards, status polls and returns late while an operation closed, and
the server kept the build's memory. Separate processes leave the loop free, put the
other cores to work and give the memory back (docs/performance.md).

Up to ``WORKERS`` rendering processes per server process (two, or one on a one-core
machine), started on first use with the renderers imported, and kept for the next
render. A render may come in parts that are drawn at once, one part per process (an
edition's PDF beside its other files: ``editions.draw``). A large render
(``HEAVY_ROWS`` seizures or more) retires the processes afterwards, so an idle server
does not keep a closing's memory. A render still running when the server stops is
stopped with it; the edition's claim lapses and the next sync builds it again
(``editions.build_edition``). Renders take turns, so stopping or retiring the processes
touches only the render that asked. A process that dies mid-render (killed, out of
memory) is replaced: the render is tried once more in new ones, and fails if that dies
too. A process whose server was killed ends itself.

Only functions that can be sent by name cross to the processes; anything else (a test's
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
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from importlib import import_module
from typing import Any

from opcoord import heap

log = logging.getLogger(__name__)

#: From this many seizures a render retires its processes when it is done.
HEAVY_ROWS = 20_000
#: How many parts of a render are drawn at once: one process per core, up to two (an
#: edition has two parts of about the same cost, ``editions.draw``); ``configure`` may
#: lower it (``OPCOORD_REPORT_RENDER_PROCESSES``).
_CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
WORKERS = max(1, min(2, _CORES or 1))

#: One part of a render: a function and its arguments.
Call = tuple[Callable[..., Any], tuple[Any, ...]]

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_running: set["Future[Any]"] = set()
_turns: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock]" = (
    weakref.WeakKeyDictionary()
)


def configure(processes: int) -> None:
    """At the server's start: draw with up to ``processes`` processes (never more than
    the cores). Processes already up are retired once idle, for new ones."""
    global WORKERS
    wanted = max(1, min(processes, 2, _CORES or 1))
    with _lock:
        pool = _pool if wanted != WORKERS else None
        WORKERS = wanted
    if pool is not None:
        _retire(pool, kill=False)


def _warm(parent: int) -> None:
    """The rendering process's start: ignore the terminal's Ctrl-C (the server stops
    it), end itself when its server is gone (killed, it could not say so), and import
    the renderers before the first render needs them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_orphaned, args=(parent,), daemon=True).start()
    for name in ("csv", "html", "pdf", "xlsx"):
        import_module(f"opcoord.report.render.{name}")
    # A render allocates millions of short-lived objects (WeasyPrint's boxes, the rows'
    # cells). Collecting every 700 allocations, Python's default, took about a sixth of
    # a PDF's time; every 5,000 it takes little, for the same peak. The libraries just
    # imported are frozen out of the full collections (docs/performance.md).
    heap.settle()


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
                max_workers=WORKERS,
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
    """``fn(*args)`` in a rendering process (in a thread when ``fn`` cannot be sent
    there); ``rows``: how many seizures it draws, to retire the processes after a big one."""
    return (await render_parts([(fn, args)], rows=rows))[0]


async def render_parts(calls: Sequence[Call], *, rows: int = 0) -> list[Any]:
    """Every ``fn(*args)`` of ``calls`` at once, each in a rendering process; their
    results in order. The first part to fail fails the render, once all have ended."""
    if not all(_sendable(fn) for fn, _args in calls):
        return [await asyncio.to_thread(fn, *args) for fn, args in calls]
    # One render at a time: stopping the processes (a render given up) or retiring them
    # (after a heavy one) then touches only the caller's own parts.
    async with _turn():
        return await _render(calls, rows)


def _turn() -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    with _lock:
        turn = _turns.get(loop)
        if turn is None:
            turn = _turns[loop] = asyncio.Lock()
        return turn


async def _render(calls: Sequence[Call], rows: int) -> list[Any]:
    for attempt in (1, 2):
        pool = _get()
        try:
            futures = [pool.submit(fn, *args) for fn, args in calls]
        except (BrokenProcessPool, RuntimeError):  # died, or retired meanwhile
            _retire(pool, kill=True)
            continue
        with _lock:
            _running.update(futures)
        try:
            done = await asyncio.gather(
                *(asyncio.wrap_future(f) for f in futures), return_exceptions=True
            )
            failed = [r for r in done if isinstance(r, BaseException)]
            if not failed:
                return done
            raise failed[0]
        except BrokenProcessPool:
            # A process died: killed (the server stopping it, or from outside) or by this
            # render (out of memory). Once more in new processes; a render that ends its
            # processes twice fails.
            log.error("a report rendering process died (attempt %d)", attempt)
            _retire(pool, kill=True)
            if attempt == 2:
                raise
        except asyncio.CancelledError:
            # The caller gave up (the server is stopping): the render must not go on alone.
            if not all(f.done() for f in futures):
                _retire(pool, kill=True)
            raise
        finally:
            with _lock:
                _running.difference_update(futures)
            if rows >= HEAVY_ROWS and _pool is pool:
                _retire(pool, kill=False)
    raise BrokenProcessPool("the report's rendering processes could not be started")


def stop() -> None:
    """At the server's stop: end a render still running. An idle process is kept for
    the next app of this process (tests start many); it ends with the interpreter."""
    with _lock:
        pool = _pool
        busy = any(not f.done() for f in _running)
    if pool is not None and busy:
        _retire(pool, kill=True)
