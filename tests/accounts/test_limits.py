"""One account or one address cannot take the service for everyone: sign-ins, writes and
open websockets are limited (counted in the database, shared by every instance), a
stranger cannot lock the owner out, and password hashing does not stall the loop."""

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from litestar.exceptions import WebSocketDisconnect
from litestar.testing import TestClient
from prometheus_client import REGISTRY

from opcoord.accounts import sessions
from opcoord.clock import FrozenClock
from opcoord.errors import TooManyRequests

from conftest import ADMIN, NOW, Api

PASSWORD = "correct horse battery"


def _sign_in(client: TestClient[Any], name: str, password: str, ip: str) -> Any:
    async def run() -> Any:
        return await sessions.sign_in(client.app.state.db, name, password, NOW, ip)

    return client.blocking_portal.call(run)


def test_a_stranger_cannot_lock_the_owner_out(api: Api) -> None:
    api.user("maria", "ncp", "ES")
    api.client.put("/api/users/maria/password", json={"password": PASSWORD}, headers=ADMIN)
    for _ in range(5):
        assert _sign_in(api.client, "maria", "guess", "203.0.113.9") is None
    with pytest.raises(TooManyRequests) as locked:
        _sign_in(api.client, "maria", PASSWORD, "203.0.113.9")
    assert locked.value.retry_after > 60
    # The owner, from her own address, still signs in.
    assert _sign_in(api.client, "maria", PASSWORD, "198.51.100.7") is not None


def test_sign_ins_from_one_address_are_limited(api: Api) -> None:
    page = None
    for n in range(31):
        page = api.client.post(
            "/signin", data={"username": f"user-{n}", "password": "x"}, follow_redirects=False
        )
    assert page is not None and page.status_code == 429
    assert int(page.headers["retry-after"]) > 0 and "Try again" in page.text


def test_writes_of_one_account_are_limited(api: Api, clock: FrozenClock) -> None:
    api.operation()
    api.participant("ES")
    api.participant("FR")
    es, fr = api.user("es", "ncp", "ES"), api.user("fr", "ncp", "FR")
    api.client.app.state.settings.writes_per_minute = 3  # OPCOORD_WRITES_PER_MINUTE
    days = ["2026-06-05", "2026-06-06", "2026-06-07", "2026-06-08"]
    got = [api.put_return("ES", d, {"nil_return": True}, es).status_code for d in days]
    assert got == [201, 201, 201, 429]
    r = api.put_return("ES", "2026-06-09", {"nil_return": True}, es)
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert r.json()["errors"][0]["type"] == "too_many_requests"
    # Another account is not slowed down, and the window passes.
    assert api.put_return("FR", "2026-06-09", {"nil_return": True}, fr).status_code == 201
    clock.set(NOW + timedelta(minutes=1))
    assert api.put_return("ES", "2026-06-09", {"nil_return": True}, es).status_code == 201


def _live_sockets() -> float:
    """The live sockets this process's server holds open (its /metrics gauge)."""
    return REGISTRY.get_sample_value("opcoord_live_connections") or 0.0


def test_open_websockets_per_account_are_limited(api: Api) -> None:
    api.operation()
    api.participant("ES")
    api.client.app.state.settings.live_max_per_account = 2
    token = "test-admin-token-0123456789"
    before = _live_sockets()
    opened = []
    try:
        for _ in range(2):
            ws = api.client.websocket_connect("/api/operations/PANDORA-X/live")
            session = ws.__enter__()
            session.send_json({"type": "auth", "token": token})
            assert session.receive_json(timeout=10)["type"] == "snapshot"
            opened.append(ws)
        with api.client.websocket_connect("/api/operations/PANDORA-X/live") as third:
            third.send_json({"type": "auth", "token": token})
            with pytest.raises(WebSocketDisconnect) as closed:
                third.receive_json(timeout=10)
            assert closed.value.code == 1008
    finally:
        for ws in opened:
            ws.__exit__(None, None, None)
    # Closed sockets no longer count, once the server has seen them close (a client's
    # close does not wait for that): at once, not at the next housekeeping turn.
    deadline = time.monotonic() + 10
    while _live_sockets() > before and time.monotonic() < deadline:
        time.sleep(0.01)
    with api.client.websocket_connect("/api/operations/PANDORA-X/live") as again:
        again.send_json({"type": "auth", "token": token})
        assert again.receive_json(timeout=10)["type"] == "snapshot"


def test_password_hashing_runs_off_the_event_loop(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    real = sessions._hasher

    class Watching:
        def verify(self, stored: str, password: str) -> bool:
            seen.append(threading.current_thread().name)
            return bool(real.verify(stored, password))

    monkeypatch.setattr(sessions, "_hasher", Watching())
    loop_thread: list[str] = []

    async def where() -> None:
        loop_thread.append(threading.current_thread().name)

    api.client.blocking_portal.call(where)
    _sign_in(api.client, "nobody", "guess", "192.0.2.1")
    assert seen and seen[0] != loop_thread[0]
    assert sessions._HASHING.total_tokens == 2  # bounded: a burst waits its turn
