"""Bad input: a 4xx that names the field, never a 5xx, and nothing changes."""

from typing import Any

import pytest

from conftest import ADMIN, Api, seizure

DAY = "2026-06-09"
URL = f"/api/operations/PANDORA-X/returns/ES/{DAY}"


@pytest.fixture
def es(api: Api) -> dict[str, str]:
    api.operation()
    api.participant("ES")
    headers = api.user("es-ncp", "ncp", "ES")
    r = api.put_return(
        "ES", DAY, {"counters": {"arrests": 1}, "seizures": [seizure("K-1", 4)]}, headers
    )
    assert r.status_code == 201
    return headers


BAD_RETURNS: list[tuple[str, Any, str]] = [
    ("wrong type", {"counters": {"arrests": "three"}}, "counters.arrests"),
    ("float count", {"counters": {"arrests": 1.5}}, "counters.arrests"),
    ("bool count", {"counters": {"arrests": True}}, "counters.arrests"),
    ("negative count", {"counters": {"persons_checked": -1}}, "counters.persons_checked"),
    ("unknown counter", {"counters": {"arrest": 1}}, "counters.arrest"),
    ("unknown field", {"seizure": []}, "seizure"),
    ("unknown category", {"seizures": [seizure("A", category="jewels")]}, "seizures[0].category"),
    ("unknown place", {"seizures": [seizure("A", place_type="moon")]}, "seizures[0].place_type"),
    (
        "unknown conveyance",
        {"seizures": [seizure("A", conveyance="horse")]},
        "seizures[0].conveyance",
    ),
    ("zero quantity", {"seizures": [seizure("A", 0)]}, "seizures[0].quantity"),
    ("bad origin", {"seizures": [seizure("A", origin_country="XX")]}, "seizures[0].origin_country"),
    (
        "long country",
        {"seizures": [seizure("A", destination_country="FRANCE")]},
        "seizures[0].destination_country",
    ),
    ("lat without lon", {"seizures": [seizure("A", lat=40.1)]}, "seizures[0].lat/lon"),
    ("lat out of range", {"seizures": [seizure("A", lat=95, lon=1)]}, "seizures[0].lat"),
    (
        "value without currency",
        {"seizures": [seizure("A", estimated_value=10)]},
        "seizures[0].currency",
    ),
    (
        "bad currency",
        {"seizures": [seizure("A", estimated_value=10, currency="EURO")]},
        "seizures[0].currency",
    ),
    ("bad hs code", {"seizures": [seizure("A", hs_code="8471")]}, "seizures[0].hs_code"),
    ("duplicate ref", {"seizures": [seizure("A"), seizure("A")]}, "seizures"),
    ("empty ref", {"seizures": [seizure("  ")]}, "seizures[0].ref"),
    ("not an object", [1, 2], "body"),
]


@pytest.mark.parametrize(("case", "body", "field"), BAD_RETURNS, ids=[c[0] for c in BAD_RETURNS])
def test_bad_return_names_field_and_changes_nothing(
    api: Api, es: dict[str, str], case: str, body: Any, field: str
) -> None:
    before = api.summary()
    r = api.client.put(URL, json=body, headers=es)
    assert 400 <= r.status_code < 500, (case, r.status_code, r.text)
    fields = [e["field"] for e in r.json()["errors"]]
    assert field in fields or any(f.startswith(field) for f in fields), (case, fields)
    assert api.summary() == before
    assert api.client.get(URL, headers=es).json()["version"] == 1


def test_malformed_json_is_400_naming_the_body(api: Api, es: dict[str, str]) -> None:
    r = api.client.put(
        URL, content=b'{"counters": {', headers={**es, "Content-Type": "application/json"}
    )
    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "body"


def test_oversize_body_is_413(api: Api, es: dict[str, str]) -> None:
    huge = {"notes": "x" * (6 * 1024 * 1024)}
    r = api.client.put(URL, json=huge, headers=es)
    assert r.status_code == 413
    assert api.client.get(URL, headers=es).json()["version"] == 1


def test_bad_path_parts(api: Api, es: dict[str, str]) -> None:
    r = api.client.put("/api/operations/PANDORA-X/returns/ZZ/2026-06-09", json={}, headers=ADMIN)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "country"
    r = api.client.put("/api/operations/PANDORA-X/returns/ES/2026-13-40", json={}, headers=es)
    assert r.status_code in (400, 404, 422) and r.status_code != 500
    r = api.client.get("/api/operations/NOPE/summary", headers=ADMIN)
    assert r.status_code == 404 and r.json()["errors"][0]["field"] == "code"


BAD_OPERATIONS: list[tuple[dict[str, Any], str]] = [
    ({"code": "pandora x"}, "code"),
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"timezone": "Europe"}, "timezone"),  # a folder of the zone database, not a zone
    ({"timezone": "Europe/" + "x" * 300}, "timezone"),  # longer than a file name may be
    ({"daily_cutoff": "24:30"}, "daily_cutoff"),
    ({"starts_on": "2026-07-01", "ends_on": "2026-06-01"}, "ends_on"),
    ({"starts_on": "1 June"}, "starts_on"),
    ({"name": ""}, "name"),
    ({"partners": "Europol"}, "partners"),
]


@pytest.mark.parametrize(("over", "field"), BAD_OPERATIONS, ids=[f for _, f in BAD_OPERATIONS])
def test_bad_operation(api: Api, over: dict[str, Any], field: str) -> None:
    from conftest import OPERATION

    r = api.client.post(
        "/api/operations",
        json={**OPERATION, **over, "code": over.get("code", "OP-1")},
        headers=ADMIN,
    )
    assert r.status_code == 422, r.text
    assert field in [e["field"] for e in r.json()["errors"]]
    assert api.client.get("/api/operations", headers=ADMIN).json() == []


def test_bad_participant_and_user(api: Api) -> None:
    api.operation()
    url = "/api/operations/PANDORA-X/participants"
    for body, field in (
        ({"country": "XX", "agencies": ["customs"]}, "country"),
        ({"country": "ES", "agencies": ["army"]}, "agencies[0]"),
        ({"country": "ES", "agencies": []}, "agencies"),
    ):
        r = api.client.post(url, json=body, headers=ADMIN)
        assert r.status_code == 422 and field in [e["field"] for e in r.json()["errors"]], r.text
    api.participant("ES")
    dup = api.client.post(url, json={"country": "es", "agencies": ["police"]}, headers=ADMIN)
    assert dup.status_code == 409
    for body, field in (
        ({"username": "x y", "role": "ncp", "country": "ES"}, "username"),
        ({"username": "ncp1", "role": "ncp"}, "country"),
        ({"username": "p1", "role": "partner", "country": "ES"}, "country"),
        ({"username": "boss", "role": "king"}, "role"),
    ):
        r = api.client.post("/api/users", json=body, headers=ADMIN)
        assert r.status_code == 422 and field in [e["field"] for e in r.json()["errors"]], r.text
    api.user("ncp1", "ncp", "ES")
    again = api.client.post(
        "/api/users", json={"username": "ncp1", "role": "partner"}, headers=ADMIN
    )
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "username"
