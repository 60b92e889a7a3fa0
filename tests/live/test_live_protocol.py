"""The live channel through the websocket API: auth, snapshot, order, replay, filtering."""

import json
from datetime import timedelta
from typing import Any

import pytest
from litestar.exceptions import WebSocketDisconnect
from litestar.testing import TestClient
from litestar.testing.websocket_test_session import WebSocketTestSession

from opcoord.clock import FrozenClock
from opcoord.live.snapshot import apply_event

from conftest import ADMIN, ADMIN_TOKEN, NOW, Api, seizure

URL = "/api/operations/PANDORA-X/live"
WAIT = 10.0


def connect(client: TestClient[Any], token: str, url: str = URL) -> Any:
    ws = client.websocket_connect(url)
    session: WebSocketTestSession = ws.__enter__()
    session.send_json({"type": "auth", "token": token})
    return ws, session


def receive(session: WebSocketTestSession) -> dict[str, Any]:
    return dict(session.receive_json(timeout=WAIT))


def receive_until(session: WebSocketTestSession, kind: str) -> list[dict[str, Any]]:
    got = []
    while True:
        got.append(receive(session))
        if got[-1]["type"] == kind:
            return got


def token_of(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


@pytest.fixture
def setup(api: Api) -> dict[str, dict[str, str]]:
    api.operation()
    api.participant("ES")
    api.participant("FR")
    return {
        "ES": api.user("es", "ncp", "ES"),
        "FR": api.user("fr", "ncp", "FR"),
        "partner": api.user("unesco", "partner"),
        "DE": api.user("de", "ncp", "DE"),
    }


def closed_without_data(session: WebSocketTestSession) -> int:
    with pytest.raises(WebSocketDisconnect) as closed:
        message = session.receive(timeout=WAIT)
        pytest.fail(f"data sent before the close: {message}")
    return int(closed.value.code)


def test_unauthenticated_or_unauthorised_sockets_are_closed_with_1008(
    api: Api, setup: dict[str, dict[str, str]]
) -> None:
    for token in ("wrong-token", token_of(setup["partner"]), token_of(setup["DE"])):
        ws, session = connect(api.client, token)
        assert closed_without_data(session) == 1008
        ws.__exit__(None, None, None)
    ws = api.client.websocket_connect(URL)
    session = ws.__enter__()
    session.send_json({"type": "hello"})
    assert closed_without_data(session) == 1008
    ws.__exit__(None, None, None)
    ws, session = connect(api.client, ADMIN_TOKEN, "/api/operations/NOPE/live")
    assert closed_without_data(session) == 1008
    ws.__exit__(None, None, None)


def test_snapshot_then_events_in_order(api: Api, setup: dict[str, dict[str, str]]) -> None:
    api.put_return("ES", "2026-06-08", {"seizures": [seizure("ES-1", 10)]}, setup["ES"])
    ws, session = connect(api.client, ADMIN_TOKEN)
    snap = receive(session)
    assert snap["type"] == "snapshot"
    assert snap["totals"]["objects_seized"] == 10
    assert snap["completeness"]["countries"]["ES"]["2026-06-08"] == "late"
    assert snap["completeness"]["countries"]["FR"]["2026-06-08"] == "missing"
    assert snap["objects_by_day"] == {"2026-06-08": 10}
    r = api.put_return(
        "FR", "2026-06-10", {"seizures": [seizure("FR-1", 7, lat=48.85, lon=2.35)]}, setup["FR"]
    )
    assert r.status_code == 201
    first = receive(session)
    assert first["type"] == "return_submitted" and first["seq"] > snap["seq"]
    assert (first["country"], first["day"], first["day_status"]) == (
        "FR",
        "2026-06-10",
        "submitted",
    )
    assert first["delta"]["objects_seized"] == 7 and first["delta"]["returns"] == 1
    second = receive(session)
    assert second["type"] == "seizure_recorded" and second["seq"] == first["seq"] + 1
    assert second["seizures"][0]["ref"] == "FR-1" and second["seizures"][0]["lat"] == 48.85
    ws.__exit__(None, None, None)


def test_since_replays_what_was_missed(api: Api, setup: dict[str, dict[str, str]]) -> None:
    ws, session = connect(api.client, ADMIN_TOKEN)
    snap = receive(session)
    api.put_return("ES", "2026-06-09", {"nil_return": True}, setup["ES"])
    seen = receive(session)
    ws.__exit__(None, None, None)
    # While disconnected: two more changes.
    api.put_return("FR", "2026-06-09", {"counters": {"arrests": 2}}, setup["FR"])
    api.participant("IT")
    ws, session = connect(api.client, ADMIN_TOKEN, f"{URL}?since={seen['seq']}")
    replayed = [receive(session), receive(session)]
    assert [m["type"] for m in replayed] == ["return_submitted", "participant_added"]
    assert [m["seq"] for m in replayed] == [seen["seq"] + 1, seen["seq"] + 2]
    # Then live again, without a snapshot in between.
    api.put_return("ES", "2026-06-10", {"nil_return": True}, setup["ES"])
    assert receive(session)["type"] == "nil_return"
    ws.__exit__(None, None, None)
    assert snap["seq"] < seen["seq"]


def test_ncp_stream_carries_totals_and_only_its_own_detail(
    api: Api, setup: dict[str, dict[str, str]]
) -> None:
    api.put_return("FR", "2026-06-09", {"seizures": [seizure("FR-9", 3)]}, setup["FR"])
    ws, session = connect(api.client, token_of(setup["ES"]))
    snap = receive(session)
    assert list(snap["completeness"]["countries"]) == ["ES"]
    assert snap["totals"]["objects_seized"] == 3
    assert all("country" not in m for m in snap["recent"] if m["type"] == "return_submitted")
    api.put_return("FR", "2026-06-10", {"seizures": [seizure("FR-10", 4)]}, setup["FR"])
    other = receive(session)
    assert other["type"] == "return_submitted" and other["delta"]["objects_seized"] == 4
    assert "country" not in other and "day_status" not in other
    api.put_return("ES", "2026-06-10", {"seizures": [seizure("ES-10", 5)]}, setup["ES"])
    hidden = receive(session)  # FR's seizure: its number only
    assert hidden == {"type": "seizure_recorded", "seq": other["seq"] + 1, "at": hidden["at"]}
    own = receive(session)
    assert own["type"] == "return_submitted" and own["country"] == "ES"
    assert receive(session)["seizures"][0]["ref"] == "ES-10"
    ws.__exit__(None, None, None)


def _fresh(client: TestClient[Any], token: str) -> dict[str, Any]:
    ws, session = connect(client, token)
    snap = receive(session)
    ws.__exit__(None, None, None)
    return snap


def _comparable(snap: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in snap.items() if k not in ("at", "recent", "type")}


@pytest.mark.parametrize("viewer", ["coordinator", "ES"])
def test_snapshot_with_events_applied_equals_fresh_snapshot(
    api: Api, setup: dict[str, dict[str, str]], clock: FrozenClock, viewer: str
) -> None:
    token = ADMIN_TOKEN if viewer == "coordinator" else token_of(setup[viewer])
    ws, session = connect(api.client, token)
    state = receive(session)
    # One of every kind of change a return or a participant makes.
    api.put_return(
        "ES",
        "2026-06-09",
        {
            "counters": {"arrests": 1},
            "seizures": [
                seizure("ES-1", 5, estimated_value=100.5, currency="EUR"),
                seizure("ES-2", 2, place_type="online"),
            ],
        },
        setup["ES"],
    )
    api.put_return("FR", "2026-06-10", {"nil_return": True}, setup["FR"])
    api.put_return(
        "ES",
        "2026-06-09",
        {
            "counters": {"arrests": 2},
            "seizures": [seizure("ES-1", 4, estimated_value=100, currency="EUR")],
            "amendment_reason": "recount",
        },
        setup["ES"],
    )
    api.put_return(
        "FR", "2026-06-08", {"seizures": [seizure("FR-1", 9, category="fossils")]}, setup["FR"]
    )
    api.participant("IT", joins_on="2026-06-03")
    api.put_return("IT", "2026-06-05", {"seizures": [seizure("IT-1", 1)]}, ADMIN)
    clock.set(NOW + timedelta(hours=1))
    fresh = _fresh(api.client, token)
    while state["seq"] < fresh["seq"]:
        state = apply_event(state, receive(session))
    ws.__exit__(None, None, None)
    assert _comparable(state) == _comparable(fresh)
    assert json.dumps(state["totals"], sort_keys=True) == json.dumps(
        fresh["totals"], sort_keys=True
    )


@pytest.mark.parametrize("viewer", ["coordinator", "ES"])
def test_day_close_and_reminder_events_keep_snapshots_equal(
    api: Api, setup: dict[str, dict[str, str]], clock: FrozenClock, viewer: str
) -> None:
    from opcoord.operations.scheduled import Context, run_due_jobs

    token = ADMIN_TOKEN if viewer == "coordinator" else token_of(setup[viewer])
    api.put_return("FR", "2026-06-10", {"nil_return": True}, setup["FR"])
    ws, session = connect(api.client, token)
    state = receive(session)
    ctx = Context.of(api.client.app.state)
    # 11 June 09:30 Madrid: the reminder for 10 June; 10:00: the day closes.
    for at in (NOW + timedelta(hours=19, minutes=30), NOW + timedelta(hours=20, seconds=1)):
        clock.set(at)
        api.client.blocking_portal.call(run_due_jobs, ctx, at)
    kinds = []
    fresh = _fresh(api.client, token)
    while state["seq"] < fresh["seq"]:
        event = receive(session)
        kinds.append(event["type"])
        if viewer != "coordinator" and event["type"] in ("reminder", "day_closed"):
            assert set(event.get("missing", [])) | set(event.get("countries", [])) <= {"ES"}
        state = apply_event(state, event)
    ws.__exit__(None, None, None)
    assert "reminder" in kinds and "day_closed" in kinds
    assert state["completeness"]["countries"]["ES"]["2026-06-10"] == "missing"
    assert _comparable(state) == _comparable(fresh)


def test_closing_events_keep_snapshots_equal(api: Api, setup: dict[str, dict[str, str]]) -> None:
    api.put_return("ES", "2026-06-09", {"seizures": [seizure("ES-1", 3)]}, setup["ES"])
    ws, session = connect(api.client, ADMIN_TOKEN)
    state = receive(session)
    assert api.client.post("/api/operations/PANDORA-X/close", headers=ADMIN).status_code == 202
    kinds = []
    while "report_ready" not in kinds:  # the build runs in the background
        event = receive(session)
        kinds.append(event["type"])
        state = apply_event(state, event)
    fresh = _fresh(api.client, ADMIN_TOKEN)
    ws.__exit__(None, None, None)
    assert kinds[0] == "operation_status_changed" and state["operation"]["status"] == "closed"
    assert _comparable(state) == _comparable(fresh)
