"""Sections 1-3: the stack's ceiling, the cheapest authenticated GET, and return PUTs,
each driven by wrk beside a bare server driven the same way."""

import secrets
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from opcoord.bench import procs, seed, wrk
from opcoord.bench.config import Config
from opcoord.bench.results import Results
from opcoord.bench.scratch import Scratch
from opcoord.bench.target import Opcoord, Operation


@contextmanager
def bare_server(kind: str, logdir: Path, *args: str) -> Iterator[str]:
    """A bare server of ``opcoord.bench.bare`` on a free port; yields its base URL."""
    port = procs.free_port()
    log = logdir / f"bare-{kind}.log"
    with log.open("ab") as out:
        proc = procs.spawn(
            procs.python_module("opcoord.bench.bare", kind, str(port), *args),
            f"bare {kind} server",
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            path = "/health" if kind == "ws" else "/hello"
            procs.wait_http(f"http://127.0.0.1:{port}{path}", proc, f"bare {kind}", 60, log)
            yield f"127.0.0.1:{port}"
        finally:
            procs.end(proc.pid)


def _figures(
    res: Results,
    section: str,
    what: str,
    r: wrk.WrkResult,
    base_name: str,
    base: wrk.WrkResult,
    rate: str = "req/s",
) -> None:
    res.add(section, f"{what} {rate}", r.rps, rate, base_name, base.rps)
    res.add(section, f"{what} p50", r.p50_ms, "ms", base_name, base.p50_ms)
    res.add(section, f"{what} p99", r.p99_ms, "ms", base_name, base.p99_ms)


def _errors(res: Results, what: str, *runs: wrk.WrkResult) -> None:
    res.count("errors", sum(r.errors for r in runs), what)


def ceiling_and_get(
    res: Results, cfg: Config, server: Opcoord, op: Operation, logdir: Path
) -> None:
    c, t = cfg.connections, 2  # two wrk threads: the machine's cores
    hello_server = bare_server("hello", logdir, str(cfg.workers))
    with bare_server("raw", logdir) as raw, hello_server as hello:
        r_raw = wrk.run(
            f"http://{raw}/hello",
            wrk.get_script("-"),
            connections=c,
            threads=t,
            seconds=cfg.seconds,
        )
        r_hello = wrk.run(
            f"http://{hello}/hello",
            wrk.get_script("-"),
            connections=c,
            threads=t,
            seconds=cfg.seconds,
        )
    token = next(iter(op.tokens.values()))  # a contact point's
    r_get = wrk.run(
        f"{server.base}/api/operations/{op.code}",
        wrk.get_script(token),
        connections=c,
        threads=t,
        seconds=cfg.seconds,
    )
    s1, s2 = "1 ceiling", "2 GET"
    _figures(res, s1, "bare Litestar hello", r_hello, "wrk vs raw asyncio socket", r_raw)
    _figures(res, s2, "GET operation (NCP)", r_get, "bare Litestar hello", r_hello)
    _errors(res, "ceiling and GET", r_raw, r_hello, r_get)
    res.details["http"] = {
        "raw": r_raw.as_dict(),
        "hello": r_hello.as_dict(),
        "get": r_get.as_dict(),
    }


def _put(url: str, op: Operation, cfg: Config, *, sequential: bool) -> wrk.WrkResult:
    tokens = dict(list(op.tokens.items())[: 1 if sequential else cfg.put_countries])
    script = wrk.put_script(op.code, secrets.token_hex(4), tokens, op.days(), cfg.seizures_per_put)
    n = len(tokens)
    return wrk.run(
        url,
        script,
        connections=n,
        threads=n,
        seconds=cfg.seq_seconds if sequential else cfg.seconds,
    )


def settle(db: Scratch, code: str, timeout: float = 120) -> None:
    """Wait until the server has finished the PUTs still queued when wrk stopped, so the
    next run does not queue behind them (versions stop growing for a second)."""
    last, deadline = -1, time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = seed.counts(db, code)["versions"]
        if now == last:
            return
        last = now
        time.sleep(1)


def puts(
    res: Results, cfg: Config, server: Opcoord, op: Operation, db: Scratch, logdir: Path
) -> None:
    before = seed.counts(db, op.code)["versions"]
    r_put = _put(server.base, op, cfg, sequential=False)
    settle(db, op.code)
    r_seq = _put(server.base, op, cfg, sequential=True)
    settle(db, op.code)
    stored = seed.counts(db, op.code)["versions"] - before
    acked = (r_put.requests - r_put.non2xx) + (r_seq.requests - r_seq.non2xx)
    # wrk stops counting at the deadline, so requests still in flight may be stored unseen.
    res.count("lost_acknowledgements", max(0, acked - stored), "PUT load (versions in database)")
    seed.create_bare_tables(db)
    with bare_server("db", logdir, db.kind, db.dsn, str(cfg.workers)) as bare:
        b_put = _put(f"http://{bare}", op, cfg, sequential=False)
        time.sleep(1)  # the bare server drains its queue in milliseconds
        b_seq = _put(f"http://{bare}", op, cfg, sequential=True)
    s3 = "3 PUT"
    name = f"bare Litestar+{'asyncpg' if db.is_postgres else 'aiosqlite'} insert"
    _figures(
        res, s3, f"PUT return x{cfg.seizures_per_put} seizures", r_put, name, b_put, "returns/s"
    )
    res.add(s3, "PUT errors (non-2xx, socket)", r_put.errors, "errors", name, b_put.errors)
    res.add(s3, "PUT p50 under load", r_put.p50_ms, "ms", "same PUT one at a time", r_seq.p50_ms)
    _figures(res, s3, "PUT one at a time", r_seq, f"{name}, one at a time", b_seq, "returns/s")
    _errors(res, "PUT load", r_put, r_seq, b_put, b_seq)
    res.details["put"] = {
        "opcoord": r_put.as_dict(),
        "sequential": r_seq.as_dict(),
        "bare": b_put.as_dict(),
        "bare_sequential": b_seq.as_dict(),
        "versions_stored": stored,
        "acknowledged": acked,
    }
