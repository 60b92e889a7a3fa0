"""The report's completeness holds by construction, whenever and however it closed.

Hypothesis draws operations (time zones with daylight-saving changes, cut-offs in a DST
gap, windows of a few days), countries that join late and leave early, returns sent on
time, late, nil, amended, resent identically or refused, and a closing that comes early
at any moment or by itself at the last cut-off. Through the API it then checks the
invariants of ../shared/API.md for the operation and each country, and that every
figure equals what a contact point would count by hand from the history.

``HYPOTHESIS_PROFILE=full`` runs many more histories than CI does.
"""

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

from opcoord.clock import FrozenClock
from opcoord.operations.scheduled import Context, run_due_jobs
from opcoord.report import editions

from conftest import ADMIN, Api, wait_ready

ZONES = ["Europe/Madrid", "America/New_York", "UTC", "Asia/Kolkata", "Australia/Lord_Howe"]
# Windows that straddle daylight-saving changes of the zones above, and one that does not.
STARTS = [date(2026, 3, 5), date(2026, 3, 26), date(2026, 10, 1), date(2026, 10, 22)]
CUTOFFS = ["00:00", "02:30", "10:00", "23:59"]  # 02:30 falls in a DST gap somewhere
COUNTRIES = ["ES", "FR", "IT", "GR"]
_codes = itertools.count(1)  # one operation per example, in the test's one database


#: When a return is sent, or the operation closed, in minutes from a day's cut-off: well
#: before, just before, just after, hours and days after.
AROUND_CUTOFF = [-20 * 60, -60, -1, 0, 1, 180, 26 * 60, 50 * 60]


@dataclass(frozen=True)
class Send:
    country: int
    day: int  # offset from the window's start
    from_cutoff: int  # when it is sent, in minutes from the day's due time
    nil: bool
    objects: int


@dataclass(frozen=True)
class History:
    timezone: str
    starts_on: date
    days: int
    cutoff: str
    joins: tuple[int, ...]  # per country: first day offset
    stays: tuple[int | None, ...]  # per country: last day offset, None = to the end
    sends: tuple[Send, ...]
    close: tuple[int, int] | None  # (day, minutes from its cut-off); None = by itself


@st.composite
def histories(draw: Any) -> History:
    days = draw(st.integers(2, 8))
    n = draw(st.integers(1, len(COUNTRIES)))
    joins = tuple(draw(st.integers(0, days - 1)) for _ in range(n))
    stays = tuple(draw(st.one_of(st.none(), st.integers(j, days - 1))) for j in joins)
    sends = []
    for _ in range(draw(st.integers(0, 16))):
        country = draw(st.integers(0, n - 1))
        last = stays[country] if stays[country] is not None else days - 1
        # Mostly a day the country takes part; sometimes one it does not (refused).
        day = draw(st.one_of(st.integers(joins[country], last), st.integers(0, days - 1)))
        sends.append(
            Send(
                country=country,
                day=day,
                from_cutoff=draw(st.sampled_from(AROUND_CUTOFF)),
                nil=draw(st.booleans()),
                objects=draw(st.integers(0, 3)),
            )
        )
    close = draw(
        st.one_of(st.none(), st.tuples(st.integers(-1, days - 1), st.sampled_from(AROUND_CUTOFF)))
    )
    return History(
        timezone=draw(st.sampled_from(ZONES)),
        starts_on=draw(st.sampled_from(STARTS)),
        days=days,
        cutoff=draw(st.sampled_from(CUTOFFS)),
        joins=joins,
        stays=stays,
        sends=tuple(sends),
        close=close,
    )


# --- the oracle: what a contact point would count by hand ----------------------------


def local(h: History, day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=ZoneInfo(h.timezone)).astimezone(UTC)


def due(h: History, day: date) -> datetime:
    hh, mm = h.cutoff.split(":")
    return local(h, day + timedelta(days=1), time(int(hh), int(mm)))


@dataclass
class Accepted:
    first_at: datetime
    nil: bool


@dataclass
class Expected:
    expected: int = 0
    received: int = 0
    late: int = 0
    nil: int = 0
    by_country: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)


def expectation(
    h: History, accepted: dict[tuple[str, date], Accepted], closed_at: datetime
) -> Expected:
    out = Expected()
    for i, country in enumerate(COUNTRIES[: len(h.joins)]):
        last = h.stays[i] if h.stays[i] is not None else h.days - 1
        exp = rec = late = nil = 0
        for offset in range(h.joins[i], last + 1):
            day = h.starts_on + timedelta(days=offset)
            if due(h, day) > closed_at:
                continue  # closed before the day fell due: not expected
            exp += 1
            got = accepted.get((country, day))
            if got is not None:
                rec += 1
                late += got.first_at > due(h, day)
                nil += got.nil
        out.by_country[country] = (exp, rec, late, nil)
        out.expected += exp
        out.received += rec
        out.late += late
        out.nil += nil
    return out


# --- running a history through the API ----------------------------------------------------


def _body(send: Send, serial: int) -> dict[str, Any]:
    if send.nil:
        return {"nil_return": True, "amendment_reason": "corrected"}
    seizures = [
        {"ref": f"R{serial}-{k}", "category": "coins", "quantity": 1 + k, "place_type": "airport"}
        for k in range(send.objects)
    ]
    return {"counters": {"persons_checked": serial}, "seizures": seizures,
            "amendment_reason": "corrected"}  # fmt: skip


def run_history(
    api: Api, clock: FrozenClock, h: History, code: str
) -> tuple[dict[str, Any], dict[tuple[str, date], Accepted], datetime]:
    start = local(h, h.starts_on, time(0, 0))
    final_due = due(h, h.starts_on + timedelta(days=h.days - 1))
    clock.set(start - timedelta(days=1))
    api.operation(
        code=code,
        starts_on=h.starts_on.isoformat(),
        ends_on=(h.starts_on + timedelta(days=h.days - 1)).isoformat(),
        timezone=h.timezone,
        daily_cutoff=h.cutoff,
    )
    for i, country in enumerate(COUNTRIES[: len(h.joins)]):
        extra: dict[str, Any] = {"joins_on": (h.starts_on + timedelta(days=h.joins[i])).isoformat()}
        if h.stays[i] is not None:
            extra["leaves_on"] = (h.starts_on + timedelta(days=h.stays[i])).isoformat()
        api.participant(country, code=code, **extra)
    close_at = None
    if h.close is not None:
        close_day = h.starts_on + timedelta(days=h.close[0])
        close_at = max(start, due(h, close_day) + timedelta(minutes=h.close[1]))
    closed_at = min(close_at, final_due) if close_at is not None else final_due
    accepted: dict[tuple[str, date], Accepted] = {}
    timed = sorted(
        ((due(h, h.starts_on + timedelta(days=s.day)) + timedelta(minutes=s.from_cutoff), n, s)
         for n, s in enumerate(h.sends)),
        key=lambda t: (t[0], t[1]),
    )  # fmt: skip
    for at, serial, send in timed:
        if at >= closed_at:
            break  # the operation is closed from then on
        if at < start:
            continue  # before the window opened: a contact point could not have sent it
        clock.set(at)
        country = COUNTRIES[send.country]
        day = h.starts_on + timedelta(days=send.day)
        r = api.put_return(country, day.isoformat(), _body(send, serial), ADMIN, code=code)
        assert r.status_code in (200, 201, 422), r.text
        if r.status_code == 422:
            # Refused: a day in the future, or when the country does not take part.
            assert r.json()["errors"][0]["field"] == "day", r.text
            continue
        got = accepted.get((country, day))
        accepted[(country, day)] = Accepted(got.first_at if got else at, send.nil)
    if close_at is not None and close_at < final_due:
        clock.set(close_at)
        assert api.client.post(f"/api/operations/{code}/close", headers=ADMIN).status_code == 202
    else:
        later = final_due + timedelta(hours=1)
        clock.set(later)
        ctx = Context.of(api.client.app.state)
        api.client.blocking_portal.call(run_due_jobs, ctx, later)
    wait_ready(api.client, code)
    report = api.client.get(f"/api/operations/{code}/report", headers=ADMIN).json()
    return report, accepted, closed_at


# --- the properties ---------------------------------------------------------------------------


def check_invariants(c: dict[str, Any]) -> None:
    assert c["received"] <= c["expected"]
    assert c["on_time"] + c["late"] == c["received"]
    assert c["missing"] == c["expected"] - c["received"]
    assert 0 <= c["rate"] <= 1
    assert 0 <= c["nil"] <= c["received"]


@pytest.fixture
def fast_reports(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The report's figures are what is under test: skip rendering its files."""
    monkeypatch.setattr(editions, "draw", _no_files)
    yield


# Histories every run includes, whatever the random ones turn out to be: on time, late,
# nil and amended returns with a late joiner and an early leaver, closed early in the
# middle of a day in a daylight-saving change (New York, 8 March 2026), with a cut-off
# in the gap; and the same closing by itself at its last cut-off in Madrid's autumn.
MIXED = (
    Send(0, 0, -60, nil=False, objects=2),  # on time
    Send(0, 0, 180, nil=True, objects=0),  # an amendment to nil, after the cut-off
    Send(1, 1, 1, nil=False, objects=1),  # late by a minute
    Send(1, 1, -1, nil=True, objects=0),  # FR's day 1 sent on time, then replaced late
    Send(2, 2, 26 * 60, nil=False, objects=3),  # a day late
    Send(2, 0, -60, nil=False, objects=1),  # IT before it joins: refused
    Send(0, 3, -20 * 60, nil=True, objects=0),  # on time, early in the day
    Send(1, 4, 0, nil=False, objects=1),  # at the very cut-off: on time
    Send(0, 4, 50 * 60, nil=False, objects=2),  # two days late, or after the closing
)


@settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    deadline=None,
)
@given(h=histories())
@example(
    h=History("America/New_York", date(2026, 3, 5), 6, "02:30", (0, 0, 2), (None, 3, None),
              MIXED, close=(3, 180))
)  # fmt: skip
@example(
    h=History("Europe/Madrid", date(2026, 10, 22), 6, "10:00", (0, 0, 2), (None, 3, None),
              MIXED, close=None)
)  # fmt: skip
def test_completeness_holds_for_any_history(
    client: TestClient[Any], api: Api, clock: FrozenClock, fast_reports: None, h: History
) -> None:
    code = f"PROP-{next(_codes)}"
    report, accepted, closed_at = run_history(api, clock, h, code)
    want = expectation(h, accepted, closed_at)
    c = report["completeness"]
    check_invariants(c)
    assert (c["expected"], c["received"], c["late"], c["nil"]) == (
        want.expected, want.received, want.late, want.nil,
    )  # fmt: skip
    rows = {r["country"]: r for r in report["countries"]}
    for country, (exp, rec, late, nil) in want.by_country.items():
        row = rows[country]
        check_invariants(
            {
                "expected": row["returns_expected"],
                "received": row["returns"],
                "on_time": row["returns_on_time"],
                "late": row["returns_late"],
                "missing": row["returns_missing"],
                "nil": row["nil_returns"],
                "rate": row["returns"] / row["returns_expected"] if row["returns_expected"] else 1,
            }
        )
        assert (row["returns_expected"], row["returns"], row["returns_late"]) == (exp, rec, late)
        assert row["nil_returns"] == nil
    assert sum(r["returns_expected"] for r in rows.values()) == c["expected"]
    assert sum(r["returns_missing"] for r in rows.values()) == c["missing"]
    # The period and the timeline stop at an early closing.
    early = closed_at < due(h, h.starts_on + timedelta(days=h.days - 1))
    assert report["period"]["closed_early"] is early
    last = report["timeline"][-1]["day"]
    assert report["period"]["ends_on"] == last
    if not early:
        assert len(report["timeline"]) == h.days


async def _no_files(*_: Any) -> dict[str, bytes]:
    return {}
