"""Concurrent submissions: no lost version number, never two current versions."""

import asyncio
from typing import Any

from litestar.testing import AsyncTestClient

from opcoord.app import create_app
from opcoord.clock import FrozenClock
from opcoord.config import Settings

from conftest import ADMIN, OPERATION, bearer

URL = "/api/operations/PANDORA-X/returns/ES/2026-06-10"


async def _setup(client: AsyncTestClient[Any]) -> dict[str, str]:
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
    async with AsyncTestClient(create_app(settings, clock=clock)) as client:
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
    async with AsyncTestClient(create_app(settings, clock=clock)) as client:
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
    async with AsyncTestClient(create_app(settings, clock=clock)) as client:
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
