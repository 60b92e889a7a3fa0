"""The day cycle, driven by a frozen clock: reminders, day closes, closing at local time."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from litestar.testing import TestClient

from opcoord.clock import FrozenClock
from opcoord.operations.models import JobRun
from opcoord.operations.scheduled import Context, run_due_jobs, upcoming
from opcoord.operations.scheduler import SYNC_JOB

from conftest import ADMIN, Api, events, seizure, wait_ready

# America/New_York: clocks go forward on Sunday 8 March 2026 (EST -5 -> EDT -4).
NY = {
    "code": "ATHENA-NY",
    "starts_on": "2026-03-05",
    "ends_on": "2026-03-10",
    "timezone": "America/New_York",
    "daily_cutoff": "10:00",
}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    """The app boots on the day these tests set up their operation: its first catch-up
    run, which starts with the app, must not see a later day than the tests' own."""
    return FrozenClock(utc(2026, 3, 1, 12))


def run(client: TestClient[Any], now: datetime) -> list[str]:
    ctx = Context.of(client.app.state)
    client.app.state.clock.set(now)
    return list(client.blocking_portal.call(run_due_jobs, ctx, now))


def job_result(client: TestClient[Any], job_id: str) -> dict[str, Any] | None:
    async def read() -> dict[str, Any] | None:
        async with client.app.state.db.read() as session:
            run = await session.scalar(sa.select(JobRun).where(JobRun.job_id == job_id))
            return None if run is None else dict(run.result or {})

    return client.blocking_portal.call(read)


def setup_ny(api: Api, clock: FrozenClock) -> dict[str, dict[str, str]]:
    clock.set(utc(2026, 3, 1, 12))
    api.operation(**NY)
    for cc in ("US", "CA", "MX"):
        api.participant(cc, code="ATHENA-NY")
    return {cc: api.user(f"{cc.lower()}-ncp", "ncp", cc) for cc in ("US", "CA", "MX")}


def test_reminder_lists_only_countries_still_due(
    client: TestClient[Any], api: Api, clock: FrozenClock
) -> None:
    ncps = setup_ny(api, clock)
    # Day 5 March is due 6 March 10:00 EST = 15:00 UTC; the reminder goes at 14:00 UTC.
    clock.set(utc(2026, 3, 6, 13))
    r = api.put_return("US", "2026-03-05", {"nil_return": True}, ncps["US"], code="ATHENA-NY")
    assert r.status_code == 201
    # The window opened at midnight on 5 March, New York time: the operation is active.
    assert run(client, utc(2026, 3, 6, 13, 59)) == ["ATHENA-NY:open"]
    (opened,) = events(client, "operation_status_changed")
    assert opened["status"] == "active" and opened["collecting"] == "2026-03-05"
    assert run(client, utc(2026, 3, 6, 14, 0)) == ["ATHENA-NY:reminder:2026-03-05"]
    (reminder,) = events(client, "reminder")
    assert reminder["countries"] == ["CA", "MX"] and reminder["day"] == "2026-03-05"
    assert reminder["due_at"] == "2026-03-06T15:00:00+00:00"
    # Running again (a second instance, a retry) sends nothing more.
    assert run(client, utc(2026, 3, 6, 14, 30)) == []
    assert len(events(client, "reminder")) == 1


def test_no_reminder_when_everyone_has_reported(
    client: TestClient[Any], api: Api, clock: FrozenClock
) -> None:
    ncps = setup_ny(api, clock)
    clock.set(utc(2026, 3, 6, 12))
    for cc, headers in ncps.items():
        api.put_return(cc, "2026-03-05", {"nil_return": True}, headers, code="ATHENA-NY")
    assert run(client, utc(2026, 3, 6, 14, 5)) == [
        "ATHENA-NY:open",
        "ATHENA-NY:reminder:2026-03-05",
    ]
    assert events(client, "reminder") == []


def test_day_close_marks_missing_at_the_cutoff(
    client: TestClient[Any], api: Api, clock: FrozenClock
) -> None:
    ncps = setup_ny(api, clock)
    clock.set(utc(2026, 3, 6, 12))
    api.put_return("US", "2026-03-05", {"seizures": [seizure("US-1", 4)]}, ncps["US"],
                   code="ATHENA-NY")  # fmt: skip
    assert run(client, utc(2026, 3, 6, 14, 59, 59)) == [
        "ATHENA-NY:open",
        "ATHENA-NY:reminder:2026-03-05",
    ]
    assert events(client, "day_closed") == []
    assert run(client, utc(2026, 3, 6, 15, 0)) == ["ATHENA-NY:day-close:2026-03-05"]
    (closed,) = events(client, "day_closed")
    assert closed["missing"] == ["CA", "MX"] and closed["submitted"] == 1
    assert closed["expected"] == 3 and closed["reporting_rate"] == round(1 / 3, 4)
    # The cells the cut-off moved: the 5th closed, the 6th now being collected.
    assert closed["completeness"] == {
        "CA": {"2026-03-05": "missing", "2026-03-06": "collecting"},
        "MX": {"2026-03-05": "missing", "2026-03-06": "collecting"},
        "US": {"2026-03-05": "submitted", "2026-03-06": "collecting"},
    }
    assert closed["collecting"] == "2026-03-06" and closed["last_due"] == "2026-03-05"
    assert job_result(client, "ATHENA-NY:day-close:2026-03-05") == {
        "missing": ["CA", "MX"], "late": [], "expected": 3, "submitted": 1,
    }  # fmt: skip
    # Mexico reports late: it is late, no longer missing, and the day is not closed twice.
    clock.set(utc(2026, 3, 6, 16))
    r = api.put_return("MX", "2026-03-05", {"nil_return": True}, ncps["MX"], code="ATHENA-NY")
    assert r.json()["late"] is True
    assert run(client, utc(2026, 3, 6, 16)) == []
    grid = client.get("/api/operations/ATHENA-NY/completeness", headers=ADMIN).json()
    cells = {c["country"]: c["days"]["2026-03-05"] for c in grid["countries"]}
    assert cells == {"US": "submitted", "CA": "missing", "MX": "late"}


def test_cutoffs_follow_local_time_across_the_dst_change(
    client: TestClient[Any], api: Api, clock: FrozenClock
) -> None:
    setup_ny(api, clock)
    # 7 March is due 8 March 10:00, which is EDT (14:00 UTC) after the 02:00 jump;
    # the day before was due 7 March 10:00 EST (15:00 UTC).
    ran = run(client, utc(2026, 3, 8, 13, 59))
    assert "ATHENA-NY:day-close:2026-03-06" in ran
    assert "ATHENA-NY:day-close:2026-03-07" not in ran
    assert run(client, utc(2026, 3, 8, 14, 0)) == ["ATHENA-NY:day-close:2026-03-07"]
    closes = {e["day"]: e["due_at"] for e in events(client, "day_closed")}
    assert closes["2026-03-06"] == "2026-03-07T15:00:00+00:00"
    assert closes["2026-03-07"] == "2026-03-08T14:00:00+00:00"


def test_operation_closes_at_the_last_local_cutoff_and_reports(
    client: TestClient[Any], api: Api, clock: FrozenClock
) -> None:
    ncps = setup_ny(api, clock)
    clock.set(utc(2026, 3, 10, 20))
    api.put_return("CA", "2026-03-10", {"seizures": [seizure("CA-9", 12)]}, ncps["CA"],
                   code="ATHENA-NY")  # fmt: skip
    # Last day 10 March: due 11 March 10:00 EDT = 14:00 UTC (not 15:00, as in winter).
    ran = run(client, utc(2026, 3, 11, 13, 59, 59))
    assert "ATHENA-NY:close" not in ran
    one = client.get("/api/operations/ATHENA-NY", headers=ADMIN).json()
    assert one["status"] == "active"
    r = client.get("/api/operations/ATHENA-NY/report", headers=ADMIN)
    assert r.status_code == 409
    ran = run(client, utc(2026, 3, 11, 14, 0))
    assert ran[:2] == ["ATHENA-NY:day-close:2026-03-10", "ATHENA-NY:close"]
    assert ran[2].startswith("report-edition:")
    one = client.get("/api/operations/ATHENA-NY", headers=ADMIN).json()
    assert one["status"] == "closed" and one["closed_at"].startswith("2026-03-11T14:00")
    report = client.get("/api/operations/ATHENA-NY/report", headers=ADMIN).json()
    assert report["data_cutoff"] == "2026-03-11T14:00:00+00:00"
    assert report["totals"]["objects_seized"] == 12
    assert "11 March 2026 10:00 (America/New_York)" in report["provisional"]
    assert [e["edition"] for e in events(client, "report_ready")] == [1]
    # Nothing runs twice, and nothing remains to arm for a closed operation.
    assert run(client, utc(2026, 3, 11, 15)) == []
    ctx = Context.of(client.app.state)
    assert client.blocking_portal.call(upcoming, ctx, utc(2026, 3, 11, 15)) == []


def test_started_after_the_end_catches_up(
    client: TestClient[Any], api: Api, clock: FrozenClock
) -> None:
    setup_ny(api, clock)
    ran = run(client, utc(2026, 4, 2, 9))  # nobody ran the cycle during the window
    assert "ATHENA-NY:close" in ran and any(r.startswith("report-edition:") for r in ran)
    assert not any(":reminder:" in r for r in ran)  # reminders after the fact remind no one
    days = sorted(e["day"] for e in events(client, "day_closed"))
    assert days == [f"2026-03-{d:02d}" for d in range(5, 11)]
    report = client.get("/api/operations/ATHENA-NY/report", headers=ADMIN).json()
    assert report["data_cutoff"] == "2026-03-11T14:00:00+00:00"  # not when it ran
    assert report["completeness"]["missing"] == 18


def test_lifespan_arms_jobs_with_stable_ids(
    client: TestClient[Any], api: Api, clock: FrozenClock
) -> None:
    setup_ny(api, clock)
    clock.set(utc(2026, 3, 9, 12))
    runner = client.app.state.runner
    client.blocking_portal.call(runner.sync)
    ids = {job.id for job in client.app.state.scheduler.get_jobs()}
    assert SYNC_JOB in ids
    assert {"ATHENA-NY:reminder:2026-03-09", "ATHENA-NY:day-close:2026-03-09",
            "ATHENA-NY:close"} <= ids  # fmt: skip
    assert "ATHENA-NY:day-close:2026-03-07" not in ids  # past: caught up, not armed
    job = client.app.state.scheduler.get_job("ATHENA-NY:close")
    # Armed by the injected clock: the close is 2 days 2 hours of clock time away.
    delay = job.next_run_time - datetime.now(UTC)
    assert timedelta(days=2, hours=1, minutes=59) < delay <= timedelta(days=2, hours=2)
    client.post("/api/operations/ATHENA-NY/close", headers=ADMIN)
    client.blocking_portal.call(runner.sync)
    assert {job.id for job in client.app.state.scheduler.get_jobs()} == {SYNC_JOB}
    wait_ready(client, "ATHENA-NY")
