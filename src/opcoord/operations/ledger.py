"""The day ledger: the only place that says what state an operation and its days are in.

A day is a calendar day in the operation's time zone. Day D's return is due at the
daily cut-off, local time, on day D+1. For a country, an operation and a moment, each
day of the window is in exactly one ``DayState``:

- ``upcoming``: not yet being collected (a later day, or today before the cut-off that
  closes yesterday);
- ``collecting``: no return yet, and its cut-off is the next one;
- ``submitted`` / ``nil``: returned by its cut-off (a nil return says "nothing today");
- ``late``: first returned after its cut-off;
- ``missing``: no return, and its cut-off has passed;
- ``not_expected``: the operation closed before the day fell due (an early close).
Days outside a country's participation have no state at all.

Independently of its state, a day is *locked* once ``lock_after_days`` days have passed
since it was due (an operation whose ``lock_after_days`` is None never locks), unless a
coordinator granted an exception that is still running: a locked day refuses every
change to its return (``check_unlocked``), from the API, the pages and the imports.

The operation closes at ``closes_at``: when a coordinator closed it, else the last day's
cut-off. It is ``planned`` before its first day, ``active`` until it closes, ``closed``
after. Summary, completeness, the report, reminders, day closes, the live snapshot and
every live event, and the contact point's calendar all read these functions, so they
cannot disagree; the browser shows the states it is sent and computes none.
"""

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Protocol
from zoneinfo import ZoneInfo

from opcoord.errors import conflict, invalid
from opcoord.operations.enums import DayStatus, OperationStatus


class DayState(StrEnum):
    upcoming = "upcoming"
    collecting = "collecting"
    submitted = "submitted"
    nil = "nil"
    late = "late"
    missing = "missing"
    not_expected = "not_expected"


RETURNED = frozenset({DayState.submitted, DayState.nil, DayState.late})
PENDING = frozenset({DayState.upcoming, DayState.collecting})
ON_TIME = frozenset({DayState.submitted, DayState.nil})
#: The API's completeness vocabulary (``not_due`` for every day not yet due or never due).
COARSE: Mapping[DayState, DayStatus] = {
    DayState.upcoming: DayStatus.not_due,
    DayState.collecting: DayStatus.not_due,
    DayState.not_expected: DayStatus.not_due,
    DayState.submitted: DayStatus.submitted,
    DayState.nil: DayStatus.nil,
    DayState.late: DayStatus.late,
    DayState.missing: DayStatus.missing,
}


class Window(Protocol):
    """What the ledger needs of an operation."""

    code: str
    starts_on: date
    ends_on: date
    timezone: str
    daily_cutoff: str
    closed_at: datetime | None


class Taking(Protocol):
    """What the ledger needs of a participant."""

    country: str
    joins_on: date
    leaves_on: date | None


@dataclass(frozen=True, slots=True)
class Returned:
    """A day's return as the ledger sees it: whether its first version came after the
    cut-off, and whether its current version is a nil return."""

    first_late: bool
    nil: bool


# --- time ------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def cutoff_time(op: Window) -> time:
    hours, minutes = op.daily_cutoff.split(":")
    return time(int(hours), int(minutes))


def local_instant(op: Window, day: date, at: time) -> datetime:
    """The UTC instant of a local wall-clock time; a time in a DST gap moves forward."""
    # The round trip through UTC normalises times that do not exist on that day.
    return datetime.combine(day, at, tzinfo=zone(op.timezone)).astimezone(UTC)


def due_at(op: Window, day: date) -> datetime:
    return local_instant(op, day + timedelta(days=1), cutoff_time(op))


def final_due_at(op: Window) -> datetime:
    """When the last day's return is due: the operation closes by itself then."""
    return due_at(op, op.ends_on)


def opens_at(op: Window) -> datetime:
    """Midnight, local time, of the first day."""
    return local_instant(op, op.starts_on, time(0, 0))


def today(op: Window, now: datetime) -> date:
    return now.astimezone(zone(op.timezone)).date()


def days(start: date, end: date) -> Iterator[date]:
    for offset in range((end - start).days + 1):
        yield start + timedelta(days=offset)


def is_late(op: Window, day: date, at: datetime) -> bool:
    return at > due_at(op, day)


# --- the operation -----------------------------------------------------------------------


def closes_at(op: Window) -> datetime:
    """When the operation stops accepting returns: its closing, else the last cut-off."""
    return op.closed_at if op.closed_at is not None else final_due_at(op)


def status(op: Window, now: datetime) -> OperationStatus:
    if op.closed_at is not None or now >= final_due_at(op):
        return OperationStatus.closed
    if now < opens_at(op):
        return OperationStatus.planned
    return OperationStatus.active


def closed_early(op: Window) -> bool:
    return op.closed_at is not None and op.closed_at < final_due_at(op)


def last_day(op: Window) -> date:
    """The last day of the operation as it ran: the window's end, or the day it closed."""
    if closed_early(op):
        assert op.closed_at is not None
        return max(op.starts_on, min(op.ends_on, today(op, op.closed_at)))
    return op.ends_on


def days_run(op: Window) -> list[date]:
    """The days the operation ran (its timeline): the window, cut at an early close."""
    return list(days(op.starts_on, last_day(op)))


def last_due_day(op: Window, at: datetime) -> date | None:
    """The last day whose cut-off had passed at ``at`` (or at the closing, if earlier)."""
    limit = min(at, closes_at(op))
    candidate = min(op.ends_on, today(op, limit) - timedelta(days=1))
    if candidate >= op.starts_on and due_at(op, candidate) > limit:
        candidate -= timedelta(days=1)  # before today's cut-off: yesterday is not due yet
    return candidate if candidate >= op.starts_on else None


def collecting_day(op: Window, now: datetime) -> date | None:
    """The day being collected: the first day not yet due, once it has begun, while the
    operation is active."""
    if status(op, now) is not OperationStatus.active:
        return None
    last_due = last_due_day(op, now)
    day = op.starts_on if last_due is None else last_due + timedelta(days=1)
    return day if day <= min(op.ends_on, today(op, now)) else None


# --- one country's days ----------------------------------------------------------------------


def participation(op: Window, p: Taking) -> tuple[date, date]:
    return max(p.joins_on, op.starts_on), min(p.leaves_on or op.ends_on, op.ends_on)


def takes_part(op: Window, p: Taking, day: date) -> bool:
    first, last = participation(op, p)
    return first <= day <= last


def expected(op: Window, p: Taking, day: date) -> bool:
    """Whether a return is expected for the day at all: the country takes part, and the
    operation did not close before the day fell due."""
    return takes_part(op, p, day) and due_at(op, day) <= closes_at(op)


def state(
    op: Window,
    p: Taking,
    day: date,
    now: datetime,
    returned: Returned | None,
    *,
    collecting: date | None = None,
) -> DayState | None:
    """The day's state for the participant at ``now`` (None: it does not take part that
    day). ``collecting`` may be passed when known, to spare recomputing it per day."""
    if not takes_part(op, p, day):
        return None
    if not expected(op, p, day):
        return DayState.not_expected
    if returned is not None:
        if returned.first_late:
            return DayState.late
        return DayState.nil if returned.nil else DayState.submitted
    if now >= due_at(op, day):
        return DayState.missing
    if collecting is None:
        collecting = collecting_day(op, now)
    return DayState.collecting if day == collecting else DayState.upcoming


def check_writable(op: Window, p: Taking | None, country: str, day: date, now: datetime) -> None:
    """Refuse a return the ledger does not accept: a closed operation (409), a day
    outside the window, in the future, or when the country does not take part (422)."""
    if status(op, now) is OperationStatus.closed:
        raise conflict(
            f"operation {op.code} is closed: its figures are final", kind="operation_closed"
        )
    if not op.starts_on <= day <= op.ends_on:
        raise invalid(
            "day", f"{day} is outside the window {op.starts_on}..{op.ends_on}", "day_outside"
        )
    if day > today(op, now):
        raise invalid("day", f"{day} is in the future in {op.timezone}", "day_in_future")
    if p is None or not takes_part(op, p, day):
        raise invalid("day", f"{country} does not take part in {op.code} on {day}", "day_absent")


class Lockable(Window, Protocol):
    """What the ledger needs of an operation to decide its locks."""

    lock_after_days: int | None


def locks_at(op: Lockable, day: date) -> datetime | None:
    """When the day's return locks: ``lock_after_days`` days after it was due."""
    if op.lock_after_days is None:
        return None
    return due_at(op, day) + timedelta(days=op.lock_after_days)


def locked(op: Lockable, day: date, now: datetime, exception_until: datetime | None) -> bool:
    """Whether the day refuses changes at ``now``: its lock time has passed and no
    exception (``exception_until``, the latest granted for the day) is running."""
    at = locks_at(op, day)
    if at is None or now < at:
        return False
    return exception_until is None or now >= exception_until


def check_unlocked(
    op: Lockable, country: str, day: date, now: datetime, exception_until: datetime | None
) -> None:
    """Refuse a change to a locked day (409), naming the lock and who may lift it."""
    if not locked(op, day, now, exception_until):
        return
    at = locks_at(op, day)
    assert at is not None
    when = at.isoformat().replace("+00:00", "Z")  # as the API writes instants
    raise conflict(
        f"{country} {day} locked at {when} ({op.lock_after_days} days after it "
        "was due, lock_after_days): a coordinator can grant an exception",
        "day",
        "day_locked",
        lock_after_days=str(op.lock_after_days),
        locked_at=when,
        exception_by="coordinator",
    )


def locked_days(
    op: Lockable, days_: Iterable[date], now: datetime, exceptions: Mapping[date, datetime]
) -> set[date]:
    """The days among ``days_`` that are locked at ``now`` (``exceptions``: per day, the
    latest exception's end)."""
    return {d for d in days_ if locked(op, d, now, exceptions.get(d))}


def needs_reason(op: Window, day: date, now: datetime) -> bool:
    """A return replaced after its due time is an amendment, which needs a reason."""
    return now > due_at(op, day)


# --- every country's days ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tally:
    """One country's (or the operation's) reporting, counted from its day states."""

    expected: int = 0
    received: int = 0
    on_time: int = 0
    late: int = 0
    nil: int = 0
    missing: int = 0
    pending: int = 0  # expected, not yet due

    @classmethod
    def of(cls, states: Iterable[DayState], nil: int | None = None) -> "Tally":
        """Count ``states``; ``nil`` is the number of nil returns among the days returned
        when known (a late nil return is a late return *and* a nil one), else the days
        whose state is ``nil``."""
        n = Counter(states)
        received = sum(n[s] for s in RETURNED)
        pending = n[DayState.upcoming] + n[DayState.collecting]
        return cls(
            expected=received + n[DayState.missing] + pending,
            received=received,
            on_time=n[DayState.submitted] + n[DayState.nil],
            late=n[DayState.late],
            nil=n[DayState.nil] if nil is None else nil,
            missing=n[DayState.missing],
            pending=pending,
        )

    def __add__(self, other: "Tally") -> "Tally":
        return Tally(*(a + b for a, b in zip(self.astuple(), other.astuple(), strict=True)))

    def astuple(self) -> tuple[int, ...]:
        return (
            self.expected,
            self.received,
            self.on_time,
            self.late,
            self.nil,
            self.missing,
            self.pending,
        )

    @property
    def rate(self) -> float | None:
        """Returns received per return due (None while nothing is due)."""
        due = self.expected - self.pending
        return round(self.received / due, 4) if due else None


@dataclass(frozen=True, slots=True)
class Grid:
    """Every participant's day states at one moment."""

    days: list[date]
    collecting: date | None
    last_due: date | None
    cells: dict[str, dict[date, DayState]]
    #: Per country, the days returned whose current version is a nil return, on time or
    #: late.
    nil_returns: dict[str, int] = field(default_factory=dict)

    def counts(self) -> dict[DayState, int]:
        n = Counter(s for row in self.cells.values() for s in row.values())
        return {s: n[s] for s in DayState}

    def tally(self, country: str) -> Tally:
        return Tally.of(self.cells.get(country, {}).values(), self.nil_returns.get(country, 0))


def grid(
    op: Window,
    participants: Iterable[Taking],
    returned: Mapping[tuple[str, date], Returned],
    now: datetime,
    *,
    only_days: Iterable[date] | None = None,
) -> Grid:
    """The states of every participant's days (or of ``only_days``) at ``now``."""
    collecting = collecting_day(op, now)
    wanted = sorted(set(only_days)) if only_days is not None else None
    cells: dict[str, dict[date, DayState]] = {}
    nil_returns: dict[str, int] = {}
    for p in participants:
        first, last = participation(op, p)
        row: dict[date, DayState] = {}
        nil = 0
        for day in wanted if wanted is not None else days(first, last):
            got = returned.get((p.country, day))
            found = state(op, p, day, now, got, collecting=collecting)
            if found is not None:
                row[day] = found
                nil += found in RETURNED and got is not None and got.nil
        cells[p.country] = row
        nil_returns[p.country] = nil
    return Grid(
        list(days(op.starts_on, op.ends_on)),
        collecting,
        last_due_day(op, now),
        cells,
        nil_returns,
    )
