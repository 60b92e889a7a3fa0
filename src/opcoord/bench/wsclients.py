"""Websocket dashboards in processes of their own, and the harness's handle on them.

A client process connects N sockets (sending ``{"type": "auth", ...}`` first when given
a token), prints ``READY``, then for every message notes its arrival time
(``time.monotonic``: CLOCK_MONOTONIC, the same clock in every process) under the key
that names it (see ``target.event_key``). It prints ``ALL <key>`` once all N sockets
have a message, and on ``STOP`` (stdin) prints ``RESULT <json>`` and exits.

    python -m opcoord.bench.wsclients URL N [TOKEN]
"""

import asyncio
import contextlib
import json
import math
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from opcoord.bench import procs
from opcoord.bench.target import event_key

CONNECT_CONCURRENCY = 50  # handshakes in flight per client process
CONNECT_TRIES = 5  # a dashboard whose handshake fails tries again, as the page does


async def _client_main(url: str, n: int, token: str) -> None:
    from websockets.asyncio.client import ClientConnection, connect

    arrivals: dict[str, list[float]] = defaultdict(list)
    sizes: dict[str, int] = {}
    stats = {"gaps": 0, "closed": 0, "retries": 0}
    failures: list[str] = []
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def try_one() -> tuple[ClientConnection, int | None]:
        ws = await connect(url, proxy=None, max_queue=None, open_timeout=120)
        try:
            if token:
                await ws.send(json.dumps({"type": "auth", "token": token}))
            first = str(await ws.recv())  # the snapshot, or the bare server's hello
        except Exception:
            await ws.close()
            raise
        return ws, json.loads(first).get("seq") if first.startswith("{") else None

    async def open_one() -> tuple[ClientConnection, int | None]:
        async with gate:
            for attempt in range(CONNECT_TRIES):
                try:
                    return await try_one()
                except Exception as exc:
                    if attempt == CONNECT_TRIES - 1:
                        raise
                    stats["retries"] += 1
                    if len(failures) < 3:
                        failures.append(repr(exc)[:300])
                    await asyncio.sleep(0.5 * (attempt + 1))
        raise AssertionError("unreachable")

    async def listen(ws: ClientConnection, seq: int | None) -> None:
        with contextlib.suppress(Exception):
            async for text in ws:
                at = time.monotonic()  # before parsing: the parse is the client's cost
                message = json.loads(text)
                if seq is not None and "seq" in message:
                    stats["gaps"] += message["seq"] != seq + 1
                    seq = message["seq"]
                key = event_key(message)
                arrivals[key].append(at)
                sizes.setdefault(key, len(text))
                if len(arrivals[key]) == n:
                    print(f"ALL {key}", flush=True)
        stats["closed"] += 1

    try:
        opened = await asyncio.gather(*(open_one() for _ in range(n)))
    except Exception as exc:  # say why, rather than leave the harness waiting
        print(f"FAILED {exc!r}", flush=True)
        raise SystemExit(1) from exc
    tasks = [asyncio.create_task(listen(ws, seq)) for ws, seq in opened]
    print("READY", flush=True)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while (await reader.readline()).strip() not in (b"STOP", b""):
        pass
    closed_before = stats["closed"]
    await asyncio.gather(*(ws.close() for ws, _ in opened), return_exceptions=True)
    await asyncio.gather(*tasks, return_exceptions=True)
    body = {
        "arrivals": arrivals,
        "sizes": sizes,
        "gaps": stats["gaps"],
        "closed": closed_before,
        "retries": stats["retries"],
        "failures": failures,
    }
    print("RESULT " + json.dumps(body), flush=True)


@dataclass
class Merged:
    """What every client process saw, put together."""

    arrivals: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    sizes: dict[str, int] = field(default_factory=dict)
    gaps: int = 0
    closed: int = 0  # sockets the server closed before the end
    retries: int = 0  # handshakes that failed and were tried again
    failures: list[str] = field(default_factory=list)  # why, for the first few


@dataclass
class _Child:
    proc: asyncio.subprocess.Process
    n: int
    ready: bool = False
    done: set[str] = field(default_factory=set)
    result: dict[str, Any] | None = None
    failure: str | None = None


class ClientGroup:
    """``n`` dashboards spread over ``processes`` client processes."""

    def __init__(self) -> None:
        self.children: list[_Child] = []
        self._changed = asyncio.Event()
        self._readers: list[asyncio.Task[None]] = []

    @classmethod
    async def start(cls, url: str, n: int, token: str, processes: int) -> "ClientGroup":
        group = cls()
        processes = max(1, min(processes, n))
        for i in range(processes):
            share = n // processes + (i < n % processes)
            args = procs.python_module("opcoord.bench.wsclients", url, str(share), token)
            child = _Child(await procs.spawn_async(args, "websocket clients"), share)
            group.children.append(child)
            group._readers.append(asyncio.create_task(group._read(child)))
        try:
            await group._until(lambda: all(c.ready for c in group.children), 300, "connecting")
        except BaseException:
            await group.close()  # on this loop, before it closes
            raise
        return group

    @property
    def n(self) -> int:
        return sum(c.n for c in self.children)

    async def _read(self, child: _Child) -> None:
        assert child.proc.stdout is not None
        while line := (await child.proc.stdout.readline()).decode():
            if line.startswith("ALL "):
                child.done.add(line[4:].strip())
            elif line.startswith("RESULT "):
                child.result = json.loads(line[7:])
            elif line.startswith("READY"):
                child.ready = True
            elif line.startswith("FAILED"):
                child.failure = line.strip()
            self._changed.set()
        child.failure = child.failure or ("exited" if child.result is None else None)
        self._changed.set()

    async def _until(self, test: Any, timeout: float, what: str) -> bool:
        deadline = time.monotonic() + timeout
        while not test():
            failed = [c.failure for c in self.children if c.failure]
            if failed:
                raise procs.ChildFailedError(f"websocket clients failed while {what}: {failed[0]}")
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)
        return True

    async def wait_keys(self, keys: set[str], timeout: float) -> bool:
        """Until every client has every message named in ``keys`` (False on time-out)."""
        return await self._until(
            lambda: all(keys <= c.done for c in self.children), timeout, "receiving"
        )

    async def stop(self) -> Merged:
        for child in self.children:
            assert child.proc.stdin is not None
            child.proc.stdin.write(b"STOP\n")
            with contextlib.suppress(ConnectionError):
                await child.proc.stdin.drain()
        await self._until(lambda: all(c.result is not None for c in self.children), 120, "stopping")
        merged = Merged()
        for child in self.children:
            assert child.result is not None
            for key, times in child.result["arrivals"].items():
                merged.arrivals[key].extend(times)
            merged.sizes.update(child.result["sizes"])
            merged.gaps += child.result["gaps"]
            merged.closed += child.result["closed"]
            merged.retries += child.result["retries"]
            merged.failures += child.result["failures"]
        await self.close()
        return merged

    async def close(self) -> None:
        for child in self.children:
            procs.end(child.proc.pid)
        for task in self._readers:
            task.cancel()
        await asyncio.gather(*self._readers, return_exceptions=True)


def processes_for(n: int, requested: int | None) -> int:
    """Enough processes that no one client loop limits delivery (about 500 sockets each)."""
    return requested or min(4, max(2, math.ceil(n / 500)))


if __name__ == "__main__":
    procs.raise_nofile()
    url_arg, n_arg, *rest = sys.argv[1:]
    asyncio.run(_client_main(url_arg, int(n_arg), rest[0] if rest else ""))
