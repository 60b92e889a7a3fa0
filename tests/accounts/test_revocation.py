"""Accounts a coordinator can revoke: listing, token rotation, disabling, expiry; a
revoked account's token, browser sessions and open websockets stop at once."""

from datetime import timedelta
from typing import Any

import pytest
from litestar.exceptions import WebSocketDisconnect
from litestar.testing import TestClient

from opcoord.clock import FrozenClock

from conftest import ADMIN, NOW, Api

LIVE = "/api/operations/PANDORA-X/live"
PASSWORD = "correct horse battery"


def _setup(api: Api) -> dict[str, str]:
    api.operation()
    api.participant("ES")
    return api.user("maria", "ncp", "ES")


def _token(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def _watch(client: TestClient[Any], token: str) -> Any:
    ws = client.websocket_connect(LIVE)
    session = ws.__enter__()
    session.send_json({"type": "auth", "token": token})
    assert session.receive_json(timeout=10)["type"] == "snapshot"
    return ws, session


def _closed_with(session: Any) -> int:
    with pytest.raises(WebSocketDisconnect) as closed:
        while True:  # events may still arrive before the close
            session.receive_json(timeout=10)
    return int(closed.value.code)


def test_accounts_are_listed_without_tokens(api: Api, clock: FrozenClock) -> None:
    es = _setup(api)
    assert api.client.get("/api/users/me", headers=es).status_code == 200
    r = api.client.get("/api/users", headers=ADMIN)
    assert r.status_code == 200
    listed = {u["username"]: u for u in r.json()}
    maria = listed["maria"]
    assert maria["role"] == "ncp" and maria["country"] == "ES" and maria["disabled"] is False
    assert maria["token_expires_at"].startswith(str((NOW + timedelta(days=365)).date()))
    assert maria["last_seen_at"] is not None  # the request above
    assert "token" not in maria and "token_hash" not in str(r.json())
    assert listed["admin"]["token_expires_at"] is None  # the environment's token


def test_rotation_stops_the_old_token_at_once(api: Api, clock: FrozenClock) -> None:
    es = _setup(api)
    ws, session = _watch(api.client, _token(es))
    r = api.client.post("/api/users/maria/token", headers=ADMIN)
    assert r.status_code == 201
    new = {"Authorization": f"Bearer {r.json()['token']}"}
    assert api.client.get("/api/users/me", headers=es).status_code == 401
    assert api.client.get("/api/users/me", headers=new).status_code == 200
    assert _closed_with(session) == 1008  # its socket, opened with the old token
    ws.__exit__(None, None, None)
    assert api.client.post("/api/users/nobody/token", headers=ADMIN).status_code == 404


def test_a_disabled_account_stops_everywhere_at_once(api: Api, clock: FrozenClock) -> None:
    es = _setup(api)
    client = api.client
    assert client.put("/api/users/maria/password", json={"password": PASSWORD},
                      headers=ADMIN).status_code == 204  # fmt: skip
    signed = client.post(
        "/signin", data={"username": "maria", "password": PASSWORD}, follow_redirects=False
    )
    assert signed.status_code == 303
    cookie = {"Cookie": f"opcoord_session={signed.cookies['opcoord_session']}"}
    client.cookies.clear()
    assert client.get("/operations/PANDORA-X/returns", headers=cookie).status_code == 200
    ws, session = _watch(client, _token(es))
    r = client.patch("/api/users/maria", json={"disabled": True}, headers=ADMIN)
    assert r.status_code == 200 and r.json()["disabled"] is True
    assert client.get("/api/users/me", headers=es).status_code == 401
    page = client.get("/operations/PANDORA-X/returns", headers=cookie, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/signin")
    assert _closed_with(session) == 1008
    ws.__exit__(None, None, None)
    again = client.post("/signin", data={"username": "maria", "password": PASSWORD},
                        follow_redirects=False)  # fmt: skip
    assert again.status_code == 401  # a disabled account cannot sign in
    # Enabled again: the token works; the sessions it had are gone for good.
    assert (
        client.patch("/api/users/maria", json={"disabled": False}, headers=ADMIN).json()["disabled"]
        is False
    )
    assert client.get("/api/users/me", headers=es).status_code == 200
    assert (
        client.patch("/api/users/maria", json={"disabled": "yes"}, headers=ADMIN).status_code == 422
    )


def test_a_password_reset_closes_the_browser_socket(api: Api, clock: FrozenClock) -> None:
    _setup(api)
    client = api.client
    client.put("/api/users/maria/password", json={"password": PASSWORD}, headers=ADMIN)
    signed = client.post(
        "/signin", data={"username": "maria", "password": PASSWORD}, follow_redirects=False
    )
    cookie = signed.cookies["opcoord_session"]
    with client.websocket_connect(LIVE, cookies={"opcoord_session": cookie}) as session:
        assert session.receive_json(timeout=10)["type"] == "snapshot"
        client.put("/api/users/maria/password", json={"password": "another long secret"},
                   headers=ADMIN)  # fmt: skip
        assert _closed_with(session) == 1008


def test_the_last_coordinator_cannot_be_disabled(api: Api) -> None:
    r = api.client.patch("/api/users/admin", json={"disabled": True}, headers=ADMIN)
    assert r.status_code == 409 and r.json()["errors"][0]["type"] == "last_coordinator"
    other = api.user("second", "coordinator")
    assert api.client.patch("/api/users/admin", json={"disabled": True},
                            headers=other).status_code == 200  # fmt: skip
    assert api.client.get("/api/users/me", headers=ADMIN).status_code == 401


def test_tokens_expire(api: Api, clock: FrozenClock) -> None:
    es = _setup(api)
    clock.set(NOW + timedelta(days=364))
    assert api.client.get("/api/users/me", headers=es).status_code == 200
    clock.set(NOW + timedelta(days=366))
    r = api.client.get("/api/users/me", headers=es)
    assert r.status_code == 401 and "expired" in r.json()["detail"]
