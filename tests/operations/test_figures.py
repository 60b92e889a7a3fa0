"""Summary and completeness equal what the test computes from what it submitted."""

import random
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from opcoord.clock import FrozenClock

from conftest import ADMIN, NOW, Api

MADRID = ZoneInfo("Europe/Madrid")
COUNTRIES = ["ES", "FR", "IT", "GR", "PT"]
CATEGORIES = ["coins", "archaeological", "paintings", "religious", "fossils"]
PLACES = ["airport", "online", "postal_centre", "auction_house", "land_border"]
COUNTER_NAMES = [
    "persons_checked",
    "vehicles_checked",
    "vessels_checked",
    "premises_checked",
    "online_checks",
    "arrests",
    "investigations_criminal",
    "investigations_administrative",
]


def local(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=MADRID).astimezone(UTC)


def random_return(rng: random.Random, country: str, day: date, serial: list[int]) -> dict[str, Any]:
    if rng.random() < 0.2:
        return {"nil_return": True}
    seizures = []
    for _ in range(rng.randint(0, 3)):
        serial[0] += 1
        s: dict[str, Any] = {
            "ref": f"{country}-{serial[0]}",
            "category": rng.choice(CATEGORIES),
            "quantity": rng.randint(1, 500),
            "place_type": rng.choice(PLACES),
            "online": rng.random() < 0.2,
        }
        if rng.random() < 0.7:
            s["estimated_value"] = rng.choice([1000, 250.5, 99999])
            s["currency"] = rng.choice(["EUR", "USD"])
        seizures.append(s)
    return {
        "counters": {c: rng.randint(0, 50) for c in COUNTER_NAMES},
        "facilitating_items": {
            "metal_detectors": rng.randint(0, 3),
            "excavation_tools": rng.randint(0, 2),
        },
        "seizures": seizures,
    }


def expected_totals(latest: dict[tuple[str, date], dict[str, Any]]) -> dict[str, Any]:
    totals: dict[str, Any] = Counter()
    value: dict[str, Decimal] = defaultdict(Decimal)
    by_cat: Counter[str] = Counter()
    by_country: Counter[str] = Counter()
    for (country, _), body in latest.items():
        for name, n in body.get("counters", {}).items():
            totals[name] += n
        for name, n in body.get("facilitating_items", {}).items():
            totals[name] += n
        for s in body.get("seizures", []):
            totals["seizures"] += 1
            totals["objects_seized"] += s["quantity"]
            if s["online"] or s["place_type"] == "online":
                totals["objects_seized_online"] += s["quantity"]
            by_cat[s["category"]] += s["quantity"]
            by_country[country] += s["quantity"]
            if "estimated_value" in s:
                value[s["currency"]] += Decimal(str(s["estimated_value"]))
    out = {
        name: totals[name]
        for name in [
            *COUNTER_NAMES,
            "metal_detectors",
            "excavation_tools",
            "seizures",
            "objects_seized",
            "objects_seized_online",
        ]
    }
    out["returns"] = len(latest)
    out["countries_reported"] = len({c for c, _ in latest})
    out["countries_participating"] = len(COUNTRIES)
    out["objects_by_category"] = dict(by_cat)
    out["objects_by_country"] = dict(by_country)
    out["estimated_value"] = {
        k: (int(v) if v == v.to_integral_value() else float(v)) for k, v in value.items()
    }
    out["database_hits"] = 0  # no watchlist is loaded here (tests/intel counts hits)
    return out


def test_summary_and_completeness_after_a_busy_week(api: Api, clock: FrozenClock) -> None:
    rng = random.Random(20260610)
    api.operation()
    headers = {}
    for c in COUNTRIES:
        api.participant(c)
        headers[c] = api.user(f"ncp-{c.lower()}", "ncp", c)
    latest: dict[tuple[str, date], dict[str, Any]] = {}
    first_late: dict[tuple[str, date], bool] = {}
    serial = [0]
    days = [date(2026, 6, 1) + timedelta(days=i) for i in range(9)]
    for day in days:
        for c in COUNTRIES:
            roll = rng.random()
            if roll < 0.1:
                continue  # missing
            late = roll > 0.85
            clock.set(local(day + timedelta(days=2), 12) if late else local(day, 21))
            body = random_return(rng, c, day, serial)
            r = api.put_return(c, day.isoformat(), body, headers[c])
            assert r.status_code == 201, r.text
            assert r.json()["late"] is late
            latest[(c, day)], first_late[(c, day)] = body, late
            if rng.random() < 0.3:  # a retry of the same request
                assert api.put_return(c, day.isoformat(), body, headers[c]).json()["version"] == 1
            if rng.random() < 0.3:  # an amendment the next week
                clock.set(local(day + timedelta(days=5), 9))
                body = random_return(rng, c, day, serial)
                body["amendment_reason"] = "figures corrected by the agency"
                r = api.put_return(c, day.isoformat(), body, headers[c])
                assert r.status_code == 200 and r.json()["version"] == 2, r.text
                latest[(c, day)] = body
    clock.set(NOW)
    assert api.summary() == expected_totals(latest)

    grid = api.client.get("/api/operations/PANDORA-X/completeness", headers=ADMIN).json()
    assert grid["today"] == "2026-06-10"
    for row in grid["countries"]:
        c = row["country"]
        for day in days:
            key = (c, day)
            if key not in latest:
                want = "missing"
            elif first_late[key]:
                want = "late"
            else:
                want = "nil" if latest[key].get("nil_return") else "submitted"
            assert row["days"][day.isoformat()] == want, (c, day)
        assert row["days"]["2026-06-10"] == "not_due"
        assert len(row["days"]) == 30
    counts = Counter(v for row in grid["countries"] for v in row["days"].values())
    assert grid["counts"] == {
        s: counts.get(s, 0) for s in ["submitted", "nil", "late", "missing", "not_due"]
    }


def test_completeness_counts_only_days_a_country_takes_part(api: Api) -> None:
    api.operation()
    api.participant("ES")
    api.participant("IT", joins_on="2026-06-05", leaves_on="2026-06-07")
    grid = api.client.get("/api/operations/PANDORA-X/completeness", headers=ADMIN).json()
    it = next(r for r in grid["countries"] if r["country"] == "IT")
    assert sorted(it["days"]) == ["2026-06-05", "2026-06-06", "2026-06-07"]
    assert it["counts"]["missing"] == 3
    es = next(r for r in grid["countries"] if r["country"] == "ES")
    assert es["counts"]["missing"] == 9 and es["counts"]["not_due"] == 21


def test_due_time_follows_the_operation_time_zone_across_dst(api: Api, clock: FrozenClock) -> None:
    # Window over the end of summer time in Europe (25 October 2026).
    api.operation(
        code="ATHENA-Z",
        starts_on="2026-10-20",
        ends_on="2026-10-31",
        timezone="Europe/Madrid",
        daily_cutoff="10:00",
    )
    api.participant("GR", code="ATHENA-Z")
    gr = api.user("gr", "ncp", "GR")
    clock.set(datetime(2026, 10, 28, 12, tzinfo=UTC))
    before = api.put_return("GR", "2026-10-23", {"nil_return": True}, gr, code="ATHENA-Z").json()
    after = api.put_return("GR", "2026-10-26", {"nil_return": True}, gr, code="ATHENA-Z").json()
    assert before["due_at"].startswith("2026-10-24T08:00")  # 10:00 CEST = UTC+2
    assert after["due_at"].startswith("2026-10-27T09:00")  # 10:00 CET = UTC+1
