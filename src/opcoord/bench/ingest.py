"""Ingest through the API: every (country, day) return of an operation PUT once, by
several client processes, each country's days one after another (as a contact point
would), all countries of a process at once.

    python -m opcoord.bench.ingest BASE JOBFILE  -> prints RESULT <json>

JOBFILE: {"code", "others", "jobs": [[country, token, [[day, n_seizures], ...]], ...]}
"""

import asyncio
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from opcoord.bench import procs, target
from opcoord.bench.results import percentile
from opcoord.bench.target import Operation


async def _run(base: str, spec: dict[str, Any]) -> dict[str, Any]:
    rng = random.Random(len(spec["jobs"]))  # noqa: S311 - made-up data, not secrets
    latencies: list[float] = []
    failed: list[str] = []
    accepted = seizures = 0
    limits = httpx.Limits(max_connections=len(spec["jobs"]) or 1)

    async def country(http: httpx.AsyncClient, cc: str, token: str, days: list[Any]) -> None:
        nonlocal accepted, seizures
        for day, n in days:
            refs = [f"I-{cc}-{day}-{j}" for j in range(n)]
            started = time.monotonic()
            r = await http.put(
                f"/api/operations/{spec['code']}/returns/{cc}/{day}",
                json=target.return_body(refs, rng, spec["others"]),
                headers={"Authorization": f"Bearer {token}"},
            )
            latencies.append((time.monotonic() - started) * 1000)
            if r.status_code in (200, 201):
                accepted += 1
                seizures += n
            elif len(failed) < 5:
                failed.append(f"{r.status_code} {r.text[:300]}")
            else:
                failed.append("")

    async with httpx.AsyncClient(base_url=base, timeout=300, limits=limits) as http:
        await asyncio.gather(*(country(http, *job) for job in spec["jobs"]))
    return {
        "accepted": accepted,
        "seizures": seizures,
        "failed": len(failed),
        "failures": [f for f in failed if f],
        "latencies": latencies,
    }


def _jobs(op: Operation, seizures: int) -> list[list[Any]]:
    keys = [(c, d) for c in op.tokens for d in op.days()]
    per = {k: seizures // len(keys) + (i < seizures % len(keys)) for i, k in enumerate(keys)}
    return [[c, t, [[d.isoformat(), per[(c, d)]] for d in op.days()]] for c, t in op.tokens.items()]


async def through_api(base: str, op: Operation, seizures: int, processes: int) -> dict[str, Any]:
    """PUT every return of ``op`` with ``seizures`` spread over them; the wall time."""
    jobs = _jobs(op, seizures)
    files, children = [], []
    for i in range(processes):
        share = jobs[i::processes]
        if not share:
            continue
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as tmp:
            json.dump({"code": op.code, "others": list(op.tokens), "jobs": share}, tmp)
        files.append(Path(tmp.name))
    started = time.monotonic()
    try:
        for f in files:
            args = procs.python_module("opcoord.bench.ingest", base, str(f))
            children.append(await procs.spawn_async(args, "ingest client"))
        outputs = await asyncio.gather(*(c.communicate() for c in children))
        seconds = time.monotonic() - started
    finally:
        for c in children:
            procs.end(c.pid)
        for f in files:
            f.unlink(missing_ok=True)
    merged: dict[str, Any] = {"accepted": 0, "seizures": 0, "failed": 0, "failures": []}
    latencies: list[float] = []
    for (out, _), child in zip(outputs, children, strict=True):
        line = next((x for x in out.decode().splitlines() if x.startswith("RESULT ")), None)
        if line is None:
            raise procs.ChildFailedError(f"ingest client exited with {child.returncode}")
        r = json.loads(line[7:])
        latencies += r.pop("latencies")
        for k in ("accepted", "seizures", "failed"):
            merged[k] += r[k]
        merged["failures"] += r["failures"]
    merged.update(
        seconds=seconds,
        returns=sum(len(j[2]) for j in jobs),
        processes=len(files),
        p50_ms=percentile(latencies, 50),
        p99_ms=percentile(latencies, 99),
    )
    return merged


if __name__ == "__main__":
    spec_arg = json.loads(Path(sys.argv[2]).read_text())
    print("RESULT " + json.dumps(asyncio.run(_run(sys.argv[1], spec_arg))), flush=True)
