"""Every API endpoint × every role: who may do what (decided in operations/access.py)."""

import re
from typing import Any

import pytest
from litestar.testing import TestClient

from conftest import ADMIN, Api

ROLES = ["coordinator", "ncp_own", "ncp_other", "partner", "anonymous", "bad_token"]
DAY = "/api/operations/PANDORA-X/returns/ES/2026-06-09"

# (method, route template, concrete path, body) -> expected status per role
MATRIX: list[tuple[str, str, str, Any, dict[str, int]]] = [
    (
        "POST",
        "/api/operations",
        "/api/operations",
        {
            "code": "OP-NEW",
            "name": "n",
            "lead": "l",
            "starts_on": "2026-06-01",
            "ends_on": "2026-06-02",
            "timezone": "UTC",
            "daily_cutoff": "10:00",
        },
        {"coordinator": 201, "ncp_own": 403, "ncp_other": 403, "partner": 403},
    ),
    (
        "GET",
        "/api/operations",
        "/api/operations",
        None,
        {"coordinator": 200, "ncp_own": 200, "ncp_other": 200, "partner": 200},
    ),
    (
        "GET",
        "/api/operations/{code}",
        "/api/operations/PANDORA-X",
        None,
        {"coordinator": 200, "ncp_own": 200, "ncp_other": 200, "partner": 200},
    ),
    (
        "POST",
        "/api/operations/{code}/participants",
        "/api/operations/PANDORA-X/participants",
        {"country": "PT", "agencies": ["police"]},
        {"coordinator": 201, "ncp_own": 403, "ncp_other": 403, "partner": 403},
    ),
    (
        "GET",
        "/api/operations/{code}/participants",
        "/api/operations/PANDORA-X/participants",
        None,
        {"coordinator": 200, "ncp_own": 200, "ncp_other": 200, "partner": 403},
    ),
    (
        "GET",
        "/api/operations/{code}/summary",
        "/api/operations/PANDORA-X/summary",
        None,
        {"coordinator": 200, "ncp_own": 200, "ncp_other": 200, "partner": 403},
    ),
    (
        "GET",
        "/api/operations/{code}/completeness",
        "/api/operations/PANDORA-X/completeness",
        None,
        {"coordinator": 200, "ncp_own": 403, "ncp_other": 403, "partner": 403},
    ),
    (
        "PUT",
        "/api/operations/{code}/returns/{country}/{day}",
        DAY,
        {"nil_return": True},
        {"coordinator": 201, "ncp_own": 201, "ncp_other": 403, "partner": 403},
    ),
    (
        "GET",
        "/api/operations/{code}/returns/{country}/{day}",
        DAY,
        None,
        {"coordinator": 200, "ncp_own": 200, "ncp_other": 403, "partner": 403},
    ),
    (
        "GET",
        "/api/operations/{code}/returns/{country}/{day}/versions",
        DAY + "/versions",
        None,
        {"coordinator": 200, "ncp_own": 200, "ncp_other": 403, "partner": 403},
    ),
    (
        "POST",
        "/api/users",
        "/api/users",
        {"username": "new-user", "role": "partner"},
        {"coordinator": 201, "ncp_own": 403, "ncp_other": 403, "partner": 403},
    ),
    (
        "GET",
        "/api/users/me",
        "/api/users/me",
        None,
        {"coordinator": 200, "ncp_own": 200, "ncp_other": 200, "partner": 200},
    ),
    (
        "PUT",
        "/api/users/{username}/password",
        "/api/users/es/password",
        {"password": "correct horse battery"},
        {"coordinator": 204, "ncp_own": 403, "ncp_other": 403, "partner": 403},
    ),
    (
        "GET",
        "/api/operations/{code}/seizures.geojson",
        "/api/operations/PANDORA-X/seizures.geojson",
        None,
        {"coordinator": 200, "ncp_own": 403, "ncp_other": 403, "partner": 403},
    ),
    (
        "POST",
        "/api/operations/{code}/returns/{country}/{day}/import",
        DAY + "/import",
        None,  # no file: 422 naming `file` for whoever may import
        {"coordinator": 422, "ncp_own": 422, "ncp_other": 403, "partner": 403},
    ),
    (
        "GET",
        "/api/operations/{code}/import-template.csv",
        "/api/operations/PANDORA-X/import-template.csv",
        None,
        {"coordinator": 200, "ncp_own": 200, "ncp_other": 200, "partner": 403},
    ),
    (
        "GET",
        "/api/operations/{code}/import-template.xlsx",
        "/api/operations/PANDORA-X/import-template.xlsx",
        None,
        {"coordinator": 200, "ncp_own": 200, "ncp_other": 200, "partner": 403},
    ),
    (
        "POST",
        "/api/operations/{code}/close",
        "/api/operations/PANDORA-X/close",
        None,
        {"coordinator": 202, "ncp_own": 403, "ncp_other": 403, "partner": 403},
    ),
    (
        "GET",
        "/api/operations/{code}/report/status",
        "/api/operations/PANDORA-X/report/status",
        None,
        {"coordinator": 200, "ncp_own": 403, "ncp_other": 403, "partner": 200},
    ),
    (
        "GET",
        "/api/operations/{code}/report",
        "/api/operations/PANDORA-X/report",
        None,
        {"coordinator": 409, "ncp_own": 403, "ncp_other": 403, "partner": 403},
    ),
    (
        "GET",
        "/api/operations/{code}/report.html",
        "/api/operations/PANDORA-X/report.html",
        None,
        {"coordinator": 409, "ncp_own": 403, "ncp_other": 403, "partner": 403},
    ),
    (
        "GET",
        "/api/operations/{code}/report.pdf",
        "/api/operations/PANDORA-X/report.pdf",
        None,
        {"coordinator": 409, "ncp_own": 403, "ncp_other": 403, "partner": 403},
    ),
    (
        "GET",
        "/api/operations/{code}/report.xlsx",
        "/api/operations/PANDORA-X/report.xlsx",
        None,
        {"coordinator": 409, "ncp_own": 403, "ncp_other": 403, "partner": 403},
    ),
    (
        "GET",
        "/api/operations/{code}/report.csv",
        "/api/operations/PANDORA-X/report.csv",
        None,
        {"coordinator": 409, "ncp_own": 403, "ncp_other": 403, "partner": 403},
    ),
    (
        "POST",
        "/api/operations/{code}/report/publish",
        "/api/operations/PANDORA-X/report/publish",
        None,
        {"coordinator": 409, "ncp_own": 403, "ncp_other": 403, "partner": 403},
    ),
    (
        "GET",
        "/api/operations/{code}/report/editions",
        "/api/operations/PANDORA-X/report/editions",
        None,
        {"coordinator": 200, "ncp_own": 403, "ncp_other": 403, "partner": 403},
    ),
    (
        "POST",
        "/api/operations/{code}/report/editions",
        "/api/operations/PANDORA-X/report/editions",
        {"changes": "x"},
        {"coordinator": 409, "ncp_own": 403, "ncp_other": 403, "partner": 403},
    ),
]


def test_matrix_covers_every_api_route(client: TestClient[Any]) -> None:
    served = {
        (method, re.sub(r":\w+}", "}", route.path))
        for route in client.app.routes
        if route.path.startswith("/api")
        for method in getattr(route, "methods", set()) - {"OPTIONS", "HEAD"}
    }
    covered = {(m, t) for m, t, *_ in MATRIX}
    assert served == covered


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "template", "path", "body", "expect"),
    MATRIX,
    ids=[f"{m} {t}" for m, t, *_ in MATRIX],
)
def test_role_on_endpoint(
    api: Api, role: str, method: str, template: str, path: str, body: Any, expect: dict[str, int]
) -> None:
    api.operation()
    api.participant("ES")
    api.participant("FR")
    headers = {
        "coordinator": ADMIN,
        "ncp_own": api.user("es", "ncp", "ES"),
        "ncp_other": api.user("fr", "ncp", "FR"),
        "partner": api.user("unesco", "partner"),
        "anonymous": {},
        "bad_token": {"Authorization": "Bearer not-a-token"},
    }[role]
    if method == "GET" and "/returns/" in path:
        assert api.put_return("ES", "2026-06-09", {"nil_return": True}, ADMIN).status_code == 201
    r = api.client.request(method, path, json=body, headers=headers)
    want = expect.get(role, 401)
    assert r.status_code == want, (role, method, path, r.text)
    if want == 401:
        assert r.headers.get("www-authenticate", "").startswith("Bearer")
