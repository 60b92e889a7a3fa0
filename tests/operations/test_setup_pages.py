"""The coordinator's pages: create an operation, set up countries and accounts."""

from typing import Any

from conftest import ADMIN, Api

PASSWORD = "a long enough password"


def signed_in(api: Api, username: str, role: str, country: str | None = None) -> str:
    api.user(username, role, country)
    api.client.put(f"/api/users/{username}/password", json={"password": PASSWORD}, headers=ADMIN)
    r = api.client.post(
        "/signin", data={"username": username, "password": PASSWORD}, follow_redirects=False
    )
    assert r.status_code == 303
    page = api.client.get("/")
    return page.text.split('name="csrf-token" content="')[1].split('"')[0]


def test_coordinator_creates_and_sets_up_an_operation(api: Api) -> None:
    csrf = signed_in(api, "olga", "coordinator")
    page = api.client.get("/operations/new")
    assert page.status_code == 200 and 'data-api="/api/operations"' in page.text
    # What the form sends (frontend/static/js/forms.js): JSON with the page's CSRF token.
    body: dict[str, Any] = {
        "code": "ATHENA-7",
        "name": "Athena VII",
        "lead": "WCO",
        "partners": ["INTERPOL"],
        "starts_on": "2026-06-01",
        "ends_on": "2026-06-30",
        "timezone": "Europe/Madrid",
        "daily_cutoff": "10:00",
    }
    r = api.client.post("/api/operations", json=body, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201
    r = api.client.post(
        "/api/operations/ATHENA-7/participants",
        json={"country": "GR", "agencies": ["customs", "police"]},
        headers={"X-CSRF-Token": csrf},
    )
    assert r.status_code == 201
    r = api.client.post(
        "/api/users",
        json={"username": "gr-ncp", "role": "ncp", "country": "GR"},
        headers={"X-CSRF-Token": csrf},
    )
    assert r.status_code == 201 and r.json()["token"]
    setup = api.client.get("/operations/ATHENA-7/setup")
    assert setup.status_code == 200
    assert "Athena VII" in setup.text and "GR · Greece" in setup.text and "gr-ncp" in setup.text
    home = api.client.get("/")
    assert "/operations/ATHENA-7/setup" in home.text


def test_setup_pages_are_for_coordinators(api: Api) -> None:
    api.operation()
    api.participant("ES")
    signed_in(api, "es-ncp", "ncp", "ES")
    assert api.client.get("/operations/new").status_code == 403
    assert api.client.get("/operations/PANDORA-X/setup").status_code == 403
