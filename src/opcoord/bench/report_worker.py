"""Times the report of one seeded operation, step by step, in a process of its own so
that each step's peak memory (VmHWM, reset before the step) is that step's alone.

    python -m opcoord.bench.report_worker KIND URL DSN CODE  -> prints RESULT <json>
"""

import asyncio
import gc
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from opcoord.bench import internals, procs, seed
from opcoord.bench.scratch import Scratch


def _step(out: dict[str, Any], name: str, started: float) -> None:
    out["seconds"][name] = time.perf_counter() - started
    out["peak_mb"][name] = procs.peak_rss_mb()


def _begin() -> float:
    gc.collect()
    procs.reset_peak_rss()
    return time.perf_counter()


async def measure(db: Scratch, code: str) -> dict[str, Any]:
    out: dict[str, Any] = {"seconds": {}, "peak_mb": {}, "bytes": {}}
    op_id = seed.operation_id(db, code)
    last_due = datetime.now(UTC).date() - timedelta(days=1)
    # Once untimed, so both the baseline and opcoord read from a warm cache.
    seed.bare_aggregates(db, op_id, last_due)
    out["idle_mb"] = procs.peak_rss_mb()
    t = _begin()
    out["aggregate_rows"] = seed.bare_aggregates(db, op_id, last_due)
    _step(out, "bare aggregates", t)
    async with internals.open_operation(db.url, code) as (session, op):
        await internals.assemble_report(session, op, datetime.now(UTC))  # warm the ORM
        t = _begin()
        report = await internals.assemble_report(session, op, datetime.now(UTC))
        out["bytes"]["json"] = len(json.dumps(report, default=str))
        _step(out, "json", t)
        t = _begin()
        rows = await internals.seizure_rows(session, op)
        _step(out, "seizure rows", t)
    for fmt in internals.FORMATS:
        t = _begin()
        files = await asyncio.to_thread(internals.render, report, rows, (fmt,))
        _step(out, fmt, t)
        out["bytes"][fmt] = len(files[fmt])
        del files
    t = _begin()
    files = await asyncio.to_thread(internals.render, report, rows, internals.FORMATS)
    _step(out, "all formats", t)
    out["bytes"]["all formats"] = sum(len(b) for b in files.values())
    out["seizures"] = len(rows)
    return out


if __name__ == "__main__":
    kind, url, dsn, code_arg = sys.argv[1:5]
    result = asyncio.run(measure(Scratch(kind, url, dsn), code_arg))
    print("RESULT " + json.dumps(result), flush=True)
