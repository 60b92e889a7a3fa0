"""`opcoord demo`: a newcomer's tour. A seeded operation runs from its first day to its
closing and its report, each day lasting a few seconds, with simulated contact points
submitting live; then the server keeps serving, in real time, for exploring.

- ``clock``: the demo's clock, fast until the report is out.
- ``places``: real airports, ports, border crossings, postal centres, auction houses.
- ``simulated``: returns whose facts hang together, and when each is sent.
- ``tour``: the accounts, the plan, and the run that plays it.

Everything goes through the same actions as the API, so the dashboard, the map and the
report see exactly what real submissions would produce.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from litestar import Litestar

from opcoord.config import Settings
from opcoord.demo.clock import DemoClock
from opcoord.demo.tour import (
    CODE,
    COORDINATOR,
    COUNTRIES,
    CUTOFF,
    DAYS,
    PARTNER,
    PASSWORD,
    TIMEZONE,
    Tour,
    first_day_after,
    ncp,
    run,
    seed,
    start_of,
)
from opcoord.operations.scheduled import Context

SECONDS_PER_DAY = 5.0

__all__ = ["CODE", "COUNTRIES", "PASSWORD", "DemoClock", "Tour", "demo_clock", "demo_lifespan"]


def demo_clock(seconds_per_day: float = SECONDS_PER_DAY, now: datetime | None = None) -> DemoClock:
    """A clock that starts an hour before the first day (today, or the day of ``now``)."""
    return DemoClock(start_of(first_day_after(now or datetime.now(UTC))), seconds_per_day)


def demo_settings(database_url: str, **overrides: Any) -> Settings:
    """The demo's settings: its run drives the day cycle in step with its clock (no
    scheduler of its own), and sign-ins and tokens outlast days that pass in seconds."""
    base: dict[str, Any] = {
        "database_url": database_url,
        "scheduler_enabled": False,
        "token_days": 0,
        "session_hours": 24 * 90,
    }
    return Settings(**{**base, **overrides})


#: Libraries whose progress lines would bury the demo's own few lines.
QUIET = ("weasyprint", "fontTools")


def _minutes(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def _introduce(tour: Tour, clock: DemoClock, host: str, token: str) -> None:
    days = tour.days
    seconds_per_day = 86_400 / clock.speed
    cutoff = int(CUTOFF[:2]) + int(CUTOFF[3:]) / 60
    until_report = (DAYS + (cutoff + 1) / 24) * seconds_per_day  # to the last cut-off
    contact_points = ", ".join(ncp(cc) for cc in COUNTRIES[:3])
    print(
        f"\nopcoord demo: {CODE}, {len(COUNTRIES)} countries, {DAYS} days from {days[0]} to "
        f"{days[-1]} ({TIMEZONE}; each day's return is due at {CUTOFF} the next day).\n"
        f"Each day lasts {seconds_per_day:g} s: the operation closes in about "
        f"{_minutes(until_report)} and its report follows; then the demo keeps serving, in "
        "real time.\n"
        f"Accounts, all with password {PASSWORD}: {COORDINATOR}; contact points "
        f"{contact_points}, … (one per country); partner {PARTNER}, who reads the report "
        "once it is published.\n"
        f"API token of {COORDINATOR}, for scripts: {token}\n"
        f"\nSign in at http://{host}/signin as {COORDINATOR}, password {PASSWORD}\n",
        flush=True,
    )


@asynccontextmanager
async def demo_lifespan(app: Litestar) -> AsyncIterator[None]:
    state = app.state
    clock = state.clock
    if not isinstance(clock, DemoClock):
        raise TypeError("opcoord demo runs on a DemoClock (opcoord.demo.demo_clock())")
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.ERROR)
    tour, issued = await seed(state.db, clock.now())
    state.demo = tour
    host = getattr(state, "demo_host", "127.0.0.1:8000")
    _introduce(tour, clock, host, issued[COORDINATOR])
    clock.start()
    task = asyncio.create_task(run(state.db, clock, Context.of(state), tour, host))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
