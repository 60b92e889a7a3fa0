"""Hits: checking seizures against the lists, and the coordinators' review of what matched.

One action checks whatever is pending, for every cause at once: a seizure just saved
(no ``seizure_checks`` row yet), a list uploaded since a seizure was checked (its
version's id is above the seizure's ``through``), or a check lost when a process
stopped between a commit and its check. Matching runs outside any transaction; each
batch's hits and markers are then written in one short transaction, so a return's PUT
never waits for the matcher. The hits' unique key makes a check that runs twice (two
instances, a retry) record each hit once, and only the instance whose insert created
the hit records its live event.
"""

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from opcoord.accounts.identity import Caller
from opcoord.audit import log as audit
from opcoord.db import Database, pk
from opcoord.errors import NotFound, invalid
from opcoord.intel.matching import Described, Index, describe
from opcoord.intel.models import (
    SeizureCheck,
    Watchlist,
    WatchlistHit,
    WatchlistObject,
    WatchlistVersion,
)
from opcoord.operations.models import Operation, Seizure
from opcoord.outbox.events import ChangeEvent, EventType
from opcoord.outbox.record import record

log = logging.getLogger(__name__)

BATCH = 2000
STATUSES = ("pending", "confirmed", "rejected")
#: By version id and content hash: a restored or recreated database may give another
#: list's version the id a cached one had.
_INDEXES: dict[tuple[int, str], tuple[Index, list[tuple[int, str]]]] = {}
_INDEX_CACHE = 8


def describe_seizure(s: Seizure) -> Described:
    d = s.object_details or {}
    return describe(
        category=s.category,
        texts=(
            s.description,
            d.get("object_type"),
            d.get("maker"),
            d.get("distinguishing_features"),
        ),
        materials=d.get("materials"),
        period=d.get("period"),
        inscriptions=d.get("inscriptions"),
        dimensions=(s.description, d.get("distinguishing_features")),
    )


def describe_listed(o: WatchlistObject) -> Described:
    return describe(
        category=o.category,
        texts=(o.title, o.description),
        materials=o.materials,
        period=o.period,
        inscriptions=o.inscriptions,
        dimensions=(o.dimensions,),
    )


async def _index(
    session: AsyncSession, version_id: int, digest: str
) -> tuple[Index, list[tuple[int, str]]]:
    """The matcher's index of one list version (versions never change: cached)."""
    found = _INDEXES.get((version_id, digest))
    if found is not None:
        return found
    objects = list(
        await session.scalars(
            sa.select(WatchlistObject)
            .where(col(WatchlistObject.version_id) == version_id)
            .order_by(pk(WatchlistObject))
        )
    )
    built = (
        Index.build([describe_listed(o) for o in objects]),
        [(o.id or 0, o.object_id) for o in objects],
    )
    while len(_INDEXES) >= _INDEX_CACHE:
        _INDEXES.pop(next(iter(_INDEXES)))
    _INDEXES[(version_id, digest)] = built
    return built


@dataclass(frozen=True, slots=True)
class Found:
    seizure: Seizure
    version_id: int
    watchlist_id: int
    listed_id: int
    object_id: str
    score: float
    fields: list[str]


async def check_pending(
    db: Database, now: datetime, threshold: float, *, operation_id: int | None = None
) -> int:
    """Check every seizure not yet checked against every current list; the hits made."""
    made = 0
    while True:
        async with db.read() as session:
            versions = list(
                (
                    await session.execute(
                        sa.select(
                            pk(WatchlistVersion),
                            col(WatchlistVersion.watchlist_id),
                            col(WatchlistVersion.content_hash),
                        )
                        .where(col(WatchlistVersion.is_current))
                        .order_by(pk(WatchlistVersion))
                    )
                ).all()
            )
            if not versions:
                return made
            through = max(v for v, _, _ in versions)
            stmt = (
                sa.select(Seizure, col(SeizureCheck.through))
                .outerjoin(SeizureCheck, col(SeizureCheck.seizure_id) == pk(Seizure))
                .where(
                    col(Seizure.is_current),
                    sa.or_(
                        col(SeizureCheck.through).is_(None), col(SeizureCheck.through) < through
                    ),
                )
                .order_by(pk(Seizure))
                .limit(BATCH)
            )
            if operation_id is not None:
                stmt = stmt.where(col(Seizure.operation_id) == operation_id)
            pending = list((await session.execute(stmt)).all())
            if not pending:
                return made
            found: list[Found] = []
            indexes = {v: await _index(session, v, digest) for v, _, digest in versions}
        for seizure, checked in pending:
            probe = describe_seizure(seizure)
            for version_id, watchlist_id, _ in versions:
                if checked is not None and version_id <= checked:
                    continue
                index, keys = indexes[version_id]
                for m in index.match(probe, threshold):
                    listed_id, object_id = keys[m.position]
                    found.append(
                        Found(
                            seizure,
                            version_id,
                            watchlist_id,
                            listed_id,
                            object_id,
                            m.score,
                            list(m.fields),
                        )
                    )
            await asyncio.sleep(0)  # a long sweep lets the server answer in between
        made += await _store(db, [s for s, _ in pending], found, through, now)


def _insert(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


async def _store(
    db: Database, checked: Sequence[Seizure], found: list[Found], through: int, now: datetime
) -> int:
    made = 0
    async with db.write() as session:
        insert = _insert(session)
        names = dict((await session.execute(sa.select(pk(Watchlist), col(Watchlist.name)))).all())
        for f in found:
            s = f.seizure
            hit_id = await session.scalar(
                insert(WatchlistHit)
                .values(
                    operation_id=s.operation_id,
                    country=s.country,
                    ref=s.ref,
                    day=s.day,
                    seizure_id=s.id,
                    watchlist_id=f.watchlist_id,
                    version_id=f.version_id,
                    listed_id=f.listed_id,
                    object_id=f.object_id,
                    score=f.score,
                    fields=f.fields,
                    status="pending",
                    found_at=now,
                    note="",
                )
                .on_conflict_do_nothing()
                .returning(pk(WatchlistHit))
            )
            if hit_id is None:
                continue  # found before (another instance, an earlier version of the return)
            made += 1
            await record(
                session,
                ChangeEvent(
                    EventType.watchlist_hit,
                    s.operation_id,
                    {
                        "hit": {
                            "id": hit_id,
                            "seizure": {
                                "country": s.country,
                                "day": s.day.isoformat(),
                                "ref": s.ref,
                            },
                            "category": s.category,
                            "watchlist": names.get(f.watchlist_id, ""),
                            "object_id": f.object_id,
                            "score": f.score,
                            "fields": f.fields,
                            "status": "pending",
                        }
                    },
                    country=s.country,
                ),
                now,
            )
        rows = [{"seizure_id": s.id, "through": through, "checked_at": now} for s in checked]
        stmt = insert(SeizureCheck)
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["seizure_id"],
                set_={"through": stmt.excluded.through, "checked_at": stmt.excluded.checked_at},
            ),
            rows,
        )
    return made


# --- reading and reviewing ---------------------------------------------------------------


def hit_json(hit: WatchlistHit, watchlist: str) -> dict[str, Any]:
    return {
        "id": hit.id,
        "seizure": {"country": hit.country, "day": hit.day, "ref": hit.ref},
        "watchlist": watchlist,
        "watchlist_id": hit.watchlist_id,
        "object_id": hit.object_id,
        "score": hit.score,
        "fields": hit.fields,
        "status": hit.status,
        "found_at": hit.found_at,
        "decided_at": hit.decided_at,
        "note": hit.note,
    }


async def listing(
    session: AsyncSession, op: Operation, status: str | None = None
) -> list[dict[str, Any]]:
    stmt = (
        sa.select(WatchlistHit, col(Watchlist.name))
        .join(Watchlist, pk(Watchlist) == col(WatchlistHit.watchlist_id))
        .where(col(WatchlistHit.operation_id) == op.id)
        .order_by(col(WatchlistHit.score).desc(), pk(WatchlistHit))
    )
    if status is not None:
        stmt = stmt.where(col(WatchlistHit.status) == status)
    return [hit_json(h, name) for h, name in (await session.execute(stmt)).all()]


async def side_by_side(session: AsyncSession, op: Operation, hit_id: int) -> dict[str, Any]:
    """One hit with both objects in full, for the review page."""
    row = (
        await session.execute(
            sa.select(WatchlistHit, Watchlist, WatchlistObject, Seizure)
            .join(Watchlist, pk(Watchlist) == col(WatchlistHit.watchlist_id))
            .join(WatchlistObject, pk(WatchlistObject) == col(WatchlistHit.listed_id))
            .join(Seizure, pk(Seizure) == col(WatchlistHit.seizure_id))
            .where(col(WatchlistHit.operation_id) == op.id, pk(WatchlistHit) == hit_id)
        )
    ).first()
    if row is None:
        raise NotFound(f"no hit {hit_id} in {op.code}", "id", "not_found")
    hit, wl, listed, seizure = row
    return {"hit": hit_json(hit, wl.name), "listed": listed, "seizure": seizure}


async def for_review(session: AsyncSession, op: Operation) -> list[dict[str, Any]]:
    """Every hit with both objects in full, pending first and best first: the review page."""
    rows = (
        await session.execute(
            sa.select(WatchlistHit, Watchlist, WatchlistObject, Seizure)
            .join(Watchlist, pk(Watchlist) == col(WatchlistHit.watchlist_id))
            .join(WatchlistObject, pk(WatchlistObject) == col(WatchlistHit.listed_id))
            .join(Seizure, pk(Seizure) == col(WatchlistHit.seizure_id))
            .where(col(WatchlistHit.operation_id) == op.id)
            .order_by(
                sa.case((col(WatchlistHit.status) == "pending", 0), else_=1),
                col(WatchlistHit.score).desc(),
                pk(WatchlistHit),
            )
        )
    ).all()
    return [
        {"hit": hit_json(hit, wl.name), "listed": listed, "seizure": seizure}
        for hit, wl, listed, seizure in rows
    ]


@dataclass(frozen=True, slots=True)
class Reviewed:
    hit: dict[str, Any]
    changed: bool


async def review(
    db: Database, caller: Caller, op: Operation, hit_id: int, status: str, note: str, now: datetime
) -> Reviewed:
    """Confirm or reject a hit (or set it back to pending); a live event for coordinators."""
    if status not in STATUSES:
        raise invalid("status", "must be confirmed, rejected or pending")
    async with db.write() as session:
        hit = await session.scalar(
            sa.select(WatchlistHit)
            .where(col(WatchlistHit.operation_id) == op.id, pk(WatchlistHit) == hit_id)
            .with_for_update()
        )
        if hit is None:
            raise NotFound(f"no hit {hit_id} in {op.code}", "id", "not_found")
        name = await session.scalar(
            sa.select(col(Watchlist.name)).where(pk(Watchlist) == hit.watchlist_id)
        )
        if hit.status == status and hit.note == note:
            return Reviewed(hit_json(hit, name or ""), changed=False)
        before = await confirmed_count(session, op)
        old = hit.status
        hit.status, hit.note = status, note
        hit.decided_at, hit.decided_by = now, caller.id
        await session.flush()
        change = await confirmed_count(session, op) - before
        body = hit_json(hit, name or "")
        payload: dict[str, Any] = {
            "hit": body
            | {
                "seizure": body["seizure"] | {"day": hit.day.isoformat()},
                "found_at": hit.found_at.isoformat(),
                "decided_at": now.isoformat(),
                "previous": old,
            },
        }
        if change:
            payload["delta"] = {"database_hits": change}
        await record(
            session,
            ChangeEvent(EventType.hit_reviewed, op.id or 0, payload, country=hit.country),
            now,
        )
        await audit.record(
            session,
            f"hit.{status}"[:40],
            now,
            stream_id=op.id or 0,
            operation=op.code,
            object=f"hit {hit.id}: {hit.country} {hit.ref} ~ {name} {hit.object_id}",
            detail={"from": old, "note": note} if note else {"from": old},
        )
    return Reviewed(body, changed=True)


async def confirmed_count(session: AsyncSession, op: Operation) -> int:
    """``totals.database_hits``: current seizures with at least one confirmed hit (a
    seizure found on two lists is one hit)."""
    n = await session.scalar(
        sa.select(sa.func.count(sa.distinct(pk(Seizure))))
        .select_from(WatchlistHit)
        .join(
            Seizure,
            sa.and_(
                col(Seizure.operation_id) == col(WatchlistHit.operation_id),
                col(Seizure.country) == col(WatchlistHit.country),
                col(Seizure.ref) == col(WatchlistHit.ref),
                col(Seizure.is_current),
            ),
        )
        .where(col(WatchlistHit.operation_id) == op.id, col(WatchlistHit.status) == "confirmed")
    )
    return int(n or 0)


async def more_totals(session: AsyncSession, op: Operation) -> dict[str, Any]:
    """What intelligence adds to the operation's totals."""
    return {"database_hits": await confirmed_count(session, op)}


async def confirmed_highlights(session: AsyncSession, op: Operation) -> list[dict[str, Any]]:
    """Confirmed hits for the report's highlights (coordinator edition only)."""
    rows = (
        await session.execute(
            sa.select(WatchlistHit, col(Watchlist.name), WatchlistObject)
            .join(Watchlist, pk(Watchlist) == col(WatchlistHit.watchlist_id))
            .join(WatchlistObject, pk(WatchlistObject) == col(WatchlistHit.listed_id))
            .where(col(WatchlistHit.operation_id) == op.id, col(WatchlistHit.status) == "confirmed")
            .order_by(col(WatchlistHit.day), col(WatchlistHit.country), col(WatchlistHit.ref))
        )
    ).all()
    return [
        {
            "country": h.country,
            "day": h.day.isoformat(),
            "ref": h.ref,
            "watchlist": name,
            "object_id": h.object_id,
            "title": o.title,
            "country_of_theft": o.country_of_theft,
            "score": h.score,
        }
        for h, name, o in rows
    ]
