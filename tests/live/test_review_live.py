"""The dashboard's counts of returns by review state: snapshot, ``return_reviewed``
events, and both reducers agreeing with a fresh snapshot."""

from datetime import timedelta
from pathlib import Path
from typing import Any

from litestar.testing import TestClient
from reducers import check_both

from opcoord.clock import FrozenClock

from conftest import ADMIN, ADMIN_TOKEN, Api, seizure

BASE = "/api/operations/PANDORA-X/returns"
DAY = "2026-06-09"
EARLIER = "2026-06-08"


def setup(api: Api) -> dict[str, dict[str, str]]:
    api.operation()
    api.participant("ES")
    api.participant("FR")
    return {"ES": api.user("es", "ncp", "ES"), "FR": api.user("fr", "ncp", "FR")}


def review(api: Api, body: dict[str, Any], day: str = DAY, country: str = "ES") -> None:
    r = api.client.post(f"{BASE}/{country}/{day}/review", json=body, headers=ADMIN)
    assert r.status_code == 200, r.text


def _snapshot(client: TestClient[Any], token: str) -> dict[str, Any]:
    with client.websocket_connect("/api/operations/PANDORA-X/live") as ws:
        ws.send_json({"type": "auth", "token": token})
        return dict(ws.receive_json(timeout=10))


def test_the_dashboard_counts_returns_by_review_state_live(
    api: Api, clock: FrozenClock, tmp_path: Path
) -> None:
    ncp = setup(api)
    es_token = ncp["ES"]["Authorization"].removeprefix("Bearer ")
    api.put_return("ES", EARLIER, {"nil_return": True}, ncp["ES"])
    for viewer, token in (("coordinator", ADMIN_TOKEN), ("ES", es_token)):
        before = _snapshot(api.client, token)
        seq = before["seq"]
        api.put_return("ES", DAY, {"seizures": [seizure(f"ES-{viewer}", 3)]}, ncp["ES"])
        api.put_return("FR", DAY, {"nil_return": True}, ncp["FR"])
        review(api, {"status": "approved"}, day=EARLIER)
        review(api, {"status": "query", "comment": "which port?"}, country="FR")
        clock.set(clock.now() + timedelta(minutes=5))
        api.put_return(
            "ES",
            EARLIER,
            {"counters": {"arrests": 1}, "amendment_reason": f"late news {viewer}"},
            ncp["ES"],
        )
        review(api, {"status": "on_hold", "comment": "checking"}, day=DAY)
        fresh = _snapshot(api.client, token)
        with api.client.websocket_connect(f"/api/operations/PANDORA-X/live?since={seq}") as ws:
            ws.send_json({"type": "auth", "token": token})
            replayed = [dict(ws.receive_json(timeout=10))]
            while replayed[-1]["seq"] < fresh["seq"]:
                replayed.append(dict(ws.receive_json(timeout=10)))
        assert "return_reviewed" in {e["type"] for e in replayed}
        check_both(f"reviews-{viewer}", before, replayed, fresh, tmp_path)
        if viewer == "coordinator":
            assert fresh["reviews"]["counts"] == {
                "pending": 1,
                "approved": 0,
                "query": 1,
                "on_hold": 1,
            }
        else:  # its own returns only, and no other country's comment
            assert set(fresh["reviews"]["countries"]) == {"ES"}
            assert all("comment" not in e for e in replayed if e.get("country") not in (None, "ES"))
        # Start the second viewer from a clean slate of reviews.
        review(api, {"status": "approved"}, day=EARLIER)
        review(api, {"status": "approved"}, day=DAY)
        review(api, {"status": "approved"}, country="FR")
