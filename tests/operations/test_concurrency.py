"""Concurrent submissions: no lost version number, never two current versions.

Requests go through httpx's ASGI transport on the test's own event loop, so they really
run at once (Litestar's AsyncTestClient hands each request to a portal thread and waits
for it: one request at a time).
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from opcoord.app import create_app
from opcoord.clock import FrozenClock
from opcoord.config import Settings

from conftest import ADMIN, OPERATION, bearer

URL = "/api/operations/PANDORA-X/returns/ES/2026-06-10"
Client = httpx.AsyncClient


@asynccontextmanager
async def concurrent_client(settings: Settings, clock: FrozenClock) -> AsyncIterator[Client]:
    app = create_app(settings, clock=clock)
    async with app.lifespan():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


async def _setup(client: Client) -> dict[str, str]:
    assert (await client.post("/api/operations", json=OPERATION, headers=ADMIN)).status_code == 201
    for c in ("ES",):
        r = await client.post(
            "/api/operations/PANDORA-X/participants",
            json={"country": c, "agencies": ["customs"]},
            headers=ADMIN,
        )
        assert r.status_code == 201
    r = await client.post(
        "/api/users", json={"username": "es", "role": "ncp", "country": "ES"}, headers=ADMIN
    )
    return bearer(r.json()["token"])


async def test_concurrent_puts_for_one_day(settings: Settings, clock: FrozenClock) -> None:
    async with concurrent_client(settings, clock) as client:
        es = await _setup(client)
        n = 24
        bodies = [{"counters": {"persons_checked": i}} for i in range(n)]
        responses = await asyncio.gather(*(client.put(URL, json=b, headers=es) for b in bodies))
        assert sorted(r.status_code for r in responses).count(201) == 1
        assert all(r.status_code in (200, 201) for r in responses), [r.text for r in responses]
        versions = sorted(r.json()["version"] for r in responses)
        assert versions == list(range(1, n + 1))  # every write got its own number, none lost
        history = (await client.get(URL + "/versions", headers=es)).json()
        assert [v["version"] for v in history] == list(range(1, n + 1))
        current = (await client.get(URL, headers=es)).json()
        assert current["version"] == n
        winner = next(r for r in responses if r.json()["version"] == n)
        summary = (await client.get("/api/operations/PANDORA-X/summary", headers=ADMIN)).json()
        assert summary["totals"]["persons_checked"] == winner.json()["counters"]["persons_checked"]
        assert summary["totals"]["returns"] == 1


async def test_concurrent_if_match_lets_exactly_one_win(
    settings: Settings, clock: FrozenClock
) -> None:
    async with concurrent_client(settings, clock) as client:
        es = await _setup(client)
        await client.put(URL, json={}, headers=es)
        responses = await asyncio.gather(
            *(
                client.put(
                    URL, json={"counters": {"arrests": i + 1}}, headers={**es, "If-Match": '"1"'}
                )
                for i in range(10)
            )
        )
        codes = sorted(r.status_code for r in responses)
        assert codes == [200] + [412] * 9


async def test_same_reference_on_two_days_at_once(settings: Settings, clock: FrozenClock) -> None:
    async with concurrent_client(settings, clock) as client:
        es = await _setup(client)
        seizure = {"ref": "ES-1", "category": "coins", "quantity": 5, "place_type": "airport"}
        days = ["2026-06-07", "2026-06-08", "2026-06-09"]
        responses = await asyncio.gather(
            *(
                client.put(
                    f"/api/operations/PANDORA-X/returns/ES/{d}",
                    json={"seizures": [seizure], "amendment_reason": None},
                    headers=es,
                )
                for d in days
            )
        )
        assert sorted(r.status_code for r in responses) == [201, 422, 422]
        summary = (await client.get("/api/operations/PANDORA-X/summary", headers=ADMIN)).json()
        assert summary["totals"]["objects_seized"] == 5


async def _two_countries(client: Client) -> tuple[dict[str, str], dict[str, str]]:
    es = await _setup(client)
    r = await client.post(
        "/api/operations/PANDORA-X/participants",
        json={"country": "FR", "agencies": ["customs"]},
        headers=ADMIN,
    )
    assert r.status_code == 201
    r = await client.post(
        "/api/users", json={"username": "fr", "role": "ncp", "country": "FR"}, headers=ADMIN
    )
    return es, bearer(r.json()["token"])


async def test_countries_write_side_by_side_and_a_close_waits_for_them(
    settings: Settings, clock: FrozenClock
) -> None:
    """What the locks of a PUT are (PostgreSQL): another transaction holding France's
    row, as France's own write in progress does, holds up France's next write and not
    Spain's; one holding the operation's row as closing does holds up both."""
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("row locks are PostgreSQL's; SQLite has one writer at a time")
    dsn = make_url(settings.database_url).set(drivername="postgresql")
    holder = await asyncpg.connect(dsn.render_as_string(hide_password=False))
    try:
        async with concurrent_client(settings, clock) as client:
            es, fr = await _two_countries(client)
            day = "/api/operations/PANDORA-X/returns/{}/2026-06-10"
            locked = holder.transaction()
            await locked.start()
            await holder.execute("SELECT 1 FROM participants WHERE country = 'FR' FOR UPDATE")
            france = asyncio.ensure_future(client.put(day.format("FR"), json={}, headers=fr))
            spain = await asyncio.wait_for(
                client.put(day.format("ES"), json={}, headers=es), timeout=15
            )
            assert spain.status_code == 201  # Spain did not wait for France
            await asyncio.sleep(0.3)
            assert not france.done()  # France's second writer waits for its first
            await locked.rollback()
            assert (await asyncio.wait_for(france, timeout=15)).status_code == 201

            closing = holder.transaction()
            await closing.start()
            await holder.execute("SELECT 1 FROM operations WHERE code = 'PANDORA-X' FOR UPDATE")
            again = asyncio.ensure_future(
                client.put(day.format("ES"), json={"counters": {"arrests": 1}}, headers=es)
            )
            await asyncio.sleep(0.3)
            assert not again.done()  # a write waits while the operation changes
            await closing.rollback()
            assert (await asyncio.wait_for(again, timeout=15)).status_code == 200
            summary = await client.get("/api/operations/PANDORA-X/summary", headers=ADMIN)
            assert summary.json()["totals"]["returns"] == 2
            assert summary.json()["totals"]["arrests"] == 1
    finally:
        await holder.close()
