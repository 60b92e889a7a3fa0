"""The live channel through the websocket API: auth, snapshot, order, replay, filtering."""

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from litestar.exceptions import WebSocketDisconnect
from litestar.testing import TestClient
from litestar.testing.websocket_test_session import WebSocketTestSession
from reducers import check_both

from opcoord.clock import FrozenClock
from opcoord.operations.scheduled import Context, run_due_jobs
from opcoord.report import editions

from conftest import ADMIN, ADMIN_TOKEN, NOW, Api, seizure

URL = "/api/operations/PANDORA-X/live"
WAIT = 10.0


class Opened:
    """A socket a test opened: closed by the test, or at its end whatever happened (a
    socket left open keeps its handler, and so the app's shutdown, waiting)."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.open = True

    def __exit__(self, *exc: Any) -> None:
        if self.open:
            self.open = False
            self.ws.__exit__(*exc)


_opened: list[Opened] = []


@pytest.fixture(autouse=True)
def _close_sockets() -> Iterator[None]:
    yield
    while _opened:
        _opened.pop().__exit__(None, None, None)


def connect(client: TestClient[Any], token: str, url: str = URL) -> Any:
    ws = client.websocket_connect(url)
    session: WebSocketTestSession = ws.__enter__()
    opened = Opened(ws)
    _opened.append(opened)
    session.send_json({"type": "auth", "token": token})
    return opened, session


def receive(session: WebSocketTestSession, wait: float = WAIT) -> dict[str, Any]:
    return dict(session.receive_json(timeout=wait))


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
        # A regional coordinator for ES and IT (IT joins later in some tests), not FR.
        "RILO": api.user("rilo", "regional", countries=["ES", "IT"]),
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


def _events_until(session: WebSocketTestSession, seq: int) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    while not events or events[-1]["seq"] < seq:
        events.append(receive(session))
    return events


@pytest.mark.parametrize("viewer", ["coordinator", "ES", "RILO"])
def test_snapshot_with_events_applied_equals_fresh_snapshot(
    api: Api, setup: dict[str, dict[str, str]], clock: FrozenClock, viewer: str, tmp_path: Any
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
    events = _events_until(session, fresh["seq"])
    ws.__exit__(None, None, None)
    state = check_both(f"returns-{viewer}", state, events, fresh, tmp_path)
    assert json.dumps(state["totals"], sort_keys=True) == json.dumps(
        fresh["totals"], sort_keys=True
    )


@pytest.mark.parametrize("viewer", ["coordinator", "ES", "RILO"])
def test_day_close_and_reminder_events_keep_snapshots_equal(
    api: Api, setup: dict[str, dict[str, str]], clock: FrozenClock, viewer: str, tmp_path: Any
) -> None:
    token = ADMIN_TOKEN if viewer == "coordinator" else token_of(setup[viewer])
    api.put_return("FR", "2026-06-10", {"nil_return": True}, setup["FR"])
    ws, session = connect(api.client, token)
    state = receive(session)
    ctx = Context.of(api.client.app.state)
    # 11 June 09:30 Madrid: the reminder for 10 June; 10:00: the day closes.
    for at in (NOW + timedelta(hours=19, minutes=30), NOW + timedelta(hours=20, seconds=1)):
        clock.set(at)
        api.client.blocking_portal.call(run_due_jobs, ctx, at)
    fresh = _fresh(api.client, token)
    events = _events_until(session, fresh["seq"])
    ws.__exit__(None, None, None)
    kinds = [e["type"] for e in events]
    for event in events:
        if viewer != "coordinator" and event["type"] in ("reminder", "day_closed"):
            assert set(event.get("missing", [])) | set(event.get("countries", [])) <= {"ES"}
            assert set(event.get("completeness", {})) <= {"ES"}
    assert "reminder" in kinds and "day_closed" in kinds
    state = check_both(f"day-close-{viewer}", state, events, fresh, tmp_path)
    cells = state["completeness"]["countries"]["ES"]
    assert cells["2026-06-10"] == "missing" and cells["2026-06-11"] == "collecting"
    assert state["completeness"]["collecting"] == "2026-06-11"
    assert state["completeness"]["last_due"] == "2026-06-10"


@pytest.mark.parametrize("viewer", ["coordinator", "ES", "RILO"])
def test_early_closing_keeps_snapshots_equal(
    api: Api,
    setup: dict[str, dict[str, str]],
    viewer: str,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The edition's figures and its report_ready event are under test, not its files.
    monkeypatch.setattr(editions, "draw", _no_files)
    token = ADMIN_TOKEN if viewer == "coordinator" else token_of(setup[viewer])
    api.put_return("ES", "2026-06-09", {"seizures": [seizure("ES-1", 3)]}, setup["ES"])
    ws, session = connect(api.client, token)
    state = receive(session)
    assert state["completeness"]["collecting"] == "2026-06-10"
    assert api.client.post("/api/operations/PANDORA-X/close", headers=ADMIN).status_code == 202
    events = []
    while not any(e["type"] == "report_ready" for e in events):  # built in the background
        events.append(receive(session, wait=60))
    fresh = _fresh(api.client, token)
    ws.__exit__(None, None, None)
    assert events[0]["type"] == "operation_status_changed"
    state = check_both(f"early-close-{viewer}", state, events, fresh, tmp_path)
    assert state["operation"]["status"] == "closed" and state["operation"]["closed_early"]
    completeness = state["completeness"]
    # Closed on 10 June at 14:00: the 10th was never due, nothing is being collected, and
    # the timeline stops at the closing day.
    assert completeness["collecting"] is None and completeness["last_due"] == "2026-06-09"
    assert completeness["countries"]["ES"]["2026-06-10"] == "not_expected"
    assert completeness["countries"]["ES"]["2026-06-30"] == "not_expected"
    assert completeness["days"][-1] == "2026-06-10"


def test_opening_keeps_snapshots_equal(
    api: Api, setup: dict[str, dict[str, str]], clock: FrozenClock, tmp_path: Any
) -> None:
    clock.set(NOW - timedelta(days=30))
    api.operation(code="ATHENA-NEXT", starts_on="2026-06-20", ends_on="2026-06-25")
    api.participant("ES", code="ATHENA-NEXT")
    url = "/api/operations/ATHENA-NEXT/live"
    ws, session = connect(api.client, ADMIN_TOKEN, url)
    state = receive(session)
    assert state["operation"]["status"] == "planned" and state["completeness"]["collecting"] is None
    # Midnight of 20 June in Madrid: the window opens and its first day is being collected.
    at = NOW + timedelta(days=9, hours=10)
    clock.set(at)
    ran = api.client.blocking_portal.call(run_due_jobs, Context.of(api.client.app.state), at)
    assert "ATHENA-NEXT:open" in ran
    ws2, s2 = connect(api.client, ADMIN_TOKEN, url)
    fresh = receive(s2)
    ws2.__exit__(None, None, None)
    events = _events_until(session, fresh["seq"])
    ws.__exit__(None, None, None)
    state = check_both("opening", state, events, fresh, tmp_path)
    assert state["operation"]["status"] == "active"
    assert state["completeness"]["collecting"] == "2026-06-20"
    assert state["completeness"]["countries"]["ES"]["2026-06-20"] == "collecting"


async def _no_files(*_: Any) -> dict[str, bytes]:
    return {}
