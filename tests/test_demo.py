"""`opcoord demo`: the seeded operation is consistent and the simulation submits live."""

import asyncio
from typing import Any

from litestar.testing import TestClient

from opcoord import demo
from opcoord.app import create_app
from opcoord.clock import Clock
from opcoord.config import Settings

from conftest import ADMIN


def test_demo_seeds_an_operation_and_keeps_submitting(settings: Settings) -> None:
    app = create_app(settings, clock=Clock(), extra_lifespans=[demo.demo_lifespan])
    app.state.demo_host = "testserver"
    with TestClient(app) as client:
        summary = client.get(f"/api/operations/{demo.CODE}/summary", headers=ADMIN).json()
        totals = summary["totals"]
        assert totals["countries_participating"] == len(demo.COUNTRIES)
        assert 0 < totals["returns"] <= 9 * len(demo.COUNTRIES)
        assert totals["objects_seized"] == sum(totals["objects_by_category"].values())
        grid = client.get(f"/api/operations/{demo.CODE}/completeness", headers=ADMIN).json()
        assert grid["counts"]["missing"] + grid["counts"]["submitted"] > 0

        coordinator = _coordinator(client)

        async def more() -> Any:
            state = client.app.state
            task = asyncio.create_task(
                demo.simulate(state.db, state.clock, coordinator, period=0.01)
            )
            await asyncio.sleep(0.5)
            task.cancel()

        client.blocking_portal.call(more)
        after = client.get(f"/api/operations/{demo.CODE}/summary", headers=ADMIN).json()
        assert after["totals"]["returns"] > totals["returns"]


def _coordinator(client: TestClient[Any]) -> Any:
    from opcoord.accounts.identity import Caller, Role

    me = client.get("/api/users/me", headers=ADMIN).json()
    assert me["role"] == "coordinator"
    return Caller(id=1, username="coordinator", role=Role.coordinator, country=None)
