"""Regional coordinators (a RILO, a lead country's desk): a coordinator's reading of an
operation for a set of countries, and nothing of the others; and regions, the
coordinators' grouping of countries, in the summary and completeness."""

import io
import json
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
from litestar.exceptions import WebSocketDisconnect

from conftest import ADMIN, Api, seizure, wait_ready

OP = "/api/operations/PANDORA-X"
WAIT = 10.0


@pytest.fixture
def filled(api: Api) -> dict[str, dict[str, str]]:
    """ES, PT and FR take part; the regional coordinator has ES and PT, and IT (which
    does not take part)."""
    api.operation()
    for c in ("ES", "FR", "PT"):
        api.participant(c)
    es, fr = api.user("es", "ncp", "ES"), api.user("fr", "ncp", "FR")
    rilo = api.user("rilo-we", "regional", countries=["ES", "PT", "IT"])
    r = api.put_return(
        "ES",
        "2026-06-09",
        {
            "counters": {"arrests": 2},
            "seizures": [
                seizure("ES-1", 5, lat=40.41, lon=-3.70, estimated_value=100, currency="EUR")
            ],
        },
        es,
    )
    assert r.status_code == 201, r.text
    r = api.put_return(
        "FR",
        "2026-06-09",
        {
            "counters": {"arrests": 7},
            "seizures": [
                seizure("FR-1", 40, category="fossils", lat=48.85, lon=2.35),
                seizure("FR-2", 1, estimated_value=9000, currency="CHF"),
            ],
        },
        fr,
    )
    assert r.status_code == 201, r.text
    r = api.put_return("PT", "2026-06-09", {"nil_return": True}, ADMIN)
    assert r.status_code == 201, r.text
    return {"ES": es, "FR": fr, "RILO": rilo}


def test_a_regional_coordinator_is_created_with_its_countries(api: Api) -> None:
    r = api.client.post(
        "/api/users",
        json={"username": "rilo-we", "role": "regional", "countries": ["pt", "ES", "ES"]},
        headers=ADMIN,
    )
    assert r.status_code == 201, r.text
    assert r.json()["countries"] == ["ES", "PT"] and r.json()["country"] is None
    listed = {u["username"]: u for u in api.client.get("/api/users", headers=ADMIN).json()}
    assert listed["rilo-we"]["role"] == "regional"
    assert listed["rilo-we"]["countries"] == ["ES", "PT"]
    assert listed["admin"]["countries"] is None
    me = api.client.get("/api/users/me", headers={"Authorization": f"Bearer {r.json()['token']}"})
    assert me.json()["countries"] == ["ES", "PT"]


@pytest.mark.parametrize(
    "body",
    [
        {"role": "regional"},
        {"role": "regional", "countries": []},
        {"role": "regional", "countries": ["ES", "XX"]},
        {"role": "regional", "countries": "ES"},
        {"role": "ncp", "country": "ES", "countries": ["ES"]},
        {"role": "coordinator", "countries": ["ES"]},
    ],
)
def test_bad_countries_are_refused_naming_countries(api: Api, body: dict[str, Any]) -> None:
    r = api.client.post("/api/users", json={"username": "rilo", **body}, headers=ADMIN)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"].startswith("countries"), r.text
    users = api.client.get("/api/users", headers=ADMIN).json()
    assert "rilo" not in {u["username"] for u in users}


def test_summary_is_computed_over_its_countries_only(api: Api, filled: Any) -> None:
    mine = api.client.get(f"{OP}/summary", headers=filled["RILO"])
    assert mine.status_code == 200, mine.text
    totals = mine.json()["totals"]
    assert totals["objects_seized"] == 5 and totals["seizures"] == 1
    assert totals["arrests"] == 2 and totals["returns"] == 2
    assert totals["countries_participating"] == 2 and totals["countries_reported"] == 2
    assert totals["estimated_value"] == {"EUR": 100}
    assert totals["objects_by_country"] == {"ES": 5}
    assert totals["objects_by_category"] == {"coins": 5}
    # A contact point still reads the operation-wide sums, the coordinator everything.
    ncp = api.client.get(f"{OP}/summary", headers=filled["ES"]).json()["totals"]
    assert ncp["objects_seized"] == 46 and ncp["objects_by_country"] == {"ES": 5}
    full = api.client.get(f"{OP}/summary", headers=ADMIN).json()["totals"]
    assert full["objects_seized"] == 46 and full["countries_participating"] == 3


def test_completeness_participants_and_returns_of_its_countries_only(api: Api, filled: Any) -> None:
    rilo = filled["RILO"]
    grid = api.client.get(f"{OP}/completeness", headers=rilo)
    assert grid.status_code == 200, grid.text
    body = grid.json()
    assert [c["country"] for c in body["countries"]] == ["ES", "PT"]
    assert body["countries"][1]["days"]["2026-06-09"] == "late"  # a nil return, late
    assert body["counts"]["missing"] == sum(c["counts"]["missing"] for c in body["countries"])
    people = api.client.get(f"{OP}/participants", headers=rilo).json()
    assert [p["country"] for p in people] == ["ES", "PT"]
    assert api.client.get(f"{OP}/returns/ES/2026-06-09", headers=rilo).status_code == 200
    other = api.client.get(f"{OP}/returns/FR/2026-06-09", headers=rilo)
    assert other.status_code == 403 and "FR" in other.json()["detail"]
    assert api.client.get(f"{OP}/returns/FR/2026-06-09/versions", headers=rilo).status_code == 403
    # IT is one of its countries but does not take part.
    assert api.client.get(f"{OP}/returns/IT/2026-06-09", headers=rilo).status_code == 404
    # It reads; it does not write, create, close or publish.
    writes = [
        api.put_return("ES", "2026-06-10", {"nil_return": True}, rilo),
        api.client.post(f"{OP}/participants", json={"country": "IT", "agencies": ["police"]}),
        api.client.post(f"{OP}/close", headers=rilo),
        api.client.post(f"{OP}/report/publish", headers=rilo),
        api.client.post("/api/users", json={"username": "x1", "role": "partner"}, headers=rilo),
    ]
    assert [w.status_code for w in writes] == [403, 401, 403, 403, 403]
    assert api.client.get(f"{OP}/returns/ES/2026-06-10", headers=ADMIN).status_code == 404
    assert api.client.get(f"{OP}/report", headers=rilo).status_code == 403


def test_geojson_and_map_show_its_countries_only(api: Api, filled: Any) -> None:
    rilo = filled["RILO"]
    r = api.client.get(f"{OP}/seizures.geojson", headers=rilo)
    assert r.status_code == 200, r.text
    refs = [f["properties"]["ref"] for f in json.loads(r.content)["features"]]
    assert refs == ["ES-1"]
    asked = api.client.get(f"{OP}/seizures.geojson", params={"country": "FR"}, headers=rilo)
    assert json.loads(asked.content)["features"] == []
    everything = api.client.get(f"{OP}/seizures.geojson", headers=ADMIN)
    assert len(json.loads(everything.content)["features"]) == 2
    frame = api.client.get("/operations/PANDORA-X/map/frame", headers=rilo)
    assert frame.status_code == 200 and "ES-1" in frame.text and "FR-1" not in frame.text
    page = api.client.get("/operations/PANDORA-X/map", headers=rilo)
    assert page.status_code == 200


def test_dashboard_page_names_its_countries(api: Api, filled: Any) -> None:
    page = api.client.get("/operations/PANDORA-X/dashboard", headers=filled["RILO"])
    assert page.status_code == 200
    assert "Reporting of ES, IT, PT" in page.text
    assert 'href="/operations/PANDORA-X/map"' in page.text
    calendar = api.client.get("/operations/PANDORA-X/returns?country=FR", headers=filled["RILO"])
    assert calendar.status_code == 403
    calendar = api.client.get("/operations/PANDORA-X/returns", headers=filled["RILO"])
    assert calendar.status_code == 200 and 'value="FR"' not in calendar.text


def test_a_regional_coordinator_of_no_participating_country_is_refused(api: Api) -> None:
    api.operation()
    api.participant("ES")
    outsider = api.user("rilo-x", "regional", countries=["DE", "AT"])
    for path in (f"{OP}/summary", f"{OP}/completeness", f"{OP}/seizures.geojson"):
        r = api.client.get(path, headers=outsider)
        assert r.status_code == 403 and "do not take part" in r.text, path


def _socket(api: Api, headers: dict[str, str]) -> tuple[Any, Any]:
    ws = api.client.websocket_connect(f"{OP}/live")
    session = ws.__enter__()
    session.send_json({"type": "auth", "token": headers["Authorization"].split()[1]})
    return ws, session


def test_live_snapshot_and_events_of_its_countries_only(api: Api, filled: Any) -> None:
    ws, session = _socket(api, filled["RILO"])
    try:
        snap = session.receive_json(timeout=WAIT)
        assert snap["type"] == "snapshot"
        assert sorted(snap["completeness"]["countries"]) == ["ES", "PT"]
        assert [p["country"] for p in snap["participants"]] == ["ES", "PT"]
        assert snap["operation"]["participants"] == 2
        assert snap["totals"]["objects_seized"] == 5 and snap["totals"]["arrests"] == 2
        assert snap["objects_by_day"] == {"2026-06-09": 5}
        assert "FR" not in json.dumps(snap["recent"])
        # FR's return: only its number.
        api.put_return("FR", "2026-06-10", {"seizures": [seizure("FR-3", 3)]}, filled["FR"])
        hidden = session.receive_json(timeout=WAIT)
        assert set(hidden) == {"type", "seq", "at"}
        assert set(session.receive_json(timeout=WAIT)) == {"type", "seq", "at"}
        # A country it does not cover joins: only its number too.
        api.participant("DE")
        joined = session.receive_json(timeout=WAIT)
        assert joined["type"] == "participant_added" and set(joined) == {"type", "seq", "at"}
        # ES's return: all of it.
        api.put_return("ES", "2026-06-10", {"seizures": [seizure("ES-9", 4)]}, filled["ES"])
        own = session.receive_json(timeout=WAIT)
        assert own["country"] == "ES" and own["delta"]["objects_seized"] == 4
        assert session.receive_json(timeout=WAIT)["seizures"][0]["ref"] == "ES-9"
    finally:
        ws.__exit__(None, None, None)


def test_a_regional_coordinator_of_no_participating_country_gets_no_socket(api: Api) -> None:
    api.operation()
    api.participant("ES")
    ws, session = _socket(api, api.user("rilo-x", "regional", countries=["DE"]))
    try:
        with pytest.raises(WebSocketDisconnect) as closed:
            session.receive_json(timeout=WAIT)
        assert closed.value.code == 1008
    finally:
        ws.__exit__(None, None, None)


# --- regions ---------------------------------------------------------------------------


def test_regions_break_the_summary_and_completeness_down(api: Api, filled: Any) -> None:
    assert api.client.get(f"{OP}/summary", headers=ADMIN).json()["regions"] == []
    for country, region in (("ES", "Western Europe"), ("FR", "Western Europe")):
        r = api.client.patch(f"{OP}/participants/{country}", json={"region": region}, headers=ADMIN)
        assert r.status_code == 200 and r.json()["region"] == region, r.text
    api.participant("IT", region="Southern Europe")
    regions = api.client.get(f"{OP}/summary", headers=ADMIN).json()["regions"]
    assert [(r["region"], r["countries"]) for r in regions] == [
        ("Southern Europe", ["IT"]),
        ("Western Europe", ["ES", "FR"]),
        (None, ["PT"]),
    ]
    west = regions[1]
    assert west["totals"]["objects_seized"] == 46 and west["totals"]["arrests"] == 9
    assert west["totals"]["countries_participating"] == 2
    assert regions[2]["counts"]["late"] == 1
    assert regions[0]["totals"]["objects_seized"] == 0
    grid = api.client.get(f"{OP}/completeness", headers=ADMIN).json()
    assert [r["region"] for r in grid["regions"]] == ["Southern Europe", "Western Europe", None]
    assert sum(r["counts"]["submitted"] for r in grid["regions"]) == grid["counts"]["submitted"]
    listed = api.client.get(f"{OP}/participants", headers=ADMIN).json()
    assert {p["country"]: p["region"] for p in listed} == {
        "ES": "Western Europe",
        "FR": "Western Europe",
        "IT": "Southern Europe",
        "PT": None,
    }
    # The regional coordinator's breakdown covers its own countries only (IT now too).
    mine = api.client.get(f"{OP}/summary", headers=filled["RILO"]).json()["regions"]
    assert [(r["region"], r["countries"]) for r in mine] == [
        ("Southern Europe", ["IT"]),
        ("Western Europe", ["ES"]),
        (None, ["PT"]),
    ]
    assert mine[1]["totals"]["objects_seized"] == 5
    # A contact point gets no breakdown.
    assert api.client.get(f"{OP}/summary", headers=filled["ES"]).json()["regions"] == []
    # Back to no region.
    r = api.client.patch(f"{OP}/participants/FR", json={"region": None}, headers=ADMIN)
    assert r.status_code == 200 and r.json()["region"] is None


@pytest.mark.parametrize(
    ("path", "body", "status", "field"),
    [
        ("participants/DE", {"region": "X"}, 404, "country"),
        ("participants/ES", {"region": ""}, 422, "region"),
        ("participants/ES", {"region": "x" * 65}, 422, "region"),
        ("participants/ES", {}, 422, "region"),
    ],
)
def test_bad_regions_are_refused(
    api: Api, filled: Any, path: str, body: dict[str, Any], status: int, field: str
) -> None:
    r = api.client.patch(f"{OP}/{path}", json=body, headers=ADMIN)
    assert r.status_code == status, r.text
    assert field in json.dumps(r.json())
    people = api.client.get(f"{OP}/participants", headers=ADMIN).json()
    assert all(p["region"] is None for p in people)


def test_the_report_breaks_figures_down_by_region(api: Api, filled: Any) -> None:
    for country, region in (("ES", "Western Europe"), ("FR", "Western Europe")):
        r = api.client.patch(f"{OP}/participants/{country}", json={"region": region}, headers=ADMIN)
        assert r.status_code == 200, r.text
    assert api.client.post(f"{OP}/close", headers=ADMIN).status_code == 202
    wait_ready(api.client, "PANDORA-X")
    report = api.client.get(f"{OP}/report", headers=ADMIN).json()
    west, rest = report["regions"]
    assert (west["region"], west["countries"], rest["region"], rest["countries"]) == (
        "Western Europe",
        ["ES", "FR"],
        None,
        ["PT"],
    )
    assert west["objects_seized"] == 46 and west["arrests"] == 9 and rest["seizures"] == 0
    assert west["estimated_value"] == {"CHF": 9000, "EUR": 100}
    assert west["completeness"]["received"] == 2 and rest["completeness"]["received"] == 1
    html = api.client.get(f"{OP}/report.html", headers=ADMIN).text
    assert 'data-region="Western Europe"' in html and "Results by region" in html
    xlsx = api.client.get(f"{OP}/report.xlsx", headers=ADMIN)
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content))["Regions"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[1][:7] == ["Western Europe", "ES, FR", rows[1][2], 2, 3, 46, 9]
    assert rows[2][:2] == ["No region", "PT"]
    # A regional coordinator reads no report: the coordinators' edition has every country.
    assert api.client.get(f"{OP}/report", headers=filled["RILO"]).status_code == 403
    assert api.client.get(f"{OP}/report.html", headers=filled["RILO"]).status_code == 403


def test_the_set_up_page_creates_regional_accounts_and_regions(api: Api, filled: Any) -> None:
    api.client.patch(f"{OP}/participants/ES", json={"region": "Western Europe"}, headers=ADMIN)
    page = api.client.get("/operations/PANDORA-X/setup", headers=ADMIN)
    assert page.status_code == 200
    assert 'name="countries" data-type="list"' in page.text and 'name="region"' in page.text
    assert "<td>ES, IT, PT</td>" in page.text  # the regional account's countries
    assert "<td>Western Europe</td>" in page.text


def test_regions_and_regional_countries_are_vouched_by_the_audit_log(api: Api, filled: Any) -> None:
    from opcoord.cli import verify_everything

    client = api.client
    r = client.patch(f"{OP}/participants/ES", json={"region": "Western Europe"}, headers=ADMIN)
    assert r.status_code == 200
    entries = client.get("/api/audit", params={"action": "participant.region"}, headers=ADMIN)
    assert [e["object"] for e in entries.json()["entries"]] == ["ES: Western Europe"]
    made = client.get("/api/audit", params={"action": "user.create"}, headers=ADMIN).json()
    assert "rilo-we (regional, ES IT PT)" in [e["object"] for e in made["entries"]]
    assert client.blocking_portal.call(verify_everything, client.app.state.db)[0] is None

    async def tamper(statement: str) -> None:
        async with client.app.state.db.write() as session:
            await session.execute(sa.text(statement))

    # A region moved, or a country added to a regional account, in the database: found.
    client.blocking_portal.call(tamper, "UPDATE participants SET region = 'X' WHERE country = 'ES'")
    problem, _ = client.blocking_portal.call(verify_everything, client.app.state.db)
    assert problem is not None and "participants" in str(problem)
    client.blocking_portal.call(
        tamper, "UPDATE participants SET region = 'Western Europe' WHERE country = 'ES'"
    )
    assert client.blocking_portal.call(verify_everything, client.app.state.db)[0] is None
    client.blocking_portal.call(
        tamper, """UPDATE users SET countries = '["ES", "FR"]' WHERE username = 'rilo-we'"""
    )
    problem, _ = client.blocking_portal.call(verify_everything, client.app.state.db)
    assert problem is not None and "rilo-we" in str(problem)


def test_the_return_page_is_read_only_for_a_regional_coordinator(api: Api, filled: Any) -> None:
    page = api.client.get("/operations/PANDORA-X/returns/ES/2026-06-09", headers=filled["RILO"])
    assert page.status_code == 200
    assert "You read this return" in page.text and "ES-1" in page.text
    assert "/static/js/returns.js" not in page.text  # no form
    own = api.client.get("/operations/PANDORA-X/returns/ES/2026-06-09", headers=filled["ES"])
    assert "/static/js/returns.js" in own.text and "You read this return" not in own.text
    other = api.client.get("/operations/PANDORA-X/returns/FR/2026-06-09", headers=filled["RILO"])
    assert other.status_code == 403
