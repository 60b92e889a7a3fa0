"""Figures per region on the live channel: the snapshot's ``regions`` for coordinators and
regional coordinators, kept current by each return and each change of region (the
``participant_changed`` event), by both reducers alike."""

from typing import Any

import pytest
from reducers import check_both
from test_live_protocol import connect, receive, token_of

from opcoord.live.state import apply_event

from conftest import ADMIN, ADMIN_TOKEN, Api, seizure

OP = "/api/operations/PANDORA-X"
IBERIA, WEST = "Iberia", "Western Europe"


@pytest.fixture
def people(api: Api) -> dict[str, dict[str, str]]:
    """ES and PT in Iberia, FR and DE in Western Europe; ES seized 7 objects in two
    seizures on 9 June (late: sent after that day's cut-off), FR sent a nil return."""
    api.operation()
    for country, region in (("ES", IBERIA), ("PT", IBERIA), ("FR", WEST), ("DE", WEST)):
        api.participant(country, region=region)
    users = {
        "ES": api.user("es", "ncp", "ES"),
        "RILO": api.user("rilo", "regional", countries=["ES", "PT"]),
    }
    body = {"seizures": [seizure("ES-1", 5), seizure("ES-2", 2, category="fossils")]}
    assert api.put_return("ES", "2026-06-09", body, users["ES"]).status_code == 201
    assert api.put_return("FR", "2026-06-09", {"nil_return": True}, ADMIN).status_code == 201
    return users


def rows(snap: dict[str, Any]) -> dict[str | None, dict[str, Any]]:
    return {r["region"]: {k: v for k, v in r.items() if k != "region"} for r in snap["regions"]}


def figures(
    countries: list[str], reporting: int, returns: int, missing: int, seizures: int, objects: int
) -> dict[str, Any]:
    return {
        "countries": countries,
        "participating": len(countries),
        "reporting": reporting,
        "returns": returns,
        "missing": missing,
        "seizures": seizures,
        "objects_seized": objects,
    }


def _events_until(session: Any, seq: int) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    while not events or events[-1]["seq"] < seq:
        events.append(receive(session))
    return events


def test_the_coordinators_snapshot_breaks_figures_down_by_region(
    api: Api, people: dict[str, dict[str, str]]
) -> None:
    ws, session = connect(api.client, ADMIN_TOKEN)
    snap = receive(session)
    ws.__exit__(None, None, None)
    # 1 to 9 June are due: nine days per country, ES's 9 June in (late), FR's 9 June nil.
    assert rows(snap) == {
        IBERIA: figures(["ES", "PT"], 1, 1, 17, 2, 7),
        WEST: figures(["DE", "FR"], 1, 1, 17, 0, 0),
    }
    # The same completeness as the summary's breakdown.
    summary = api.client.get(f"{OP}/summary", headers=ADMIN).json()["regions"]
    assert {r["region"]: r["counts"]["missing"] for r in summary} == {IBERIA: 17, WEST: 17}
    assert {r["region"]: r["totals"]["seizures"] for r in summary} == {IBERIA: 2, WEST: 0}


@pytest.mark.parametrize("viewer", ["coordinator", "RILO"])
def test_region_figures_follow_returns_and_region_changes_live(
    api: Api, people: dict[str, dict[str, str]], viewer: str, tmp_path: Any
) -> None:
    token = ADMIN_TOKEN if viewer == "coordinator" else token_of(people["RILO"])
    ws, session = connect(api.client, token)
    state = receive(session)
    if viewer == "RILO":  # its own countries' regions only
        assert rows(state) == {IBERIA: figures(["ES", "PT"], 1, 1, 17, 2, 7)}
    # PT reports 8 June with one seizure of 3 objects: Iberia's figures move.
    body = {"seizures": [seizure("PT-1", 3)]}
    assert api.put_return("PT", "2026-06-08", body, ADMIN).status_code == 201
    event = receive(session)
    assert event["type"] == "return_submitted"
    state = apply_event(state, event)
    assert rows(state)[IBERIA] == figures(["ES", "PT"], 2, 2, 16, 3, 10)
    # A coordinator moves PT to Western Europe: the dashboards move it without a reload.
    r = api.client.patch(f"{OP}/participants/PT", json={"region": WEST}, headers=ADMIN)
    assert r.status_code == 200, r.text
    events = []
    while not events or events[-1]["type"] != "participant_changed":
        events.append(receive(session))
    assert events[-1]["participant"]["country"] == "PT"
    assert events[-1]["participant"]["region"] == WEST
    for event in events:
        state = apply_event(state, event)
    moved = rows(state)
    if viewer == "coordinator":
        assert moved == {
            IBERIA: figures(["ES"], 1, 1, 8, 2, 7),
            WEST: figures(["DE", "FR", "PT"], 2, 2, 25, 1, 3),
        }
    else:
        assert moved == {
            IBERIA: figures(["ES"], 1, 1, 8, 2, 7),
            WEST: figures(["PT"], 1, 1, 8, 1, 3),
        }
    # A region change for a country outside a regional coordinator's reaches it as a number.
    r = api.client.patch(f"{OP}/participants/DE", json={"region": None}, headers=ADMIN)
    assert r.status_code == 200, r.text
    last = receive(session)
    assert last["type"] == "participant_changed"
    if viewer == "RILO":
        assert set(last) == {"type", "seq", "at"}
    ws2, fresh_session = connect(api.client, token)
    fresh = receive(fresh_session)
    ws2.__exit__(None, None, None)
    ws.__exit__(None, None, None)
    check_both(f"regions-{viewer}", state, [last], fresh, tmp_path)
    if viewer == "coordinator":
        assert rows(fresh)[None] == figures(["DE"], 0, 0, 9, 0, 0)


def test_no_region_no_breakdown_and_none_for_contact_points(api: Api) -> None:
    api.operation()
    api.participant("ES")
    api.participant("FR")
    es = api.user("es", "ncp", "ES")
    ws, session = connect(api.client, ADMIN_TOKEN)
    assert receive(session)["regions"] == []
    ws.__exit__(None, None, None)
    r = api.client.patch(f"{OP}/participants/FR", json={"region": WEST}, headers=ADMIN)
    assert r.status_code == 200, r.text
    ws, session = connect(api.client, token_of(es))
    snap = receive(session)
    ws.__exit__(None, None, None)
    assert "regions" not in snap and "seizures_by_country" not in snap


def test_a_merged_duplicate_counts_once_in_its_region(
    api: Api, people: dict[str, dict[str, str]], tmp_path: Any
) -> None:
    # The same Roman coins, reported by Spain and then by France: a pair of duplicates.
    coins = {
        "description": "Roman gold aurei",
        "origin_country": "IT",
        "departure_country": "ES",
        "destination_country": "FR",
        "estimated_value": 500000,
        "currency": "EUR",
    }
    body = {"seizures": [seizure("ES-GC-0042", 91, **coins)]}
    assert api.put_return("ES", "2026-06-07", body, ADMIN).status_code == 201
    body = {"seizures": [seizure("FR-DGDDI-7", 91, **coins)]}
    assert api.put_return("FR", "2026-06-08", body, ADMIN).status_code == 201
    found = api.client.get(f"{OP}/duplicates", headers=ADMIN).json()["pairs"]
    assert len(found) == 1, found
    ws, session = connect(api.client, ADMIN_TOKEN)
    state = receive(session)
    assert {r["region"]: r["seizures"] for r in state["regions"]} == {IBERIA: 3, WEST: 1}
    r = api.client.post(
        f"{OP}/duplicates/{found[0]['id']}", json={"status": "merged"}, headers=ADMIN
    )
    assert r.status_code == 200, r.text
    ws2, fresh_session = connect(api.client, ADMIN_TOKEN)
    fresh = receive(fresh_session)
    ws2.__exit__(None, None, None)
    events = _events_until(session, fresh["seq"])
    ws.__exit__(None, None, None)
    state = check_both("regions-merged", state, events, fresh, tmp_path)
    # France's report of the coins counts no more: Western Europe has none left.
    assert {r["region"]: r["seizures"] for r in state["regions"]} == {IBERIA: 3, WEST: 0}
    assert {r["region"]: r["objects_seized"] for r in state["regions"]} == {IBERIA: 98, WEST: 0}
