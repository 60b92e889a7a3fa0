"""Sections 4-5: the cut-off burst and the fan-out, each beside a bare ``websockets``
server broadcasting messages of the same size to as many clients, timed the same way:
from the trigger's response to each client's arrival (CLOCK_MONOTONIC)."""

import asyncio
import random
import statistics
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from opcoord.bench import target
from opcoord.bench.config import Config
from opcoord.bench.results import Results, percentile
from opcoord.bench.target import Opcoord, Operation
from opcoord.bench.wsclients import ClientGroup, Merged, processes_for


@dataclass
class Fired:
    keys: list[str]
    started: float
    answered: float
    ok: bool


class Trigger(Protocol):
    ws_url: str
    token: str

    async def fire(self, i: int, country: str, refs: int) -> Fired: ...


class OpcoordTrigger:
    """A return PUT: counters only, or with ``refs`` new seizures."""

    def __init__(self, server: Opcoord, op: Operation, http: httpx.AsyncClient) -> None:
        self.server, self.op, self.http = server, op, http
        self.ws_url = f"ws://127.0.0.1:{server.port}/api/operations/{op.code}/live"
        self.token = server.token  # dashboards are coordinators: they see every event
        self.rng = random.Random(4)  # noqa: S311 - made-up data, not secrets
        self.nonce = f"L{time.monotonic_ns() % 10**9}"
        self.count = 0  # every PUT changes the counters: a new version, never a no-op

    async def fire(self, i: int, country: str, refs: int) -> Fired:
        names = [f"{self.nonce}-{country}-{i}-{j}" for j in range(refs)]
        self.count += 1
        body = target.return_body(names, self.rng, list(self.op.tokens), arrests=self.count)
        url = f"/api/operations/{self.op.code}/returns/{country}/{self.op.today.isoformat()}"
        headers = {"Authorization": f"Bearer {self.op.tokens[country]}"}
        started = time.monotonic()
        r = await self.http.put(url, json=body, headers=headers)
        answered = time.monotonic()
        if r.status_code not in (200, 201):
            return Fired([], started, answered, ok=False)
        return Fired(
            target.keys_of_put(country, self.op.today, r.json(), names), started, answered, ok=True
        )


class BareTrigger:
    """One broadcast per message the opcoord trigger would cause, of the same size."""

    def __init__(self, host: str, sizes: list[int]) -> None:
        self.ws_url = f"ws://{host}/"
        self.token = ""
        self.host, self.sizes = host, sizes or [300]
        self.lock = asyncio.Lock()  # one trigger socket: one exchange at a time
        self.ws: Any = None

    async def open(self) -> None:
        from websockets.asyncio.client import connect

        self.ws = await connect(f"ws://{self.host}/trigger", proxy=None)

    async def fire(self, i: int, country: str, refs: int) -> Fired:
        keys = [f"b:{i}:{k}" for k in range(2 if refs else 1)]
        async with self.lock:
            started = time.monotonic()
            for k, key in enumerate(keys):
                await self.ws.send(f"go {self.sizes[k % len(self.sizes)]} {key}")
                await self.ws.recv()
            answered = time.monotonic()
        return Fired(keys, started, answered, ok=True)

    async def close(self) -> None:
        await self.ws.close()


@dataclass
class Delivery:
    fired: list[Fired] = field(default_factory=list)
    merged: Merged = field(default_factory=Merged)
    clients: int = 0
    complete: bool = True

    def latencies(self, *, from_start: bool = False) -> list[float]:
        out: list[float] = []
        for f in self.fired:
            t = f.started if from_start else f.answered
            for key in f.keys:
                out.extend((a - t) * 1000 for a in self.merged.arrivals.get(key, []))
        return out

    def last_client(self) -> list[float]:
        """Per message: until the last client had it."""
        return [
            (max(self.merged.arrivals[k]) - f.answered) * 1000
            for f in self.fired
            for k in f.keys
            if self.merged.arrivals.get(k)
        ]

    def missing(self) -> int:
        expected = [k for f in self.fired for k in f.keys]
        return sum(max(0, self.clients - len(self.merged.arrivals.get(k, []))) for k in expected)

    def summary(self) -> dict[str, Any]:
        lat, last = self.latencies(), self.last_client()
        puts = [(f.answered - f.started) * 1000 for f in self.fired]
        return {
            "clients": self.clients,
            "messages": sum(len(f.keys) for f in self.fired),
            "p50": percentile(lat, 50),
            "p99": percentile(lat, 99),
            "max": max(lat, default=0),
            "last_p50": statistics.median(last) if last else 0.0,
            "from_request_p99": percentile(self.latencies(from_start=True), 99),
            "trigger_p50": percentile(puts, 50),
            "trigger_p99": percentile(puts, 99),
            "acknowledged": sum(f.ok for f in self.fired),
            "sent": len(self.fired),
            "missing": self.missing(),
            "gaps": self.merged.gaps,
            "closed_by_server": self.merged.closed,
            "connect_retries": self.merged.retries,
            "connect_failures": self.merged.failures,
            "complete": self.complete,
            "sizes": sorted(set(self.merged.sizes.values())),
        }


async def _deliver(
    trig: Trigger,
    n: int,
    cfg: Config,
    plan: list[tuple[float, str]],
    refs: int,
    *,
    one_at_a_time: bool,
) -> Delivery:
    group = await ClientGroup.start(trig.ws_url, n, trig.token, processes_for(n, cfg.client_procs))
    out = Delivery(clients=n)
    try:
        await asyncio.sleep(0.5)  # let the server settle after the connection storm
        if one_at_a_time:
            for i, (_, country) in enumerate(plan):
                fired = await trig.fire(i, country, refs)
                out.fired.append(fired)
                out.complete &= await group.wait_keys(set(fired.keys), cfg.delivery_timeout)
                await asyncio.sleep(0.05)
        else:
            t0 = time.monotonic()

            async def at(i: int, offset: float, country: str) -> Fired:
                await asyncio.sleep(max(0.0, t0 + offset - time.monotonic()))
                return await trig.fire(i, country, refs)

            out.fired = list(await asyncio.gather(*(at(i, o, c) for i, (o, c) in enumerate(plan))))
            keys = {k for f in out.fired for k in f.keys}
            out.complete = await group.wait_keys(keys, cfg.delivery_timeout)
        out.merged = await group.stop()
    finally:
        await group.close()
    return out


def _sizes(merged: Merged) -> list[int]:
    """Median sizes of the return events and of the seizure events, in that order."""
    out = []
    for prefix in ("r:", "s:"):
        found = [v for k, v in merged.sizes.items() if k.startswith(prefix)]
        if found:
            out.append(int(statistics.median(found)))
    return out


def _report(res: Results, section: str, label: str, ours: Delivery, bare: Delivery) -> None:
    o, b = ours.summary(), bare.summary()
    name = f"bare websockets, {bare.clients} clients"
    for key, what in (
        ("p50", "p50"),
        ("p99", "p99"),
        ("max", "max"),
        ("last_p50", "last-client p50"),
    ):
        res.add(section, f"{label} delivery {what}", o[key], "ms", name, b[key])
    # Not a loss (the dashboard retried and then got everything), but worth seeing.
    res.add(section, f"{label} handshakes retried", o["connect_retries"], "count", name,
            b["connect_retries"])  # fmt: skip
    lost = ours.missing() + bare.missing() + o["gaps"]
    res.count("missing_events", lost, f"{section} {label}")
    res.details.setdefault("live", {})[f"{section} {label}"] = {"opcoord": o, "bare": b}


async def _bare_run(
    host: str,
    sizes: list[int],
    n: int,
    cfg: Config,
    plan: list[tuple[float, str]],
    refs: int,
    one: bool,
) -> Delivery:
    trig = BareTrigger(host, sizes)
    await trig.open()
    try:
        return await _deliver(trig, n, cfg, plan, refs, one_at_a_time=one)
    finally:
        await trig.close()


async def burst(
    res: Results, cfg: Config, server: Opcoord, op: Operation, bare_host: str, seq_put_p99: float
) -> None:
    rng = random.Random(10)  # noqa: S311 - made-up data, not secrets
    countries = list(op.tokens)[: cfg.burst_countries]
    plan = sorted((rng.uniform(0, cfg.burst_window), c) for c in countries)
    limits = httpx.Limits(max_connections=len(countries), max_keepalive_connections=len(countries))
    async with httpx.AsyncClient(base_url=server.base, timeout=120, limits=limits) as http:
        ours = await _deliver(
            OpcoordTrigger(server, op, http),
            cfg.burst_dashboards,
            cfg,
            plan,
            cfg.seizures_per_put,
            one_at_a_time=False,
        )
    bare = await _bare_run(
        bare_host,
        _sizes(ours.merged),
        cfg.burst_dashboards,
        cfg,
        plan,
        cfg.seizures_per_put,
        one=False,
    )
    s4, o = "4 burst", ours.summary()
    res.add(
        s4,
        f"PUTs acknowledged ({len(plan)} in {cfg.burst_window:g} s)",
        o["acknowledged"],
        "count",
        "PUTs sent",
        o["sent"],
    )
    res.add(
        s4, "PUT p99 during burst", o["trigger_p99"], "ms", "PUT one at a time p99", seq_put_p99
    )
    expected = o["messages"] * cfg.burst_dashboards
    res.add(
        s4,
        f"events missing ({cfg.burst_dashboards} dashboards)",
        o["missing"],
        "count",
        "deliveries expected",
        expected,
    )
    res.count("lost_acknowledgements", o["sent"] - o["acknowledged"], "burst PUTs")
    _report(res, s4, f"{cfg.burst_dashboards} dashboards", ours, bare)


async def fanout(res: Results, cfg: Config, server: Opcoord, op: Operation, bare_host: str) -> None:
    country = next(iter(op.tokens))
    plan = [(0.0, country)] * cfg.fanout_puts
    async with httpx.AsyncClient(base_url=server.base, timeout=120) as http:
        trig = OpcoordTrigger(server, op, http)
        for n in cfg.fanout_clients:
            ours = await _deliver(trig, n, cfg, plan, 0, one_at_a_time=True)
            bare = await _bare_run(bare_host, _sizes(ours.merged), n, cfg, plan, 0, one=True)
            _report(res, "5 fan-out", f"{n} clients", ours, bare)
            res.count(
                "lost_acknowledgements",
                len(plan) - ours.summary()["acknowledged"],
                f"fan-out PUTs at {n}",
            )
