"""Benchmark: GeoJSON of 100,000 seizures, streamed by the API, against a bare baseline.

    .venv/bin/python benchmarks/bench_geojson.py [--seizures 100000] [--url DATABASE_URL]

Seeds a scratch database (a temporary SQLite file unless --url names another one, which
is emptied), then measures in the same run:
- baseline: one SELECT of the same columns and ``json.dumps`` of the whole list;
- opcoord: ``GET /api/operations/BENCH/seizures.geojson`` from a real ``opcoord serve``
  on a local port, read to the end (time to the last byte, bytes, features), and the
  server's peak resident memory. Targets: served in under
3 s, peak memory under 300 MB.
"""

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import httpx
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parent))
from seeding import seed

from opcoord.db import Database, make_engine, migrate
from opcoord.operations.models import Seizure

TOKEN = "bench-admin-token-0123456789"  # noqa: S105 - a scratch database


async def prepare(url: str, n: int) -> None:
    engine = make_engine(url)
    await migrate(engine, "base", down=True)
    await migrate(engine)
    await seed(Database(engine), 100, 120, n)
    await engine.dispose()


async def _select_and_dump(url: str) -> int:
    engine = make_engine(url)
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                sa.select(
                    Seizure.ref,
                    Seizure.category,
                    Seizure.quantity,
                    Seizure.place_type,
                    Seizure.place_name,
                    Seizure.day,
                    Seizure.country,
                    Seizure.lat,
                    Seizure.lon,
                ).where(Seizure.is_current, Seizure.lat.is_not(None))
            )
        ).all()
    text = json.dumps([[*r[:5], r[5].isoformat(), *r[6:]] for r in rows])
    await engine.dispose()
    return len(text)


async def baseline(url: str) -> tuple[float, int, float]:
    """Time without tracing (tracing slows Python), then the allocation peak with it."""
    t = time.perf_counter()
    size = await _select_and_dump(url)
    elapsed = time.perf_counter() - t
    tracemalloc.start()
    await _select_and_dump(url)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return elapsed, size, peak / 2**20


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def served(url: str) -> tuple[float, int, int, float, float]:
    """Through a real `opcoord serve` (uvicorn) on a local port, read to the last byte."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "OPCOORD_DATABASE_URL": url,
        "OPCOORD_ADMIN_TOKEN": TOKEN,
        "OPCOORD_SCHEDULER_ENABLED": "false",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "opcoord.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        idle = _peak_rss_mb(proc.pid)
        chunks: list[bytes] = []
        t = time.perf_counter()
        with httpx.stream(
            "GET",
            f"{base}/api/operations/BENCH/seizures.geojson",
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=120,
        ) as r:
            assert r.status_code == 200, r.read()
            chunks.extend(r.iter_bytes())
        elapsed = time.perf_counter() - t
        peak = _peak_rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    body = b"".join(chunks)
    return elapsed, len(body), len(json.loads(body)["features"]), idle, peak


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seizures", type=int, default=100_000)
    parser.add_argument("--url", default=os.environ.get("OPCOORD_BENCH_DATABASE_URL"))
    args = parser.parse_args()
    url = args.url or f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db"
    asyncio.run(prepare(url, args.seizures))
    b_time, b_size, b_peak = asyncio.run(baseline(url))
    s_time, s_size, features, idle, peak = served(url)
    print(f"{'':30} {'seconds':>8} {'MB':>8}")
    print(
        f"{'baseline select + json.dumps':30} {b_time:8.2f} {b_size / 2**20:8.1f}"
        f"   (Python allocations peak {b_peak:.0f} MB)"
    )
    print(
        f"{'opcoord GeoJSON over HTTP':30} {s_time:8.2f} {s_size / 2**20:8.1f}"
        f"   (server RSS peak {peak:.0f} MB, {peak - idle:+.0f} MB over idle)"
    )
    print(
        f"features: {features}; time ratio {s_time / b_time:.2f}x "
        "(targets: under 3 s, peak memory under 300 MB)"
    )


if __name__ == "__main__":
    main()
