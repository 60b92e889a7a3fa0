"""The demo's operation from its first day to its report: the accounts, the plan of
what the contact points will submit, and the run that plays it on the demo's clock.

The run makes each submission at its planned moment, after running whatever of the day
cycle fell due before it (reminders, day closes, the closing), so the dashboard sees
things in the order they happen, however fast the days go. Everything goes through the
same actions as the API. What was accepted is kept (``Tour.accepted``), so a test can
compare the report with what the contact points submitted.
"""

import asyncio
import logging
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from opcoord.accounts import sessions, tokens, users
from opcoord.accounts.identity import Caller, Role
from opcoord.db import Database
from opcoord.demo.clock import DemoClock
from opcoord.demo.simulated import Planned, plan
from opcoord.errors import Conflict, DomainError
from opcoord.operations import ledger, operations, participants, returns
from opcoord.operations.enums import Agency
from opcoord.operations.models import Operation
from opcoord.operations.scheduled import Context, run_due_jobs
from opcoord.operations.schemas import OperationCreate, ParticipantCreate, ReturnIn
from opcoord.report import editions

log = logging.getLogger(__name__)

CODE = "ATHENA-DEMO"
DAYS = 12  # an action phase, like Pandora VII's
TIMEZONE = "Europe/Brussels"  # the WCO's
CUTOFF = "10:00"
PASSWORD = "demo-password"  # noqa: S105 - the demo's published password, demo data only
PARTNER = "unesco"
COORDINATOR = "coordinator"
COUNTRIES = ("ES", "FR", "IT", "GR", "DE", "NL", "PT", "BG", "CY", "EG", "TR", "CH")
AGENCIES = {"CH": [Agency.customs, Agency.police], "EG": [Agency.customs, Agency.police,
            Agency.ministry_of_culture]}  # fmt: skip


def ncp(cc: str) -> str:
    return f"ncp-{cc.lower()}"


@dataclass(slots=True)
class Tour:
    first_day: date
    plan: list[Planned]
    #: the last version each contact point had accepted, by (country, day)
    accepted: dict[tuple[str, date], ReturnIn] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)
    finished: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def days(self) -> list[date]:
        return [self.first_day + timedelta(days=n) for n in range(DAYS)]


def first_day_after(moment: datetime) -> date:
    return (moment + timedelta(hours=1)).astimezone(ledger.zone(TIMEZONE)).date()


def start_of(first_day: date) -> datetime:
    """The demo's clock starts an hour before the operation opens."""
    midnight = datetime.combine(first_day, time(0), tzinfo=ledger.zone(TIMEZONE))
    return (midnight - timedelta(hours=1)).astimezone(UTC)


def _window(first_day: date) -> OperationCreate:
    return OperationCreate(
        code=CODE,
        name="Operation Athena (demonstration)",
        lead="World Customs Organization",
        partners=["INTERPOL", "Europol", "UNESCO"],
        starts_on=first_day,
        ends_on=first_day + timedelta(days=DAYS - 1),
        timezone=TIMEZONE,
        daily_cutoff=CUTOFF,
    )


async def seed(db: Database, now: datetime, seed: int = 7) -> tuple[Tour, dict[str, str]]:
    """The operation, its countries and accounts (each with the demo's password), and
    the plan of its returns; the API tokens by username."""
    first_day = first_day_after(now)
    await operations.create_operation(db, _window(first_day), now)
    issued = {}
    names: list[tuple[str, Role, str | None]] = [
        (COORDINATOR, Role.coordinator, None),
        (PARTNER, Role.partner, None),
    ]
    names += [(ncp(cc), Role.ncp, cc) for cc in COUNTRIES]
    for cc in COUNTRIES:
        body = ParticipantCreate(country=cc, agencies=AGENCIES.get(cc, [Agency.customs,
                                 Agency.police]))  # fmt: skip
        await participants.add_participant(db, CODE, body, now)
    for username, role, country in names:
        _, issued[username] = await users.create_user(
            db, username=username, role=role, country=country, now=now
        )
        await sessions.set_password(db, username, PASSWORD, now)
    rng = random.Random(seed)  # noqa: S311 - simulated data, not security
    days = [first_day + timedelta(days=n) for n in range(DAYS)]
    cutoff = int(CUTOFF[:2]) + int(CUTOFF[3:]) / 60
    return Tour(first_day, plan(rng, list(COUNTRIES), days, TIMEZONE, cutoff)), issued


async def _until(clock: DemoClock, at: datetime) -> None:
    while (wait := clock.wall_seconds_until(at)) > 0:
        await asyncio.sleep(min(wait, 0.5))


async def _operation(db: Database) -> Operation:
    async with db.read() as session:
        return await operations.load(session, CODE)


async def _callers(db: Database) -> dict[str, Caller]:
    out = {}
    for user in await users.list_users(db):
        if user.role == Role.ncp and user.country:
            out[user.country] = tokens.caller_of(user)
    return out


async def _submit(db: Database, tour: Tour, caller: Caller, item: Planned) -> bool:
    """Make one planned submission; False once the operation no longer takes any."""
    try:
        await returns.submit_return(
            db, caller, CODE, item.country, item.day, item.body, None, item.at
        )
    except Conflict as exc:
        tour.refused.append(f"{item.country} {item.day}: {exc.message}")
        return (await _operation(db)).closed_at is None
    except DomainError as exc:
        tour.refused.append(f"{item.country} {item.day}: {exc.message}")
        return True
    tour.accepted[(item.country, item.day)] = item.body
    return True


async def _report(db: Database, ctx: Context, clock: DemoClock) -> None:
    """Wait for the report of the closed operation, and publish it to partners."""
    while True:
        await run_due_jobs(ctx, clock.now())
        op = await _operation(db)
        async with db.read() as session:
            latest = await editions.latest_edition(session, op)
        if latest is not None and latest.status == "ready":
            await editions.publish(db, CODE, clock.now())
            return
        await asyncio.sleep(0.2)


async def run(db: Database, clock: DemoClock, ctx: Context, tour: Tour, host: str) -> None:
    """Play the plan, close at the last cut-off (or when a coordinator closes early),
    publish the report, then let time run at its normal pace."""
    callers = await _callers(db)
    for item in tour.plan:
        await _until(clock, item.at)
        await run_due_jobs(ctx, item.at)
        if not await _submit(db, tour, callers[item.country], item):
            break
    op = await _operation(db)
    if op.closed_at is None:
        await _until(clock, ledger.final_due_at(op))
    await _report(db, ctx, clock)
    clock.real_time()
    tour.finished.set()
    print(
        f"\nThe operation has closed and its report is published: "
        f"http://{host}/operations/{CODE}/report (partners: sign in as '{PARTNER}').\n"
        "The demo keeps serving, now in real time; Ctrl-C stops it.",
        flush=True,
    )
