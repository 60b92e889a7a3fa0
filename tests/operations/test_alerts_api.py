"""Alerts through the API and the websocket, per role: who receives, reads and
acknowledges them, and what the coordinators and the audit log see."""

from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient
from litestar.testing.websocket_test_session import WebSocketTestSession

from conftest import ADMIN, ADMIN_TOKEN, Api, events

WAIT = 10.0
LIVE = "/api/operations/PANDORA-X/live"

BASE = "/api/operations/PANDORA-X/alerts"
ALERT = {
    "title": "Gold aurei via Algeciras",
    "body": "Watch vans from Tangier.",
    "priority": "urgent",
}


@pytest.fixture
def open_socket(client: TestClient[Any]) -> Iterator[Any]:
    """Opens sockets, and closes them before the app shuts down (which waits for them)."""
    opened: list[Any] = []

    def connect(token: str, url: str = LIVE) -> WebSocketTestSession:
        ws = client.websocket_connect(url)
        session: WebSocketTestSession = ws.__enter__()
        opened.append(ws)
        session.send_json({"type": "auth", "token": token})
        return session

    yield connect
    for ws in reversed(opened):
        ws.__exit__(None, None, None)


def receive(session: WebSocketTestSession) -> dict[str, Any]:
    return dict(session.receive_json(timeout=WAIT))


def token_of(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


@pytest.fixture
def ncps(api: Api) -> dict[str, dict[str, str]]:
    api.operation()
    for country in ("ES", "PT", "FR"):
        api.participant(country)
    return {c: api.user(c.lower(), "ncp", c) for c in ("ES", "PT", "FR")}


def send(client: TestClient[Any], **body: Any) -> Any:
    return client.post(BASE, json={**ALERT, **body}, headers=ADMIN)


def titles(client: TestClient[Any], headers: dict[str, str]) -> list[str]:
    r = client.get(BASE, headers=headers)
    assert r.status_code == 200, r.text
    return [a["title"] for a in r.json()["alerts"]]


def test_an_alert_reaches_exactly_the_countries_named(
    client: TestClient[Any], ncps: dict[str, dict[str, str]]
) -> None:
    r = send(client, countries=["ES", "PT"])
    assert r.status_code == 201, r.text
    sent = r.json()
    assert sent["countries"] == ["ES", "PT"]
    assert sent["pending"] == ["ES", "PT"]
    assert sent["priority"] == "urgent"
    assert titles(client, ncps["ES"]) == [ALERT["title"]]
    assert titles(client, ncps["PT"]) == [ALERT["title"]]
    assert titles(client, ncps["FR"]) == []
    # Each contact point sees its own country only, never the other addressees.
    es = client.get(BASE, headers=ncps["ES"]).json()["alerts"][0]
    assert es["countries"] == ["ES"]
    assert es["acknowledged"] is False
    assert "pending" not in es or es["pending"] is None


def test_an_alert_to_all_reaches_every_participant_and_those_that_join_later(
    client: TestClient[Any], api: Api, ncps: dict[str, dict[str, str]]
) -> None:
    r = send(client, countries=[])
    assert r.status_code == 201, r.text
    assert r.json()["countries"] == ["ES", "FR", "PT"]
    assert r.json()["to_all"] is True
    api.participant("IT")
    it = api.user("it", "ncp", "IT")
    assert titles(client, it) == [ALERT["title"]]
    listed = client.get(BASE, headers=ADMIN).json()["alerts"][0]
    assert listed["pending"] == ["ES", "FR", "IT", "PT"]
    # The event said who it went to when it was sent: a mailer needs nothing else.
    (payload,) = events(client, "alert")
    assert {k: payload[k] for k in ("id", "title", "body", "priority", "countries")} == {
        "id": listed["id"],
        "title": ALERT["title"],
        "body": ALERT["body"],
        "priority": "urgent",
        "countries": ["ES", "FR", "PT"],
    }


def test_acknowledgements_show_who_has_not_read_it(
    client: TestClient[Any], ncps: dict[str, dict[str, str]]
) -> None:
    alert_id = send(client, countries=["ES", "PT"]).json()["id"]
    r = client.post(f"{BASE}/{alert_id}/ack", headers=ncps["ES"])
    assert r.status_code == 200, r.text
    assert r.json()["acknowledged"] is True
    again = client.post(f"{BASE}/{alert_id}/ack", headers=ncps["ES"])
    assert again.status_code == 200
    assert again.json()["acknowledged_at"] == r.json()["acknowledged_at"]
    listed = client.get(BASE, headers=ADMIN).json()["alerts"][0]
    assert [a["country"] for a in listed["acknowledgements"]] == ["ES"]
    assert listed["acknowledgements"][0]["acknowledged_by"] == "es"
    assert listed["pending"] == ["PT"]
    assert listed["acknowledged"] is False
    assert client.get(BASE, headers=ncps["ES"]).json()["alerts"][0]["acknowledged"] is True
    assert len(events(client, "alert_acknowledged")) == 1  # the repeat changed nothing


def test_a_contact_point_cannot_read_or_acknowledge_another_countrys_alert(
    client: TestClient[Any], ncps: dict[str, dict[str, str]]
) -> None:
    alert_id = send(client, countries=["ES"]).json()["id"]
    # 404, as for an alert that does not exist: FR does not learn that it exists.
    for wanted in (alert_id, 9999):
        r = client.post(f"{BASE}/{wanted}/ack", headers=ncps["FR"])
        assert r.status_code == 404, r.text
        assert r.json()["errors"][0]["field"] == "id"
    assert client.post(f"{BASE}/{alert_id}/ack", headers=ADMIN).status_code == 403
    assert client.post(f"{BASE}/x/ack", headers=ncps["ES"]).status_code == 422
    assert client.get(BASE, headers=ADMIN).json()["alerts"][0]["pending"] == ["ES"]
    # Contact points, partners and strangers to the operation may not send.
    partner = Api(client).user("unesco", "partner")
    assert send(client, countries=["ES"]).status_code == 201
    for who in (ncps["ES"], partner):
        assert client.post(BASE, json=ALERT, headers=who).status_code == 403
    assert client.get(BASE, headers=partner).status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"countries": ["IT"]}, "countries"),
        ({"countries": ["XX"]}, "countries[0]"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"body": "  "}, "body"),
        ({"body": "x" * 4001}, "body"),
        ({"priority": "flash"}, "priority"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_alert_is_refused_naming_the_field(
    client: TestClient[Any], ncps: dict[str, dict[str, str]], body: dict[str, Any], field: str
) -> None:
    r = send(client, **body)
    assert r.status_code == 422, r.text
    assert field in [e["field"] for e in r.json()["errors"]]
    assert client.get(BASE, headers=ADMIN).json()["alerts"] == []


def test_no_alert_once_the_operation_is_closed(
    client: TestClient[Any], ncps: dict[str, dict[str, str]]
) -> None:
    alert_id = send(client, countries=["ES"]).json()["id"]
    assert client.post("/api/operations/PANDORA-X/close", headers=ADMIN).status_code in (200, 202)
    r = send(client, countries=["ES"])
    assert r.status_code == 409, r.text
    # A contact point can still clear its banner.
    assert client.post(f"{BASE}/{alert_id}/ack", headers=ncps["ES"]).status_code == 200
    assert client.post("/api/operations/NOPE/alerts", json=ALERT, headers=ADMIN).status_code == 404


def test_alerts_and_acknowledgements_are_in_the_audit_log(
    client: TestClient[Any], ncps: dict[str, dict[str, str]]
) -> None:
    alert_id = send(client, countries=["PT"]).json()["id"]
    client.post(f"{BASE}/{alert_id}/ack", headers=ncps["PT"])
    entries = client.get("/api/audit?operation=PANDORA-X", headers=ADMIN).json()["entries"]
    mine = [(e["action"], e["actor"]) for e in entries if e["action"].startswith("alert.")]
    assert mine == [("alert.acknowledge", "pt"), ("alert.send", "admin")]


def test_alerts_reach_only_the_named_sockets_and_acks_reach_coordinators(
    client: TestClient[Any], ncps: dict[str, dict[str, str]], open_socket: Any
) -> None:
    connect = open_socket
    sockets = {c: connect(token_of(h)) for c, h in ncps.items()}
    coordinator = connect(ADMIN_TOKEN)
    start = {c: receive(s)["seq"] for c, s in sockets.items()}
    receive(coordinator)
    alert_id = send(client, countries=["ES", "PT"]).json()["id"]
    for country in ("ES", "PT"):
        got = receive(sockets[country])
        assert (got["type"], got["id"], got["title"]) == ("alert", alert_id, ALERT["title"])
        assert got["countries"] == [country]
    hidden = receive(sockets["FR"])
    assert hidden == {"type": "hidden", "seq": start["FR"] + 1, "at": hidden["at"]}
    seen = receive(coordinator)
    assert (seen["type"], seen["countries"]) == ("alert", ["ES", "PT"])

    client.post(f"{BASE}/{alert_id}/ack", headers=ncps["PT"])
    ack = receive(coordinator)
    assert (ack["type"], ack["id"], ack["country"]) == ("alert_acknowledged", alert_id, "PT")
    assert receive(sockets["PT"])["type"] == "alert_acknowledged"  # its other tabs clear
    assert receive(sockets["ES"])["type"] == "hidden"

    # A replay with ?since= filters the same way.
    url = f"/api/operations/PANDORA-X/live?since={start['FR']}"
    fr_again = connect(token_of(ncps["FR"]), url)
    assert [receive(fr_again)["type"] for _ in range(2)] == ["hidden", "hidden"]
    es_again = connect(token_of(ncps["ES"]), url)
    replayed = receive(es_again)
    assert (replayed["type"], replayed["title"]) == ("alert", ALERT["title"])
    # The snapshot's recent events too.
    fr_fresh = connect(token_of(ncps["FR"]))
    recent = receive(fr_fresh)["recent"]
    assert ALERT["title"] not in str(recent)
    assert {e["type"] for e in recent} >= {"hidden"}


def test_a_regional_coordinator_chases_its_own_countries_only(
    client: TestClient[Any], api: Api, ncps: dict[str, dict[str, str]], open_socket: Any
) -> None:
    rilo = api.user("rilo-iberia", "regional", countries=["ES", "PT"])
    live = open_socket(token_of(rilo))
    assert receive(live)["type"] == "snapshot"
    # France is not its country: refused, and nothing is sent.
    r = client.post(BASE, json={**ALERT, "countries": ["ES", "FR"]}, headers=rilo)
    assert r.status_code == 403 and "FR" in r.text
    assert events(client, "alert") == []
    # "All" from a regional coordinator is all of its countries taking part.
    r = client.post(BASE, json={**ALERT, "countries": []}, headers=rilo)
    assert r.status_code == 201, r.text
    sent = r.json()
    assert sent["countries"] == ["ES", "PT"] and sent["to_all"] is False
    assert sent["pending"] == ["ES", "PT"]
    assert [e["countries"] for e in events(client, "alert")] == [["ES", "PT"]]
    assert receive(live)["type"] == "alert"
    # Its own alert reaches ES and PT, and France's contact point never reads it.
    assert [a["title"] for a in client.get(BASE, headers=ncps["PT"]).json()["alerts"]] == [
        ALERT["title"]
    ]
    assert client.get(BASE, headers=ncps["FR"]).json()["alerts"] == []
    # A coordinator's alert to France alone is not the regional coordinator's to read;
    # one to everyone is, with only its countries' acknowledgements.
    assert send(client, countries=["FR"]).status_code == 201
    assert send(client, countries=[], title="Everyone").status_code == 201
    assert client.post(f"{BASE}/3/ack", headers=ncps["ES"]).status_code == 200
    seen = {a["title"]: a for a in client.get(BASE, headers=rilo).json()["alerts"]}
    assert sorted(seen) == ["Everyone", ALERT["title"]]
    assert seen["Everyone"]["countries"] == ["ES", "PT"]
    assert seen["Everyone"]["pending"] == ["PT"]
    assert [a["country"] for a in seen["Everyone"]["acknowledgements"]] == ["ES"]
