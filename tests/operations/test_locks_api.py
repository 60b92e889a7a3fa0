"""Locked days through the HTTP API: lock_after_days, the 409 that names the lock, and
the coordinators' time-limited exceptions."""

from datetime import timedelta
from typing import Any

from opcoord.clock import FrozenClock

from conftest import ADMIN, NOW, Api

OP = "/api/operations/PANDORA-X"
BASE = f"{OP}/returns"
OLD = "2026-06-05"  # due 6 June 10:00 Madrid (08:00 UTC)
RECENT = "2026-06-09"  # due 10 June 10:00 Madrid: 4 hours before NOW


def setup(api: Api, lock_after_days: int | None = 2) -> dict[str, str]:
    api.operation()
    api.participant("ES")
    es = api.user("es", "ncp", "ES")
    r = api.client.patch(OP, json={"lock_after_days": lock_after_days}, headers=ADMIN)
    assert r.status_code == 200, r.text
    assert r.json()["lock_after_days"] == lock_after_days
    return es


def fields(r: Any) -> list[str]:
    return [e["field"] for e in r.json()["errors"]]


def nil(reason: str | None = None) -> dict[str, Any]:
    return {"nil_return": True, "amendment_reason": reason}


def test_a_day_locks_lock_after_days_after_it_was_due(api: Api) -> None:
    es = setup(api)
    # OLD locked on 8 June 08:00 UTC; RECENT locks on 12 June.
    r = api.put_return("ES", OLD, nil(), es)
    assert r.status_code == 409, r.text
    problem = r.json()["errors"][0]
    assert problem["field"] == "day" and problem["type"] == "day_locked"
    assert problem["lock_after_days"] == "2"
    assert problem["locked_at"] == "2026-06-08T08:00:00Z"
    assert problem["exception_by"] == "coordinator"
    assert "lock_after_days" in problem["message"] and "coordinator" in problem["message"]
    # Coordinators are held by the lock as well: they lift it with an exception.
    assert api.put_return("ES", OLD, nil(), ADMIN).status_code == 409
    assert api.put_return("ES", RECENT, nil(), es).status_code == 201
    assert api.client.get(f"{BASE}/ES/{OLD}/versions", headers=ADMIN).json() == []


def test_the_return_says_whether_its_day_is_locked(api: Api, clock: FrozenClock) -> None:
    es = setup(api, lock_after_days=0)
    api.put_return("ES", "2026-06-10", nil(), es)
    got = api.client.get(f"{BASE}/ES/2026-06-10", headers=es).json()
    assert got["locked"] is False and got["locks_at"] == "2026-06-11T08:00:00Z"
    clock.set(NOW + timedelta(days=1))
    got = api.client.get(f"{BASE}/ES/2026-06-10", headers=es).json()
    assert got["locked"] is True
    r = api.put_return("ES", "2026-06-10", {"notes": "x", "amendment_reason": "late"}, es)
    assert r.status_code == 409


def test_no_lock_by_default_and_null_lifts_it(api: Api) -> None:
    api.operation()
    api.participant("ES")
    es = api.user("es", "ncp", "ES")
    assert api.client.get(OP, headers=ADMIN).json()["lock_after_days"] is None
    assert api.put_return("ES", "2026-06-01", nil(), es).status_code == 201
    api.client.patch(OP, json={"lock_after_days": 1}, headers=ADMIN)
    assert api.put_return("ES", "2026-06-02", nil(), es).status_code == 409
    r = api.client.patch(OP, json={"lock_after_days": None}, headers=ADMIN)
    assert r.status_code == 200 and r.json()["lock_after_days"] is None
    assert api.put_return("ES", "2026-06-02", nil(), es).status_code == 201


def test_an_exception_opens_the_day_until_its_end(api: Api, clock: FrozenClock) -> None:
    es = setup(api)
    body = {"until": "2026-06-10T18:00:00+02:00", "reason": "late seizure report from Irun"}
    r = api.client.post(f"{BASE}/ES/{OLD}/unlock", json=body, headers=ADMIN)
    assert r.status_code == 201, r.text
    got = r.json()
    assert (got["until"], got["granted_by"]) == ("2026-06-10T16:00:00Z", "admin")
    assert got["locks_at"] == "2026-06-08T08:00:00Z"
    assert api.put_return("ES", OLD, nil(), es).status_code == 201
    clock.set(NOW + timedelta(hours=4))  # 16:00 UTC: the exception has ended
    r = api.put_return("ES", OLD, {"notes": "more", "amendment_reason": "x"}, es)
    assert r.status_code == 409 and r.json()["errors"][0]["type"] == "day_locked"
    entries = api.client.get("/api/audit?action=return.unlock", headers=ADMIN).json()["entries"]
    assert [e["object"] for e in entries] == [f"ES {OLD}"]


def test_bad_lock_input_names_the_field_and_changes_nothing(api: Api) -> None:
    es = setup(api)
    for body in ({"lock_after_days": -1}, {"lock_after_days": 1.5}, {"lock_after_days": "3"}):
        r = api.client.patch(OP, json=body, headers=ADMIN)
        assert r.status_code == 422 and fields(r) == ["lock_after_days"], r.text
    assert api.client.patch(OP, json={"name": None}, headers=ADMIN).status_code == 422
    assert api.client.patch(OP, json={"lock_after_days": 9}, headers=es).status_code == 403
    assert api.client.get(OP, headers=ADMIN).json()["lock_after_days"] == 2
    url = f"{BASE}/ES/{OLD}/unlock"
    for body, field in [
        ({"until": "2026-06-10T11:00:00Z", "reason": "r"}, "until"),  # in the past
        ({"until": "tomorrow", "reason": "r"}, "until"),
        ({"until": "2026-06-11T12:00:00", "reason": "r"}, "until"),  # no time zone
        ({"until": "2027-06-11T12:00:00Z", "reason": "r"}, "until"),  # a year: too long
        ({"until": "9999-12-31T23:59:59-23:00", "reason": "r"}, "until"),
        ({"until": "2026-06-11T12:00:00Z", "reason": ""}, "reason"),
        ({"until": "2026-06-11T12:00:00Z"}, "reason"),
    ]:
        r = api.client.post(url, json=body, headers=ADMIN)
        assert r.status_code == 422, (body, r.text)
        assert fields(r) == [field], (body, r.json())
    ok = {"until": "2026-06-11T12:00:00Z", "reason": "r"}
    assert api.client.post(url, json=ok, headers=es).status_code == 403
    assert (
        api.client.post(f"{BASE}/ES/2026-07-05/unlock", json=ok, headers=ADMIN).status_code == 422
    )
    assert api.put_return("ES", OLD, nil(), es).status_code == 409


def test_an_import_into_a_locked_day_is_refused_by_the_lock(api: Api) -> None:
    es = setup(api)
    content = b"ref,category,quantity,place_type\nES-1,coins,2,airport\n"
    r = api.client.post(
        f"{BASE}/ES/{OLD}/import",
        files={"file": ("s.csv", content, "text/csv")},
        headers=es,
    )
    assert r.status_code == 409, r.text
    assert r.json()["errors"][0]["type"] == "day_locked"
    assert api.client.get(f"{BASE}/ES/{OLD}/versions", headers=ADMIN).json() == []


def test_the_day_ledger_lists_locked_days(api: Api) -> None:
    from datetime import date

    from opcoord.operations import ledger

    class Op:
        code = "X"
        starts_on = date(2026, 6, 1)
        ends_on = date(2026, 6, 30)
        timezone = "Europe/Madrid"
        daily_cutoff = "10:00"
        closed_at = None
        lock_after_days: int | None = 2

    days = list(ledger.days(date(2026, 6, 1), date(2026, 6, 10)))
    until = {date(2026, 6, 3): NOW + timedelta(hours=1), date(2026, 6, 4): NOW}
    locked = ledger.locked_days(Op(), days, NOW, until)
    # 1-7 June locked by 10 June 12:00 UTC, except 3 June (a running exception).
    assert sorted(d.day for d in locked) == [1, 2, 4, 5, 6, 7]
