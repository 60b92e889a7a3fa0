"""A long-running process's heap, settled once it has started: what exists then is
frozen out of the garbage collector, and young objects are collected less often.

A server holds about a million long-lived objects once it has started (the framework's
routes and signatures, SQLAlchemy's and pydantic's models, the templates, the
vocabulary). Python's collector walks all of them in each full collection, some 115 ms
on a 2-core machine, and at 100 concurrent requests the objects that outlive a request
or two start a full collection about every 0.8 s: every request in flight waits for it.
``gc.freeze()`` moves what exists into a generation the collector no longer walks (a
full collection then takes about 4 ms); what requests allocate is collected as before,
every ``YOUNG_EVERY`` allocations rather than Python's 700 (a request allocates
thousands of objects that die with it). See docs/performance.md.

Only ``opcoord serve`` (and the demo) settles its heap, through ``frozen_after_startup``:
a test builds many apps in one process, and a frozen app would never be freed.

A foundation: it imports no package of ours.
"""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from prometheus_client import Gauge

#: Allocations (net of frees) between two collections of the youngest generation.
YOUNG_EVERY = 5_000

FROZEN = Gauge(
    "opcoord_gc_frozen_objects",
    "Objects this process froze out of the garbage collector once it had started.",
)


def settle() -> int:
    """Collect what is garbage now (it must not be kept for ever), freeze the rest and
    collect young objects every ``YOUNG_EVERY`` allocations; the objects frozen."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_EVERY, 10, 10)
    return gc.get_freeze_count()


@asynccontextmanager
async def frozen_after_startup(app: Any) -> AsyncIterator[None]:
    """A lifespan, last in the app's list: everything before it has started when it
    settles the heap."""
    FROZEN.set(settle())
    try:
        yield
    finally:
        gc.unfreeze()
        FROZEN.set(0)
