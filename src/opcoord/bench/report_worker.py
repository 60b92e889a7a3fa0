"""Times the report of seeded operations, step by step, in a process of its own: each
step's peak memory is the process's RSS high-water mark (VmHWM), reset before the step.
Every format at once is drawn as the server draws it, in rendering processes of their
own that read the seizures themselves: that step's peak is theirs, added together (they
run at once), and its time includes their read of the seizures.

    python -m opcoord.bench.report_worker KIND URL DSN CODE[,CODE...] EACH|ALL WARM|COLD

prints ``RESULT <json>``: one entry per operation, in order. Every renderer runs once on
a few rows before anything is timed, so no step pays for the first import of WeasyPrint,
matplotlib or folium (unless COLD). With ALL, only every format at once (growth runs).
"""

import asyncio
import contextlib
import ctypes
import gc
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from opcoord.bench import internals, procs, seed
from opcoord.bench.scratch import Scratch


def _begin(out: dict[str, Any], name: str) -> float:
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # hand freed memory back first
        ctypes.CDLL(None).malloc_trim(0)
    procs.reset_peak_rss()
    out["start_mb"][name] = procs.peak_rss_mb()
    return time.perf_counter()


def _end(out: dict[str, Any], name: str, started: float) -> None:
    out["seconds"][name] = time.perf_counter() - started
    out["peak_mb"][name] = procs.peak_rss_mb()


def baseline(db: Scratch, code: str) -> dict[str, Any]:
    """The bare aggregates, on a warm cache (run once untimed first)."""
    out: dict[str, Any] = {"seconds": {}, "peak_mb": {}, "start_mb": {}, "bytes": {}}
    op_id = seed.operation_id(db, code)
    last_due = datetime.now(UTC).date() - timedelta(days=1)
    seed.bare_aggregates(db, op_id, last_due)
    _begin(out, "bare aggregates")
    out["aggregate_rows"], seconds = seed.bare_aggregates(db, op_id, last_due)
    out["seconds"]["bare aggregates"] = seconds
    out["peak_mb"]["bare aggregates"] = procs.peak_rss_mb()
    return out


async def measure(db: Scratch, code: str, out: dict[str, Any], each: bool, warm: bool) -> None:
    async with internals.open_operation(db.url, code) as (session, op):
        report = await internals.assemble_report(session, op, datetime.now(UTC))  # warm the ORM
        if warm:
            rows = await internals.seizure_rows(session, op)
            await asyncio.to_thread(internals.render, report, rows[:50], internals.FORMATS)
            # The rendering processes up, each having drawn every format once.
            await internals.warm_rendering(report, rows[:50])
        t = _begin(out, "json")
        report = await internals.assemble_report(session, op, datetime.now(UTC))
        out["bytes"]["json"] = len(json.dumps(report, default=str))
        _end(out, "json", t)
        t = _begin(out, "seizure rows")
        rows = await internals.seizure_rows(session, op)
        _end(out, "seizure rows", t)
    for fmt in internals.FORMATS if each else ():
        t = _begin(out, fmt)
        files = await asyncio.to_thread(internals.render, report, rows, (fmt,))
        _end(out, fmt, t)
        out["bytes"][fmt] = len(files[fmt])
        del files
    out["seizures"] = len(rows)
    del rows
    t = _begin(out, "all formats")
    pids = internals.rendering_pids()
    for pid in pids:
        procs.reset_peak_rss(pid)
    out["start_mb"]["all formats"] = sum(procs.peak_rss_mb(pid) for pid in pids)
    files = await internals.render_as_server(db.url, op, out["seizures"], report, internals.FORMATS)
    out["seconds"]["all formats"] = time.perf_counter() - t
    pids = internals.rendering_pids()  # started by this render, if none were up
    peaks = [procs.peak_rss_mb(pid) for pid in pids]
    out["peak_mb"]["all formats"] = sum(peaks)
    out["rendering_peak_mb"] = peaks
    out["rendering_processes"] = len(pids)
    out["bytes"]["all formats"] = sum(len(b) for b in files.values())


def main(argv: list[str]) -> list[dict[str, Any]]:
    kind, url, dsn, codes = argv[:4]
    db, each, warm = Scratch(kind, url, dsn), argv[4] == "EACH", argv[5] == "WARM"
    results = []
    for i, code in enumerate(codes.split(",")):
        out = baseline(db, code)
        asyncio.run(measure(db, code, out, each, warm=warm and i == 0))
        results.append(out)
    return results


if __name__ == "__main__":
    print("RESULT " + json.dumps(main(sys.argv[1:])), flush=True)
