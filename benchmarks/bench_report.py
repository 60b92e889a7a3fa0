"""Benchmark: the consolidated report of 100 countries x 120 days with 100,000 seizures.

    OPCOORD_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1/bench \
        .venv/bin/python benchmarks/bench_report.py [--countries 100 --days 120 --seizures 100000]

The database is emptied and migrated first (use a scratch database). Prints the time of
the bare SQL aggregate queries, of the report JSON, of each format and of everything,
and the peak memory (RSS high-water mark of the process, and Python allocations traced
during the build). Targets: JSON < 2 s, all formats < 20 s, peak < 500 MB.
"""

import argparse
import asyncio
import os
import random
import resource
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from opcoord.db import Database, make_engine, migrate
from opcoord.operations import closing, report_data
from opcoord.operations.models import (
    DailyReturn,
    Operation,
    Participant,
    ReturnVersion,
    Seizure,
    User,
)

COUNTRIES = [f"{a}{b}" for a in "ABCDEFGHIJ" for b in "ABCDEFGHIJ"]  # any two letters
CATS = ["coins", "archaeological", "paintings", "sculptures", "religious", "manuscripts"]


async def seed(db: Database, n_countries: int, n_days: int, n_seizures: int) -> Operation:
    rng = random.Random(1)
    start = date(2026, 1, 1)
    now = datetime(2026, 6, 1, tzinfo=UTC)
    async with db.write() as s:
        user = User(username="bench", role="coordinator", token_hash="x" * 64, created_at=now)
        op = Operation(
            code="BENCH",
            name="Bench",
            lead="WCO",
            partners=["Europol"],
            starts_on=start,
            ends_on=start + timedelta(days=n_days - 1),
            timezone="Europe/Madrid",
            daily_cutoff="10:00",
            created_at=now,
            closed_at=now,
        )
        s.add_all([user, op])
        await s.flush()
        countries = COUNTRIES[:n_countries]
        await s.execute(
            sa.insert(Participant),
            [
                {
                    "operation_id": op.id,
                    "country": c,
                    "agencies": ["customs"],
                    "joins_on": start,
                    "created_at": now,
                }
                for c in countries
            ],
        )
        keys = [(c, start + timedelta(days=d)) for c in countries for d in range(n_days)]
        await s.execute(
            sa.insert(DailyReturn),
            [
                {
                    "operation_id": op.id,
                    "country": c,
                    "day": d,
                    "current_version": 1,
                    "first_submitted_at": now,
                    "first_late": rng.random() < 0.1,
                    "updated_at": now,
                }
                for c, d in keys
            ],
        )
        ids = {
            (c, d): i
            for i, c, d in (
                await s.execute(sa.select(DailyReturn.id, DailyReturn.country, DailyReturn.day))
            ).all()
        }
        await s.execute(
            sa.insert(ReturnVersion),
            [
                {
                    "return_id": ids[k],
                    "operation_id": op.id,
                    "country": k[0],
                    "day": k[1],
                    "version": 1,
                    "is_current": True,
                    "nil_return": rng.random() < 0.2,
                    "persons_checked": rng.randint(0, 900),
                    "arrests": rng.randint(0, 1),
                    "submitted_at": now,
                    "submitted_by": user.id,
                    "content_hash": "h",
                }
                for k in keys
            ],
        )
        versions = {
            (c, d): i
            for i, c, d in (
                await s.execute(
                    sa.select(ReturnVersion.id, ReturnVersion.country, ReturnVersion.day)
                )
            ).all()
        }
        batch = []
        for i in range(n_seizures):
            c, d = keys[rng.randrange(len(keys))]
            batch.append(
                {
                    "version_id": versions[(c, d)],
                    "operation_id": op.id,
                    "country": c,
                    "day": d,
                    "is_current": True,
                    "position": i,
                    "ref": f"{c}-{i}",
                    "category": rng.choice(CATS),
                    "quantity": rng.randint(1, 50),
                    "description": "bench object",
                    "place_type": "airport",
                    "place_name": "Somewhere",
                    "lat": rng.uniform(-50, 60),
                    "lon": rng.uniform(-120, 140),
                    "online": rng.random() < 0.1,
                    "origin_country": rng.choice(countries),
                    "destination_country": "CH",
                    "estimated_value": rng.randint(10, 10000),
                    "currency": "EUR",
                }
            )
            if len(batch) == 10_000:
                await s.execute(sa.insert(Seizure), batch)
                batch = []
        if batch:
            await s.execute(sa.insert(Seizure), batch)
    return op


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def bench(url: str, n_countries: int, n_days: int, n_seizures: int, trace: bool) -> None:
    engine = make_engine(url)
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            await conn.execute(sa.text("CREATE SCHEMA public"))
    await migrate(engine)
    db = Database(engine)
    t = time.perf_counter()
    op = await seed(db, n_countries, n_days, n_seizures)
    print(
        f"seeded {n_countries} countries x {n_days} days, {n_seizures:,} seizures "
        f"in {time.perf_counter() - t:.1f} s"
    )
    if engine.dialect.name == "postgresql":
        async with engine.begin() as conn:
            await conn.execute(sa.text("ANALYZE"))
    base_rss = rss_mb()
    if trace:  # tracing every allocation slows the build 2-3x: off for the timings
        tracemalloc.start()
    timings: dict[str, float] = {}
    async with db.read() as s:
        t = time.perf_counter()  # the bare aggregates: the GROUP BY queries, nothing else
        rows = await report_data.countries(s, op, datetime(2027, 1, 1, tzinfo=UTC))
        await report_data.totals(s, op, rows)
        await report_data.categories(s, op)
        await report_data.routes(s, op)
        await report_data.highlights(s, op)
        await report_data.timeline(s, op)
        timings["bare SQL aggregates"] = time.perf_counter() - t
        t = time.perf_counter()
        report = await report_data.assemble(
            s,
            op,
            edition=1,
            generated_at=datetime.now(UTC),
            data_cutoff=op.closed_at or datetime.now(UTC),
        )
        timings["report JSON (assemble)"] = time.perf_counter() - t
        t = time.perf_counter()
        seizures = await report_data.seizure_tuples(s, op)
        timings["seizure rows"] = time.perf_counter() - t
    files: dict[str, bytes] = {}

    def step(fmt: str) -> Any:
        def run() -> None:
            t = time.perf_counter()
            files.update(closing.render_files(report, seizures, "full", formats=(fmt,)))
            timings[fmt] = time.perf_counter() - t

        return run

    for fmt in closing.FORMATS:
        await asyncio.to_thread(step(fmt))
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    total = sum(v for k, v in timings.items() if k != "bare SQL aggregates")
    for name, seconds in timings.items():
        size = f"  {len(files[name]) / 1e6:6.1f} MB" if name in files else ""
        print(f"{name:<26} {seconds:7.2f} s{size}")
    print(f"{'all formats (total)':<26} {total:7.2f} s")
    print(
        f"peak RSS {rss_mb():.0f} MB (before build {base_rss:.0f} MB); "
        f"Python allocations peak {traced_peak / 1e6:.0f} MB"
    )
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--countries", type=int, default=100)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--seizures", type=int, default=100_000)
    parser.add_argument("--trace", action="store_true", help="also trace Python allocations")
    args = parser.parse_args()
    url = os.environ.get("OPCOORD_BENCH_DATABASE_URL", "sqlite+aiosqlite:///./bench.db")
    asyncio.run(bench(url, args.countries, args.days, args.seizures, args.trace))


if __name__ == "__main__":
    main()
