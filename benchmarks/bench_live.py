"""Live fan-out: time from a return PUT's response to the event's arrival at every client.

One real ``opcoord serve`` (a temp SQLite file, and PostgreSQL too with ``--pg URL``)
with N websocket dashboard clients; next to it, in the same run, a bare ``websockets``
server that broadcasts a payload of the same size to the same number of clients
(``websockets.broadcast``), measured the same way: from the trigger's answer to the
arrival. The ratio of the two is the figure. Servers and clients run in separate
processes, so they do not share one event loop (or, on 2 cores, one CPU).

    .venv/bin/python benchmarks/bench_live.py [--clients 500,2000] [--puts 20] [--pg URL]

Each PUT waits until every client has its event, so events never overlap. Latencies
are taken with CLOCK_MONOTONIC (``time.monotonic``), which all processes share.
"""

import argparse
import asyncio
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ADMIN = "bench-live-admin-token-0123456789"
CONNECT_CONCURRENCY = 100
DELIVERY_TIMEOUT = 60.0


# --- the client process: N sockets, arrival times ----------------------------------------


async def _clients(url: str, n: int, count: int, token: str) -> None:
    """Connect n clients, print READY, then one GOT line per fully delivered message."""
    from websockets.asyncio.client import connect

    arrivals: list[list[float]] = [[] for _ in range(n)]
    size = 0
    delivered = [0] * (count + 1)  # how many clients have message i
    done = asyncio.Event()
    ready = 0
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    all_ready = asyncio.Event()

    async def one(i: int) -> None:
        nonlocal size, ready
        async with gate:
            ws = await connect(url, proxy=None, max_queue=None, open_timeout=120)
            if token:
                await ws.send(json.dumps({"type": "auth", "token": token}))
            await ws.recv()  # the snapshot (opcoord) or the hello (bare server)
        ready += 1
        if ready == n:
            all_ready.set()
        try:
            while len(arrivals[i]) < count:
                text = await ws.recv()
                arrivals[i].append(time.monotonic())
                size = size or len(text)
                k = len(arrivals[i])
                delivered[k] += 1
                if delivered[k] == n:
                    print(f"GOT {k}", flush=True)
                    if k == count:
                        done.set()
        finally:
            await ws.close()

    tasks = [asyncio.create_task(one(i)) for i in range(n)]
    waiter = asyncio.create_task(all_ready.wait())
    await asyncio.wait([waiter, *tasks], return_when=asyncio.FIRST_COMPLETED)
    failed = [t for t in tasks if t.done() and t.exception()]
    if failed:  # say why, rather than hang the orchestrator
        print(f"FAILED {failed[0].exception()!r}", flush=True)
        raise SystemExit(1)
    print("READY", flush=True)
    await asyncio.wait_for(done.wait(), timeout=DELIVERY_TIMEOUT * count)
    await asyncio.gather(*tasks, return_exceptions=True)
    print("RESULT " + json.dumps({"arrivals": arrivals, "size": size}), flush=True)


# --- the bare websockets server ---------------------------------------------------------------


async def _bare(port: int) -> None:
    """A websockets server: clients get "hello"; "go SIZE" on /trigger broadcasts to them."""
    from websockets.asyncio.server import broadcast, serve

    clients: set[Any] = set()

    async def handler(ws: Any) -> None:
        if ws.request.path == "/trigger":
            seq = 0
            async for message in ws:
                seq += 1
                size = int(str(message).split()[1])
                body = {"type": "return_amended", "seq": seq, "at": datetime.now(UTC).isoformat()}
                text = json.dumps(body)
                text = text[:-1] + ', "pad": "' + "x" * max(0, size - len(text) - 11) + '"}'
                broadcast(clients, text)
                await ws.send("ok")
            return
        clients.add(ws)
        try:
            await ws.send("hello")
            await ws.wait_closed()
        finally:
            clients.discard(ws)

    async with serve(handler, "127.0.0.1", port, max_queue=None):
        print("LISTENING", flush=True)
        await asyncio.Future()


# --- the orchestrating process -------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _raise_nofile() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # children inherit it
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def _wait_line(proc: subprocess.Popen[str], prefix: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"process exited waiting for {prefix!r}")
        # "GOT 1" must not match "GOT 10"; RESULT carries its JSON on the same line.
        if line.strip() == prefix or (prefix == "RESULT" and line.startswith("RESULT ")):
            return line.strip()
    raise TimeoutError(prefix)


def _self(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, __file__, *args], stdout=subprocess.PIPE, text=True, bufsize=1
    )


class Opcoord:
    """One `opcoord serve` with an operation whose window holds today."""

    def __init__(self, database_url: str, log: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self._log = log.open("wb")
        env = {
            **os.environ,
            "OPCOORD_DATABASE_URL": database_url,
            "OPCOORD_ADMIN_TOKEN": ADMIN,
            "OPCOORD_SCHEDULER_ENABLED": "false",  # no reminders in the middle of a run
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "opcoord.cli", "serve", "--port", str(self.port)],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.http = httpx.Client(
            base_url=self.base, headers={"Authorization": f"Bearer {ADMIN}"}, timeout=60
        )
        deadline = time.monotonic() + 90
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"opcoord serve exited; see {log}")
            try:
                if self.http.get("/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("opcoord serve did not start")
            time.sleep(0.2)
        self.today = datetime.now(UTC).date()
        self.code = f"BENCH-{int(time.time())}"  # a --pg database may hold earlier runs
        self.arrests = 0
        r = self.http.post("/api/operations", json={
            "code": self.code, "name": "Benchmark", "lead": "bench", "partners": [],
            "starts_on": (self.today - timedelta(days=3)).isoformat(),
            "ends_on": (self.today + timedelta(days=3)).isoformat(),
            "timezone": "UTC", "daily_cutoff": "23:59",
        })  # fmt: skip
        r.raise_for_status()
        self.http.post(
            f"/api/operations/{self.code}/participants",
            json={"country": "ES", "agencies": ["customs"]},
        ).raise_for_status()

    def trigger(self) -> float:
        """A new version of one return (one event); the time its response arrived."""
        self.started = time.monotonic()
        self.arrests += 1
        r = self.http.put(
            f"/api/operations/{self.code}/returns/ES/{self.today.isoformat()}",
            json={"counters": {"arrests": self.arrests}},
        )
        done = time.monotonic()
        r.raise_for_status()
        return done

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/api/operations/{self.code}/live"

    def close(self) -> None:
        self.http.close()
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self._log.close()


class Bare:
    """The bare websockets broadcast server, and its trigger socket."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.proc = _self("_bare", str(self.port))
        _wait_line(self.proc, "LISTENING", 30)
        self.size = 300
        from websockets.sync.client import connect

        self.ws = connect(f"ws://127.0.0.1:{self.port}/trigger", proxy=None, legacy=True)

    def trigger(self) -> float:
        self.started = time.monotonic()
        self.ws.send(f"go {self.size}")
        assert self.ws.recv(timeout=60) == "ok"
        return time.monotonic()

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.ws.close()
        self.proc.terminate()
        self.proc.wait(timeout=30)


def _run(target: Any, n: int, puts: int, token: str) -> dict[str, Any]:
    clients = _self("_clients", target.ws_url, str(n), str(puts), token)
    try:
        _wait_line(clients, "READY", 300)
        time.sleep(0.5)  # let the server settle after the connection storm
        sent, started = [], []
        for i in range(1, puts + 1):
            sent.append(target.trigger())
            started.append(target.started)
            _wait_line(clients, f"GOT {i}", DELIVERY_TIMEOUT)
            time.sleep(0.05)
        result = json.loads(_wait_line(clients, "RESULT", 60).removeprefix("RESULT "))
    finally:
        clients.wait(timeout=60)
    lat = [(client[i] - sent[i]) * 1000 for client in result["arrivals"] for i in range(puts)]
    from_start = sorted(
        (client[i] - started[i]) * 1000 for client in result["arrivals"] for i in range(puts)
    )
    last = [max(client[i] for client in result["arrivals"]) - sent[i] for i in range(puts)]
    lat.sort()
    return {
        "p50": statistics.median(lat),
        "p99": _p99(lat),
        "max": lat[-1],
        "all_p50": statistics.median(last) * 1000,
        "req_p50": statistics.median(from_start),
        "req_p99": _p99(from_start),
        "size": result["size"],
    }


def _p99(ordered: list[float]) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def _row(label: str, n: int, r: dict[str, Any]) -> str:
    return (
        f"{label:<22} {n:>6} {r['p50']:>9.1f} {r['p99']:>9.1f} {r['max']:>9.1f}"
        f" {r['all_p50']:>9.1f} {r['req_p50']:>9.1f} {r['req_p99']:>9.1f} {r['size']:>7}"
    )


def _ratio(a: float, b: float) -> str:
    return f"{a / b:>9.2f}" if b > 1 else f"{'n/a':>9}"  # under 1 ms the ratio means nothing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="500,2000", help="comma-separated client counts")
    parser.add_argument("--puts", type=int, default=20)
    parser.add_argument("--pg", help="a PostgreSQL URL whose database may be used (emptied)")
    args = parser.parse_args()
    limit = _raise_nofile()
    sizes = [int(x) for x in args.clients.split(",")]
    usable = [n for n in sizes if n + 200 <= limit]
    for n in sorted(set(sizes) - set(usable)):
        print(f"skipping {n} clients: open-file limit {limit}")
    tmp = Path(tempfile.mkdtemp(prefix="bench-live-"))
    backends = {"sqlite": f"sqlite:///{tmp}/bench.db"}
    if args.pg:
        backends["postgresql"] = args.pg
    print(f"{os.cpu_count()} CPUs, {args.puts} PUTs per size. Latencies in ms over every "
          "(client, PUT) pair, from the PUT's (or trigger's) response to the arrival;\n"
          "'last p50': median over PUTs of the time until the last client has it; "
          "'req p50/p99': from the request's start instead of its response.")  # fmt: skip
    header = (
        f"{'server':<22} {'N':>6} {'p50':>9} {'p99':>9} {'max':>9} {'last p50':>9}"
        f" {'req p50':>9} {'req p99':>9} {'bytes':>7}"
    )
    print(header)
    print("-" * len(header))
    for name, url in backends.items():
        server = Opcoord(url, tmp / f"{name}.log")
        bare = Bare()
        try:
            for n in usable:
                ours = _run(server, n, args.puts, ADMIN)
                bare.size = ours["size"]
                base = _run(bare, n, args.puts, "")
                print(_row(f"opcoord ({name})", n, ours))
                print(_row("bare websockets", n, base))
                print(f"{'ratio opcoord / bare':<22} {n:>6} {_ratio(ours['p50'], base['p50'])}"
                      f" {_ratio(ours['p99'], base['p99'])} {_ratio(ours['max'], base['max'])}"
                      f" {_ratio(ours['all_p50'], base['all_p50'])}"
                      f" {_ratio(ours['req_p50'], base['req_p50'])}"
                      f" {_ratio(ours['req_p99'], base['req_p99'])}", flush=True)  # fmt: skip
        finally:
            bare.close()
            server.close()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_clients":
        _raise_nofile()
        url, n, count, *rest = sys.argv[2:]
        asyncio.run(_clients(url, int(n), int(count), rest[0] if rest else ""))
    elif len(sys.argv) > 1 and sys.argv[1] == "_bare":
        _raise_nofile()
        asyncio.run(_bare(int(sys.argv[2])))
    else:
        main()
