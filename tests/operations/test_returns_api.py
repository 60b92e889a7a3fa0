"""Daily returns through the HTTP API: versions, lateness, amendments, retries."""

from datetime import timedelta
from typing import Any

from opcoord.clock import FrozenClock

from conftest import ADMIN, NOW, Api, seizure

DAY = "2026-06-10"  # today in Madrid at NOW: due 11 June 10:00 local
PAST_DAY = "2026-06-08"  # due 9 June 10:00 local: already past


def setup(api: Api) -> dict[str, str]:
    api.operation()
    api.participant("ES")
    api.participant("FR")
    return api.user("es-ncp", "ncp", "ES")


def full_return(**over: Any) -> dict[str, Any]:
    body = {
        "counters": {
            "persons_checked": 1200,
            "vehicles_checked": 300,
            "arrests": 1,
            "investigations_criminal": 1,
        },
        "facilitating_items": {"metal_detectors": 2},
        "seizures": [
            seizure(
                "ES-GC-0042",
                91,
                description="Roman gold aurei",
                place_type="auction_house",
                place_name="Madrid",
                lat=40.4168,
                lon=-3.7038,
                origin_country="IT",
                departure_country="ES",
                destination_country="CH",
                estimated_value=500000,
                currency="EUR",
            ),
        ],
        "notes": "joint action with police",
    }
    body.update(over)
    return body


def test_first_version_is_201_and_reads_back(api: Api) -> None:
    es = setup(api)
    r = api.put_return("ES", DAY, full_return(), es)
    assert r.status_code == 201
    body = r.json()
    assert body["version"] == 1 and body["late"] is False
    assert body["submitted_at"].startswith("2026-06-10T12:00")
    assert r.headers["etag"] == '"1"'
    got = api.client.get(f"/api/operations/PANDORA-X/returns/ES/{DAY}", headers=es).json()
    assert got["counters"]["persons_checked"] == 1200
    assert got["counters"]["vessels_checked"] == 0  # omitted counters are 0
    assert got["facilitating_items"] == {"metal_detectors": 2, "excavation_tools": 0}
    s = got["seizures"][0]
    assert (s["ref"], s["quantity"], s["origin_country"], s["estimated_value"]) == (
        "ES-GC-0042",
        91,
        "IT",
        500000,
    )
    assert (s["lat"], s["lon"], s["currency"]) == (40.4168, -3.7038, "EUR")
    assert got["submitted_by"] == "es-ncp"


def test_replacement_same_day_makes_version_2_and_keeps_version_1(api: Api) -> None:
    es = setup(api)
    api.put_return("ES", DAY, full_return(), es)
    r = api.put_return("ES", DAY, full_return(counters={"arrests": 3}), es)
    assert r.status_code == 200 and r.json()["version"] == 2
    base = f"/api/operations/PANDORA-X/returns/ES/{DAY}"
    assert api.client.get(base, headers=es).json()["counters"]["arrests"] == 3
    old = api.client.get(base, params={"version": 1}, headers=es).json()
    assert old["version"] == 1 and old["counters"]["arrests"] == 1 and old["current_version"] == 2
    versions = api.client.get(base + "/versions", headers=es).json()
    assert [v["version"] for v in versions] == [1, 2]
    assert api.summary()["arrests"] == 3  # the replacement counts, not both


def test_identical_resubmission_creates_no_version(api: Api) -> None:
    es = setup(api)
    assert api.put_return("ES", DAY, full_return(), es).status_code == 201
    for _ in range(3):
        r = api.put_return("ES", DAY, full_return(), es)
        assert r.status_code == 200 and r.json()["version"] == 1
    versions = api.client.get(f"/api/operations/PANDORA-X/returns/ES/{DAY}/versions", headers=es)
    assert len(versions.json()) == 1
    assert api.summary()["objects_seized"] == 91


def test_late_first_submission_is_flagged_late(api: Api) -> None:
    es = setup(api)
    r = api.put_return("ES", PAST_DAY, full_return(), es)
    assert r.status_code == 201 and r.json()["late"] is True
    assert r.json()["due_at"].startswith("2026-06-09T08:00")  # 10:00 CEST


def test_amendment_after_due_time_needs_a_reason(api: Api) -> None:
    es = setup(api)
    api.put_return("ES", PAST_DAY, full_return(), es)
    r = api.put_return("ES", PAST_DAY, full_return(counters={"arrests": 2}), es)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "amendment_reason"
    assert api.summary()["arrests"] == 1  # refused: nothing changed
    r = api.put_return(
        "ES",
        PAST_DAY,
        full_return(counters={"arrests": 2}, amendment_reason="second arrest confirmed"),
        es,
    )
    assert r.status_code == 200 and r.json()["version"] == 2
    assert r.json()["amendment_reason"] == "second arrest confirmed"
    assert api.summary()["arrests"] == 2


def test_replacement_before_due_time_needs_no_reason(api: Api, clock: FrozenClock) -> None:
    es = setup(api)
    api.put_return("ES", DAY, full_return(), es)
    clock.set(NOW + timedelta(hours=19))  # 11 June 09:00 Madrid: still before the cut-off
    r = api.put_return("ES", DAY, full_return(counters={"arrests": 4}), es)
    assert r.status_code == 200 and r.json()["late"] is False
    clock.set(NOW + timedelta(hours=20, minutes=1))  # 10:01 Madrid: past the cut-off
    r = api.put_return("ES", DAY, full_return(counters={"arrests": 5}), es)
    assert r.status_code == 422


def test_if_match_gives_optimistic_concurrency(api: Api) -> None:
    es = setup(api)
    api.put_return("ES", DAY, full_return(), es)
    api.put_return("ES", DAY, full_return(counters={"arrests": 2}), {**es, "If-Match": '"1"'})
    stale = api.put_return(
        "ES", DAY, full_return(counters={"arrests": 9}), {**es, "If-Match": '"1"'}
    )
    assert stale.status_code == 412
    assert stale.json()["errors"][0]["field"] == "If-Match"
    assert api.summary()["arrests"] == 2
    ok = api.put_return("ES", DAY, full_return(counters={"arrests": 9}), {**es, "If-Match": '"2"'})
    assert ok.status_code == 200 and ok.json()["version"] == 3
    bad = api.put_return("ES", DAY, full_return(), {**es, "If-Match": "yesterday"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "If-Match"


def test_retry_with_stale_if_match_of_a_write_that_succeeded_is_safe(api: Api) -> None:
    es = setup(api)
    api.put_return("ES", DAY, full_return(), es)
    first = api.put_return(
        "ES", DAY, full_return(counters={"arrests": 2}), {**es, "If-Match": '"1"'}
    )
    retry = api.put_return(
        "ES", DAY, full_return(counters={"arrests": 2}), {**es, "If-Match": '"1"'}
    )
    assert first.json()["version"] == retry.json()["version"] == 2
    assert retry.status_code == 200


def test_nil_return(api: Api) -> None:
    es = setup(api)
    r = api.put_return("ES", DAY, {"nil_return": True}, es)
    assert r.status_code == 201 and r.json()["nil_return"] is True
    grid = api.client.get("/api/operations/PANDORA-X/completeness", headers=ADMIN).json()
    es_row = next(c for c in grid["countries"] if c["country"] == "ES")
    assert es_row["days"][DAY] == "nil"
    bad = api.put_return("ES", PAST_DAY, {"nil_return": True, "seizures": [seizure("X")]}, es)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "seizures"
    bad = api.put_return("ES", PAST_DAY, {"nil_return": True, "counters": {"arrests": 1}}, es)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "counters"


def test_day_outside_window_in_future_or_before_joining(api: Api) -> None:
    es = setup(api)
    for day, reason in (
        ("2026-05-31", "outside"),
        ("2026-07-01", "outside"),
        ("2026-06-11", "future"),
    ):
        r = api.put_return("ES", day, full_return(), es)
        assert r.status_code == 422, day
        assert r.json()["errors"][0]["field"] == "day" and reason in r.json()["detail"]
    api.participant("IT", joins_on="2026-06-05")
    it = api.user("it-ncp", "ncp", "IT")
    assert api.put_return("IT", "2026-06-04", full_return(), it).status_code == 422
    assert api.put_return("IT", "2026-06-05", full_return(), it).status_code == 201


def test_non_participant_and_unknown_operation(api: Api) -> None:
    setup(api)
    de = api.user("de-ncp", "ncp", "DE")
    # A contact point whose country does not take part is refused, whatever it sends.
    r = api.put_return("DE", DAY, full_return(), de)
    assert r.status_code == 403 and "does not take part" in r.json()["detail"]
    assert api.put_return("DE", DAY, {"nil_return": "maybe"}, de).status_code == 403
    # A coordinator may write any participating country's return: DE is not one.
    r = api.put_return("DE", DAY, full_return(), ADMIN)
    assert r.status_code == 404 and r.json()["errors"][0]["field"] == "country"
    r = api.put_return("ES", DAY, full_return(), ADMIN, code="NOPE-1")
    assert r.status_code == 404 and r.json()["errors"][0]["field"] == "code"


def test_reference_reused_on_a_later_day_is_refused(api: Api) -> None:
    es = setup(api)
    api.put_return("ES", PAST_DAY, full_return(), es)
    r = api.put_return("ES", "2026-06-09", {"seizures": [seizure("ES-GC-0042", 5)]}, es)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "seizures[0].ref"
    assert "2026-06-08" in r.json()["detail"]
    # Another country may use the same string: references are per country.
    fr = api.user("fr-ncp", "ncp", "FR")
    assert (
        api.put_return("FR", "2026-06-09", {"seizures": [seizure("ES-GC-0042", 5)]}, fr).status_code
        == 201
    )
    # The same return's next version keeps its own references.
    r = api.put_return(
        "ES", PAST_DAY, full_return(counters={"arrests": 2}, amendment_reason="second arrest"), es
    )
    assert r.status_code == 200 and r.json()["version"] == 2
    assert r.json()["seizures"][0]["ref"] == "ES-GC-0042"


def test_closed_operation_refuses_writes(api: Api, clock: FrozenClock) -> None:
    es = setup(api)
    clock.set(NOW + timedelta(days=25))  # after 1 July 10:00 Madrid: the window is over
    r = api.put_return("ES", DAY, full_return(), es)
    assert r.status_code == 409
    op = api.client.get("/api/operations/PANDORA-X", headers=ADMIN).json()
    assert op["status"] == "closed"


def test_coordinator_may_submit_for_any_country(api: Api) -> None:
    setup(api)
    r = api.put_return("FR", DAY, {"nil_return": True}, ADMIN)
    assert r.status_code == 201 and r.json()["submitted_by"] == "admin"


def test_missing_return_and_version_404(api: Api) -> None:
    es = setup(api)
    base = f"/api/operations/PANDORA-X/returns/ES/{DAY}"
    assert api.client.get(base, headers=es).status_code == 404
    api.put_return("ES", DAY, full_return(), es)
    assert api.client.get(base, params={"version": 7}, headers=es).status_code == 404


def test_if_none_match_guards_the_first_version(api: Api) -> None:
    es = setup(api)
    first = api.put_return("ES", DAY, full_return(), {**es, "If-None-Match": "*"})
    assert first.status_code == 201
    retry = api.put_return("ES", DAY, full_return(), {**es, "If-None-Match": "*"})
    assert retry.status_code == 200 and retry.json()["version"] == 1  # a safe retry
    other = api.put_return(
        "ES", DAY, full_return(notes="someone else"), {**es, "If-None-Match": "*"}
    )
    assert other.status_code == 412
    assert (
        api.client.get(f"/api/operations/PANDORA-X/returns/ES/{DAY}", headers=es).json()["notes"]
        == "joint action with police"
    )


def test_errors_carry_stable_types(api: Api) -> None:
    es = setup(api)
    api.put_return("ES", PAST_DAY, full_return(), es)
    taken = api.put_return("ES", "2026-06-09", {"seizures": [seizure("ES-GC-0042")]}, es).json()
    assert taken["errors"][0] | {"message": ""} == {
        "field": "seizures[0].ref",
        "type": "ref_taken",
        "day": PAST_DAY,
        "message": "",
    }
    late = api.put_return("ES", PAST_DAY, full_return(notes="x"), es).json()
    assert late["errors"][0]["type"] == "amendment_reason_required"
    pair = api.put_return("ES", DAY, {"seizures": [seizure("A", lat=1.0)]}, es).json()
    assert pair["errors"][0]["type"] == "coords_pair"
    dup = api.put_return("ES", DAY, {"seizures": [seizure("A"), seizure("A")]}, es).json()
    assert dup["errors"][0]["type"] == "duplicate_ref" and "'A'" in dup["errors"][0]["message"]
