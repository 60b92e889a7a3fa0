"""Operation days, due times and status, all derived from the operation and a UTC instant.

A day is a calendar day in the operation's time zone. Day D's return is due at the
daily cut-off, local time, on day D+1.
"""

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Protocol
from zoneinfo import ZoneInfo

from opcoord.operations.enums import OperationStatus


class Windowed(Protocol):
    starts_on: date
    ends_on: date
    timezone: str
    daily_cutoff: str
    closed_at: datetime | None


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def cutoff_time(op: Windowed) -> time:
    hours, minutes = op.daily_cutoff.split(":")
    return time(int(hours), int(minutes))


def local_instant(op: Windowed, day: date, at: time) -> datetime:
    """The UTC instant of a local wall-clock time; a time in a DST gap moves forward."""
    local = datetime.combine(day, at, tzinfo=zone(op.timezone))
    # Round-trip through UTC normalises times that do not exist on that day.
    return local.astimezone(UTC)


def due_at(op: Windowed, day: date) -> datetime:
    return local_instant(op, day + timedelta(days=1), cutoff_time(op))


def final_due_at(op: Windowed) -> datetime:
    """When the last day's return is due: the operation closes by itself then."""
    return due_at(op, op.ends_on)


def today(op: Windowed, now: datetime) -> date:
    return now.astimezone(zone(op.timezone)).date()


def status(op: Windowed, now: datetime) -> OperationStatus:
    if op.closed_at is not None or now >= final_due_at(op):
        return OperationStatus.closed
    if today(op, now) < op.starts_on:
        return OperationStatus.planned
    return OperationStatus.active


def days(start: date, end: date) -> Iterator[date]:
    for offset in range((end - start).days + 1):
        yield start + timedelta(days=offset)
