"""Fault harness: kill an opcoord instance under load, then audit what survived.

Two `opcoord serve` instances on one scratch PostgreSQL database, N simulated contact
points writing through either, dashboards that drop and resume, one instance SIGKILLed
and restarted mid-run; then an audit of every acknowledged write and every dashboard's
event sequence. Exit status 1 on any loss, duplication or missed event (docs/fault-harness.md).

    python -m tests.load.fault [--countries 200] [--seconds 60] [--quick] [--out FILE]
"""

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import resource
import shutil
import signal
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import audit, scenario, summary
from .chaos import blips, chaos, freezes
from .cluster import ScratchDatabase, Server, StartFailedError
from .contacts import Fleet
from .dashboards import Watcher, analyse

ADMIN = "fault-harness-admin-token-0123456789"
WRITE_GRACE = 30.0  # seconds a write in progress at the end may take to be acknowledged
AFTER_RESTART = 3.0  # load kept on a restarted instance at least this long


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--countries", type=int, help="contact points (default 200, quick 30)")
    p.add_argument("--seconds", type=float, help="length of the load (default 60, quick 20)")
    p.add_argument("--quick", action="store_true", help="the CI size: 30 countries, 20 s")
    p.add_argument("--kills", type=int, help="SIGKILLs, alternating A and B (2; quick 1)")
    p.add_argument("--blips", type=int, default=1, help="times all DB connections are cut")
    p.add_argument("--freezes", type=int, default=0, help="times an instance is SIGSTOPped")
    p.add_argument("--freeze-seconds", type=float, default=5.0, help="how long it stays stopped")
    p.add_argument("--down", type=float, default=2.0, help="seconds a killed instance stays down")
    p.add_argument("--sessions", type=int, default=2, help="sessions per contact point")
    p.add_argument("--days", type=int, default=4, help="days each contact point writes")
    p.add_argument("--rate", type=float, help="writes/s offered by all sessions (15; quick 10)")
    p.add_argument("--cut-rate", type=float, default=0.05, help="share of requests cut")
    p.add_argument("--timeout", type=float, default=10.0, help="client timeout per request")
    p.add_argument("--watchers", type=int, default=3, help="coordinator and NCP sockets each")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--stagger",
        action="store_true",
        help="start B after A is up (by default both start at once, as a deployment would)",
    )
    p.add_argument(
        "--unsafe-retries",
        action="store_true",
        help="self-test: retry without If-Match / If-None-Match; the audit must then fail",
    )
    p.add_argument("--out", type=Path, default=Path("bench/fault.json"))
    p.add_argument("--logs", type=Path, help="keep the servers' logs here (default: temp)")
    p.add_argument(
        "--pg",
        default=os.environ.get(
            "OPCOORD_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
        help="a PostgreSQL URL to create the scratch database from",
    )
    args = p.parse_args(argv)
    args.countries = args.countries or (30 if args.quick else 200)
    args.seconds = args.seconds or (20.0 if args.quick else 60.0)
    args.kills = args.kills if args.kills is not None else (1 if args.quick else 2)
    args.rate = args.rate or (10.0 if args.quick else 15.0)
    # Each session pauses a random 0..2m between writes, m = sessions / rate: together they
    # offer about ``rate`` writes a second (more while answers are quick, less when slow).
    mean = args.countries * args.sessions / args.rate
    args.think = (0.0, 2 * mean)
    return args


class LoopLag:
    """How late the client's event loop wakes up: high values would make it the bottleneck."""

    def __init__(self) -> None:
        self.samples: list[float] = []

    async def run(self) -> None:
        while True:
            before = time.monotonic()
            await asyncio.sleep(0.05)
            self.samples.append(time.monotonic() - before - 0.05)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values) or [0.0]
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def timeline(fleet: Fleet, t0: float, names: list[str]) -> list[dict[str, Any]]:
    """Acknowledgements per second and instance: the kills show as gaps."""
    rows: dict[int, dict[str, Any]] = {}
    for a in fleet.acks:
        if not a.landed:
            row = rows.setdefault(int(a.at - t0), dict.fromkeys(names, 0))
            row[a.server] += 1
    return [
        {"second": t, **rows.get(t, dict.fromkeys(names, 0))}
        for t in range(max(rows, default=-1) + 1)
    ]


def lag_timeline(
    fleet: Fleet, delivered: list[tuple[float, float, str]], t0: float, step: int = 5
) -> list[dict[str, Any]]:
    """Per 5 s of acknowledgements: how long the writes took, and their events after them."""
    rows: dict[int, dict[str, list[float]]] = {}
    for a in fleet.acks:
        if not a.landed:
            rows.setdefault(int(a.at - t0) // step, {}).setdefault("ack", []).append(a.took)
    for when, lag, server in delivered:
        rows.setdefault(int(when - t0) // step, {}).setdefault(f"lag_{server}", []).append(lag)
    return [
        {"from_second": k * step,
         **{f"{name}_p50_ms": round(1000 * pct(v, 0.5)) for name, v in sorted(row.items()) if v},
         **{f"{name}_max_ms": round(1000 * max(v)) for name, v in sorted(row.items()) if v}}
        for k, row in sorted(rows.items())
    ]  # fmt: skip


async def start_all(servers: list[Server], stagger: bool) -> list[str]:
    """Start the instances (at once, as a deployment does, unless ``stagger``); an instance
    that fails to start is started once more, and the failure is kept for the verdict."""
    if stagger:
        for s in servers:
            await s.start()
        return []
    results = await asyncio.gather(*(s.start() for s in servers), return_exceptions=True)
    failed = []
    for s, result in zip(servers, results, strict=True):
        if isinstance(result, StartFailedError):
            print(f"  {result}", flush=True)
            failed.append(f"{s.name}: {result.reason}")
            await s.start()
        elif isinstance(result, BaseException):
            raise result
    return failed


async def run(
    args: argparse.Namespace, servers: list[Server], db: ScratchDatabase
) -> dict[str, Any]:
    await db.create()
    failed = await start_all(servers, args.stagger)
    print(f"servers {', '.join(f'{s.name} :{s.port}' for s in servers)} up;"
          f" logs in {servers[0].logs}", flush=True)  # fmt: skip
    ports = [s.port for s in servers]
    names = scenario.countries(args.countries)
    tokens = await scenario.create_operation(ports, ADMIN, names)
    days = scenario.days_per_country(names, datetime.now(UTC).date(), args.days, args.seed)
    addresses = [(s.name, s.port) for s in servers]
    watchers = [
        Watcher(f"{role}-{s.name}{i}", role,
                ADMIN if role == "coordinator" else tokens[names[(i * 7 + h) % len(names)]],
                scenario.CODE, addresses, home=h, seed=args.seed)
        for h, s in enumerate(servers)
        for role in ("coordinator", "ncp")
        for i in range(args.watchers)
    ]  # fmt: skip
    calm, done, stop = asyncio.Event(), asyncio.Event(), asyncio.Event()
    watching = [asyncio.create_task(w.run(calm, done)) for w in watchers]
    async with asyncio.timeout(60):  # every dashboard has its first snapshot before writes
        while any(w.start is None for w in watchers):
            await asyncio.sleep(0.1)
    fleet = Fleet(scenario.CODE, addresses, tokens, days, sessions=args.sessions,
                  think=args.think, cut_rate=args.cut_rate, timeout=args.timeout,
                  preconditions=not args.unsafe_retries, seed=args.seed)  # fmt: skip
    lag = LoopLag()
    lagging = asyncio.create_task(lag.run())
    print(f"{len(names)} contact points x {args.sessions} sessions, {len(watchers)} dashboards,"
          f" ~{args.rate:.0f} writes/s for {args.seconds:.0f}s, {args.kills} kill(s),"
          f" {args.blips} database blip(s)", flush=True)  # fmt: skip
    cpu0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
    writing = asyncio.create_task(fleet.run(stop, WRITE_GRACE))
    kills, cut, frozen = await asyncio.gather(
        chaos(servers, args, t0), blips(db, args, t0), freezes(servers, args, t0)
    )
    end = max([t0 + args.seconds] + [k["_up"] + AFTER_RESTART for k in kills])
    await asyncio.sleep(max(0.0, end - time.monotonic()))
    stop.set()
    calm.set()
    await writing
    wall, cpu1 = time.monotonic() - t0, resource.getrusage(resource.RUSAGE_SELF)
    lagging.cancel()
    final = await scenario.settled_seq(ports, ADMIN)
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(30):  # the dashboards catch up with the end of the stream
            while any(w.last < final for w in watchers):
                await asyncio.sleep(0.1)
    done.set()
    await asyncio.gather(*watching)
    for k in kills:
        up = k.pop("_up")
        k["acks_after_restart"] = sum(a.server == k["server"] and a.at > up for a in fleet.acks)
    reader = audit.Reader(ports, ADMIN)
    try:
        database = await audit.read_database(reader, scenario.CODE, fleet)
        totals = (await reader.get(f"/api/operations/{scenario.CODE}/summary"))["totals"]
    finally:
        reader.close()
    writes = audit.check_writes(fleet, database)
    events = audit.check_events(watchers, database, final)
    sums = audit.check_totals(watchers, database, totals)
    dashboards = [analyse(w, final) for w in watchers]
    figures = summary.figures_of(writes, events, dashboards, dict(fleet.stats), kills)
    figures["totals_mismatches"] = sums["totals_mismatches"]
    figures["start_failures"] = len(failed)
    cpu = cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime
    delivered = audit.delivery_lags(watchers, fleet)
    lags = [lag for _, lag, _ in delivered]
    moments = sorted([t0] + [a.at for a in fleet.acks if not a.landed])
    measured = {
        "load_seconds": round(wall, 1),
        "writes_per_second": round(figures["acknowledged"] / wall, 1),
        "ack_latency_p50_ms": round(1000 * pct(fleet.latencies, 0.5)),
        "ack_latency_p99_ms": round(1000 * pct(fleet.latencies, 0.99)),
        "longest_time_without_an_ack_s": round(
            max(b - a for a, b in itertools.pairwise(moments)) if len(moments) > 1 else 0, 1
        ),
        "event_lag_p50_ms": round(1000 * pct(lags, 0.5)),
        "event_lag_p99_ms": round(1000 * pct(lags, 0.99)),
        "event_lag_max_ms": round(1000 * max(lags, default=0)),
        "client_cpu_percent_of_one_core": round(100 * cpu / wall, 1),
        "client_loop_lag_p99_ms": round(1000 * pct(lag.samples, 0.99), 1),
    }
    return {
        "figures": figures, "measured": measured, "kills": kills, "db_blips": cut,
        "freezes": frozen,
        "writes": writes, "events": events, "totals": sums, "dashboards": dashboards,
        "client_stats": dict(fleet.stats), "errors": fleet.errors, "start_failures": failed,
        "timeline": timeline(fleet, t0, [s.name for s in servers]),
        "lag_timeline": lag_timeline(fleet, delivered, t0),
    }  # fmt: skip


def config_of(args: argparse.Namespace) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # two sockets per session
    logs = args.logs or Path(tempfile.mkdtemp(prefix="opcoord-fault-"))
    logs.mkdir(parents=True, exist_ok=True)
    db = ScratchDatabase(args.pg)
    servers = [Server(n, db.url, ADMIN, logs) for n in ("A", "B")]

    async def guarded() -> dict[str, Any]:
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(sig, task.cancel)
        try:
            return await run(args, servers, db)
        finally:
            for s in servers:
                s.stop()
            with contextlib.suppress(Exception):
                await db.drop()

    ok = False
    try:
        result = asyncio.run(guarded())
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("interrupted: servers stopped, scratch database dropped", file=sys.stderr)
        if args.logs is None:
            shutil.rmtree(logs, ignore_errors=True)
        return 130
    except Exception:
        print(f"the harness failed; the servers' logs are in {logs}", file=sys.stderr)
        raise
    finally:
        for s in servers:  # should asyncio.run itself have failed half-way
            s.kill()
    found = summary.failures(result["figures"], args.kills)
    m = result["measured"]
    extra = [(k.replace("_", " "), str(v)) for k, v in m.items()]
    print(summary.table(result["figures"], extra))
    for line in found:
        print("FAIL:", line)
    for line in result["errors"]:
        print("  unexpected:", line)
    ok = not found
    print("PASS" if ok else "FAIL", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {"config": config_of(args), "passed": ok, "failures": found, **result}
    args.out.write_text(json.dumps(report, indent=2, default=str) + "\n")
    if ok and args.logs is None:
        shutil.rmtree(logs, ignore_errors=True)  # kept on failure, to read what happened
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
