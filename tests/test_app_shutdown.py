"""Stopping the app while every background task is halfway through a query: the app
stops, no task it started is left running, and every connection is back in the pool.

The lifespan runs in the test's own loop (as a server runs it), so that what it leaves
behind is visible here: a task still pending after the lifespan's exit is one the app
did not stop, and a connection still checked out is one that would be closed by the
garbage collector, or never.
"""

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from opcoord import db as opcoord_db
from opcoord.accounts import limits
from opcoord.app import create_app
from opcoord.clock import FrozenClock
from opcoord.config import Settings
from opcoord.db import STREAMS_TOUCHED, Database
from opcoord.intel import duplicates, hits
from opcoord.operations import scheduled
from opcoord.outbound import fanout

# A query that holds its connection until the test lets it go: on SQLite a function that
# waits in aiosqlite's thread (a statement there cannot be interrupted: it runs on after
# its task was cancelled, and the connection's close waits behind it).
STALL = {"sqlite": "SELECT opcoord_test_stall(:name)", "postgresql": "SELECT pg_sleep(30)"}
#: How long after the app begins to stop each worker's statement ends (on SQLite): the
#: scheduler's after the lifespans stopped after it are done; the outbound worker's and
#: the pump's after the 5 s their stops used to wait before cancelling them again.
RELEASE_AFTER = {"scheduler": 1.0, "checker": 0.2, "detector": 0.2, "outbound": 6.0, "pump": 6.0}
GATES = {name: threading.Event() for name in RELEASE_AFTER}


def stalling(db_of: Callable[..., Database], name: str, started: dict[str, asyncio.Event]) -> Any:
    """A stand-in for one worker's step: it takes a connection and keeps it busy."""

    async def step(*args: Any, **kwargs: Any) -> Any:
        db = db_of(*args, **kwargs)
        while True:
            async with db.read() as session:
                started[name].set()
                await session.execute(sa.text(STALL[db.dialect]), {"name": name})

    return step


def with_stall(pragmas: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
    def connect(dbapi_connection: Any, record: Any) -> None:
        pragmas(dbapi_connection, record)
        dbapi_connection.create_function("opcoord_test_stall", 1, lambda n: GATES[n].wait(60))

    return connect


def ctx_db(ctx: Any, *_: Any, **__: Any) -> Database:
    return ctx.db  # type: ignore[no-any-return]


def first_db(db: Database, *_: Any, **__: Any) -> Database:
    return db


def opcoord_tasks(before: set[asyncio.Task[Any]]) -> list[asyncio.Task[Any]]:
    return [t for t in asyncio.all_tasks() if t not in before and not t.done()]


@pytest.mark.parametrize("rounds", [1, 2])
async def test_stopping_mid_query_leaves_no_task_and_no_connection(
    settings: Settings, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch, rounds: int
) -> None:
    started = {name: asyncio.Event() for name in RELEASE_AFTER}
    monkeypatch.setattr(scheduled, "upcoming", stalling(ctx_db, "scheduler", started))
    monkeypatch.setattr(hits, "check_pending", stalling(first_db, "checker", started))
    monkeypatch.setattr(duplicates, "check_operation", stalling(first_db, "detector", started))
    monkeypatch.setattr(fanout, "fan_out", stalling(first_db, "outbound", started))
    monkeypatch.setattr(limits, "keep_sockets", stalling(first_db, "pump", started))
    monkeypatch.setattr(opcoord_db, "_sqlite_pragmas", with_stall(opcoord_db._sqlite_pragmas))
    before = set(asyncio.all_tasks())
    try:
        await stop_apps(settings, clock, started, before, rounds)
    finally:
        for gate in GATES.values():
            gate.set()  # nothing stays blocked after the test, whatever happened


async def stop_apps(
    settings: Settings,
    clock: FrozenClock,
    started: dict[str, asyncio.Event],
    before: set[asyncio.Task[Any]],
    rounds: int,
) -> None:
    for _ in range(rounds):  # a second app in the same loop meets what the first left
        for event in started.values():
            event.clear()
        for gate in GATES.values():
            gate.clear()
        app = create_app(settings, clock=clock)
        async with asyncio.timeout(240), app.lifespan():
            db: Database = app.state.db
            pool = db.engine.pool
            for hook in list(db.commit_hooks):  # a commit that touched stream 1
                hook({STREAMS_TOUCHED: {1}})
            async with asyncio.timeout(120):
                await asyncio.gather(*(e.wait() for e in started.values()))
            await asyncio.sleep(0.05)  # every statement is under way
            for name, delay in RELEASE_AFTER.items():
                asyncio.get_running_loop().call_later(delay, GATES[name].set)
        assert opcoord_tasks(before) == []
        assert pool.checkedout() == 0
