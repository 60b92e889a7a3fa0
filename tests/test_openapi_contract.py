"""The OpenAPI schema describes what the server does, for every kind of caller.

Schemathesis reads the schema the app serves and sends every documented operation
generated requests, valid and invalid, as a coordinator, a regional coordinator, a
contact point, a partner and nobody. The database is seeded with a running operation
(participants, returns with versions, seizures on the map) and a closed one whose
report is published, and path parameters are often drawn from those real codes,
countries, days and account names, so the handlers behind the access checks answer
too, not only 404s. Every answer must be no 5xx, carry a status code and content type
the schema lists for it, and match the schema's model.

Each operation and role starts from its own copy of the seeded database. Bounded and
seeded: ``OPCOORD_SCHEMA_EXAMPLES`` fuzzed examples per operation and role (default 10)
drawn from ``OPCOORD_SCHEMA_SEED``, so a failure comes back on every run; the coverage
phase (each field's boundaries and wrong types) runs wherever the role may act.
docs/api.md says how to run a longer one.
"""

import asyncio
import json
import os
import re
import shutil
import uuid
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.serialization import encode_json, get_serializer
from litestar.testing import TestClient
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from opcoord.accounts.access import Rule
from opcoord.app import create_app
from opcoord.clock import FrozenClock
from opcoord.config import Settings

from conftest import (
    ADMIN,
    ADMIN_TOKEN,
    AUDIT_KEY,
    BACKENDS,
    NOW,
    Api,
    _pg_exec,
    _pg_url_for,
    seizure,
    wait_ready,
)

EXAMPLES = int(os.environ.get("OPCOORD_SCHEMA_EXAMPLES", "10"))
SEED = int(os.environ.get("OPCOORD_SCHEMA_SEED", "20260610"))
# SQLite by default: on PostgreSQL each of the ~120 items creates and drops a database,
# which more than doubles the run. OPCOORD_SCHEMA_BACKENDS=sqlite,postgresql adds it.
WANTED = os.environ.get("OPCOORD_SCHEMA_BACKENDS", "sqlite").split(",")
CONTRACT_BACKENDS = [b for b in BACKENDS if b in WANTED]
if "postgresql" in WANTED and "postgresql" not in BACKENDS:
    raise RuntimeError("OPCOORD_SCHEMA_BACKENDS names postgresql: set OPCOORD_TEST_DATABASE_URL")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
CLOSED = "ODYSSEY"  # closed early, its report published to partners

# The rules under which each role may be let through (design.md, "Access").
ADMITTED = {
    "coordinator": set(Rule),
    "regional": {Rule.public, Rule.signed_in, Rule.watch, Rule.oversee, Rule.country},
    "ncp": {Rule.public, Rule.signed_in, Rule.watch, Rule.country, Rule.submit},
    "partner": {Rule.public, Rule.signed_in, Rule.report},
    "anonymous": {Rule.public},
}

# What path parameters are often drawn from, besides the generator's own strings: the
# seeded operations, two countries taking part and one outsider, days with and without
# returns, accounts.
KNOWN = {
    "code": ["PANDORA-X", CLOSED],
    "country": ["ES", "FR", "DE"],
    "day": ["2026-06-08", "2026-06-09", "2026-06-10"],
    "username": ["es-ncp", "fr-ncp", "unesco", "rilo"],
    # and body fields: a real time zone, a country not yet taking part, a currency
    "timezone": ["Europe/Madrid", "UTC"],
    "new_country": ["DE", "PT"],
    "currency": ["EUR"],
}
SIDES = ("origin", "departure", "destination")
BINDINGS = {
    **{f"path.{name}": name for name in ("code", "country", "day", "username")},
    "body.timezone": "timezone",
    "body.country": "new_country",
    **{f"body.seizures[*].{side}_country": "new_country" for side in SIDES},
    "body.seizures[*].currency": "currency",
}


def _settings(url: str) -> Settings:
    return Settings(
        database_url=url,
        admin_token=ADMIN_TOKEN,
        audit_key=AUDIT_KEY,
        environment="test",
        db_pool_size=5,
    )


# --- the schema, one per role ---------------------------------------------------------


def _served(app: Litestar) -> dict[str, Any]:
    """The document the app serves at /schema/openapi.json (it needs no database)."""
    handler = app.route_handler_method_map["/schema/openapi.json"]["GET"]
    serializer = get_serializer(handler.resolve_type_encoders())
    return dict(json.loads(encode_json(app.openapi_schema.to_schema(), serializer=serializer)))


def _refused(app: Litestar, role: str) -> list[str]:
    """The operations ``role`` may never use: their access rule admits no such caller."""
    labels = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith("/api/"):
            continue
        path = re.sub(r":\w+}", "}", route.path)
        for method, (handler, _) in route.route_handler_map.items():
            if handler.opt.get("access") not in ADMITTED[role]:
                labels.append(f"{method} {path}")
    return labels


def _config(refused: list[str]) -> schemathesis.Config:
    # A refusal comes before the body is read: its fuzzed examples check it, and every
    # field's boundaries are tried where the role may act.
    operations = [{"include-name": refused, "phases": {"coverage": {"enabled": False}}}]
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            # Also in @settings below: each place ignores a value equal to Hypothesis's
            # default (100), and the suite's profile sets its own.
            "generation": {"max-examples": EXAMPLES},
            "dictionaries": {name: {"values": values} for name, values in KNOWN.items()},
            "parameters": {
                key: {"dictionary": name, "probability": 0.8} for key, name in BINDINGS.items()
            },
            "operations": operations if refused else [],
        }
    )


_APP = create_app(_settings("sqlite+aiosqlite:///:memory:"))
DOCUMENT = _served(_APP)


# --- the seeded database ----------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    """A seeded database (a SQLite file, or a PostgreSQL template) and its callers."""

    backend: str
    source: str
    headers: dict[str, dict[str, str]]  # each role's Authorization header (none: anonymous)


def _seed(app: Litestar) -> dict[str, dict[str, str]]:
    """Two operations through the API, as their users would set them up."""
    with TestClient(app) as client:
        api = Api(client)
        api.operation()
        api.operation(code=CLOSED, name="Operation Odyssey")
        for country in ("ES", "FR", "IT"):
            api.participant(country)
        api.participant("ES", code=CLOSED)
        coordinator = api.user("coord", "coordinator")
        es = api.user("es-ncp", "ncp", "ES")
        fr = api.user("fr-ncp", "ncp", "FR")
        partner = api.user("unesco", "partner")
        rilo = api.user("rilo", "regional", countries=["ES", "PT"])
        point = {"place_name": "Madrid", "lat": 40.4168, "lon": -3.7038}
        returns: list[tuple[str, dict[str, Any]]] = [
            ("2026-06-08", {"seizures": [seizure("ES-GC-0001", 91, **point)]}),
            ("2026-06-09", {"seizures": [seizure("ES-GC-0002", 4, **point)]}),
            (
                "2026-06-09",
                {
                    "seizures": [seizure("ES-GC-0002", 5, **point), seizure("ES-GC-0003", 3)],
                    "amendment_reason": "recount at the depot",
                },
            ),
            ("2026-06-10", {"seizures": [seizure("ES-GC-0004", 1, **point)]}),
        ]
        for day, body in returns:
            assert api.put_return("ES", day, body, es).status_code in (200, 201)
        assert api.put_return("FR", "2026-06-09", {"nil_return": True}, fr).status_code == 201
        body = {"seizures": [seizure("ES-OD-0001", 7, **point)]}
        assert api.put_return("ES", "2026-06-09", body, es, code=CLOSED).status_code == 201
        assert client.post(f"/api/operations/{CLOSED}/close", headers=ADMIN).status_code == 202
        wait_ready(client, CLOSED)
        published = client.post(f"/api/operations/{CLOSED}/report/publish", headers=ADMIN)
        assert published.status_code == 200, published.text
    return {
        "coordinator": coordinator,
        "regional": rilo,
        "ncp": es,
        "partner": partner,
        "anonymous": {},
    }


def _run(coro: Coroutine[Any, Any, None]) -> None:
    asyncio.run(coro)


@pytest.fixture(scope="module", params=CONTRACT_BACKENDS)
def seeded(
    request: pytest.FixtureRequest,
    templates: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Seeded]:
    """Seeded once per backend; each test gets its own copy."""
    clock = FrozenClock(NOW)
    if request.param == "sqlite":
        target = tmp_path_factory.mktemp("contract") / "seeded.db"
        shutil.copyfile(templates["sqlite"], target)
        headers = _seed(create_app(_settings(f"sqlite+aiosqlite:///{target}"), clock=clock))
        yield Seeded("sqlite", str(target), headers)
        return
    name = f"opcoord_seed_{uuid.uuid4().hex[:12]}"
    _run(_pg_exec(f'CREATE DATABASE "{name}" TEMPLATE "{templates["postgresql"]}"'))
    try:
        headers = _seed(create_app(_settings(_pg_url_for(name)), clock=clock))
        yield Seeded("postgresql", name, headers)
    finally:
        _run(_pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def copy_url(seeded: Seeded, tmp_path: Path) -> Iterator[str]:
    """A copy of the seeded database for one operation and role (the run writes)."""
    if seeded.backend == "sqlite":
        target = tmp_path / "contract.db"
        shutil.copyfile(seeded.source, target)
        yield f"sqlite+aiosqlite:///{target}"
        return
    name = f"opcoord_c_{uuid.uuid4().hex[:12]}"
    _run(_pg_exec(f'CREATE DATABASE "{name}" TEMPLATE "{seeded.source}"'))
    try:
        yield _pg_url_for(name)
    finally:
        _run(_pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@dataclass(frozen=True)
class Server:
    app: Litestar
    clock: FrozenClock
    headers: dict[str, dict[str, str]]


@pytest.fixture
def server(seeded: Seeded, copy_url: str) -> Server:
    clock = FrozenClock(NOW)
    return Server(create_app(_settings(copy_url), clock=clock), clock, seeded.headers)


# --- the tests: one a role, one item an operation ---------------------------------------


def _contract(role: str) -> Callable[..., None]:
    schema = schemathesis.openapi.from_dict(DOCUMENT, config=_config(_refused(_APP, role)))

    @schema.parametrize()
    # One app and database serve all of an operation's examples, as one server serves
    # its clients; the next operation starts again from the seeded copy.
    @settings(
        max_examples=EXAMPLES,
        derandomize=False,  # the seed above decides
        database=None,  # nothing replayed from earlier runs: the same seed, the same run
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    def test(case: Case[Any], server: Server) -> None:
        # A second a request: time moves, and no account's write quota fills up.
        server.clock.set(server.clock.now() + timedelta(seconds=1))
        case.call_and_validate(app=server.app, headers=server.headers[role], checks=CHECKS)

    return cast(Callable[..., None], test)


test_as_coordinator = _contract("coordinator")
test_as_regional_coordinator = _contract("regional")
test_as_contact_point = _contract("ncp")
test_as_partner = _contract("partner")
test_as_anonymous = _contract("anonymous")
