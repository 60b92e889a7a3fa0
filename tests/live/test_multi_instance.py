"""Two real `opcoord serve` processes on one PostgreSQL: a change made through one
reaches a websocket client of the other."""

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect

from serving import opcoord_server

from conftest import OPERATION, PG_URL, _pg_exec, _pg_url_for

ADMIN = "multi-instance-admin-token-42"
pytestmark = [
    pytest.mark.multiprocess,
    pytest.mark.skipif(PG_URL is None, reason="needs OPCOORD_TEST_DATABASE_URL (PostgreSQL)"),
]


@pytest.fixture
def two_servers(tmp_path: Path) -> Iterator[list[str]]:
    import uuid

    name = f"opcoord_multi_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_exec(f'CREATE DATABASE "{name}"'))
    env = {"OPCOORD_DATABASE_URL": _pg_url_for(name), "OPCOORD_ADMIN_TOKEN": ADMIN}
    try:
        with (
            opcoord_server(env, tmp_path / "server0.log") as a,
            opcoord_server(env, tmp_path / "server1.log") as b,
        ):
            yield [a, b]
    finally:
        asyncio.run(_pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _scenario(a: str, b: str) -> None:
    h = {"Authorization": f"Bearer {ADMIN}"}
    async with httpx.AsyncClient(base_url=a, headers=h) as api:
        today = datetime.now(UTC).date()
        op = {
            **OPERATION,
            "code": "MULTI-1",
            "timezone": "UTC",
            "starts_on": str(today - timedelta(days=5)),
            "ends_on": str(today + timedelta(days=5)),
        }
        assert (await api.post("/api/operations", json=op)).status_code == 201
        r = await api.post(
            "/api/operations/MULTI-1/participants", json={"country": "GR", "agencies": ["customs"]}
        )
        assert r.status_code == 201
        ws_url = b.replace("http://", "ws://") + "/api/operations/MULTI-1/live"
        async with connect(ws_url, proxy=None) as ws:
            await ws.send(json.dumps({"type": "auth", "token": ADMIN}))
            snap = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert snap["type"] == "snapshot" and snap["totals"]["objects_seized"] == 0
            body = {
                "seizures": [
                    {"ref": "GR-1", "category": "ceramics", "quantity": 12, "place_type": "seaport"}
                ]
            }
            r = await api.put(f"/api/operations/MULTI-1/returns/GR/{today}", json=body)
            assert r.status_code == 201, r.text
            event = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert event["type"] == "return_submitted" and event["country"] == "GR"
            assert event["delta"]["objects_seized"] == 12 and event["seq"] > snap["seq"]


def test_put_on_one_instance_reaches_a_client_of_the_other(two_servers: list[str]) -> None:
    asyncio.run(_scenario(*two_servers))
