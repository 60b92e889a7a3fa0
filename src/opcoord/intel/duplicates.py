"""Duplicates: the same object reported twice, by two agencies or two countries.

Detection runs after a return is saved, never inside its transaction (the PUT is not
slowed): a commit hook nudges a background check of the operation, which takes every
current version with seizures that has no ``duplicate_checks`` row yet, compares each
of its seizures with the current seizures of the same category within
``WINDOW_DAYS`` days (``duplicates_score``), and stores each pair over the threshold
once (unique on the ordered pair, ``ON CONFLICT DO NOTHING``, so two instances checking
the same version store it once) together with the version's check row and a
``duplicate_found`` event, in one transaction. A process killed between a return's
commit and its check leaves a version without a check row: the scheduler's catch-up (at
start and at each sync) and every listing of the pairs check it then.

Coordinators decide: ``merged`` (the second seizure counts in no total, see
``operations/merged.py``) or ``distinct``. A decision records ``duplicate_resolved``
with the change it makes to the totals, so dashboards move at once.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from opcoord.accounts.identity import Caller
from opcoord.audit import log as audit
from opcoord.db import STREAMS_TOUCHED, Database, dialect_of, pk
from opcoord.errors import conflict, invalid, not_found
from opcoord.intel.duplicates_score import (
    THRESHOLD,
    WINDOW_DAYS,
    Candidate,
    blocked,
    ordered,
    quantity_band,
    score_from,
)
from opcoord.operations import figures, ledger
from opcoord.operations.enums import OperationStatus
from opcoord.operations.merged import (
    DISTINCT,
    MERGED,
    PENDING,
    DuplicateCheck,
    DuplicatePair,
)
from opcoord.operations.models import Operation, ReturnVersion, Seizure
from opcoord.operations.operations import load
from opcoord.outbox.events import ChangeEvent, EventType
from opcoord.outbox.record import record_all
from opcoord.tasks import SETTLE_SECONDS, stop_tasks

log = logging.getLogger(__name__)

DECISIONS = (MERGED, DISTINCT)
#: What a listing shows of each seizure of a pair.
SHOWN = (
    "country",
    "day",
    "ref",
    "category",
    "quantity",
    "description",
    "place_type",
    "place_name",
    "agency",
    "origin_country",
    "departure_country",
    "destination_country",
    "estimated_value",
    "currency",
)


#: Distinct (category, day, count) read in one statement.
NEAR_BATCH = 200
#: Versions checked in one transaction: a turn after a busy moment finds many, and pays
#: the transaction, the operation's row and the candidates' statements once for them.
VERSIONS_PER_CHECK = 50
#: Pairs scored between two turns of the event loop.
YIELD_EVERY = 32
#: How long a stopping app lets a check under way finish before cancelling it.
STOP_GRACE_SECONDS = 2.0
#: What the check reads of a seizure: its id, then ``Candidate``'s fields in order.
_COLUMNS = (
    pk(Seizure),
    col(Seizure.country),
    col(Seizure.ref),
    col(Seizure.day),
    col(Seizure.category),
    col(Seizure.quantity),
    col(Seizure.description),
    col(Seizure.origin_country),
    col(Seizure.departure_country),
    col(Seizure.destination_country),
    col(Seizure.estimated_value),
    col(Seizure.currency),
)


def _candidate(row: Any) -> Candidate:
    return Candidate(*row[1:])


def _key(c: Candidate) -> tuple[str, date, int]:
    return c.category, c.day, c.quantity


def _near(category: str, day: date, quantity: int) -> Any:
    """Where the seizures a seizure may be compared with lie: its category, within the
    window of its day, and with a count that may still reach the threshold."""
    window = timedelta(days=WINDOW_DAYS)
    where = [
        col(Seizure.category) == category,
        col(Seizure.day).between(day - window, day + window),
    ]
    band = quantity_band(quantity)
    if band is not None:
        where.append(col(Seizure.quantity).between(*band))
    return sa.and_(*where)


def _insert(session: AsyncSession) -> Any:
    return postgresql.insert if dialect_of(session) == "postgresql" else sqlite.insert


async def pending_versions(session: AsyncSession, operation_id: int) -> list[int]:
    """Current versions with seizures that no check has covered yet.

    Read from the operation's current versions (a tenth of its seizures, by the
    index on both), not from its seizures: the detector asks after every commit.
    """
    checked = sa.select(col(DuplicateCheck.version_id)).where(
        col(DuplicateCheck.version_id) == pk(ReturnVersion)
    )
    with_seizures = sa.select(sa.literal(1)).where(col(Seizure.version_id) == pk(ReturnVersion))
    rows = await session.scalars(
        sa.select(pk(ReturnVersion))
        .where(
            col(ReturnVersion.operation_id) == operation_id,
            col(ReturnVersion.is_current),
            ~checked.exists(),
            with_seizures.exists(),
        )
        .order_by(pk(ReturnVersion))
    )
    return list(rows)


async def _check_versions(
    session: AsyncSession, op: Operation, version_ids: list[int], now: datetime
) -> list[ChangeEvent]:
    """Claim the checks of ``version_ids`` and store the pairs their seizures make."""
    assert op.id is not None
    claimed = list(
        await session.scalars(
            _insert(session)(DuplicateCheck)
            .values(
                [{"version_id": v, "operation_id": op.id, "checked_at": now} for v in version_ids]
            )
            .on_conflict_do_nothing(index_elements=["version_id"])
            .returning(col(DuplicateCheck.version_id))
        )
    )
    if not claimed:  # another instance checked them first
        return []
    fresh = [
        (row[0], _candidate(row))
        for row in await session.execute(
            sa.select(*_COLUMNS)
            .where(col(Seizure.version_id).in_(claimed), col(Seizure.is_current))
            .order_by(pk(Seizure))
        )
    ]
    if not fresh:
        return []
    # What the versions' seizures may be compared with: the current seizures of their
    # categories, within the window of their days, with counts in their bands (blocking,
    # below, pairs each seizure with its own). One statement per NEAR_BATCH distinct
    # (category, day, count): a return of thousands of seizures would exceed SQLite's
    # expression depth and asyncpg's parameter count in one.
    keys = sorted({_key(c) for _, c in fresh})
    found: dict[int, Candidate] = {}
    for at in range(0, len(keys), NEAR_BATCH):
        for row in await session.execute(
            sa.select(*_COLUMNS).where(
                col(Seizure.operation_id) == op.id,
                col(Seizure.is_current),
                sa.or_(*(_near(*k) for k in keys[at : at + NEAR_BATCH])),
            )
        ):
            found[row[0]] = _candidate(row)
    # By category and count: a seizure looks only at the candidates of its own category
    # whose counts lie in its band, so a turn that checks many versions at once does no
    # more work per seizure than checking each alone.
    by_category: dict[str, list[tuple[int, Candidate]]] = {}
    by_count: dict[tuple[str, int], list[tuple[int, Candidate]]] = {}
    for other_id, theirs in sorted(found.items()):
        by_category.setdefault(theirs.category, []).append((other_id, theirs))
        by_count.setdefault((theirs.category, theirs.quantity), []).append((other_id, theirs))
    events = []
    scored = 0
    for seizure_id, mine in fresh:
        for other_id, theirs in _in_band(mine, by_category, by_count):
            if other_id == seizure_id or not blocked(mine, theirs):
                continue
            scored += 1
            if scored % YIELD_EVERY == 0:
                # Scoring is CPU on the serving loop: the requests waiting on it go
                # between two slices of a turn, not after the whole of it.
                await asyncio.sleep(0)
            value = score_from(mine, theirs, THRESHOLD)
            if value is None:
                continue
            a, b = ordered(mine, theirs)
            stored = await session.scalar(
                _insert(session)(DuplicatePair)
                .values(
                    operation_id=op.id,
                    a_country=a.country,
                    a_ref=a.ref,
                    b_country=b.country,
                    b_ref=b.ref,
                    score=value,
                    status=PENDING,
                    found_at=now,
                )
                .on_conflict_do_nothing(
                    index_elements=["operation_id", "a_country", "a_ref", "b_country", "b_ref"]
                )
                .returning(pk(DuplicatePair))
            )
            if stored is None:  # the pair is listed already (found from its other side)
                continue
            events.append(
                ChangeEvent(
                    EventType.duplicate_found,
                    op.id,
                    {
                        "operation": op.code,
                        "id": stored,
                        "score": value,
                        "a": _brief(a),
                        "b": _brief(b),
                    },
                )
            )
    return events


def _in_band(
    mine: Candidate,
    by_category: dict[str, list[tuple[int, Candidate]]],
    by_count: dict[tuple[str, int], list[tuple[int, Candidate]]],
) -> Iterable[tuple[int, Candidate]]:
    """The candidates of ``mine``'s category whose counts may still reach the threshold
    with it (``quantity_band``), in the order they were read."""
    band = quantity_band(mine.quantity)
    if band is None:
        return by_category.get(mine.category, ())
    low, high = band
    if high - low > len(by_category.get(mine.category, ())):  # a wide band: filter instead
        return (c for c in by_category.get(mine.category, ()) if low <= c[1].quantity <= high)
    found = [c for q in range(low, high + 1) for c in by_count.get((mine.category, q), ())]
    return sorted(found, key=lambda c: c[0])


def _brief(c: Candidate) -> dict[str, Any]:
    return {"country": c.country, "day": c.day.isoformat(), "ref": c.ref}


async def check_operation(db: Database, operation_id: int, now: datetime) -> int:
    """Check every version of the operation still to be checked; pairs stored."""
    async with db.read() as session:
        versions = await pending_versions(session, operation_id)
    found = 0
    for at in range(0, len(versions), VERSIONS_PER_CHECK):
        async with db.write() as session:
            op = await session.get(Operation, operation_id)
            if op is None:
                return found
            events = await _check_versions(session, op, versions[at : at + VERSIONS_PER_CHECK], now)
            if events:
                await record_all(session, events, now)
            found += len(events)
    return found


async def catch_up(db: Database, now: datetime) -> list[str]:
    """Check what every operation still has to check (at start, and at each sync)."""
    async with db.read() as session:
        ids = list(
            await session.scalars(
                sa.select(col(Seizure.operation_id))
                .distinct()
                .where(
                    col(Seizure.is_current),
                    ~sa.select(col(DuplicateCheck.version_id))
                    .where(col(DuplicateCheck.version_id) == col(Seizure.version_id))
                    .exists(),
                )
            )
        )
    return [f"duplicates:{i}" for i in ids if await check_operation(db, i, now)]


class Detector:
    """Runs the check after each commit that touched an operation, in the background.

    One task per operation at a time; a nudge during a run makes it run once more.
    """

    def __init__(self, db: Database, now: Any) -> None:
        self.db = db
        self.now = now
        self.tasks: dict[int, asyncio.Task[None]] = {}
        self.again: set[int] = set()

    def nudge(self, noted: dict[str, set[int]]) -> None:
        for stream in noted.get(STREAMS_TOUCHED, set()):
            if stream in self.tasks:
                self.again.add(stream)
            else:
                self.tasks[stream] = asyncio.get_running_loop().create_task(self._run(stream))

    async def _run(self, operation_id: int) -> None:
        try:
            while True:
                await asyncio.sleep(SETTLE_SECONDS)  # the commits just behind join this turn
                self.again.discard(operation_id)
                try:
                    await check_operation(self.db, operation_id, self.now())
                except Exception:  # the catch-up retries what failed here
                    log.exception("duplicate check of operation %s failed", operation_id)
                if operation_id not in self.again:
                    return
        finally:
            self.tasks.pop(operation_id, None)

    async def idle(self) -> None:
        """Wait until no check is running or about to run."""
        while self.tasks:
            await asyncio.wait(list(self.tasks.values()))

    async def aclose(self) -> None:
        # A turn under way is a write: let it commit (a short grace) rather than cancel
        # it in the middle, which on SQLite can leave the file locked a while after the
        # app has stopped; a turn that does not end in time is cancelled.
        running = [t for t in self.tasks.values() if not t.done()]
        if running:
            await asyncio.wait(running, timeout=STOP_GRACE_SECONDS)
        await stop_tasks(list(self.tasks.values()), "duplicate detector")


def detector_lifespan() -> Any:
    """The app's lifespan that hooks the detector to the database's commits."""

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        db: Database = app.state.db
        clock = app.state.clock
        detector = app.state.duplicate_detector = Detector(db, clock.now)
        db.commit_hooks.append(detector.nudge)
        try:
            yield
        finally:
            db.commit_hooks.remove(detector.nudge)
            await detector.aclose()

    return lifespan


async def after_run(ctx: Any, now: datetime) -> list[str]:
    """The scheduler's after-run hook: the durable catch-up."""
    return await catch_up(ctx.db, now)


# --- listing and deciding -----------------------------------------------------------------


async def _current_seizures(
    session: AsyncSession, operation_id: int, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], Seizure]:
    keys = set(keys)
    if not keys:
        return {}
    countries = {c for c, _ in keys}
    refs = {r for _, r in keys}
    rows = await session.scalars(
        sa.select(Seizure).where(
            col(Seizure.operation_id) == operation_id,
            col(Seizure.is_current),
            col(Seizure.country).in_(countries),
            col(Seizure.ref).in_(refs),
        )
    )
    return {(s.country, s.ref): s for s in rows if (s.country, s.ref) in keys}


def _shown(s: Seizure) -> dict[str, Any]:
    out = {k: getattr(s, k) for k in SHOWN}
    out["day"] = s.day.isoformat()
    if s.estimated_value is not None:
        out["estimated_value"] = figures.money(s.estimated_value)
    return out


def _public(pair: DuplicatePair, seizures: dict[tuple[str, str], Seizure]) -> dict[str, Any]:
    return {
        "id": pair.id,
        "a": _shown(seizures[(pair.a_country, pair.a_ref)]),
        "b": _shown(seizures[(pair.b_country, pair.b_ref)]),
        "score": pair.score,
        "status": pair.status,
        "decided_at": pair.decided_at.isoformat() if pair.decided_at else None,
    }


async def list_pairs(
    db: Database, code: str, now: datetime, status: str | None = None
) -> dict[str, Any]:
    """The operation's pairs whose two seizures are both current, best score first."""
    if status is not None and status not in (PENDING, *DECISIONS):
        raise invalid("status", "status must be one of pending, merged, distinct", "choice")
    async with db.read() as session:
        op = await load(session, code)
        assert op.id is not None
        operation_id = op.id
    await check_operation(db, operation_id, now)  # whatever a killed process left
    async with db.read() as session:
        stmt = sa.select(DuplicatePair).where(col(DuplicatePair.operation_id) == operation_id)
        if status is not None:
            stmt = stmt.where(col(DuplicatePair.status) == status)
        pairs = list(
            await session.scalars(stmt.order_by(col(DuplicatePair.score).desc(), pk(DuplicatePair)))
        )
        keys = [(p.a_country, p.a_ref) for p in pairs] + [(p.b_country, p.b_ref) for p in pairs]
        seizures = await _current_seizures(session, operation_id, keys)
    live = [
        p
        for p in pairs
        if (p.a_country, p.a_ref) in seizures and (p.b_country, p.b_ref) in seizures
    ]
    return {"operation": code, "pairs": [_public(p, seizures) for p in live]}


async def decide(
    db: Database, caller: Caller, code: str, pair_id: str, status: Any, now: datetime
) -> dict[str, Any]:
    """Mark a pair merged or distinct; the totals follow a merge at once."""
    if not pair_id.isdigit():
        raise invalid("id", "a pair's id is a whole number", "integer")
    if status not in DECISIONS:
        raise invalid("status", "status must be merged or distinct", "choice")
    async with db.write() as session:
        op = await load(session, code, for_share=True)
        assert op.id is not None
        pair = await session.scalar(
            sa.select(DuplicatePair)
            .where(pk(DuplicatePair) == int(pair_id), col(DuplicatePair.operation_id) == op.id)
            .with_for_update()
        )
        seizures = (
            await _current_seizures(
                session, op.id, [(pair.a_country, pair.a_ref), (pair.b_country, pair.b_ref)]
            )
            if pair
            else {}
        )
        if pair is None or len(seizures) < 2:
            raise not_found("id", f"no pair of duplicates {pair_id} in {code}")
        if ledger.status(op, now) is OperationStatus.closed:
            raise conflict(f"operation {code} is closed: its report is final", "code", "closed")
        if pair.status == status:
            return _public(pair, seizures)
        before = await figures.totals(session, op)
        seized_before = await figures.seizures_by_country(session, op)
        pair.status = status
        pair.decided_at = now
        pair.decided_by = caller.id
        session.add(pair)
        await session.flush()
        after = await figures.totals(session, op)
        change = figures.delta(_numbers(after), _numbers(before))
        seized_after = await figures.seizures_by_country(session, op)
        seized = {
            c: seized_after.get(c, 0) - seized_before.get(c, 0)
            for c in sorted(set(seized_after) | set(seized_before))
            if seized_after.get(c, 0) != seized_before.get(c, 0)
        }
        await record_all(
            session,
            [
                ChangeEvent(
                    EventType.duplicate_resolved,
                    op.id,
                    {
                        "operation": op.code,
                        "id": pair.id,
                        "status": status,
                        "delta": change,
                        # Which country's seizures the decision moved (regions' figures).
                        "seizures_by_country": seized,
                    },
                )
            ],
            now,
        )
        await audit.record(
            session,
            f"duplicate.{status}",
            now,
            stream_id=op.id,
            operation=op.code,
            object=f"pair {pair.id}: {pair.a_country} {pair.a_ref} / {pair.b_country} {pair.b_ref}",
            detail={"score": pair.score},
        )
        return _public(pair, seizures)


def _numbers(totals: dict[str, Any]) -> dict[str, Any]:
    """What a decision can move (the counters and returns it cannot)."""
    keep = (
        "seizures",
        "objects_seized",
        "objects_seized_online",
        "estimated_value",
        "objects_by_category",
        "objects_by_country",
    )
    return {k: totals[k] for k in keep}


__all__ = ["Detector", "after_run", "catch_up", "check_operation", "decide", "list_pairs"]
