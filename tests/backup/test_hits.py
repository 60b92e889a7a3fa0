"""Watchlist hits and the coordinators' decisions on them travel with a backup: a
confirmed hit is a headline figure (``totals.database_hits``), so a restore that forgot
it would change the operation's figures. Lists belong to no operation and are not
carried: the target must hold the same list (same name, same content), or the restore is
refused unless its decisions are knowingly dropped."""

import time
from pathlib import Path
from typing import Any

import pytest
from backup_story import CODE, DIRECTIONS, MakeDb, backup, make_db, restore, row_counts, verify
from litestar.testing import TestClient

from opcoord.app import create_app
from opcoord.clock import FrozenClock
from opcoord.errors import Conflict
from opcoord.intel import hits
from watchlist_story import ICON_SEIZED, LISTED, csv_bytes

from conftest import ADMIN, NOW, Api, events, seizure

__all__ = ["make_db"]  # the fixture, imported for pytest

HITS = f"/api/operations/{CODE}/hits"
LIST = "INTERPOL SWoA"
ICON = ICON_SEIZED
COIN = seizure(
    "GR-ATH-0002",
    category="coins",
    description="Aureus d'or de l'empereur Hadrien, revers Roma assise, 19 mm",
    object_details={"materials": "or", "inscriptions": "HADRIANVS AVGVSTVS"},
)


def _list_file() -> bytes:
    return csv_bytes(LISTED[:2])


def _upload(client: TestClient[Any]) -> None:
    r = client.post(
        "/api/watchlists",
        files={"file": ("swoa.csv", _list_file(), "text/csv")},
        data={"name": LIST},
        headers=ADMIN,
    )
    assert r.status_code in (200, 201), r.text


def _hits(client: TestClient[Any], n: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 30
    while True:
        found = client.get(HITS, headers=ADMIN).json()["hits"]
        if len(found) >= n:
            return sorted(found, key=lambda h: h["seizure"]["ref"])
        assert time.monotonic() < deadline, found
        time.sleep(0.05)


def _seen(client: TestClient[Any]) -> tuple[list[tuple[Any, ...]], int]:
    """The hits as the analyst reads them (without ids), and the headline figure."""
    listing = [
        (h["seizure"], h["watchlist"], h["object_id"], h["status"], h["note"], h["score"])
        for h in _hits(client, 1)
    ]
    summary = client.get(f"/api/operations/{CODE}/summary", headers=ADMIN).json()
    return listing, summary["totals"]["database_hits"]


def _story(client: TestClient[Any]) -> None:
    """A Greek icon and coin on the list; the icon confirmed, the coin rejected."""
    api = Api(client)
    api.operation()
    api.participant("GR")
    ncp = api.user("ncp-gr", "ncp", "GR")
    _upload(client)
    r = api.put_return("GR", "2026-06-10", {"seizures": [ICON, COIN]}, ncp)
    assert r.status_code == 201, r.text
    icon, coin = _hits(client, 2)
    assert (icon["object_id"], coin["object_id"]) == ("ICON-1988-0042", "COIN-2020-0007")
    for hit, status in ((icon, "confirmed"), (coin, "rejected")):
        decision = {"status": status, "note": f"{status} by the analyst"}
        r = client.post(f"{HITS}/{hit['id']}", json=decision, headers=ADMIN)
        assert r.status_code == 200, r.text


@pytest.mark.parametrize(("source", "target"), DIRECTIONS)
def test_decided_hits_are_restored_against_the_same_list(
    make_db: MakeDb, tmp_path: Path, source: str, target: str
) -> None:
    clock = FrozenClock(NOW)
    src, dst = make_db(source), make_db(target)
    file = tmp_path / "hits.opcoord"
    with TestClient(create_app(src, clock=clock)) as client:
        _story(client)
        before = _seen(client)
        assert before[1] == 1
        written = backup(client, file)
    assert written.counts["watchlist_hits"] == 2

    with TestClient(create_app(dst, clock=clock)) as client:
        _upload(client)  # the same list, uploaded in the target first
    done = restore(dst, file)
    assert (done.hits_restored, done.hits_left_out) == (2, 0)

    with TestClient(create_app(dst, clock=clock)) as client:
        assert _seen(client) == before
        # The target's checker sees the restored seizures as unchecked and checks them
        # again: it finds the same hits, already there, and records nothing new.
        announced = len(events(client, "watchlist_hit"))
        db = client.app.state.db
        client.blocking_portal.call(hits.check_pending, db, NOW, 0.75)
        assert _seen(client) == before
        assert len(events(client, "watchlist_hit")) == announced == 2
        assert verify(client)[0] is None


def test_decisions_against_a_list_the_target_lacks_are_refused_or_knowingly_dropped(
    make_db: MakeDb, tmp_path: Path
) -> None:
    source, target = DIRECTIONS[0]
    clock = FrozenClock(NOW)
    src, dst = make_db(source), make_db(target)
    file = tmp_path / "hits.opcoord"
    with TestClient(create_app(src, clock=clock)) as client:
        _story(client)
        backup(client, file)

    counts = row_counts(dst)
    with pytest.raises(Conflict) as refused:
        restore(dst, file)
    assert f"'{LIST}' version 1 (2 decided)" in refused.value.message
    assert "--drop-hit-decisions" in refused.value.message
    assert row_counts(dst) == counts

    done = restore(dst, file, drop_hit_decisions=True)
    assert (done.hits_restored, done.hits_left_out) == (0, 2)
    with TestClient(create_app(dst, clock=clock)) as client:
        summary = client.get(f"/api/operations/{CODE}/summary", headers=ADMIN).json()
        assert summary["totals"]["database_hits"] == 0
        assert client.get(HITS, headers=ADMIN).json()["hits"] == []
        # Once the list is uploaded here, the restored seizures are checked against it
        # and the hits come back, waiting for a decision.
        _upload(client)
        found = _hits(client, 2)
        assert [h["status"] for h in found] == ["pending", "pending"]
