"""`opcoord demo` in a fast configuration: the operation runs from its first day to its
closing and report; the report's totals equal what the simulated contact points
submitted; a partner reads the published edition; the data hangs together; the sign-in
line comes last."""

import os
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient

from opcoord import demo
from opcoord.app import create_app
from opcoord.demo.places import PLACES
from opcoord.demo.simulated import GOODS
from opcoord.operations.enums import COUNTERS, FACILITATING
from opcoord.operations.figures import money
from opcoord.operations.schemas import ReturnIn
from serving import free_port

from conftest import ADMIN, ADMIN_TOKEN, AUDIT_KEY

REPORT = f"/api/operations/{demo.CODE}/report"
DEMO = [sys.executable, "-m", "opcoord.cli", "demo"]


def submitted_totals(accepted: dict[tuple[str, date], ReturnIn]) -> dict[str, Any]:
    """The totals of what the contact points had accepted, added up here by hand."""
    seizures = [s for body in accepted.values() for s in body.seizures]
    sums: Counter[str] = Counter()
    for body in accepted.values():
        sums.update(body.counters.model_dump())
        sums.update(body.facilitating_items.model_dump())
    values: defaultdict[str, Decimal] = defaultdict(Decimal)
    by_category: Counter[str] = Counter()
    by_country: Counter[str] = Counter()
    for (cc, _), body in accepted.items():
        for s in body.seizures:
            by_category[s.category.value] += s.quantity
            by_country[cc] += s.quantity
            if s.estimated_value is not None and s.currency:
                values[s.currency] += Decimal(str(s.estimated_value))
    return {
        "countries_participating": len(demo.COUNTRIES),
        "countries_reported": len({cc for cc, _ in accepted}),
        "returns": len(accepted),
        "seizures": len(seizures),
        "objects_seized": sum(s.quantity for s in seizures),
        "objects_seized_online": sum(
            s.quantity for s in seizures if s.online or s.place_type == "online"
        ),
        **{name: sums[name] for name in (*COUNTERS, *FACILITATING)},
        "estimated_value": {c: money(v) for c, v in sorted(values.items())},
        "objects_by_category": dict(by_category),
        "objects_by_country": dict(by_country),
        "database_hits": 0,  # the demo loads no watchlist
    }


def _finish(client: TestClient[Any], limit: float = 240) -> demo.Tour:
    tour: demo.Tour = client.app.state.demo
    deadline = time.monotonic() + limit
    while not tour.finished.is_set():
        assert time.monotonic() < deadline, "the demo did not reach its report"
        time.sleep(0.2)
    return tour


def _partner(client: TestClient[Any]) -> dict[str, Any]:
    """The partner signs in with the demo's password and reads the published report."""
    page = client.get("/signin")
    assert page.status_code == 200
    r = client.post(
        "/signin",
        data={"username": "unesco", "password": demo.PASSWORD, "next": "/reports"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    report = client.get(REPORT)
    client.cookies.clear()
    assert report.status_code == 200, report.text
    return dict(report.json())


@pytest.mark.timeout(400)
def test_the_tour_runs_to_its_report_and_the_report_adds_up(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = demo.demo_settings(
        db_url, admin_token=ADMIN_TOKEN, audit_key=AUDIT_KEY, environment="test"
    )
    app = create_app(settings, clock=demo.demo_clock(0.25), extra_lifespans=[demo.demo_lifespan])
    app.state.demo_host = "testserver"
    with TestClient(app) as client:
        intro = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
        assert intro[-1] == (
            f"Sign in at http://testserver/signin as coordinator, password {demo.PASSWORD}"
        )
        tour = _finish(client)
        report = client.get(REPORT, headers=ADMIN).json()
        summary = client.get(f"/api/operations/{demo.CODE}/summary", headers=ADMIN).json()
        partner = _partner(client)
        status = client.get(f"/api/operations/{demo.CODE}", headers=ADMIN).json()
    assert status["status"] == "closed" and not status["closed_early"]
    expected = submitted_totals(tour.accepted)
    assert report["totals"] == expected
    assert summary["totals"] == expected
    assert partner["totals"]["objects_seized"] == expected["objects_seized"]
    # It ran from the first day to the last: nearly every return came, a few never did,
    # and only what arrived after the closing was refused.
    assert len(tour.accepted) >= 0.9 * len(demo.COUNTRIES) * len(tour.days)
    assert all("closed" in why for why in tour.refused), tour.refused
    assert report["completeness"]["late"] > 0 and report["completeness"]["missing"] > 0
    assert "The operation has closed" in capsys.readouterr().out


def test_the_data_hangs_together() -> None:
    """Every planned seizure, checked against what a reader of the report would expect."""
    import random

    from opcoord.demo.simulated import plan

    days = [date(2026, 12, 1 + n) for n in range(demo.tour.DAYS)]
    planned = plan(random.Random(1), list(demo.COUNTRIES), days, demo.tour.TIMEZONE, 10)
    prices = {g.category: g.price for g in GOODS}
    rates = {"CHF": 0.95, "TRY": 45.0, "EGP": 55.0, "EUR": 1.0}
    versions = Counter((p.country, p.day) for p in planned)
    assert sum(n > 1 for n in versions.values()) <= 0.1 * len(versions)  # few replacements
    for item in planned:
        assert item.at.date() >= item.day  # nothing is reported before its day
        places = {(p.name, p.lat, p.lon): p for p in PLACES[item.country]}
        for s in item.body.seizures:
            where = s.place_type.value
            assert s.online == (where == "online")
            assert (s.conveyance == "online") == (where == "online")
            if where == "airport":
                assert s.conveyance in ("air_passenger", "air_cargo")
            elif where == "seaport":
                assert s.conveyance == "vessel"
            elif where == "postal_centre":
                assert s.conveyance in ("postal", "express_courier")
            elif where == "land_border":
                assert s.conveyance in ("vehicle", "rail", "pedestrian")
                assert s.departure_country == places[(s.place_name, s.lat, s.lon)].across
            if where == "online":
                assert s.lat is None and s.departure_country is None
            else:
                assert (s.place_name, s.lat, s.lon) in places, s.place_name
                assert places[(s.place_name, s.lat, s.lon)].type == s.place_type
            if s.estimated_value is not None:
                assert s.currency is not None
                low, high = prices[s.category]
                each = float(s.estimated_value) / s.quantity / rates[s.currency]
                assert low * 0.4 <= each <= high * 1.7, (s.category, each)


@pytest.mark.multiprocess
@pytest.mark.timeout(400)
def test_opcoord_demo_reaches_its_report_and_keeps_serving(tmp_path: Path) -> None:
    """The command itself, fast: its report equals the returns the contact points left,
    read back one by one through the API, and the server answers after the report."""
    port = free_port()
    out = tmp_path / "demo.log"
    with out.open("wb") as log:
        proc = subprocess.Popen(
            [*DEMO, "--port", str(port), "--seconds-per-day", "0.3"],
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            text = _wait_for(out, "The demo keeps serving", proc)
            token = re.search(r"API token of coordinator, for scripts: (\S+)", text)
            assert token is not None, text
            intro = text.split("The operation has closed")[0].strip().splitlines()
            assert intro[-1].startswith(f"Sign in at http://127.0.0.1:{port}/signin as ")
            assert "WARNING" not in text and "Traceback" not in text, text
            base, auth = f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {token[1]}"}
            report = httpx.get(f"{base}{REPORT}", headers=auth, timeout=30).json()
            assert report["totals"] == _totals_from_the_returns(base, auth)
        finally:
            proc.terminate()
            proc.wait(timeout=60)


def _wait_for(path: Path, marker: str, proc: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + 300
    while True:
        text = path.read_text(errors="replace")
        if marker in text:
            return text
        assert proc.poll() is None, text
        assert time.monotonic() < deadline, text
        time.sleep(0.5)


def _totals_from_the_returns(base: str, auth: dict[str, str]) -> dict[str, Any]:
    """Every current return, read through the API as a coordinator, added up."""
    with httpx.Client(base_url=base, headers=auth, timeout=30) as http:
        grid = http.get(f"/api/operations/{demo.CODE}/completeness").json()
        accepted = {}
        for cc in demo.COUNTRIES:
            for day in grid["days"]:
                r = http.get(f"/api/operations/{demo.CODE}/returns/{cc}/{day}")
                if r.status_code == 200:
                    body = r.json()
                    keep = {k: body[k] for k in ("nil_return", "counters", "facilitating_items",
                                                 "seizures", "notes")}  # fmt: skip
                    accepted[(cc, date.fromisoformat(day))] = ReturnIn.model_validate(keep)
                else:
                    assert r.status_code == 404, r.text
    return submitted_totals(accepted)
