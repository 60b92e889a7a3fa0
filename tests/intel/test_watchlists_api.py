"""Watchlists of stolen objects, and the hits against seizures, through the HTTP API."""

import asyncio
import time
from typing import Any

import pytest
import sqlalchemy as sa
from litestar.testing import TestClient

from opcoord.app import create_app
from opcoord.clock import FrozenClock
from opcoord.config import Settings
from opcoord.intel import hits
from opcoord.intel.models import SeizureCheck, WatchlistHit
from watchlist_story import COLUMNS, ICON_SEIZED, LISTED, csv_bytes

from conftest import ADMIN, Api, events, seizure, wait_ready

DAY = "2026-06-10"
HITS = "/api/operations/PANDORA-X/hits"
UNRELATED = seizure("GR-ATH-0002", quantity=40, category="coins", description="Bronze coins")


def upload(client: TestClient[Any], content: bytes, name: str = "INTERPOL SWoA") -> Any:
    return client.post(
        "/api/watchlists",
        files={"file": ("list.csv", content, "text/csv")},
        data={"name": name},
        headers=ADMIN,
    )


def wait_hits(client: TestClient[Any], n: int = 1) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 30
    while True:
        found = client.get(HITS, headers=ADMIN).json()["hits"]
        if len(found) >= n:
            return list(found)
        assert time.monotonic() < deadline, found
        time.sleep(0.05)


def setup_greece(api: Api) -> dict[str, str]:
    api.operation()
    api.participant("GR")
    return api.user("gr-ncp", "ncp", "GR")


def stored(client: TestClient[Any], model: Any) -> int:
    async def count() -> int:
        async with client.app.state.db.read() as session:
            return int(await session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)

    return int(client.blocking_portal.call(count))


def test_a_seizure_written_in_russian_hits_the_listed_icon_and_counts_once_confirmed(
    client: TestClient[Any], api: Api
) -> None:
    ncp = setup_greece(api)
    r = upload(client, csv_bytes(LISTED))
    assert r.status_code == 201, r.text
    assert r.json() | {"id": 0} == {
        "id": 0,
        "name": "INTERPOL SWoA",
        "objects": 3,
        "version": 1,
        "created": True,
        "ignored_columns": [],
    }
    lists = client.get("/api/watchlists", headers=ADMIN).json()
    assert [(w["name"], w["objects"]) for w in lists] == [("INTERPOL SWoA", 3)]

    body = {"seizures": [ICON_SEIZED, UNRELATED]}
    assert api.put_return("GR", DAY, body, ncp).status_code == 201
    [hit] = wait_hits(client)
    assert hit["seizure"] == {"country": "GR", "day": DAY, "ref": "GR-ATH-0001"}
    assert hit["object_id"] == "ICON-1988-0042"
    assert hit["watchlist"] == "INTERPOL SWoA"
    assert hit["status"] == "pending"
    assert 0.75 <= hit["score"] <= 1
    assert {"text", "category", "dimensions"} <= set(hit["fields"])
    [event] = events(client, "watchlist_hit")
    assert event["hit"]["object_id"] == "ICON-1988-0042"
    assert api.summary()["database_hits"] == 0

    # Contact points neither read nor review hits.
    assert client.get(HITS, headers=ncp).status_code == 403
    url = f"{HITS}/{hit['id']}"
    assert client.post(url, json={"status": "confirmed"}, headers=ncp).status_code == 403

    r = client.post(url, json={"status": "confirmed", "note": "riza matches"}, headers=ADMIN)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "confirmed"
    assert api.summary()["database_hits"] == 1
    [reviewed] = events(client, "hit_reviewed")
    assert reviewed["delta"] == {"database_hits": 1}
    # A contact point's summary carries the headline figure too.
    r = client.get("/api/operations/PANDORA-X/summary", headers=ncp)
    assert r.json()["totals"]["database_hits"] == 1

    r = client.post(url, json={"status": "rejected"}, headers=ADMIN)
    assert r.json()["status"] == "rejected"
    assert api.summary()["database_hits"] == 0
    r = client.get(HITS, params={"status": "rejected"}, headers=ADMIN)
    assert [h["id"] for h in r.json()["hits"]] == [hit["id"]]


def test_a_new_list_is_checked_against_the_seizures_already_saved(
    client: TestClient[Any], api: Api
) -> None:
    ncp = setup_greece(api)
    coin = seizure(
        "GR-ATH-0003",
        category="coins",
        description="Aureus en or, empereur Hadrien, légende HADRIANVS AVGVSTVS, 19 mm",
    )
    assert api.put_return("GR", DAY, {"seizures": [coin, UNRELATED]}, ncp).status_code == 201
    assert client.get(HITS, headers=ADMIN).json()["hits"] == []
    assert upload(client, csv_bytes(LISTED)).status_code == 201
    [hit] = wait_hits(client)
    assert (hit["seizure"]["ref"], hit["object_id"]) == ("GR-ATH-0003", "COIN-2020-0007")


def test_the_same_list_again_changes_nothing_and_a_changed_one_keeps_its_history(
    client: TestClient[Any], api: Api
) -> None:
    ncp = setup_greece(api)
    assert api.put_return("GR", DAY, {"seizures": [ICON_SEIZED]}, ncp).status_code == 201
    first = upload(client, csv_bytes(LISTED))
    assert first.status_code == 201
    wait_hits(client)
    again = upload(client, csv_bytes(list(reversed(LISTED))))
    assert again.status_code == 200, again.text
    assert (again.json()["id"], again.json()["version"]) == (first.json()["id"], 1)
    changed = upload(client, csv_bytes(LISTED[:2]))
    assert changed.status_code == 201
    assert changed.json()["version"] == 2
    [listed] = client.get("/api/watchlists", headers=ADMIN).json()
    assert listed["objects"] == 2
    assert [(v["version"], v["objects"], v["current"]) for v in listed["versions"]] == [
        (2, 2, True),
        (1, 3, False),
    ]
    time.sleep(0.3)  # let the re-check of version 2 run: the icon is on it again
    client.blocking_portal.call(client.app.state.watchlist_checker.run_once)
    assert len(client.get(HITS, headers=ADMIN).json()["hits"]) == 1


@pytest.mark.parametrize(
    ("rows", "columns", "row", "field"),
    [
        ([{"title": "Icon"}], ["title"], 1, "object_id"),
        ([LISTED[0], {**LISTED[1], "object_id": ""}], COLUMNS, 3, "object_id"),
        ([{**LISTED[0], "category": "spaceship"}], COLUMNS, 2, "category"),
        ([LISTED[0], {**LISTED[1], "date_of_theft": "last winter"}], COLUMNS, 3, "date_of_theft"),
        ([{**LISTED[0], "country_of_theft": "Greece"}], COLUMNS, 2, "country_of_theft"),
        ([{**LISTED[0], "title": '=HYPERLINK("http://x.example","Icon")'}], COLUMNS, 2, "title"),
        ([LISTED[0], {**LISTED[1], "description": "@SUM(A1)"}], COLUMNS, 3, "description"),
        (
            [LISTED[0], {**LISTED[1], "inscriptions": "+cmd|' /C calc'!A0"}],
            COLUMNS,
            3,
            "inscriptions",
        ),
        ([LISTED[0], {**LISTED[1], "object_id": LISTED[0]["object_id"]}], COLUMNS, 3, "object_id"),
    ],
)
def test_a_bad_list_is_refused_naming_row_and_field_and_nothing_is_stored(
    client: TestClient[Any], rows: list[dict[str, str]], columns: list[str], row: int, field: str
) -> None:
    r = upload(client, csv_bytes(rows, columns))
    assert r.status_code == 422, r.text
    errors = r.json()["errors"]
    assert {"row": row, "field": field} in [
        {"row": e.get("row"), "field": e["field"]} for e in errors
    ]
    assert client.get("/api/watchlists", headers=ADMIN).json() == []


def test_a_50_mb_list_is_refused_and_nothing_is_stored(client: TestClient[Any]) -> None:
    line = b"OBJ,other," + b"x" * 990 + b"\n"
    content = b"object_id,category,description\n" + line * (50 * 1024)
    r = upload(client, content)
    # The per-account write budget (40 MB a minute) or the list limit refuses it first.
    assert r.status_code in (413, 429), r.text[:300]
    assert client.get("/api/watchlists", headers=ADMIN).json() == []


def test_only_coordinators_upload_lists(client: TestClient[Any], api: Api) -> None:
    ncp = setup_greece(api)
    r = client.post(
        "/api/watchlists",
        files={"file": ("list.csv", csv_bytes(LISTED), "text/csv")},
        data={"name": "mine"},
        headers=ncp,
    )
    assert r.status_code == 403
    assert client.get("/api/watchlists", headers=ncp).status_code == 403


def test_a_check_lost_between_commit_and_check_is_caught_up_at_start_once(
    settings: Settings, clock: FrozenClock
) -> None:
    with TestClient(create_app(settings, clock=clock)) as client:
        api = Api(client)
        ncp = setup_greece(api)
        assert upload(client, csv_bytes(LISTED)).status_code == 201
        assert api.put_return("GR", DAY, {"seizures": [ICON_SEIZED]}, ncp).status_code == 201
        wait_hits(client)

        async def forget() -> None:  # as if the process died after the commit
            async with client.app.state.db.write() as session:
                await session.execute(sa.delete(WatchlistHit))
                await session.execute(sa.delete(SeizureCheck))

        client.blocking_portal.call(forget)
        assert client.get(HITS, headers=ADMIN).json()["hits"] == []
        before = len(events(client, "watchlist_hit"))

    with TestClient(create_app(settings, clock=clock)) as client:
        [hit] = wait_hits(client)
        assert hit["object_id"] == "ICON-1988-0042"

        async def twice() -> None:  # two instances checking at once record it once
            async with client.app.state.db.write() as session:
                await session.execute(sa.delete(SeizureCheck))
            db = client.app.state.db
            await asyncio.gather(
                hits.check_pending(db, clock.now(), 0.75), hits.check_pending(db, clock.now(), 0.75)
            )

        client.blocking_portal.call(twice)
        assert len(client.get(HITS, headers=ADMIN).json()["hits"]) == 1
        assert len(events(client, "watchlist_hit")) == before + 1


def test_the_review_page_shows_the_seizure_beside_the_listed_icon(
    client: TestClient[Any], api: Api
) -> None:
    ncp = setup_greece(api)
    upload(client, csv_bytes(LISTED))
    api.put_return("GR", DAY, {"seizures": [ICON_SEIZED]}, ncp)
    [hit] = wait_hits(client)
    page = client.get("/operations/PANDORA-X/hits", headers=ADMIN)
    assert page.status_code == 200
    html = page.text
    assert "GR-ATH-0001" in html and "ICON-1988-0042" in html
    assert "Икона Св. Николая" in html and "O AGIOS NIKOLAOS" in html
    assert f'data-url="/api/operations/PANDORA-X/hits/{hit["id"]}"' in html
    dashboard = client.get("/operations/PANDORA-X/dashboard", headers=ADMIN).text
    assert 'data-total="database_hits"' in dashboard
    assert (
        'data-total="database_hits"'
        not in client.get("/operations/PANDORA-X/dashboard", headers=ncp).text
    )


def test_a_confirmed_hit_is_in_the_report_totals_and_highlights_of_the_coordinators_only(
    client: TestClient[Any], api: Api
) -> None:
    ncp = setup_greece(api)
    upload(client, csv_bytes(LISTED))
    api.put_return("GR", DAY, {"seizures": [ICON_SEIZED, UNRELATED]}, ncp)
    [hit] = wait_hits(client)
    client.post(f"{HITS}/{hit['id']}", json={"status": "confirmed"}, headers=ADMIN)
    assert client.post("/api/operations/PANDORA-X/close", headers=ADMIN).status_code in (200, 202)
    wait_ready(client, "PANDORA-X")
    report = client.get("/api/operations/PANDORA-X/report", headers=ADMIN).json()
    assert report["totals"]["database_hits"] == 1
    icon = [h for h in report["highlights"] if h["ref"] == "GR-ATH-0001"]
    assert icon[0]["watchlist_hits"][0]["object_id"] == "ICON-1988-0042"
    unesco = api.user("unesco", "partner")
    assert client.post("/api/operations/PANDORA-X/report/publish", headers=ADMIN).status_code < 300
    wait_ready(client, "PANDORA-X")
    r = client.get("/api/operations/PANDORA-X/report", headers=unesco)
    assert r.status_code == 200, r.text
    partner = r.json()
    assert partner["totals"]["database_hits"] == 1
    assert all(h.get("watchlist_hits") is None for h in partner["highlights"])
