"""The baselines' servers, each run as its own process:

- ``raw``: an asyncio protocol (uvloop) that answers every request with canned bytes:
  what wrk can drive on this machine, so the proof that it is not the bottleneck;
- ``hello``: a bare Litestar endpoint under uvicorn with ``opcoord serve``'s options;
- ``db``: the same plus one transaction per PUT that inserts a return's rows into
  scratch tables of opcoord's shape (asyncpg, or aiosqlite on SQLite), no ORM;
- ``ws``: a bare ``websockets`` server that broadcasts a message of a given size.

    python -m opcoord.bench.bare raw PORT | hello PORT [WORKERS]
                                 | db PORT KIND DSN [WORKERS] | ws PORT

``hello`` and ``db`` run as many uvicorn worker processes as ``opcoord serve --workers``
is given in the same run, so a ratio compares like with like.
"""

import asyncio
import itertools
import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

from litestar import Litestar, Request, Response, get, put

from opcoord.bench import seed

# As `opcoord serve` runs uvicorn (see its cli): the access log and the sans-io websockets.
UVICORN = {"log_level": "info", "ws": "websockets-sansio"}


@get("/hello")
async def hello() -> dict[str, str]:
    return {"hello": "world"}


_DB_ENV = "OPCOORD_BENCH_BARE_DB"  # "KIND DSN" for the workers' factory


def _serve(app: Litestar | str, port: int, workers: int = 1) -> None:
    import uvicorn

    if workers > 1:  # workers are spawned afresh: each builds its app from an import string
        uvicorn.run(app, factory=True, workers=workers, host="127.0.0.1", port=port, **UVICORN)  # type: ignore[arg-type]
    else:
        uvicorn.run(app, host="127.0.0.1", port=port, **UVICORN)  # type: ignore[arg-type]


def hello_app() -> Litestar:
    return Litestar([hello])


def db_app_from_env() -> Litestar:
    kind, dsn = os.environ[_DB_ENV].split(" ", 1)
    return db_app(kind, dsn)


def db_app(kind: str, dsn: str) -> Litestar:
    # Request numbers give unique ids; with several workers each process counts in a
    # range of its own (uvicorn's workers have consecutive process ids).
    numbers = itertools.count((os.getpid() % 1000) * 1_000_000 + 1)
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        if kind == "postgresql":
            import asyncpg

            # opcoord's pool: up to 20 connections (OPCOORD_DB_POOL_SIZE=10), kept once opened.
            state["pool"] = await asyncpg.create_pool(dsn, min_size=10, max_size=20)
            yield
            await state["pool"].close()
            return
        import aiosqlite

        conn = await aiosqlite.connect(dsn, timeout=30)
        for pragma in ("journal_mode=WAL", "busy_timeout=30000", "synchronous=NORMAL"):
            await conn.execute(f"PRAGMA {pragma}")
        state["sqlite"], state["lock"] = conn, asyncio.Lock()
        yield
        await conn.close()

    @put("/api/operations/{code:str}/returns/{country:str}/{day:str}")
    async def put_return(request: Request[Any, Any, Any], country: str, day: str) -> Response[Any]:
        if not request.headers.get("authorization", "").startswith("Bearer "):
            return Response({"detail": "no token"}, status_code=401)
        body = json.loads(await request.body())
        n = next(numbers)
        if "pool" in state:
            async with state["pool"].acquire() as conn:
                await seed.bare_put_pg(conn, n, country, date.fromisoformat(day), body)
        else:
            async with state["lock"]:
                await seed.bare_put_sqlite(
                    state["sqlite"], n, country, date.fromisoformat(day), body
                )
        return Response({"version": 1}, status_code=201)

    return Litestar([hello, put_return], lifespan=[lifespan])


async def broadcaster(port: int) -> None:
    """Clients get "hello"; each "go SIZE KEY" on /trigger is broadcast to them all."""
    from websockets.asyncio.server import ServerConnection, broadcast, serve
    from websockets.http11 import Request as WsRequest
    from websockets.http11 import Response as WsResponse

    clients: set[ServerConnection] = set()

    def health(conn: ServerConnection, req: WsRequest) -> WsResponse | None:
        return conn.respond(200, "ok\n") if req.path == "/health" else None

    async def handler(ws: ServerConnection) -> None:
        if ws.request is not None and ws.request.path == "/trigger":
            async for message in ws:
                _, size, key = str(message).split()
                text = json.dumps({"type": "bare", "key": key, "pad": ""})
                text = text[:-2] + "x" * max(0, int(size) - len(text)) + '"}'
                # Answer first, as opcoord answers the PUT and then delivers the event.
                await ws.send("ok")
                broadcast(clients, text)
            return
        clients.add(ws)
        try:
            await ws.send("hello")
            await ws.wait_closed()
        finally:
            clients.discard(ws)

    async with serve(handler, "127.0.0.1", port, max_queue=None, process_request=health):
        await asyncio.Future()


_CANNED = (
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 17\r\n\r\n"
    b'{"hello":"world"}'
)


class _Raw(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: Any = transport  # uvloop's transports are no asyncio.Transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:  # GETs only: no body
            self.buffer = self.buffer[end + 4 :]
            self.transport.write(_CANNED)


async def raw(port: int) -> None:
    server = await asyncio.get_running_loop().create_server(_Raw, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


def main(argv: list[str]) -> None:
    kind, port = argv[0], int(argv[1])
    if kind == "raw":
        import uvloop

        uvloop.run(raw(port))
    elif kind == "hello":
        workers = int(argv[2]) if len(argv) > 2 else 1
        _serve("opcoord.bench.bare:hello_app" if workers > 1 else hello_app(), port, workers)
    elif kind == "db":
        workers = int(argv[4]) if len(argv) > 4 else 1
        os.environ[_DB_ENV] = f"{argv[2]} {argv[3]}"
        app = "opcoord.bench.bare:db_app_from_env" if workers > 1 else db_app(argv[2], argv[3])
        _serve(app, port, workers)
    elif kind == "ws":
        asyncio.run(broadcaster(port))
    else:
        raise SystemExit(f"unknown bare server {kind!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
