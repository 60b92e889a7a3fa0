"""`opcoord demo`: a seeded operation and simulated contact points submitting live.

Everything goes through the same actions as the API, so the dashboard, the map and the
report see exactly what real submissions would produce.
"""

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from litestar import Litestar

from opcoord.accounts import sessions, tokens, users
from opcoord.accounts.identity import Caller, Role
from opcoord.db import Database
from opcoord.errors import DomainError
from opcoord.operations import ledger, operations, participants, returns
from opcoord.operations.enums import Agency, Category, Conveyance, PlaceType
from opcoord.operations.schemas import OperationCreate, ParticipantCreate, ReturnIn

log = logging.getLogger(__name__)
CODE = "ATHENA-DEMO"
PASSWORD = "demo-password"  # noqa: S105 - the demo's published password, demo data only
# Reporting countries with a plausible place of seizure (lat, lon, name).
COUNTRIES: dict[str, tuple[float, float, str]] = {
    "ES": (40.47, -3.56, "Madrid-Barajas"),
    "FR": (49.01, 2.55, "Paris-CDG"),
    "IT": (41.80, 12.25, "Roma Fiumicino"),
    "GR": (37.94, 23.64, "Piraeus"),
    "DE": (50.03, 8.56, "Frankfurt"),
    "NL": (51.95, 4.14, "Rotterdam"),
    "PT": (38.77, -9.13, "Lisboa"),
    "BG": (42.69, 23.41, "Sofia"),
    "CY": (34.88, 33.63, "Larnaca"),
    "EG": (30.11, 31.41, "Cairo"),
    "TR": (41.26, 28.74, "Istanbul"),
    "CH": (47.45, 8.56, "Zurich"),
}
ORIGINS = ["IT", "GR", "EG", "IQ", "SY", "CY", "PE", "MX", "TR", "BG"]


def _return(rng: random.Random, country: str, day: date, serial: int) -> ReturnIn:
    if rng.random() < 0.25:
        return ReturnIn(nil_return=True)
    lat, lon, place = COUNTRIES[country]
    seizures = []
    for i in range(rng.choice([0, 0, 1, 1, 2, 3])):
        category = rng.choice(list(Category))
        seizures.append(
            {
                "ref": f"{country}-{day:%m%d}-{serial}-{i}",
                "category": category,
                "quantity": rng.choice([1, 1, 2, 5, 12, 40, 91, 300]),
                "description": f"{category.value.replace('_', ' ')} found in a "
                + rng.choice(["suitcase", "parcel", "container", "vehicle"]),
                "place_type": rng.choice(
                    [
                        PlaceType.airport,
                        PlaceType.seaport,
                        PlaceType.postal_centre,
                        PlaceType.auction_house,
                        PlaceType.online,
                    ]
                ),
                "place_name": place,
                "lat": lat + rng.uniform(-0.3, 0.3),
                "lon": lon + rng.uniform(-0.3, 0.3),
                "conveyance": rng.choice(list(Conveyance)),
                "origin_country": rng.choice(ORIGINS),
                "destination_country": rng.choice(list(COUNTRIES)),
                "estimated_value": rng.choice([800, 2500, 12000, 95000]),
                "currency": "EUR",
            }
        )
    return ReturnIn.model_validate(
        {
            "counters": {
                "persons_checked": rng.randint(50, 2000),
                "vehicles_checked": rng.randint(0, 300),
                "online_checks": rng.randint(0, 60),
                "arrests": rng.choice([0, 0, 0, 1, 2]),
                "investigations_criminal": rng.choice([0, 0, 1]),
            },
            "seizures": seizures,
        }
    )


async def seed(db: Database, now: datetime) -> tuple[Caller, dict[str, str]]:
    """The demo operation, its countries, accounts and the returns of past days."""
    today = now.date()
    await operations.create_operation(
        db,
        OperationCreate(
            code=CODE,
            name="Operation Athena (demonstration)",
            lead="World Customs Organization",
            partners=["INTERPOL", "Europol", "UNESCO"],
            starts_on=today - timedelta(days=9),
            ends_on=today + timedelta(days=20),
            timezone="UTC",
            daily_cutoff="10:00",
        ),
        now,
    )
    issued = {}
    admin, issued["admin"] = await users.create_user(
        db, username="coordinator", role=Role.coordinator, country=None, now=now
    )
    await sessions.set_password(db, "coordinator", PASSWORD, now)
    rng = random.Random(7)  # noqa: S311 - simulated data, not security
    for cc in COUNTRIES:
        await participants.add_participant(
            db,
            CODE,
            ParticipantCreate(country=cc, agencies=[Agency.customs, Agency.police]),
            now,
        )
        user, issued[cc] = await users.create_user(
            db, username=f"ncp-{cc.lower()}", role=Role.ncp, country=cc, now=now
        )
        await sessions.set_password(db, user.username, PASSWORD, now)
        caller = tokens.caller_of(user)
        for back in range(9, 0, -1):
            day = today - timedelta(days=back)
            if rng.random() < 0.08:
                continue  # a missing return
            at = datetime.combine(day, time(18), tzinfo=UTC) + timedelta(
                hours=rng.choice([0, 0, 0, 20])
            )
            await returns.submit_return(
                db, caller, CODE, cc, day, _return(rng, cc, day, back), None, at
            )
    return tokens.caller_of(admin), issued


async def simulate(db: Database, clock: Any, caller: Caller, period: float = 6.0) -> None:
    """Contact points submitting today's returns, one every few seconds."""
    rng = random.Random()  # noqa: S311 - simulated data, not security
    serial = 0
    while True:
        await asyncio.sleep(period * rng.uniform(0.5, 1.5))
        serial += 1
        cc = rng.choice(list(COUNTRIES))
        now = clock.now()
        async with db.read() as session:
            op = await operations.load(session, CODE)
        day = ledger.today(op, now)
        try:
            await returns.submit_return(
                db, caller, CODE, cc, day, _return(rng, cc, day, 1000 + serial), None, now
            )
        except DomainError as exc:  # e.g. after the window
            log.info("demo submission refused: %s", exc.message)


@asynccontextmanager
async def demo_lifespan(app: Litestar) -> AsyncIterator[None]:
    state = app.state
    coordinator, issued = await seed(state.db, state.clock.now())
    print(
        f"\nDemo operation {CODE}: sign in at http://{state.demo_host} as 'coordinator' "
        f"or 'ncp-es', 'ncp-fr', … with password '{PASSWORD}'."
    )
    print(f"API token of the coordinator: {issued['admin']}\n", flush=True)
    task = asyncio.create_task(simulate(state.db, state.clock, coordinator))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
