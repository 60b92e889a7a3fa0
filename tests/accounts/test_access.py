"""Every route of the app × every kind of caller: who may do what.

The decisions are made in ``opcoord.accounts.access`` and checked by the access guard
before the body is read. This walks every route the app serves (the API, the pages, the
websocket, the assets and the schema) and fails when one is missing from the matrix, so
a new route cannot ship without its rule being written down and tested. A caller who
may not do something gets 401 or 403 whatever it sends: each refusal is checked again
with a body that is invalid.
"""

import re
from typing import Any

import pytest
from litestar import Litestar, WebSocket, asgi, get, websocket
from litestar.exceptions import ImproperlyConfiguredException, WebSocketDisconnect
from litestar.routes import WebSocketRoute
from litestar.testing import TestClient

from opcoord.accounts.access import Rule, needs
from opcoord.accounts.guard import Check, make_check, require_checks
from opcoord.operations.operations import load_facts

from conftest import ADMIN, ADMIN_TOKEN, Api

ROLES = (
    "coordinator",
    "ncp_own",  # ES, taking part: the country of the paths below
    "ncp_other",  # FR, taking part: another country
    "ncp_outsider",  # DE, not taking part
    "regional_own",  # ES and PT (PT not taking part): covers the country of the paths
    "regional_other",  # FR and IT: takes part through FR, not ES's
    "regional_outsider",  # DE and AT, neither taking part
    "partner",
    "anonymous",
    "bad_token",
)
SIGNED_IN = ROLES[:8]
DAY = "/api/operations/PANDORA-X/returns/ES/2026-06-09"
PAGE_DAY = "/operations/PANDORA-X/returns/ES/2026-06-09"
OPERATION = {
    "code": "OP-NEW",
    "name": "n",
    "lead": "l",
    "starts_on": "2026-06-01",
    "ends_on": "2026-06-02",
    "timezone": "UTC",
    "daily_cutoff": "10:00",
}


def only(status: int, *roles: str, others: int = 403, anonymous: int = 401) -> dict[str, int]:
    """``status`` for ``roles``, ``others`` for the other signed-in roles."""
    out = {r: (status if r in roles else others) for r in SIGNED_IN}
    return {**out, "anonymous": anonymous, "bad_token": anonymous}


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


COORD = ("coordinator",)
REGIONALS = ("regional_own", "regional_other")
WATCHERS = ("coordinator", "ncp_own", "ncp_other", *REGIONALS)
OWN = ("coordinator", "ncp_own")
READ_OWN = (*OWN, "regional_own")  # reading ES's returns
OVERSEERS = ("coordinator", *REGIONALS)
READERS = ("coordinator", "partner")
PAGE = {"anonymous": 303}  # a page sends whoever is not signed in to the sign-in page
#: Refusals that depend on what the body names, so that an unreadable body is a 400: a
#: regional coordinator may send alerts, but only to its own countries.
DECIDED_ON_BODY = {("regional_other", "/api/operations/{code}/alerts")}

# (method, route template, concrete path, body) -> expected status per role
MATRIX: list[tuple[str, str, str, Any, dict[str, int]]] = [
    ("GET", "/health", "/health", None, everyone(200)),
    ("GET", "/ready", "/ready", None, everyone(200)),
    ("GET", "/metrics", "/metrics", None, everyone(200)),
    ("GET", "/geo/countries.geojson", "/geo/countries.geojson", None, everyone(200)),
    ("GET", "/static/{file_path}", "/static/css/app.css", None, everyone(200)),
    ("GET", "/sw.js", "/sw.js", None, everyone(200)),
    ("GET", "/schema", "/schema", None, everyone(200)),
    ("GET", "/schema/openapi.json", "/schema/openapi.json", None, everyone(200)),
    ("GET", "/schema/swagger", "/schema/swagger", None, everyone(200)),
    ("GET", "/schema/{path}", "/schema/no-such-page", None, everyone(404)),
    ("GET", "/schema/oauth2-redirect.html", "/schema/oauth2-redirect.html", None, everyone(200)),
    ("GET", "/signin", "/signin", None, everyone(200)),
    ("POST", "/signin", "/signin", "form", everyone(401)),  # no such name or password
    ("POST", "/signout", "/signout", None, everyone(303)),
    ("POST", "/language", "/language", "form", everyone(303)),
    # --- API ---------------------------------------------------------------------------
    ("POST", "/api/operations", "/api/operations", OPERATION, only(201, *COORD)),
    ("GET", "/api/operations", "/api/operations", None, only(200, *SIGNED_IN)),
    ("GET", "/api/operations/{code}", "/api/operations/PANDORA-X", None, only(200, *SIGNED_IN)),
    (
        "POST",
        "/api/operations/{code}/participants",
        "/api/operations/PANDORA-X/participants",
        {"country": "PT", "agencies": ["police"]},
        only(201, *COORD),
    ),
    (
        "PATCH",
        "/api/operations/{code}/participants/{country}",
        "/api/operations/PANDORA-X/participants/ES",
        {"region": "Western Europe"},
        only(200, *COORD),
    ),
    (
        "GET",
        "/api/operations/{code}/participants",
        "/api/operations/PANDORA-X/participants",
        None,
        only(200, *WATCHERS),
    ),
    (
        "GET",
        "/api/operations/{code}/summary",
        "/api/operations/PANDORA-X/summary",
        None,
        only(200, *WATCHERS),
    ),
    (
        "GET",
        "/api/operations/{code}/completeness",
        "/api/operations/PANDORA-X/completeness",
        None,
        only(200, *OVERSEERS),
    ),
    (
        "PUT",
        "/api/operations/{code}/returns/{country}/{day}",
        DAY,
        {"nil_return": True},
        only(200, *OWN),  # the return exists (see below): the same content is a 200
    ),
    ("GET", "/api/operations/{code}/returns/{country}/{day}", DAY, None, only(200, *READ_OWN)),
    (
        "GET",
        "/api/operations/{code}/returns/{country}/{day}/versions",
        DAY + "/versions",
        None,
        only(200, *READ_OWN),
    ),
    (
        "POST",
        "/api/operations/{code}/returns/{country}/{day}/import",
        DAY + "/import",
        None,  # no file: 422 naming `file` for whoever may import
        only(422, *OWN),
    ),
    (
        "PATCH",
        "/api/operations/{code}",
        "/api/operations/PANDORA-X",
        {"lock_after_days": 30},
        only(200, *COORD),
    ),
    (
        "GET",
        "/api/operations/{code}/reviews",
        "/api/operations/PANDORA-X/reviews",
        None,
        only(200, *COORD),
    ),
    (
        "POST",
        "/api/operations/{code}/returns/{country}/{day}/review",
        DAY + "/review",
        {"status": "on_hold"},
        only(200, *COORD),
    ),
    (
        "GET",
        "/api/operations/{code}/returns/{country}/{day}/reviews",
        DAY + "/reviews",
        None,
        only(200, *READ_OWN),  # who reads a country's returns reads their reviews
    ),
    (
        "POST",
        "/api/operations/{code}/returns/{country}/{day}/unlock",
        DAY + "/unlock",
        {"until": "2026-06-30T00:00:00Z", "reason": "late report"},
        only(201, *COORD),
    ),
    (
        "GET",
        "/api/operations/{code}/import-template.csv",
        "/api/operations/PANDORA-X/import-template.csv",
        None,
        only(200, *WATCHERS),
    ),
    (
        "GET",
        "/api/operations/{code}/import-template.xlsx",
        "/api/operations/PANDORA-X/import-template.xlsx",
        None,
        only(200, *WATCHERS),
    ),
    ("POST", "/api/watchlists", "/api/watchlists", None, only(422, *COORD)),  # no file
    ("GET", "/api/watchlists", "/api/watchlists", None, only(200, *COORD)),
    (
        "GET",
        "/api/operations/{code}/hits",
        "/api/operations/PANDORA-X/hits",
        None,
        only(200, *COORD),
    ),
    (
        "POST",
        "/api/operations/{code}/hits/{id}",
        "/api/operations/PANDORA-X/hits/999",
        {"status": "confirmed"},
        only(404, *COORD),  # no such hit
    ),
    (
        "GET",
        "/api/operations/{code}/seizures.geojson",
        "/api/operations/PANDORA-X/seizures.geojson",
        None,
        only(200, *OVERSEERS),
    ),
    (
        "GET",
        "/api/operations/{code}/seizures.hxl.csv",
        "/api/operations/PANDORA-X/seizures.hxl.csv",
        None,
        only(200, *COORD),  # partners: 403 until a report edition is published
    ),
    (
        "GET",
        "/api/operations/{code}/seizure-records.json",
        "/api/operations/PANDORA-X/seizure-records.json",
        None,
        only(200, *COORD),
    ),
    ("GET", "/api/compare", "/api/compare?a=PANDORA-X", None, only(422, *COORD)),
    (
        "POST",
        "/api/users",
        "/api/users",
        {"username": "new-user", "role": "partner"},
        only(201, *COORD),
    ),
    ("GET", "/api/users/me", "/api/users/me", None, only(200, *SIGNED_IN)),
    ("GET", "/api/users", "/api/users", None, only(200, *COORD)),
    ("POST", "/api/users/{username}/token", "/api/users/spare/token", None, only(201, *COORD)),
    (
        "PATCH",
        "/api/users/{username}",
        "/api/users/spare",
        {"disabled": False},
        only(200, *COORD),
    ),
    ("GET", "/api/audit", "/api/audit", None, only(200, *COORD)),
    ("GET", "/audit", "/audit", None, {**only(200, *COORD), **PAGE}),
    (
        "PUT",
        "/api/users/{username}/password",
        "/api/users/es/password",
        {"password": "correct horse battery"},
        only(204, *COORD),
    ),
    (
        "POST",
        "/api/webhooks",
        "/api/webhooks",
        {"url": "https://hooks.example.org/x", "events": ["*"], "secret": "s" * 20},
        only(201, *COORD),
    ),
    ("GET", "/api/webhooks", "/api/webhooks", None, only(200, *COORD)),
    ("DELETE", "/api/webhooks/{webhook_id}", "/api/webhooks/99", None, only(404, *COORD)),
    (
        "GET",
        "/api/webhooks/{webhook_id}/deliveries",
        "/api/webhooks/99/deliveries",
        None,
        only(404, *COORD),
    ),
    (
        "POST",
        "/api/operations/{code}/close",
        "/api/operations/PANDORA-X/close",
        None,
        only(202, *COORD),
    ),
    # Before closing: 409 for coordinators (no report yet), 403 for partners (not published).
    (
        "GET",
        "/api/operations/{code}/report/status",
        "/api/operations/PANDORA-X/report/status",
        None,
        only(200, *READERS),
    ),
    *(
        (
            "GET",
            f"/api/operations/{{code}}/report{ext}",
            f"/api/operations/PANDORA-X/report{ext}",
            None,
            {**only(403, "partner"), "coordinator": 409},
        )
        for ext in ("", ".html", ".pdf", ".xlsx", ".csv")
    ),
    (
        "POST",
        "/api/operations/{code}/report/publish",
        "/api/operations/PANDORA-X/report/publish",
        None,
        only(409, *COORD),
    ),
    (
        "GET",
        "/api/operations/{code}/report/editions",
        "/api/operations/PANDORA-X/report/editions",
        None,
        only(200, *COORD),
    ),
    (
        "POST",
        "/api/operations/{code}/report/editions",
        "/api/operations/PANDORA-X/report/editions",
        {"changes": "x"},
        only(409, *COORD),
    ),
    (
        "POST",
        "/api/operations/{code}/alerts",
        "/api/operations/PANDORA-X/alerts",
        {"title": "t", "body": "b", "countries": ["ES"]},
        only(201, *COORD, "regional_own"),  # a regional coordinator chases its countries
    ),
    (
        "GET",
        "/api/operations/{code}/alerts",
        "/api/operations/PANDORA-X/alerts",
        None,
        only(200, *WATCHERS),
    ),
    # Alert 1 is for ES: another country's contact point is told it does not exist.
    (
        "POST",
        "/api/operations/{code}/alerts/{alert_id}/ack",
        "/api/operations/PANDORA-X/alerts/1/ack",
        None,
        {**only(200, "ncp_own"), "ncp_other": 404},
    ),
    # --- the websocket: 0 = snapshot received, 1008 = closed before any data ------------
    (
        "WS",
        "/api/operations/{code}/live",
        "/api/operations/PANDORA-X/live",
        None,
        {**only(0, *WATCHERS, others=1008), "anonymous": 1008, "bad_token": 1008},
    ),
    # --- pages ----------------------------------------------------------------------------
    ("GET", "/", "/", None, {**only(200, *SIGNED_IN), **PAGE, "bad_token": 303}),
    ("GET", "/operations/new", "/operations/new", None, {**only(200, *COORD), **PAGE}),
    (
        "GET",
        "/operations/{code}/setup",
        "/operations/PANDORA-X/setup",
        None,
        {**only(200, *COORD), **PAGE},
    ),
    (
        "GET",
        "/operations/{code}/returns",
        "/operations/PANDORA-X/returns",
        None,
        {**only(200, *WATCHERS), **PAGE},
    ),
    (
        "GET",
        "/operations/{code}/review",
        "/operations/PANDORA-X/review",
        None,
        {**only(200, *COORD), **PAGE},
    ),
    (
        "GET",
        "/operations/{code}/returns/{country}/{day}",
        PAGE_DAY,
        None,
        {**only(200, *READ_OWN), **PAGE},
    ),
    (
        "GET",
        "/api/operations/{code}/duplicates",
        "/api/operations/PANDORA-X/duplicates",
        None,
        only(200, *COORD),
    ),
    (
        "POST",
        "/api/operations/{code}/duplicates/{pair_id}",
        "/api/operations/PANDORA-X/duplicates/1",
        {"status": "merged"},
        {**only(404, *COORD)},  # the coordinator may, but there is no pair 1
    ),
    (
        "GET",
        "/operations/{code}/duplicates",
        "/operations/PANDORA-X/duplicates",
        None,
        {**only(200, *COORD), **PAGE},
    ),
    (
        "GET",
        "/operations/{code}/dashboard",
        "/operations/PANDORA-X/dashboard",
        None,
        {**only(200, *WATCHERS), **PAGE},
    ),
    (
        "GET",
        "/operations/{code}/alerts",
        "/operations/PANDORA-X/alerts",
        None,
        {**only(200, *OVERSEERS), **PAGE},  # a regional coordinator chases its countries
    ),
    (
        "GET",
        "/operations/{code}/map",
        "/operations/PANDORA-X/map",
        None,
        {**only(200, *OVERSEERS), **PAGE},
    ),
    (
        "GET",
        "/operations/{code}/hits",
        "/operations/PANDORA-X/hits",
        None,
        {**only(200, *COORD), **PAGE},
    ),
    (
        "GET",
        "/operations/{code}/map/frame",
        "/operations/PANDORA-X/map/frame",
        None,
        {**only(200, *OVERSEERS), **PAGE},
    ),
    ("GET", "/compare", "/compare", None, {**only(200, *COORD), **PAGE}),
    ("GET", "/reports", "/reports", None, {**only(200, *READERS), **PAGE}),
    ("GET", "/reports/{code}", "/reports/PANDORA-X", None, {**only(303, *READERS), **PAGE}),
    (
        "GET",
        "/operations/{code}/report",
        "/operations/PANDORA-X/report",
        None,
        {**only(403, "partner"), "coordinator": 409, **PAGE},
    ),
]
for _, _, _, _, _expect in MATRIX:
    if _expect.get("anonymous") == 303:  # a page: a bad token is nobody signed in
        _expect["bad_token"] = 303


def _template(path: str) -> str:
    return re.sub(r":\w+}", "}", path)


def test_matrix_covers_every_route(client: TestClient[Any]) -> None:
    served = set()
    for route in client.app.routes:
        if isinstance(route, WebSocketRoute):
            served.add(("WS", _template(route.path)))
            continue
        for method in getattr(route, "methods", set()) - {"OPTIONS", "HEAD"}:
            served.add((method, _template(route.path)))
    covered = {(m, t) for m, t, *_ in MATRIX}
    assert served - covered == set(), "routes without a row in the matrix"
    assert covered - served == set(), "rows for routes that do not exist"


def _callers(api: Api) -> dict[str, dict[str, str]]:
    return {
        "coordinator": ADMIN,
        "ncp_own": api.user("es", "ncp", "ES"),
        "ncp_other": api.user("fr", "ncp", "FR"),
        "ncp_outsider": api.user("de", "ncp", "DE"),
        "regional_own": api.user("rilo-we", "regional", countries=["ES", "PT"]),
        "regional_other": api.user("rilo-fr", "regional", countries=["FR", "IT"]),
        "regional_outsider": api.user("rilo-de", "regional", countries=["DE", "AT"]),
        "partner": api.user("unesco", "partner"),
        "spare": api.user("spare", "partner"),  # an account to rotate and disable
        "anonymous": {},
        "bad_token": {"Authorization": "Bearer not-a-token"},
    }


def _socket(client: TestClient[Any], path: str, headers: dict[str, str]) -> int:
    token = headers.get("Authorization", "").removeprefix("Bearer ")
    with client.websocket_connect(path) as ws:
        ws.send_json({"type": "auth", "token": token} if token else {"type": "hello"})
        try:
            message = ws.receive_json(timeout=10)
        except WebSocketDisconnect as closed:
            return int(closed.code)
        assert message["type"] == "snapshot"
        return 0


def _request(
    api: Api, method: str, path: str, body: Any, headers: dict[str, str], role: str
) -> Any:
    if body == "form":
        form = {"lang": "fr", "username": f"nobody-{role}", "password": "wrong"}
        return api.client.request(method, path, data=form, headers=headers, follow_redirects=False)
    return api.client.request(method, path, json=body, headers=headers, follow_redirects=False)


@pytest.mark.parametrize(
    ("method", "template", "path", "body", "expect"),
    MATRIX,
    ids=[f"{m} {t}" for m, t, *_ in MATRIX],
)
def test_every_role_on_the_route(
    api: Api, method: str, template: str, path: str, body: Any, expect: dict[str, int]
) -> None:
    api.operation()
    api.participant("ES")
    api.participant("FR")
    callers = _callers(api)
    assert api.put_return("ES", "2026-06-09", {"nil_return": True}, ADMIN).status_code == 201
    alert = {"title": "Watch Algeciras", "body": "Vans from Tangier.", "countries": ["ES"]}
    r = api.client.post("/api/operations/PANDORA-X/alerts", json=alert, headers=ADMIN)
    assert r.json()["id"] == 1, r.text
    api.client.cookies.clear()
    for role in ROLES:
        headers = callers[role]
        want = expect[role]
        if method == "WS":
            assert _socket(api.client, path, headers) == want, role
            continue
        if method in ("POST", "PUT", "PATCH") and want in (201, 202, 204):
            # Write once with a fresh body (the coordinator and the contact point may both).
            body = {**body, "username": f"new-{role}"} if template == "/api/users" else body
            body = (
                {**body, "code": f"OP-{role.upper().replace('_', '-')}"}
                if body and "code" in body
                else body
            )
        r = _request(api, method, path, body, headers, role)
        assert r.status_code == want, (role, method, path, r.text[:300])
        if want == 401 and template.startswith("/api/"):
            assert r.headers.get("www-authenticate", "").startswith("Bearer")
        if want == 303 and role in ("anonymous", "bad_token") and template != "/signout":
            assert r.headers["location"].startswith(("/signin", "/"))
        decided_on_body = (role, template) in DECIDED_ON_BODY
        if want in (401, 403) and method in ("POST", "PUT", "PATCH") and body != "form":
            if decided_on_body:
                continue
            # Refused whatever it sends: an invalid body changes nothing.
            bad = api.client.request(method, path, content=b'{"not json', headers=headers)
            assert bad.status_code == want, (role, "invalid body", bad.text[:300])
            nested = api.client.request(method, path, json={"x": [[[[]]]]}, headers=headers)
            assert nested.status_code == want, (role, "wrong body", nested.text[:300])


def test_non_participating_contact_point_is_refused_the_same_way_everywhere(api: Api) -> None:
    """DE does not take part: 403 on the API, the pages and the files alike, and 1008 on
    the websocket; never 404, never another country's figures."""
    api.operation()
    api.participant("ES")
    de = api.user("de", "ncp", "DE")
    for path in (
        "/api/operations/PANDORA-X/summary",
        "/api/operations/PANDORA-X/participants",
        "/api/operations/PANDORA-X/alerts",
        "/api/operations/PANDORA-X/returns/DE/2026-06-09",
        "/api/operations/PANDORA-X/import-template.csv",
        "/operations/PANDORA-X/returns",
        "/operations/PANDORA-X/dashboard",
        "/operations/PANDORA-X/returns/DE/2026-06-09",
    ):
        r = api.client.get(path, headers=de)
        assert r.status_code == 403, path
        assert "does not take part" in r.text, path
    assert _socket(api.client, "/api/operations/PANDORA-X/live", de) == 1008


def test_refusals_are_decided_before_the_body_is_read(api: Api) -> None:
    api.operation()
    api.participant("ES")
    api.participant("FR")
    partner = api.user("unesco", "partner")
    fr = api.user("fr", "ncp", "FR")
    r = api.client.post("/api/operations", json={}, headers=partner)
    assert r.status_code == 403, r.text
    r = api.client.put(DAY, json={"counters": {"arrests": -1}}, headers=fr)
    assert r.status_code == 403 and "may not access ES" in r.json()["detail"]
    r = api.client.put(DAY, json={"counters": {"arrests": -1}})
    assert r.status_code == 401
    # The caller who may write gets the validation: 422 naming the field.
    r = api.client.put(DAY, json={"counters": {"arrests": -1}}, headers=ADMIN)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "counters.arrests"
    r = api.client.put(
        "/api/operations/PANDORA-X/returns/ES/2026-13-45", json={"nil_return": True}, headers=fr
    )
    assert r.status_code == 403
    r = api.client.put(
        "/api/operations/PANDORA-X/returns/ES/2026-13-45",
        json={"nil_return": True},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "day"


def test_a_refused_page_is_a_page(api: Api) -> None:
    api.operation()
    api.participant("ES")
    partner = api.user("unesco", "partner")
    r = api.client.get("/operations/PANDORA-X/setup", headers={**partner, "Accept": "text/html"})
    assert r.status_code == 403 and r.headers["content-type"].startswith("text/html")
    assert "You may not open this page" in r.text and 'href="/"' in r.text
    r = api.client.get("/operations/NOPE/setup", headers=ADMIN)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")


def test_a_refusal_carries_the_headers_and_the_count_of_any_answer(api: Api) -> None:
    """The check runs inside the app's middleware: a 401 or 403 gets the request id and
    the security headers, and is counted under its own status."""
    api.operation()
    r = api.client.get("/api/operations/PANDORA-X", headers={"X-Request-ID": "probe-401"})
    assert r.status_code == 401
    assert r.headers["x-request-id"] == "probe-401"
    assert r.headers["x-content-type-options"] == "nosniff"
    metrics = api.client.get("/metrics").text
    assert re.search(
        r'opcoord_http_requests_total\{method="GET",route="/api/operations/\{code\}",'
        r'status="401"\} [1-9]',
        metrics,
    ), metrics


def _app_with(*handlers: Any) -> tuple[Litestar, Check]:
    check = make_check(load_facts)
    return Litestar(route_handlers=list(handlers), before_request=check), check


def test_an_app_with_a_route_the_check_would_not_guard_does_not_start() -> None:
    """The check is the app's ``before_request`` hook; a route that would skip it (a hook
    of its own, a cached private answer, a socket with a rule to be checked for it, a
    bare ASGI app) stops the app from being built."""

    async def nothing(request: Any) -> None:
        return None

    @get("/own-hook", opt=needs(Rule.signed_in), before_request=nothing)
    async def own_hook() -> str:
        return "x"

    @get("/cached", opt=needs(Rule.signed_in), cache=60)
    async def cached() -> str:
        return "x"

    @get("/cached-public", opt=needs(Rule.public), cache=60)
    async def cached_public() -> str:
        return "x"

    @websocket("/socket", opt=needs(Rule.signed_in))
    async def socket(socket: WebSocket[Any, Any, Any]) -> None:
        return None

    @asgi("/mounted", opt=needs(Rule.public), copy_scope=True)
    async def mounted(scope: Any, receive: Any, send: Any) -> None:
        return None

    refused = {
        own_hook: "replaces the access check",
        cached: "cached but not public",
        socket: "a socket checks its caller",
        mounted: "would run without a check",
    }
    for handler, reason in refused.items():
        app, check = _app_with(handler)
        with pytest.raises(ImproperlyConfiguredException, match=reason):
            require_checks(app, check)
    app, check = _app_with(cached_public)
    require_checks(app, check)  # public and cached: nothing to check for it
