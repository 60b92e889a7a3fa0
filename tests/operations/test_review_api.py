"""Review of daily returns through the HTTP API and the live channel: approve, query,
hold; a new version after approval; the queue; the dashboard's counts; the report."""

from datetime import timedelta
from typing import Any

from litestar.testing import TestClient

from opcoord.clock import FrozenClock

from conftest import ADMIN, NOW, Api, events, seizure, wait_ready

BASE = "/api/operations/PANDORA-X/returns"
DAY = "2026-06-09"  # due 10 June 10:00 Madrid: past at NOW
EARLIER = "2026-06-08"


def setup(api: Api) -> dict[str, dict[str, str]]:
    api.operation()
    api.participant("ES")
    api.participant("FR")
    return {"ES": api.user("es", "ncp", "ES"), "FR": api.user("fr", "ncp", "FR")}


def review(api: Api, body: dict[str, Any], day: str = DAY, country: str = "ES", **kw: Any) -> Any:
    return api.client.post(
        f"{BASE}/{country}/{day}/review", json=body, headers=kw.get("headers", ADMIN)
    )


def read(api: Api, headers: dict[str, str], day: str = DAY, country: str = "ES") -> Any:
    r = api.client.get(f"{BASE}/{country}/{day}", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def fields(r: Any) -> list[str]:
    return [e["field"] for e in r.json()["errors"]]


def test_a_return_is_pending_until_reviewed_and_then_approved(api: Api) -> None:
    ncp = setup(api)
    api.put_return("ES", DAY, {"seizures": [seizure("ES-1", 3)]}, ncp["ES"])
    assert read(api, ADMIN)["review"] == {
        "status": "pending",
        "comment": None,
        "by": None,
        "at": None,
        "version": None,
        "modified_since": None,
    }
    r = review(api, {"status": "approved", "version": 1})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "approved" and r.json()["by"] == "admin"
    got = read(api, ncp["ES"])["review"]  # the contact point sees it too
    assert (got["status"], got["version"], got["modified_since"]) == ("approved", 1, None)
    assert got["at"].startswith("2026-06-10T12:00")


def test_a_new_version_after_approval_is_pending_and_modified_since(
    api: Api, clock: FrozenClock
) -> None:
    ncp = setup(api)
    api.put_return("ES", DAY, {"seizures": [seizure("ES-1", 3)]}, ncp["ES"])
    review(api, {"status": "approved"})
    clock.set(NOW + timedelta(hours=2))
    r = api.put_return(
        "ES", DAY, {"seizures": [seizure("ES-1", 4)], "amendment_reason": "recount"}, ncp["ES"]
    )
    assert r.status_code == 200 and r.json()["version"] == 2
    got = read(api, ADMIN)["review"]
    assert got["status"] == "pending"
    assert got["modified_since"] is not None and got["modified_since"].startswith("2026-06-10T12")
    # The coordinator loaded version 1: approving "what they saw" is refused.
    stale = review(api, {"status": "approved", "version": 1})
    assert stale.status_code == 409 and fields(stale) == ["version"]
    assert read(api, ADMIN)["review"]["status"] == "pending"
    assert review(api, {"status": "approved", "version": 2}).status_code == 200
    got = read(api, ADMIN)["review"]
    assert (got["status"], got["version"], got["modified_since"]) == ("approved", 2, None)
    history = api.client.get(f"{BASE}/ES/{DAY}/reviews", headers=ncp["ES"]).json()
    assert [(h["version"], h["status"]) for h in history] == [(1, "approved"), (2, "approved")]


def test_bad_reviews_name_their_field_and_change_nothing(api: Api) -> None:
    ncp = setup(api)
    api.put_return("ES", DAY, {"nil_return": True}, ncp["ES"])
    for body, field in [
        ({"status": "maybe"}, "status"),
        ({"status": "query"}, "comment"),
        ({"status": "query", "comment": "   "}, "comment"),
        ({"status": "approved", "version": 0}, "version"),
        ({"status": "approved", "version": "1"}, "version"),
        ({"status": "approved", "colour": "red"}, "colour"),
    ]:
        r = review(api, body)
        assert r.status_code == 422, (body, r.text)
        assert field in fields(r)[0], (body, r.json())
    assert review(api, {"status": "approved"}, day="2026-06-07").status_code == 404
    assert review(api, {"status": "approved"}, country="IT").status_code == 404
    assert read(api, ADMIN)["review"]["status"] == "pending"
    assert api.client.get(f"{BASE}/ES/{DAY}/reviews", headers=ADMIN).json() == []


def test_only_coordinators_review(api: Api) -> None:
    ncp = setup(api)
    api.put_return("ES", DAY, {"nil_return": True}, ncp["ES"])
    r = review(api, {"status": "approved"}, headers=ncp["ES"])
    assert r.status_code == 403
    assert api.client.get("/api/operations/PANDORA-X/reviews", headers=ncp["ES"]).status_code == 403


def test_a_query_reaches_the_contact_point_and_is_answered_by_amending(
    api: Api, clock: FrozenClock
) -> None:
    ncp = setup(api)
    api.put_return("ES", DAY, {"seizures": [seizure("ES-1", 3)]}, ncp["ES"])
    r = review(api, {"status": "query", "comment": "ES-1: 3 coins or 30?"})
    assert r.status_code == 200 and r.json()["status"] == "query"
    queried = events(api.client, "return_queried")
    assert queried == [
        {
            "operation": "PANDORA-X",
            "country": "ES",
            "day": DAY,
            "version": 1,
            "comment": "ES-1: 3 coins or 30?",
            "by": "admin",
        }
    ]
    got = read(api, ncp["ES"])["review"]
    assert (got["status"], got["comment"]) == ("query", "ES-1: 3 coins or 30?")
    clock.set(NOW + timedelta(hours=1))
    api.put_return(
        "ES", DAY, {"seizures": [seizure("ES-1", 30)], "amendment_reason": "typo"}, ncp["ES"]
    )
    assert read(api, ADMIN)["review"]["status"] == "pending"
    entries = api.client.get("/api/audit?action=return.review", headers=ADMIN).json()["entries"]
    assert [e["object"] for e in entries] == [f"ES {DAY} version 1"]


def test_the_queue_filters_by_state_country_and_day_and_counts_every_return(api: Api) -> None:
    ncp = setup(api)
    api.put_return("ES", DAY, {"seizures": [seizure("ES-1", 3)]}, ncp["ES"])
    api.put_return("ES", EARLIER, {"nil_return": True}, ncp["ES"])
    api.put_return("FR", DAY, {"nil_return": True}, ncp["FR"])
    api.put_return("FR", EARLIER, {"nil_return": True}, ncp["FR"])
    review(api, {"status": "approved"}, day=EARLIER)
    review(api, {"status": "on_hold", "comment": "waiting for the seizure report"}, country="FR")
    review(api, {"status": "query", "comment": "which port?"}, country="FR", day=EARLIER)

    def queue(query: str = "") -> dict[str, Any]:
        r = api.client.get(f"/api/operations/PANDORA-X/reviews{query}", headers=ADMIN)
        assert r.status_code == 200, r.text
        return dict(r.json())

    everything = queue()
    assert everything["counts"] == {"pending": 1, "approved": 1, "query": 1, "on_hold": 1}
    # By default the queue holds what still needs a look, oldest day first.
    assert [(x["country"], x["day"], x["review"]["status"]) for x in everything["returns"]] == [
        ("FR", EARLIER, "query"),
        ("ES", DAY, "pending"),
        ("FR", DAY, "on_hold"),
    ]
    first = everything["returns"][1]
    assert (first["seizures"], first["objects"], first["version"]) == (1, 3, 1)
    assert [x["country"] for x in queue("?status=pending")["returns"]] == ["ES"]
    assert len(queue("?status=all")["returns"]) == 4
    assert [x["day"] for x in queue("?status=all&country=ES")["returns"]] == [EARLIER, DAY]
    assert [x["country"] for x in queue(f"?status=all&day={DAY}")["returns"]] == ["ES", "FR"]
    bad = api.client.get("/api/operations/PANDORA-X/reviews?status=done", headers=ADMIN)
    assert bad.status_code == 422 and fields(bad) == ["status"]
    bad = api.client.get("/api/operations/PANDORA-X/reviews?day=yesterday", headers=ADMIN)
    assert bad.status_code == 422 and fields(bad) == ["day"]


def test_the_report_states_approved_and_pending_at_its_cut_off(
    client: TestClient[Any], api: Api, clock: FrozenClock
) -> None:
    ncp = setup(api)
    api.put_return("ES", DAY, {"nil_return": True}, ncp["ES"])
    api.put_return("ES", EARLIER, {"nil_return": True}, ncp["ES"])
    api.put_return("FR", DAY, {"nil_return": True}, ncp["FR"])
    review(api, {"status": "approved"})
    review(api, {"status": "approved"}, day=EARLIER)
    review(api, {"status": "query", "comment": "sure?"}, country="FR")
    r = client.post("/api/operations/PANDORA-X/close", headers=ADMIN)
    assert r.status_code == 202, r.text
    wait_ready(client, "PANDORA-X")
    clock.set(NOW + timedelta(hours=1))
    review(api, {"status": "approved"}, country="FR")  # after the cut-off: not counted
    report = client.get("/api/operations/PANDORA-X/report", headers=ADMIN).json()
    assert report["review"] == {"pending": 0, "approved": 2, "query": 1, "on_hold": 0}
    html = client.get("/api/operations/PANDORA-X/report.html", headers=ADMIN).text
    assert 'data-figure="review_approved" data-value="2"' in html
    assert 'data-figure="review_pending" data-value="0"' in html
