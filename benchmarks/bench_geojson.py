"""Benchmark: GeoJSON of 100,000 seizures, streamed by the API, against a bare baseline.

    .venv/bin/python benchmarks/bench_geojson.py [--seizures 100000] [--url DATABASE_URL]

Seeds a scratch database (a temporary SQLite file unless --url names another one, which
is emptied), then measures in the same run:
- baseline: one SELECT of the same columns and ``json.dumps`` of the whole list;
- opcoord: ``GET /api/operations/BENCH/seizures.geojson`` through the app in-process,
  read to the end (time to the last byte, bytes, features);
and the peak of Python allocations (tracemalloc) during each. Targets: served in under
3 s, peak memory under 300 MB.
"""

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import sqlalchemy as sa
from litestar.testing import TestClient

sys.path.insert(0, str(Path(__file__).parent))
from bench_report import seed

from opcoord.app import create_app
from opcoord.config import Settings
from opcoord.db import Database, make_engine, migrate
from opcoord.operations.models import Seizure

TOKEN = "bench-admin-token-0123456789"  # noqa: S105 - a scratch database


async def prepare(url: str, n: int) -> None:
    engine = make_engine(url)
    await migrate(engine, "base", down=True)
    await migrate(engine)
    await seed(Database(engine), 100, 120, n)
    await engine.dispose()


async def baseline(url: str) -> tuple[float, int, float]:
    engine = make_engine(url)
    tracemalloc.start()
    t = time.perf_counter()
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(
            Seizure.ref, Seizure.category, Seizure.quantity, Seizure.place_type,
            Seizure.place_name, Seizure.day, Seizure.country, Seizure.lat, Seizure.lon,
        ).where(Seizure.is_current, Seizure.lat.is_not(None)))).all()
    text = json.dumps([[*r[:5], r[5].isoformat(), *r[6:]] for r in rows])
    elapsed = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    await engine.dispose()
    return elapsed, len(text), peak / 2**20


def served(url: str) -> tuple[float, int, int, float]:
    app = create_app(Settings(database_url=url, admin_token=TOKEN, scheduler_enabled=False))
    with TestClient(app, timeout=120) as client:
        tracemalloc.start()
        t = time.perf_counter()
        size = 0
        chunks: list[bytes] = []
        with client.stream("GET", "/api/operations/BENCH/seizures.geojson",
                           headers={"Authorization": f"Bearer {TOKEN}"}) as r:
            assert r.status_code == 200, r.read()
            for chunk in r.iter_bytes():
                size += len(chunk)
                chunks.append(chunk)
        elapsed = time.perf_counter() - t
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    features = len(json.loads(b"".join(chunks))["features"])
    return elapsed, size, features, peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seizures", type=int, default=100_000)
    parser.add_argument("--url", default=os.environ.get("OPCOORD_BENCH_DATABASE_URL"))
    args = parser.parse_args()
    url = args.url or f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db"
    asyncio.run(prepare(url, args.seizures))
    b_time, b_size, b_peak = asyncio.run(baseline(url))
    s_time, s_size, features, s_peak = served(url)
    print(f"{'':28} {'seconds':>8} {'MB':>8} {'peak MB':>8}")
    print(f"{'baseline select+dumps':28} {b_time:8.2f} {b_size / 2**20:8.1f} {b_peak:8.1f}")
    print(f"{'opcoord GeoJSON (streamed)':28} {s_time:8.2f} {s_size / 2**20:8.1f} {s_peak:8.1f}")
    print(f"features: {features}; time ratio {s_time / b_time:.2f}x, "
          f"peak ratio {s_peak / b_peak:.2f}x (targets: < 3 s, < 300 MB)")


if __name__ == "__main__":
    main()
