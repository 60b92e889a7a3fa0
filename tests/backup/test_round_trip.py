"""An operation backed up from one database and restored into another (SQLite into
PostgreSQL and back) looks the same to its users: the figures, every return and version,
the map, the live events replayed from the start, the report and its files, the audit
trail; and ``opcoord audit verify`` passes on the target.

The target already holds another operation and other accounts, so every id differs
between the two databases and a wrong reference would show.
"""

from pathlib import Path
from typing import Any

import pytest
from backup_story import (
    CODE,
    DIRECTIONS,
    MakeDb,
    audit_trail,
    backup,
    make_db,
    report,
    restore,
    seen,
    tell,
    verify,
)
from litestar.testing import TestClient

from opcoord.app import create_app
from opcoord.clock import FrozenClock
from opcoord.operations.scheduled import Context, run_due_jobs

from conftest import ADMIN, NOW, Api, bearer, seizure

__all__ = ["make_db"]  # the fixture, imported for pytest


def _crowd(client: TestClient[Any]) -> None:
    """Another operation and other accounts in the target, so its ids run ahead."""
    api = Api(client)
    api.operation(code="PANDORA-IX", starts_on="2026-05-01")
    for cc in ("DE", "PT"):
        api.participant(cc, code="PANDORA-IX")
    de = api.user("ncp-de", "ncp", "DE")
    api.user("ncp-pt", "ncp", "PT")
    api.user("ncp-it", "ncp", "IT")  # Italy's contact point already has an account here
    body = {"seizures": [seizure("DE-1", 7), seizure("DE-2", 2)]}
    assert api.put_return("DE", "2026-06-05", body, de, code="PANDORA-IX").status_code == 201


@pytest.mark.parametrize(("source", "target"), DIRECTIONS)
def test_a_closed_operation_looks_the_same_after_the_round_trip(
    make_db: MakeDb, tmp_path: Path, source: str, target: str
) -> None:
    clock = FrozenClock(NOW)
    # Two deployments, two audit keys: the target chains the entries again under its own.
    src = make_db(source, audit_key="source-audit-key-0123456789abcdef")
    dst = make_db(target, audit_key="target-audit-key-0123456789abcdef")
    file = tmp_path / "pandora-x.opcoord"
    with TestClient(create_app(src, clock=clock)) as client:
        tell(client, clock)
        before, files = seen(client), report(client)
        trail = audit_trail(client)
        written = backup(client, file)
        assert verify(client)[0] is None
        assert audit_trail(client)[-1]["action"] == "operation.backup"
    assert written.counts["return_versions"] == 5 and written.counts["report_editions"] == 1

    with TestClient(create_app(dst, clock=clock)) as client:
        _crowd(client)
    done = restore(dst, file)
    assert not done.signature_checked  # another key: checksums and digests were checked
    assert done.created_users == ["ncp-es", "ncp-fr"]
    assert done.matched_users == ["ncp-it"]

    with TestClient(create_app(dst, clock=clock)) as client:
        restored_trail = audit_trail(client)  # before reading adds download entries
        assert restored_trail[:-1] == trail
        assert restored_trail[-1]["action"] == "operation.restore"
        after = seen(client)
        for part in before:
            assert after[part] == before[part], part
        assert after["summary"]["totals"]["objects_seized"] == 90 + 3 + 1 + 5 + 12
        assert after["summary"]["totals"]["estimated_value"] == {"EUR": 512500.5, "USD": 8000}
        assert report(client) == files
        problem, checked = verify(client)
        assert problem is None and checked >= len(trail)
        # The restored contact points exist, disabled, until a coordinator lets them in.
        accounts = {u["username"]: u for u in client.get("/api/users", headers=ADMIN).json()}
        assert accounts["ncp-es"]["disabled"] and accounts["ncp-es"]["country"] == "ES"
        assert not accounts["ncp-de"]["disabled"] and not accounts["ncp-it"]["disabled"]
        # A partner of the target reads the published edition.
        unesco = Api(client).user("unesco", "partner")
        r = client.get(f"/api/operations/{CODE}/report", headers=unesco)
        assert r.status_code == 200 and r.json()["totals"] == files["json"]["totals"]
        # The other operation is untouched.
        other = client.get("/api/operations/PANDORA-IX/summary", headers=ADMIN).json()
        assert other["totals"]["objects_seized"] == 9


def test_an_active_operation_carries_on_where_it_left_off(make_db: MakeDb, tmp_path: Path) -> None:
    """Restored mid-window: the day cycle does not run again, the next version and the
    next live event follow on from the source's numbers, and the audit still verifies."""
    source, target = DIRECTIONS[0]
    clock = FrozenClock(NOW)
    src, dst = make_db(source), make_db(target)  # the same key: the signature is checked
    file = tmp_path / "active.opcoord"
    with TestClient(create_app(src, clock=clock)) as client:
        tell(client, clock, close=False)
        ran = client.blocking_portal.call(run_due_jobs, Context.of(client.app.state), NOW)
        assert f"{CODE}:day-close:2026-06-09" in ran
        before = seen(client)
        backup(client, file)
    with TestClient(create_app(dst, clock=clock)) as client:
        _crowd(client)
    done = restore(dst, file)
    assert done.signature_checked

    with TestClient(create_app(dst, clock=clock)) as client:
        # The start-up catch-up ran nothing again, and neither does another run.
        assert client.blocking_portal.call(run_due_jobs, Context.of(client.app.state), NOW) == []
        assert seen(client) == before
        last = before["live"][-1]["seq"]
        assert client.patch("/api/users/ncp-es", json={"disabled": False},
                            headers=ADMIN).status_code == 200  # fmt: skip
        token = client.post("/api/users/ncp-es/token", headers=ADMIN).json()["token"]
        body = {"counters": {"persons_checked": 60}, "seizures": [seizure("ES-GC-0050", 6)],
                "amendment_reason": "one more coin found"}  # fmt: skip
        r = Api(client).put_return("ES", "2026-06-09", body, bearer(token))
        assert r.status_code == 200 and r.json()["version"] == 2, r.text
        with client.websocket_connect(f"/api/operations/{CODE}/live?since={last}") as ws:
            ws.send_json({"type": "auth", "token": token})
            event = ws.receive_json(timeout=10)
        assert event["seq"] == last + 1 and event["type"] == "return_amended"
        totals = client.get(f"/api/operations/{CODE}/summary", headers=ADMIN).json()["totals"]
        assert totals["objects_seized"] == before["summary"]["totals"]["objects_seized"] + 1
        assert verify(client)[0] is None
