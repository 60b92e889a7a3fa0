"""Browser sign-in: password, HttpOnly cookie, CSRF on writes, sign-out."""

from typing import Any

from litestar.testing import TestClient

from conftest import ADMIN, Api

PASSWORD = "a long enough password"


def sign_in(client: TestClient[Any], username: str, password: str) -> Any:
    return client.post(
        "/signin",
        data={
            "username": username,
            "password": password,
            "next": "/operations/PANDORA-X/dashboard",
        },
        follow_redirects=False,
    )


def test_sign_in_cookie_csrf_and_sign_out(api: Api) -> None:
    api.operation()
    api.participant("ES")
    api.user("maria", "ncp", "ES")
    r = api.client.put("/api/users/maria/password", json={"password": PASSWORD}, headers=ADMIN)
    assert r.status_code == 204
    assert sign_in(api.client, "maria", "wrong password!").status_code == 401
    assert "opcoord_session" not in api.client.cookies
    r = sign_in(api.client, "maria", PASSWORD)
    assert r.status_code == 303 and r.headers["location"] == "/operations/PANDORA-X/dashboard"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    # The cookie reads the API and the dashboard page...
    assert api.client.get("/api/users/me").json()["username"] == "maria"
    page = api.client.get("/operations/PANDORA-X/dashboard")
    assert page.status_code == 200 and "Operation Pandora X" in page.text
    # ...but a write without the page's CSRF token is refused and changes nothing.
    url = "/api/operations/PANDORA-X/returns/ES/2026-06-09"
    assert api.client.put(url, json={"nil_return": True}).status_code == 403
    assert api.client.get(url).status_code == 404
    csrf = page.text.split('name="csrf-token" content="')[1].split('"')[0]
    r = api.client.put(url, json={"nil_return": True}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201
    # After sign-out the same cookie no longer works.
    old = api.client.cookies.get("opcoord_session")
    assert api.client.post("/signout", follow_redirects=False).status_code == 303
    api.client.cookies.set("opcoord_session", old)
    assert api.client.get("/api/users/me").status_code == 401
    assert (
        api.client.get("/operations/PANDORA-X/dashboard", follow_redirects=False).status_code == 303
    )


def test_pages_redirect_to_sign_in_and_refuse_open_redirects(api: Api) -> None:
    r = api.client.get("/operations/PANDORA-X/dashboard", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/signin?next=")
    api.user("bob", "coordinator")
    api.client.put("/api/users/bob/password", json={"password": PASSWORD}, headers=ADMIN)
    r = api.client.post(
        "/signin",
        data={"username": "bob", "password": PASSWORD, "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/"


def test_password_reset_signs_out_browsers(api: Api) -> None:
    api.user("carl", "coordinator")
    api.client.put("/api/users/carl/password", json={"password": PASSWORD}, headers=ADMIN)
    sign_in(api.client, "carl", PASSWORD)
    assert api.client.get("/api/users/me").status_code == 200
    api.client.put("/api/users/carl/password", json={"password": PASSWORD + "!"}, headers=ADMIN)
    assert api.client.get("/api/users/me").status_code == 401
    short = api.client.put("/api/users/carl/password", json={"password": "short"}, headers=ADMIN)
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "password"


def test_failed_sign_ins_are_limited(api: Api, clock: Any) -> None:
    from datetime import timedelta

    api.user("vera", "ncp", "ES")
    api.client.put("/api/users/vera/password", json={"password": PASSWORD}, headers=ADMIN)
    for _ in range(5):
        assert sign_in(api.client, "vera", "not the password").status_code == 401
    # Locked out, even with the right password, and told when to come back.
    locked = sign_in(api.client, "vera", PASSWORD)
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
    assert "opcoord_session" not in api.client.cookies
    # Another name is not affected.
    api.user("otto", "ncp", "ES")
    api.client.put("/api/users/otto/password", json={"password": PASSWORD}, headers=ADMIN)
    assert sign_in(api.client, "otto", PASSWORD).status_code == 303
    clock.set(clock.now() + timedelta(minutes=16))
    assert sign_in(api.client, "vera", PASSWORD).status_code == 303
