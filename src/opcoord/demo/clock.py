"""The demo's clock: a whole operation day passes in a few seconds, then, once the report
is out, time runs at its normal pace so the demo can be explored at leisure."""

import time
from datetime import datetime, timedelta

from opcoord.clock import Clock

DAY = 86_400.0


class DemoClock(Clock):
    """Simulated time: stands at ``start`` until ``start()``, then runs a day every
    ``seconds_per_day`` of wall time until ``real_time()``."""

    def __init__(self, start: datetime, seconds_per_day: float) -> None:
        if start.tzinfo is None:
            raise ValueError("DemoClock needs a timezone-aware datetime")
        if seconds_per_day <= 0:
            raise ValueError("seconds_per_day must be positive")
        self._at = start
        self._wall: float | None = None
        self.speed = DAY / seconds_per_day

    def start(self) -> None:
        self._wall = time.monotonic()

    def now(self) -> datetime:
        if self._wall is None:
            return self._at
        return self._at + timedelta(seconds=(time.monotonic() - self._wall) * self.speed)

    def wall_seconds_until(self, at: datetime) -> float:
        """How long, in real seconds, until the clock shows ``at`` (0 if it is past)."""
        return max(0.0, (at - self.now()).total_seconds() / self.speed)

    def real_time(self) -> None:
        """From now on, one second per second."""
        self._at, self._wall, self.speed = self.now(), time.monotonic(), 1.0
