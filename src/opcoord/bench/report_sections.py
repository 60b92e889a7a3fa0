"""Sections 6-7: the consolidated report of a bulk-seeded operation, step by step and
through the API, and how ingest and report grow with the number of seizures."""

import asyncio
import json
import statistics
import subprocess
import time
from typing import Any

from opcoord.bench import ingest, procs, seed, target
from opcoord.bench.config import Config
from opcoord.bench.results import Results, growth_exponent
from opcoord.bench.scratch import Scratch
from opcoord.bench.target import Opcoord, Operation

FORMATS = ("html", "pdf", "xlsx", "csv")


def worker(db: Scratch, codes: list[str], warm: bool, *, each: bool) -> list[dict[str, Any]]:
    """Run ``report_worker`` on operations, in a process of its own (its own memory)."""
    args = procs.python_module(
        "opcoord.bench.report_worker", db.kind, db.url, db.dsn, ",".join(codes)
    )
    args += ["EACH" if each else "ALL", "WARM" if warm else "COLD"]
    proc = procs.spawn(
        args, "report worker", stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        out, err = proc.communicate(timeout=3600)
    finally:
        procs.end(proc.pid)
    line = next((x for x in out.splitlines() if x.startswith("RESULT ")), None)
    if proc.returncode != 0 or line is None:
        raise procs.ChildFailedError(f"report worker failed ({proc.returncode}): {err[-3000:]}")
    result: list[dict[str, Any]] = json.loads(line[7:])
    return result


def _timed(server: Opcoord, path: str) -> tuple[float, Any]:
    t = time.perf_counter()
    got = server.http.get(path)
    if got.status_code != 200:
        raise procs.ChildFailedError(f"GET {path}: {got.status_code}")
    return time.perf_counter() - t, got.json()


def api_build(server: Opcoord, code: str, timeout: float = 3600) -> dict[str, Any]:
    """POST close, poll the status until the edition is ready, then fetch every file."""
    status = f"/api/operations/{code}/report/status"
    before = [_timed(server, status)[0] for _ in range(20)]
    # With --workers the close lands on one worker: the peak is the largest instance's.
    pids = server.instances()
    for pid in pids:
        procs.reset_peak_rss(pid)
    idle = max(procs.peak_rss_mb(pid) for pid in pids)
    started = time.perf_counter()
    r = server.http.post(f"/api/operations/{code}/close")
    if r.status_code != 202:
        raise procs.ChildFailedError(f"close answered {r.status_code}: {r.text[:500]}")
    during = []
    while True:
        server.check_alive()
        seconds, answer = _timed(server, status)
        during.append(seconds)
        latest = answer["latest"]
        if latest and latest["status"] == "ready":
            break
        if latest and latest.get("error"):
            raise procs.ChildFailedError(f"report build failed: {latest['error']}")
        if time.perf_counter() - started > timeout:
            raise procs.ChildFailedError("report build did not finish")
        time.sleep(0.1)
    out: dict[str, Any] = {
        "seconds": time.perf_counter() - started,
        # What a coordinator's page feels while the operation closes: the status poll.
        "poll_before": before,
        "poll_during": during,
        "idle_mb": idle,
        "peak_mb": max(procs.peak_rss_mb(pid) for pid in pids),
        "get": {},
    }
    for fmt in ("json", *FORMATS):
        path = f"/api/operations/{code}/report" + ("" if fmt == "json" else f".{fmt}")
        t = time.perf_counter()
        got = server.http.get(path)
        if got.status_code != 200:
            raise procs.ChildFailedError(f"GET {path}: {got.status_code}")
        out["get"][fmt] = {"seconds": time.perf_counter() - t, "bytes": len(got.content)}
    return out


def report(res: Results, cfg: Config, server: Opcoord, db: Scratch) -> dict[str, Any]:
    op = target.create_operation(server, "REPORT", cfg.countries, cfg.days)
    seeded = seed.seed_operation(db, op.code, cfg.seizures)
    copy_seconds = seeded.seconds
    w = worker(db, [op.code], cfg.warm_renders, each=True)[0]
    api = api_build(server, op.code)
    s6 = f"6 report {cfg.countries}x{cfg.days}, {cfg.seizures:,} seizures"
    sec, peak, base = w["seconds"], w["peak_mb"], "bare SQL aggregates"
    agg = sec["bare aggregates"]
    res.add(s6, "report JSON (assemble)", sec["json"], "s", base, agg)
    res.add(s6, "seizure rows for files", sec["seizure rows"], "s", base, agg)
    for fmt in FORMATS:
        res.add(s6, f"render {fmt.upper()}", sec[fmt], "s", base, agg)
    # As the server draws them: in its rendering processes, which read the seizures.
    res.add(s6, "render all formats (as the server)", sec["all formats"], "s", base, agg)
    inside = sec["json"] + sec["seizure rows"] + sec["all formats"]
    res.add(
        s6,
        "API close -> ready (server build)",
        api["seconds"],
        "s",
        "in-process JSON+rows+all formats",
        inside,
    )
    polls, calm = api["poll_during"], api["poll_before"]
    for name, pick in (("p50", statistics.median), ("max", max)):
        res.add(
            s6,
            f"status poll during build {name}",
            pick(polls) * 1000,
            "ms",
            f"the same poll before close, {name}",
            pick(calm) * 1000,
        )
    for step in ("json", *FORMATS):
        res.add(
            s6,
            f"peak RSS {step}",
            peak[step],
            "MB",
            "worker RSS at step start",
            w["start_mb"][step],
        )
    # Every format at once is drawn as the server draws it: in its rendering processes.
    res.add(
        s6,
        "peak RSS all formats (rendering processes together)",
        peak["all formats"],
        "MB",
        "their RSS at step start",
        w["start_mb"]["all formats"],
    )
    res.add(
        s6,
        "server peak RSS during build",
        api["peak_mb"],
        "MB",
        "server RSS before close",
        api["idle_mb"],
    )
    res.details["report"] = {
        "worker": w,
        "api": api,
        "copy_seconds": copy_seconds,
        "returns": seeded.returns,
        "seizures": seeded.seizures,
    }
    return {"size": cfg.seizures, "worker": w, "copy": copy_seconds, "ingest": None}


def growth(res: Results, cfg: Config, server: Opcoord, db: Scratch, known: dict[str, Any]) -> None:
    runs = []
    for size in sorted(cfg.sizes):
        same_grid = cfg.growth_days == cfg.days
        if size == known["size"] and same_grid and size > cfg.api_ingest_max:
            runs.append(known)  # section 6 measured exactly this already
            continue
        op_copy = target.create_operation(server, "GROWC", cfg.countries, cfg.growth_days)
        copied = seed.seed_operation(db, op_copy.code, size)
        run: dict[str, Any] = {"size": size, "copy": copied.seconds, "ingest": None}
        measured = op_copy
        if size <= cfg.api_ingest_max:
            measured = _ingest(res, cfg, server, db, size, run)
        run["code"] = measured.code
        runs.append(run)
    todo = [r for r in runs if "worker" not in r]
    for run, measured_run in zip(
        todo, worker(db, [r["code"] for r in todo], cfg.warm_renders, each=False), strict=True
    ):
        run["worker"] = measured_run
    s7 = f"7 growth {cfg.countries}x{cfg.growth_days}"
    previous: dict[str, Any] | None = None
    for run in runs:
        n, w = run["size"], run["worker"]
        if run["ingest"]:
            i = run["ingest"]
            res.add(
                s7,
                f"{n:,}: ingest via API ({i['processes']} procs)",
                i["seconds"],
                "s",
                "COPY of the same rows",
                run["copy"],
            )
        else:
            res.add(
                s7,
                f"{n:,}: ingest via COPY",
                run["copy"],
                "s",
                "previous size's COPY, scaled linearly",
                previous["copy"] * n / previous["size"] if previous else float("nan"),
            )
        previous = run
        res.add(
            s7,
            f"{n:,}: report JSON + all formats",
            w["seconds"]["json"] + w["seconds"]["all formats"],
            "s",
            "bare SQL aggregates",
            w["seconds"]["bare aggregates"],
        )
        res.add(
            s7,
            f"{n:,}: peak RSS all formats",
            w["peak_mb"]["all formats"],
            "MB",
            "worker RSS at step start",
            w["start_mb"]["all formats"],
        )
    sizes = [float(r["size"]) for r in runs]

    def exp(values: list[float]) -> float:
        return growth_exponent(sizes, values)

    total = [r["worker"]["seconds"]["json"] + r["worker"]["seconds"]["all formats"] for r in runs]
    agg = [r["worker"]["seconds"]["bare aggregates"] for r in runs]
    mem = [
        r["worker"]["peak_mb"]["all formats"] - r["worker"]["start_mb"]["all formats"] for r in runs
    ]
    res.add(
        s7, "growth exponent: report time", exp(total), "", "exponent: bare aggregates", exp(agg)
    )
    res.add(s7, "growth exponent: report memory over idle", exp(mem), "", "linear", 1.0)
    res.add(s7, "growth exponent: COPY ingest", exp([r["copy"] for r in runs]), "", "linear", 1.0)
    res.details["growth"] = runs


def _ingest(
    res: Results, cfg: Config, server: Opcoord, db: Scratch, size: int, run: dict[str, Any]
) -> Operation:
    op = target.create_operation(server, "GROWA", cfg.countries, cfg.growth_days)
    got = asyncio.run(ingest.through_api(server.base, op, size, cfg.ingest_procs))
    stored = seed.counts(db, op.code)
    res.count("errors", got["failed"], f"API ingest of {size:,}")
    res.count(
        "lost_acknowledgements",
        max(0, got["accepted"] - stored["versions"]),
        f"API ingest of {size:,} (versions)",
    )
    res.count(
        "lost_acknowledgements",
        max(0, got["seizures"] - stored["current_seizures"]),
        f"API ingest of {size:,} (seizures)",
    )
    if got["failures"]:
        res.problems.append(f"API ingest failures: {got['failures'][:3]}")
    run["ingest"] = got
    return op
