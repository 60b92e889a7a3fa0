"""Closing an operation: the report's figures equal the returns, in every format."""

import io
import random
import subprocess
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import openpyxl  # type: ignore[import-untyped]
from litestar.testing import TestClient

from opcoord.clock import FrozenClock

from conftest import ADMIN, NOW, Api, seizure, wait_ready

COUNTRIES = ("DE", "ES", "FR", "IT")
CATEGORIES = ("coins", "archaeological", "paintings", "religious")
SECRET = "Operation Nightjar informant"


def _body(rng: random.Random, cc: str, day: date, serial: int) -> dict[str, Any]:
    if rng.random() < 0.3:
        return {"nil_return": True}
    seizures = [
        seizure(
            f"{cc}-{day:%m%d}-{serial}-{i}",
            rng.randint(1, 400),
            category=rng.choice(CATEGORIES),
            online=rng.random() < 0.2,
            description=f"{SECRET} {cc}{i}",
            origin_country=rng.choice(("IT", "GR", None)),
            destination_country=rng.choice(("CH", "US")),
            estimated_value=rng.randint(100, 9000),
            currency="EUR",
            lat=40.0,
            lon=3.0,
        )
        for i in range(rng.randint(0, 3))
    ]
    return {
        "counters": {"arrests": rng.randint(0, 2), "persons_checked": rng.randint(0, 500),
                     "investigations_criminal": rng.randint(0, 1)},
        "facilitating_items": {"metal_detectors": rng.randint(0, 2)},
        "seizures": seizures,
        "notes": f"{SECRET} notes",
    }  # fmt: skip


def scenario(api: Api, clock: FrozenClock) -> dict[tuple[str, date], dict[str, Any]]:
    """Returns for 1-9 June, some missing, some nil, some amended after the cut-off."""
    api.operation()
    ncps = {}
    for cc in COUNTRIES:
        api.participant(cc)
        ncps[cc] = api.user(f"{cc.lower()}-ncp", "ncp", cc)
    rng = random.Random(5)
    final: dict[tuple[str, date], dict[str, Any]] = {}
    for d in range(1, 10):
        day = date(2026, 6, d)
        clock.set(datetime(2026, 6, d, 20, tzinfo=UTC))  # before the cut-off: on time
        for cc in COUNTRIES:
            if rng.random() < 0.15:
                continue  # missing
            body = _body(rng, cc, day, 1)
            r = api.put_return(cc, day.isoformat(), body, ncps[cc])
            assert r.status_code == 201, r.text
            final[(cc, day)] = body
    clock.set(NOW)
    for (cc, day), _ in list(final.items())[::5]:  # amendments after the cut-off
        body = {**_body(rng, cc, day, 2), "amendment_reason": "late lab results"}
        r = api.put_return(cc, day.isoformat(), body, ncps[cc])
        assert r.status_code == 200, r.text
        final[(cc, day)] = body
    late = api.put_return("FR", "2026-06-10", {"nil_return": True}, ncps["FR"])  # not yet due
    assert late.status_code in (200, 201)
    final[("FR", date(2026, 6, 10))] = {"nil_return": True}
    return final


def expected_totals(final: dict[tuple[str, date], dict[str, Any]]) -> dict[str, Any]:
    seizures = [s for body in final.values() for s in body.get("seizures", [])]
    by_country: Counter[str] = Counter()
    for (cc, _), body in final.items():
        for s in body.get("seizures", []):
            by_country[cc] += s["quantity"]
    by_category: Counter[str] = Counter()
    for s in seizures:
        by_category[s["category"]] += s["quantity"]

    def counter(name: str) -> int:
        return sum(b.get("counters", {}).get(name, 0) for b in final.values())

    return {
        "countries_participating": len(COUNTRIES),
        "countries_reported": len({cc for cc, _ in final}),
        "returns": len(final),
        "seizures": len(seizures),
        "objects_seized": sum(s["quantity"] for s in seizures),
        "objects_seized_online": sum(s["quantity"] for s in seizures if s["online"]),
        "arrests": counter("arrests"),
        "persons_checked": counter("persons_checked"),
        "investigations_criminal": counter("investigations_criminal"),
        "metal_detectors": sum(
            b.get("facilitating_items", {}).get("metal_detectors", 0) for b in final.values()
        ),
        "estimated_value": {"EUR": sum(s["estimated_value"] for s in seizures)},
        "objects_by_category": dict(sorted(by_category.items())),
        "objects_by_country": dict(sorted((k, v) for k, v in by_country.items() if v)),
    }


def close(client: TestClient[Any]) -> dict[str, Any]:
    r = client.post("/api/operations/PANDORA-X/close", headers=ADMIN)
    assert r.status_code == 202, r.text
    assert r.headers["location"] == "/api/operations/PANDORA-X/report/status"
    wait_ready(client, "PANDORA-X")
    report = client.get("/api/operations/PANDORA-X/report", headers=ADMIN)
    assert report.status_code == 200
    return dict(report.json())


def test_report_totals_equal_the_returns(
    client: TestClient[Any], api: Api, clock: FrozenClock
) -> None:
    final = scenario(api, clock)
    running = api.summary()
    report = close(client)
    want = expected_totals(final)
    for key, value in want.items():
        assert report["totals"][key] == value, key
    assert report["totals"] == running  # the report is the running totals, frozen
    # Completeness: days 1-9 were due by the close (day 10 was not): 36 returns expected,
    # and the return already sent for day 10 counts in the figures, not as received.
    due = {k for k in final if k[1] <= date(2026, 6, 9)}
    assert len(due) < len(final)
    comp = report["completeness"]
    assert comp["expected"] == 36 and comp["missing"] == 36 - len(due)
    assert comp["received"] == len(due) and comp["late"] == 0 and comp["on_time"] == len(due)
    assert comp["nil"] == sum(1 for k, b in final.items() if k in due and b.get("nil_return"))
    rows = {c["country"]: c for c in report["countries"]}
    for cc in COUNTRIES:
        assert rows[cc]["objects_seized"] == want["objects_by_country"].get(cc, 0)
        assert rows[cc]["returns_missing"] == 9 - sum(1 for c, _ in due if c == cc)
    assert sum(t["objects"] for t in report["timeline"]) == want["objects_seized"]
    # Closed early on 10 June: the period and the timeline stop there.
    assert [t["day"] for t in report["timeline"]][-1] == "2026-06-10"
    assert len(report["timeline"]) == 10
    assert report["period"]["days"] == 10 and report["period"]["closed_early"] is True
    assert report["period"]["planned_days"] == 30 and "closed early" in report["provisional"]
    assert sum(c["objects"] for c in report["categories"]) == want["objects_seized"]
    top = max(s["quantity"] for b in final.values() for s in b.get("seizures", []))
    assert report["highlights"][0]["quantity"] == top
    assert report["online"]["objects"] == want["objects_seized_online"]
    assert report["facilitating_items"]["metal_detectors"] == want["metal_detectors"]
    assert (
        "provisional" in report["provisional"] and "14:00 (Europe/Madrid)" in report["provisional"]
    )
    flows = Counter()
    for b in final.values():
        for s in b.get("seizures", []):
            if s["origin_country"]:
                flows[(s["origin_country"], s["destination_country"])] += s["quantity"]
    assert {(r["origin"], r["destination"]): r["objects"] for r in report["routes"]} == flows


def test_pdf_and_xlsx_carry_the_json_numbers(
    client: TestClient[Any], api: Api, clock: FrozenClock
) -> None:
    scenario(api, clock)
    report = close(client)
    t = report["totals"]
    pdf = client.get("/api/operations/PANDORA-X/report.pdf", headers=ADMIN)
    assert pdf.headers["content-type"] == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf.content, capture_output=True, check=True
    ).stdout.decode()
    for key in ("objects_seized", "seizures", "arrests", "persons_checked", "returns"):
        assert f"{t[key]:,}" in text, key
    assert "PANDORA-X" in text and "Edition 1" in text
    xlsx = client.get("/api/operations/PANDORA-X/report.xlsx", headers=ADMIN)
    wb = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    summary = {row[0]: row[2] for row in wb["Summary"].iter_rows(min_row=2, values_only=True)}
    for key in ("objects_seized", "seizures", "arrests", "metal_detectors", "returns"):
        assert summary[key] == t[key] and isinstance(summary[key], int), key
    assert summary["estimated_value_EUR"] == t["estimated_value"]["EUR"]
    sheet = list(wb["Countries"].iter_rows(values_only=True))
    header = sheet[0]
    by_cc = {row[0]: dict(zip(header, row, strict=True)) for row in sheet[1:]}
    for c in report["countries"]:
        assert by_cc[c["country"]]["Objects seized"] == c["objects_seized"]
    seizures = list(wb["Seizures"].iter_rows(min_row=2, values_only=True))
    assert len(seizures) == t["seizures"]
    assert sum(row[5] for row in seizures) == t["objects_seized"]


def test_closed_operation_refuses_writes_and_keeps_its_report(
    client: TestClient[Any], api: Api, clock: FrozenClock
) -> None:
    api.operation()
    api.participant("ES")
    es = api.user("es-ncp", "ncp", "ES")
    api.put_return("ES", "2026-06-09", {"seizures": [seizure("ES-1", 7)],
                   "amendment_reason": "late"}, es)  # fmt: skip
    first = close(client)
    r = api.put_return("ES", "2026-06-09", {"seizures": [seizure("ES-1", 70)],
                       "amendment_reason": "recount"}, es)  # fmt: skip
    assert r.status_code == 409
    again = client.post("/api/operations/PANDORA-X/close", headers=ADMIN)
    assert again.status_code == 200 and len(again.json()["editions"]) == 1
    clock.set(NOW + timedelta(days=3))
    assert client.get("/api/operations/PANDORA-X/report", headers=ADMIN).json() == first


def test_new_edition_says_what_changed(
    client: TestClient[Any], api: Api, clock: FrozenClock
) -> None:
    api.operation()
    api.participant("ES")
    first = close(client)
    blank = client.post(
        "/api/operations/PANDORA-X/report/editions", json={"changes": "  "}, headers=ADMIN
    )
    assert blank.status_code in (400, 422) and blank.json()["errors"][0]["field"] == "changes"
    clock.set(NOW + timedelta(days=20))
    r = client.post(
        "/api/operations/PANDORA-X/report/editions",
        json={"changes": "Italy's figures confirmed by the Carabinieri TPC"},
        headers=ADMIN,
    )
    assert r.status_code == 202 and r.json()["edition"] == 2
    wait_ready(client, "PANDORA-X", edition=2)
    second = client.get("/api/operations/PANDORA-X/report", headers=ADMIN).json()
    assert second["edition"] == 2 and second["changes"].startswith("Italy's figures")
    assert second["totals"] == first["totals"] and second["differences"] == {}
    old = client.get("/api/operations/PANDORA-X/report?number=1", headers=ADMIN).json()
    assert old == first
    html = client.get("/api/operations/PANDORA-X/report.html", headers=ADMIN).text
    assert "Changes since edition 1" in html and "Carabinieri" in html
    editions = client.get("/api/operations/PANDORA-X/report/editions", headers=ADMIN).json()
    assert [e["edition"] for e in editions] == [1, 2]
