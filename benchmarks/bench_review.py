"""Benchmark: the review queue of 100 countries x 120 days (12,000 returns), and a
coordinator's night of 100 reviews.

    OPCOORD_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1/bench \
        .venv/bin/python benchmarks/bench_review.py [--countries 100 --days 120]

The database is emptied and migrated first (use a scratch database; default a SQLite
file ./bench-review.db). A third of the returns are reviewed (approved, queried, on
hold), a sixth of those approved then amended. Prints the time of the queue (`open`,
`all`, one country, one day), of the counts by review state, of the dashboard's review
snapshot, and of 100 reviews one after another. Targets: a queue page < 0.5 s, a
review < 50 ms.
"""

import argparse
import asyncio
import os
import statistics
import time
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from opcoord.accounts.identity import Caller, Role
from opcoord.accounts.models import User
from opcoord.db import Database, make_engine, migrate
from opcoord.operations import reviews
from opcoord.operations.models import (
    DailyReturn,
    Operation,
    Participant,
    ReturnReview,
    ReturnVersion,
)
from opcoord.operations.schemas import ReviewIn

COUNTRIES = [f"{a}{b}" for a in "ABCDEFGHIJ" for b in "ABCDEFGHIJ"]
START = date(2026, 1, 1)
NOW = datetime(2026, 6, 1, tzinfo=UTC)


async def seed(db: Database, n_countries: int, n_days: int) -> tuple[int, int]:
    async with db.write() as s:
        user = User(username="bench", role="coordinator", token_hash="x" * 64, created_at=NOW)
        op = Operation(
            code="BENCH", name="Bench", lead="WCO", partners=[], starts_on=START,
            ends_on=START + timedelta(days=n_days - 1), timezone="Europe/Madrid",
            daily_cutoff="10:00", created_at=NOW,
        )  # fmt: skip
        s.add_all([user, op])
        await s.flush()
        assert op.id is not None and user.id is not None
        countries = COUNTRIES[:n_countries]
        await s.execute(sa.insert(Participant), [
            {"operation_id": op.id, "country": c, "agencies": ["customs"], "joins_on": START,
             "created_at": NOW} for c in countries
        ])  # fmt: skip
        keys = [(c, START + timedelta(days=d)) for c in countries for d in range(n_days)]
        await s.execute(sa.insert(DailyReturn), [
            {"operation_id": op.id, "country": c, "day": d, "current_version": 1 + (i % 18 == 0),
             "first_submitted_at": NOW, "first_late": False, "updated_at": NOW}
            for i, (c, d) in enumerate(keys)
        ])  # fmt: skip
        rows = await s.execute(sa.select(DailyReturn.id, DailyReturn.country, DailyReturn.day))
        ids = {(c, d): i for i, c, d in rows.all()}
        versions = [
            {"return_id": ids[key], "operation_id": op.id, "country": key[0],
             "day": key[1], "version": v, "is_current": v == 1 + (i % 18 == 0),
             "nil_return": True, "submitted_at": NOW, "submitted_by": user.id,
             "content_hash": f"{i}-{v}"}
            for i, key in enumerate(keys)
            for v in range(1, 2 + (i % 18 == 0))
        ]  # fmt: skip
        await s.execute(sa.insert(ReturnVersion), versions)
        states = ["approved", "query", "on_hold"]
        await s.execute(sa.insert(ReturnReview), [
            {"return_id": ids[key], "operation_id": op.id, "country": key[0], "day": key[1],
             "version": 1, "status": "approved" if i % 18 == 0 else states[i % 3],
             "comment": "c", "reviewed_by": user.id, "reviewed_at": NOW}
            for i, key in enumerate(keys) if i % 3 == 0 or i % 18 == 0
        ])  # fmt: skip
        return op.id, user.id


async def timed(label: str, runs: int, fn: object) -> None:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        found = await fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t)
    size = len(found.returns) if hasattr(found, "returns") else len(found)
    print(f"{label:<34} median {statistics.median(times) * 1000:8.1f} ms  ({size} rows)")


async def bench(url: str, n_countries: int, n_days: int) -> None:
    engine = make_engine(url)
    await migrate(engine, "base", down=True)
    await migrate(engine)
    db = Database(engine, b"bench-audit-key-0123456789abcdef")
    t = time.perf_counter()
    _, user_id = await seed(db, n_countries, n_days)
    print(f"seeded {n_countries * n_days} returns in {time.perf_counter() - t:.1f} s ({url})")
    if engine.dialect.name == "postgresql":  # what autovacuum does after a bulk load
        async with engine.begin() as conn:
            await conn.execute(sa.text("ANALYZE"))
    day = START + timedelta(days=3)
    await timed("queue status=open", 5, lambda: reviews.queue(db, "BENCH"))
    await timed(
        "queue status=all (first 1000)", 5, lambda: reviews.queue(db, "BENCH", status="all")
    )
    await timed("queue one country", 5, lambda: reviews.queue(db, "BENCH", country="AB"))
    await timed("queue one day", 5, lambda: reviews.queue(db, "BENCH", status="all", day=day))

    async def counts() -> dict[str, int]:
        async with db.read() as s:
            return await reviews.counts(s, 1)

    async def states() -> dict[str, dict[str, str]]:
        async with db.read() as s:
            op = await s.get(Operation, 1)
            assert op is not None
            return await reviews.states(s, op)

    await timed("counts by review state", 5, counts)
    await timed("dashboard snapshot (reviews)", 5, states)
    caller = Caller(id=user_id, username="bench", role=Role.coordinator, country=None)
    data = ReviewIn(status="approved")  # type: ignore[arg-type]
    times = []
    for i in range(100):
        country = COUNTRIES[i % n_countries]
        t = time.perf_counter()
        await reviews.review_return(
            db, caller, "BENCH", country, START + timedelta(days=i // n_countries + 5), data, NOW
        )
        times.append(time.perf_counter() - t)
    print(
        f"{'100 reviews, one after another':<34} median {statistics.median(times) * 1000:8.1f} ms"
        f"  max {max(times) * 1000:.1f} ms  total {sum(times):.2f} s"
    )
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--countries", type=int, default=100)
    parser.add_argument("--days", type=int, default=120)
    args = parser.parse_args()
    url = os.environ.get("OPCOORD_BENCH_DATABASE_URL", "sqlite+aiosqlite:///./bench-review.db")
    asyncio.run(bench(url, args.countries, args.days))


if __name__ == "__main__":
    main()
