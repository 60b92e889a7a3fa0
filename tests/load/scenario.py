"""The operation the run works on, set up through the API as a coordinator would."""

import asyncio
import json
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pycountry
from websockets.asyncio.client import connect

from .rawhttp import Connection, Reply

CODE = "FAULT-1"
WINDOW_DAYS = 10  # the last ten days, all past their cut-off: every write is an amendment
SETUP_CONNECTIONS = 8


def countries(n: int) -> list[str]:
    codes = sorted(c.alpha_2 for c in pycountry.countries)
    if n > len(codes):
        raise SystemExit(f"--countries {n}: there are only {len(codes)} ISO 3166 countries")
    return codes[:n]


def window(today: date) -> list[str]:
    return [(today - timedelta(days=i)).isoformat() for i in range(WINDOW_DAYS, 0, -1)]


def days_per_country(
    names: list[str], today: date, per_country: int, seed: int
) -> dict[str, list[str]]:
    days = window(today)
    rng = random.Random(seed)
    return {c: sorted(rng.sample(days, min(per_country, len(days)))) for c in names}


async def _post(conn: Connection, path: str, token: str, body: Any) -> Reply:
    for _ in range(5):
        reply = await conn.request(
            "POST", path, headers={"Authorization": f"Bearer {token}"}, body=body, timeout=30
        )
        if reply.status < 500:
            break
        await asyncio.sleep(0.5)
    if reply.status != 201:
        raise RuntimeError(f"POST {path} -> {reply.status} {reply.body!r}")
    return reply


async def create_operation(ports: list[int], admin: str, names: list[str]) -> dict[str, str]:
    """The operation, its participants and one contact point each; their tokens by country."""
    today = datetime.now(UTC).date()
    conns = [Connection("127.0.0.1", ports[i % len(ports)]) for i in range(SETUP_CONNECTIONS)]
    try:
        await _post(conns[0], "/api/operations", admin, {
            "code": CODE, "name": "Fault harness", "lead": "opcoord load tests",
            "partners": [], "starts_on": (today - timedelta(days=WINDOW_DAYS)).isoformat(),
            # Open for a few more days, so that it does not close (and build its report)
            # while the run is writing.
            "ends_on": (today + timedelta(days=3)).isoformat(),
            "timezone": "UTC", "daily_cutoff": "23:59",
        })  # fmt: skip
        tokens: dict[str, str] = {}
        queue: asyncio.Queue[str] = asyncio.Queue()
        for name in names:
            queue.put_nowait(name)

        async def worker(conn: Connection) -> None:
            while not queue.empty():
                country = queue.get_nowait()
                await _post(
                    conn,
                    f"/api/operations/{CODE}/participants",
                    admin,
                    {"country": country, "agencies": ["customs"]},
                )
                user = {"username": f"ncp-{country.lower()}", "role": "ncp", "country": country}
                tokens[country] = (await _post(conn, "/api/users", admin, user)).json()["token"]

        await asyncio.gather(*(worker(c) for c in conns))
        return {c: tokens[c] for c in names}
    finally:
        for conn in conns:
            conn.close()


async def snapshot_seq(port: int, token: str) -> int:
    """The last seq of the operation's stream, as a fresh dashboard is told."""
    url = f"ws://127.0.0.1:{port}/api/operations/{CODE}/live"
    async with connect(url, proxy=None, max_queue=None, open_timeout=10, close_timeout=1) as ws:
        await ws.send(json.dumps({"type": "auth", "token": token}))
        snapshot = json.loads(await asyncio.wait_for(ws.recv(), 30))
        assert snapshot["type"] == "snapshot", snapshot
        return int(snapshot["seq"])


async def settled_seq(ports: list[int], token: str, quiet: float = 3.0, limit: float = 60) -> int:
    """The stream's last seq once it stopped moving and every instance tells the same.

    A request the client cut may still be running on the server after the writers
    stopped; its event counts too.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    last = -1
    while True:
        seqs = await asyncio.gather(*(snapshot_seq(p, token) for p in ports))
        if len(set(seqs)) == 1 and seqs[0] == last:
            return last
        if loop.time() > deadline:
            raise RuntimeError(f"the event stream did not settle: {seqs}")
        last = seqs[0] if len(set(seqs)) == 1 else -1
        await asyncio.sleep(quiet)
