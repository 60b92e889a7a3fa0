"""A closed operation of any size written straight into the tables, for the benchmarks
here (the report's own benchmark is `opcoord bench --sections 6,7`)."""

import random
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from opcoord.accounts.models import User
from opcoord.db import Database
from opcoord.operations.models import DailyReturn, Operation, Participant, ReturnVersion, Seizure

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
