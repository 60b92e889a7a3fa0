"""Duplicates through the API: found after a save, merged or distinct, counted once in every
total (summary, live snapshot, report), stale pairs dropped, bad input refused."""

from typing import Any

import sqlalchemy as sa
from litestar.testing import TestClient

from opcoord.accounts import access
from opcoord.accounts.identity import Caller, Role
from opcoord.db import pk
from opcoord.intel import duplicates
from opcoord.operations.merged import DuplicateCheck, DuplicatePair
from opcoord.operations.models import Operation

from conftest import ADMIN, NOW, Api, events, seizure, wait_ready

URL = "/api/operations/PANDORA-X/duplicates"
AUREI = seizure(
    "ES-GC-0042",
    91,
    description="Roman gold aurei",
    origin_country="IT",
    departure_country="ES",
    destination_country="FR",
    estimated_value=500000,
    currency="EUR",
)
# The same coins, reported by France a day later, in French.
AUREI_FR = seizure(
    "FR-DGDDI-7",
    91,
    description="Aurei romains en or",
    origin_country="IT",
    departure_country="ES",
    destination_country="FR",
    estimated_value=500000,
    currency="EUR",
)
OTHER = seizure(
    "ES-GC-0043", 3, description="Greek silver tetradrachm", estimated_value=900, currency="EUR"
)


def returned(*seizures: dict[str, Any]) -> dict[str, Any]:
    return {"nil_return": False, "seizures": list(seizures)}


def setup(api: Api) -> dict[str, dict[str, str]]:
    api.operation()
    api.participant("ES")
    api.participant("FR")
    ncps = {"ES": api.user("es", "ncp", "ES"), "FR": api.user("fr", "ncp", "FR")}
    r = api.put_return("ES", "2026-06-08", returned(AUREI, OTHER), ncps["ES"])
    assert r.status_code == 201, r.text
    r = api.put_return("FR", "2026-06-09", returned(AUREI_FR), ncps["FR"])
    assert r.status_code == 201, r.text
    return ncps


def pairs(client: TestClient[Any], **params: str) -> list[dict[str, Any]]:
    r = client.get(URL, headers=ADMIN, params=params)
    assert r.status_code == 200, r.text
    return list(r.json()["pairs"])


def decide(client: TestClient[Any], pair: int, status: str) -> Any:
    return client.post(f"{URL}/{pair}", json={"status": status}, headers=ADMIN)


def test_the_same_coins_reported_by_two_countries_are_a_pair(
    client: TestClient[Any], api: Api
) -> None:
    setup(api)
    found = pairs(client)
    assert len(found) == 1
    pair = found[0]
    assert (pair["a"]["country"], pair["a"]["ref"]) == ("ES", "ES-GC-0042")
    assert (pair["b"]["country"], pair["b"]["ref"]) == ("FR", "FR-DGDDI-7")
    assert pair["b"]["description"] == "Aurei romains en or"
    assert pair["status"] == "pending"
    assert 0.86 <= pair["score"] <= 1
    # A coordinator's dashboard heard of it.
    found_events = events(client, "duplicate_found")
    assert [(e["a"]["ref"], e["b"]["ref"]) for e in found_events] == [("ES-GC-0042", "FR-DGDDI-7")]


def test_a_return_of_many_seizures_is_checked_and_its_pair_found(
    client: TestClient[Any], api: Api
) -> None:
    """A bulk return: 1,200 seizures of distinct counts, each its own place in the search
    for candidates, and among them the aurei France reported."""
    api.operation()
    api.participant("ES")
    api.participant("FR")
    ncps = {"ES": api.user("es", "ncp", "ES"), "FR": api.user("fr", "ncp", "FR")}
    bulk = [
        seizure(f"ES-BULK-{n}", 100 + n, description=f"Lot {n} of bronze fibulae")
        for n in range(1_200)
    ]
    r = api.put_return("ES", "2026-06-08", returned(AUREI, *bulk), ncps["ES"])
    assert r.status_code == 201, r.text
    r = api.put_return("FR", "2026-06-09", returned(AUREI_FR), ncps["FR"])
    assert r.status_code == 201, r.text
    assert [(p["a"]["ref"], p["b"]["ref"]) for p in pairs(client)] == [("ES-GC-0042", "FR-DGDDI-7")]
    db = client.app.state.db

    async def checked() -> int:
        async with db.read() as session:
            query = sa.select(sa.func.count()).select_from(DuplicateCheck)
            return int(await session.scalar(query) or 0)

    assert client.blocking_portal.call(checked) == 2  # none left for the catch-up


def test_a_merged_pair_counts_once_in_every_total(client: TestClient[Any], api: Api) -> None:
    setup(api)
    before = api.summary()
    assert before["seizures"] == 3
    assert before["objects_seized"] == 185
    assert before["objects_by_country"] == {"ES": 94, "FR": 91}
    pair = pairs(client)[0]["id"]

    r = decide(client, pair, "merged")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "merged"
    after = api.summary()
    assert after["seizures"] == 2
    assert after["objects_seized"] == 94
    assert after["objects_by_category"] == {"coins": 94}
    # The country that reported it first keeps the objects.
    assert after["objects_by_country"] == {"ES": 94}
    assert after["estimated_value"] == {"EUR": 500900}
    assert after["returns"] == before["returns"]  # returns and counters are untouched
    # The live totals moved with it.
    resolved = events(client, "duplicate_resolved")
    assert resolved[-1]["delta"] == {
        "seizures": -1,
        "objects_seized": -91,
        "estimated_value": {"EUR": -500000},
        "objects_by_category": {"coins": -91},
        "objects_by_country": {"FR": -91},
    }
    assert pairs(client, status="merged")[0]["id"] == pair
    assert pairs(client, status="pending") == []

    # Distinct after all: both count again.
    r = decide(client, pair, "distinct")
    assert r.status_code == 200 and r.json()["status"] == "distinct"
    assert api.summary() == before


def test_the_live_snapshot_reads_the_merged_totals(client: TestClient[Any], api: Api) -> None:
    setup(api)
    assert decide(client, pairs(client)[0]["id"], "merged").status_code == 200
    with client.websocket_connect("/api/operations/PANDORA-X/live") as ws:
        ws.send_json({"type": "auth", "token": ADMIN["Authorization"].removeprefix("Bearer ")})
        snapshot = ws.receive_json(timeout=10)
    assert snapshot["type"] == "snapshot"
    assert snapshot["totals"] == api.summary()
    assert snapshot["totals"]["objects_seized"] == 94


def test_the_report_counts_a_merged_pair_once_and_says_so(
    client: TestClient[Any], api: Api
) -> None:
    setup(api)
    completeness_before = client.get(
        "/api/operations/PANDORA-X/completeness", headers=ADMIN
    ).json()["counts"]
    assert decide(client, pairs(client)[0]["id"], "merged").status_code == 200
    running = api.summary()
    r = client.post("/api/operations/PANDORA-X/close", headers=ADMIN)
    assert r.status_code == 202, r.text
    wait_ready(client, "PANDORA-X")
    report = client.get("/api/operations/PANDORA-X/report", headers=ADMIN).json()
    assert report["duplicates_merged"] == 1
    html = client.get("/api/operations/PANDORA-X/report.html", headers=ADMIN)
    assert html.status_code == 200
    assert 'data-figure="duplicates_merged" data-value="1"' in html.text
    assert "1 pair of seizures reported twice was merged" in html.text
    assert report["totals"]["objects_seized"] == 94
    assert report["totals"]["objects_by_country"] == {"ES": 94}
    assert report["totals"]["seizures"] == running["seizures"] == 2
    es = next(c for c in report["countries"] if c["country"] == "ES")
    fr = next(c for c in report["countries"] if c["country"] == "FR")
    assert (es["objects_seized"], fr["objects_seized"]) == (94, 0)
    # Completeness is about returns, not objects: a merge does not touch it.
    c = report["completeness"]
    assert c["received"] <= c["expected"]
    assert c["on_time"] + c["late"] == c["received"]
    assert c["missing"] == c["expected"] - c["received"]
    after = client.get("/api/operations/PANDORA-X/completeness", headers=ADMIN).json()["counts"]
    assert after["submitted"] == completeness_before["submitted"]
    # A closed operation's report is final: no more decisions.
    pair = pairs(client)[0]["id"]
    refused = decide(client, pair, "distinct")
    assert refused.status_code == 409


def test_a_pair_whose_seizure_vanished_is_dropped(client: TestClient[Any], api: Api) -> None:
    ncps = setup(api)
    assert decide(client, pairs(client)[0]["id"], "merged").status_code == 200
    # France replaces its return: the coins were not French after all.
    amended = {
        **returned(seizure("FR-DGDDI-8", 2, category="paintings")),
        "amendment_reason": "the coins were reported by Spain",
    }
    r = api.put_return("FR", "2026-06-09", amended, ncps["FR"])
    assert r.status_code == 200, r.text
    assert pairs(client) == []
    totals = api.summary()
    assert totals["seizures"] == 3
    assert totals["objects_by_country"] == {"ES": 94, "FR": 2}


def test_a_check_lost_in_a_crash_is_caught_up_and_stored_once(
    client: TestClient[Any], api: Api
) -> None:
    setup(api)
    db = client.app.state.db
    assert len(pairs(client)) == 1

    async def crash() -> None:  # as if the process died between the commit and the check
        async with db.write() as session:
            await session.execute(sa.delete(DuplicatePair))
            await session.execute(sa.delete(DuplicateCheck))

    async def count() -> int:
        async with db.read() as session:
            return int(
                await session.scalar(sa.select(sa.func.count()).select_from(DuplicatePair)) or 0
            )

    client.blocking_portal.call(crash)
    assert client.blocking_portal.call(count) == 0
    # The scheduler's catch-up finds the unchecked versions; a second run finds nothing new.
    client.blocking_portal.call(duplicates.catch_up, db, NOW)
    client.blocking_portal.call(duplicates.catch_up, db, NOW)
    assert client.blocking_portal.call(count) == 1
    assert len(pairs(client)) == 1


def test_versions_checked_together_are_paired_as_one_at_a_time(
    client: TestClient[Any], api: Api, monkeypatch: Any
) -> None:
    """A turn after the cut-off checks the versions of many countries in one transaction;
    it lists exactly the pairs checking each version alone lists, and claims them in one
    statement where one at a time took one each."""
    api.operation()
    countries = ["DE", "ES", "FR", "IT", "PT"]
    for n, cc in enumerate(countries):
        api.participant(cc)
        ncp = api.user(cc.lower(), "ncp", cc)
        lots = [
            # The same aurei, in two languages, from every country; each country's own
            # lots of other counts; and two countries' same amphorae.
            {**AUREI, "ref": f"{cc}-AUR"},
            *(
                seizure(f"{cc}-LOT-{k}", 10 * n + k + 1, description=f"Lot {k} of bronze fibulae")
                for k in range(8)
            ),
            *(
                [{**AUREI, "ref": f"{cc}-AMP", "category": "archaeological", "quantity": 4}]
                if cc in ("ES", "PT")
                else []
            ),
        ]
        if n % 2:
            lots[0]["description"] = "Aurei romains en or"
        r = api.put_return(cc, f"2026-06-{8 + n % 3:02d}", returned(*lots), ncp)
        assert r.status_code == 201, r.text
    db = client.app.state.db
    # Only the checks below claim: the background detector is done with the PUTs and is
    # not woken by the pairs they record.
    detector = client.app.state.duplicate_detector
    client.blocking_portal.call(detector.idle)
    monkeypatch.setattr(db, "commit_hooks", [h for h in db.commit_hooks if h != detector.nudge])
    claims: list[str] = []

    def count_claims(*args: Any) -> None:
        if "INSERT INTO duplicate_checks" in args[2]:
            claims.append(args[2])

    async def forget() -> None:  # as if no check had run yet
        async with db.write() as session:
            await session.execute(sa.delete(DuplicatePair))
            await session.execute(sa.delete(DuplicateCheck))

    async def listed() -> set[tuple[str, str, float]]:
        async with db.read() as session:
            rows = await session.execute(
                sa.select(DuplicatePair.a_ref, DuplicatePair.b_ref, DuplicatePair.score)
            )
            return {(a, b, float(s)) for a, b, s in rows}

    async def operation_id() -> int:
        async with db.read() as session:
            return int(
                await session.scalar(sa.select(pk(Operation)).where(Operation.code == "PANDORA-X"))
            )

    op_id = client.blocking_portal.call(operation_id)
    found = {}
    sa.event.listen(db.engine.sync_engine, "before_cursor_execute", count_claims)
    try:
        for per_check in (1, duplicates.VERSIONS_PER_CHECK):
            client.blocking_portal.call(forget)
            monkeypatch.setattr(duplicates, "VERSIONS_PER_CHECK", per_check)
            claims.clear()
            client.blocking_portal.call(duplicates.check_operation, db, op_id, NOW)
            found[per_check] = (client.blocking_portal.call(listed), len(claims))
    finally:
        sa.event.remove(db.engine.sync_engine, "before_cursor_execute", count_claims)
    alone, together = found[1], found[duplicates.VERSIONS_PER_CHECK]
    aurei = {(a, b) for a, b, _ in alone[0] if a.endswith("-AUR")}
    assert len(aurei) == 10  # every two of the five countries' aurei
    assert ("ES-AMP", "PT-AMP") in {(a, b) for a, b, _ in alone[0]}
    assert together[0] == alone[0]
    assert (alone[1], together[1]) == (5, 1)


def test_distinct_objects_of_one_category_are_not_paired(client: TestClient[Any], api: Api) -> None:
    api.operation()
    api.participant("ES")
    ncp = api.user("es", "ncp", "ES")
    body = returned(
        seizure(
            "ES-1",
            12,
            description="Byzantine icon of Saint George, tempera on wood",
            category="religious",
        ),
        seizure(
            "ES-2", 1, description="Silver chalice with enamel, 17th century", category="religious"
        ),
    )
    assert api.put_return("ES", "2026-06-08", body, ncp).status_code == 201
    assert pairs(client) == []


def test_bad_input_is_refused_and_named(client: TestClient[Any], api: Api) -> None:
    ncps = setup(api)
    pair = pairs(client)[0]["id"]
    unknown = decide(client, 9999, "merged")
    assert unknown.status_code == 404
    assert unknown.json()["errors"][0]["field"] == "id"
    not_a_number = decide(client, "abc", "merged")  # type: ignore[arg-type]
    assert not_a_number.status_code == 422
    assert not_a_number.json()["errors"][0]["field"] == "id"
    bad = decide(client, pair, "maybe")
    assert 400 <= bad.status_code < 500
    assert "status" in bad.text
    missing = client.post(f"{URL}/{pair}", json={}, headers=ADMIN)
    assert 400 <= missing.status_code < 500 and "status" in missing.text
    bad_filter = client.get(URL, headers=ADMIN, params={"status": "maybe"})
    assert bad_filter.status_code == 422
    assert bad_filter.json()["errors"][0]["field"] == "status"
    # Contact points neither list nor decide.
    assert client.get(URL, headers=ncps["ES"]).status_code == 403
    assert (
        client.post(f"{URL}/{pair}", json={"status": "merged"}, headers=ncps["FR"]).status_code
        == 403
    )
    assert client.get("/api/operations/NOPE/duplicates", headers=ADMIN).status_code == 404
    # Nothing changed.
    assert pairs(client)[0]["status"] == "pending"


def test_a_contact_point_hears_of_a_duplicate_only_by_its_number() -> None:
    message = {"type": "duplicate_found", "seq": 4, "at": "x", "a": {"ref": "ES-1"}, "b": {}}
    ncp = Caller(id=2, username="es", role=Role.ncp, country="ES", countries=frozenset({"ES"}))
    coordinator = Caller(
        id=1, username="admin", role=Role.coordinator, country=None, countries=None
    )
    assert access.event_view(ncp, message, None) == {"type": "duplicate_found", "seq": 4, "at": "x"}
    assert access.event_view(coordinator, message, None) == message


def test_the_page_lists_pairs_side_by_side(client: TestClient[Any], api: Api) -> None:
    setup(api)
    page = client.get("/operations/PANDORA-X/duplicates", headers=ADMIN)
    assert page.status_code == 200
    assert "Roman gold aurei" in page.text and "Aurei romains en or" in page.text
    fr = client.get("/operations/PANDORA-X/duplicates", headers={**ADMIN, "Accept-Language": "fr"})
    assert "Fusionner" in fr.text
