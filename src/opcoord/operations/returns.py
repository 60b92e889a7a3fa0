"""Daily returns: submit (first version, replacement, amendment) and read.

One logical return per (operation, country, day); every submission that changes the
content adds a version and makes it current. An identical resubmission adds nothing,
so a client may retry safely.
"""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from opcoord.accounts.identity import Caller
from opcoord.accounts.models import User
from opcoord.audit import log as audit
from opcoord.db import Database, pk
from opcoord.errors import StaleVersion, conflict, invalid, not_found
from opcoord.operations import counters, figures, integrity, ledger, locks, reviews
from opcoord.operations.enums import COUNTERS, FACILITATING
from opcoord.operations.models import DailyReturn, Operation, Participant, ReturnVersion, Seizure
from opcoord.operations.operations import load
from opcoord.operations.schemas import ReturnIn, ReturnPublic, SeizurePublic
from opcoord.outbox.events import ChangeEvent, EventType
from opcoord.outbox.record import record_all


@dataclass(frozen=True, slots=True)
class Submitted:
    ret: ReturnPublic
    created: bool  # the first version of this day's return
    changed: bool  # a new version was written


def content_hash(data: ReturnIn) -> str:
    """Identity of a return's content; the amendment reason is not content."""
    body = data.model_dump(mode="json", exclude={"amendment_reason"})
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


def parse_if_match(value: str | None, if_none_match: str | None = None) -> int | None:
    """``If-Match`` carries a version number, bare or as an (optionally weak) ETag.

    ``If-None-Match: *`` (or ``If-Match: "0"``) means: only if no return exists yet; it
    is returned as 0.
    """
    if if_none_match is not None:
        if if_none_match.strip() != "*":
            raise invalid("If-None-Match", 'If-None-Match accepts only "*"')
        return 0
    if value is None:
        return None
    tag = value.strip().removeprefix("W/").strip('"')
    if not tag.isdigit():
        raise invalid("If-Match", 'If-Match must be a version number such as "3"')
    return int(tag)


async def participant(
    session: AsyncSession, op: Operation, country: str, *, for_update: bool = False
) -> Participant:
    stmt = sa.select(Participant).where(
        col(Participant.operation_id) == op.id, col(Participant.country) == country
    )
    p = await session.scalar(stmt.with_for_update() if for_update else stmt)
    if p is None:
        raise not_found("country", f"{country} does not take part in operation {op.code}")
    return p


async def _check_refs(session: AsyncSession, op: Operation, country: str, data: ReturnIn) -> None:
    """A reference names one seizure across the operation: a second day may not reuse it."""
    refs = [s.ref for s in data.seizures]
    if not refs:
        return
    taken = dict(
        (
            await session.execute(
                sa.select(col(Seizure.ref), col(Seizure.day)).where(
                    col(Seizure.operation_id) == op.id,
                    col(Seizure.country) == country,
                    col(Seizure.is_current),
                    col(Seizure.ref).in_(refs),
                )
            )
        ).all()
    )
    for i, ref in enumerate(refs):
        if ref in taken:
            raise invalid(
                f"seizures[{i}].ref",
                f"reference {ref!r} was already reported on {taken[ref]}",
                "ref_taken",
                day=taken[ref].isoformat(),
            )


def _seizure_rows(data: ReturnIn, version: ReturnVersion) -> list[dict[str, Any]]:
    rows = []
    for position, s in enumerate(data.seizures):
        row = s.model_dump(exclude={"object_details"})
        row["object_details"] = (
            s.object_details.model_dump(exclude_none=True) or None if s.object_details else None
        )
        row.update(
            version_id=version.id,
            operation_id=version.operation_id,
            country=version.country,
            day=version.day,
            is_current=True,
            position=position,
        )
        rows.append({k: (str(v) if hasattr(v, "value") else v) for k, v in row.items()})
    return rows


async def submit_return(
    db: Database,
    caller: Caller,
    code: str,
    country: str,
    day: date,
    data: ReturnIn,
    if_match: int | None,
    now: datetime,
    *,
    via: str = "api",
) -> Submitted:
    """Submit or replace a day's return (``via``: "api", "import", "demo", for the audit
    log)."""
    digest = content_hash(data)
    try:
        async with db.write() as session:
            done = await _submit(
                session, caller, code, country, day, data, if_match, digest, now, via
            )
    except IntegrityError as exc:  # the database's own guards, should a check be raced
        raise conflict("the return changed while it was being saved; fetch it and retry") from exc
    counters.returns_received(done.created, done.changed, via)  # counted once committed
    return done


async def _submit(
    session: AsyncSession,
    caller: Caller,
    code: str,
    country: str,
    day: date,
    data: ReturnIn,
    if_match: int | None,
    digest: str,
    now: datetime,
    via: str,
) -> Submitted:
    # Locks: the operation's row shared (a close or a change of participants waits for
    # the writes under way, and they for it), the country's row exclusive (its versions,
    # references and first report are decided by one of its writes at a time). Countries
    # write side by side; they meet only at the end, to number their events.
    op = await load(session, code, for_share=True)
    assert op.id is not None
    taking_part = await participant(session, op, country, for_update=True)
    ledger.check_writable(op, taking_part, country, day, now)
    await locks.check_unlocked(session, op, country, day, now)
    ret = await session.scalar(
        sa.select(DailyReturn).where(
            col(DailyReturn.operation_id) == op.id,
            col(DailyReturn.country) == country,
            col(DailyReturn.day) == day,
        )
    )
    old: ReturnVersion | None = None
    first_country_report = False
    if ret is not None:
        old = await session.scalar(
            sa.select(ReturnVersion).where(
                col(ReturnVersion.return_id) == ret.id, col(ReturnVersion.is_current)
            )
        )
        assert old is not None
        if old.content_hash == digest:
            return Submitted(await _public(session, op, old, now), created=False, changed=False)
        if if_match == 0:
            raise StaleVersion(
                f"a return already exists (version {old.version}): reload it before changing it",
                old.version,
            )
        if if_match is not None and if_match != old.version:
            raise StaleVersion(
                f"If-Match {if_match} is stale: the current version is {old.version}",
                old.version,
            )
        if ledger.needs_reason(op, day, now) and data.amendment_reason is None:
            raise invalid(
                "amendment_reason",
                f"the return was due at {ledger.due_at(op, day).isoformat()}: "
                "an amendment needs a reason",
                "amendment_reason_required",
            )
        old.is_current = False
        await session.execute(
            sa.update(Seizure).where(col(Seizure.version_id) == old.id).values(is_current=False)
        )
        await session.flush()
    else:
        if if_match:  # 0 means "only if none exists yet", which holds here
            raise StaleVersion(f"If-Match {if_match} given but no return exists yet")
        first_country_report = None is await session.scalar(
            sa.select(pk(DailyReturn))
            .where(col(DailyReturn.operation_id) == op.id, col(DailyReturn.country) == country)
            .limit(1)
        )
        ret = DailyReturn(
            operation_id=op.id,
            country=country,
            day=day,
            current_version=0,
            first_submitted_at=now,
            first_late=ledger.is_late(op, day, now),
            updated_at=now,
        )
        session.add(ret)
        await session.flush()
    await _check_refs(session, op, country, data)
    assert ret.id is not None
    version = ReturnVersion(
        return_id=ret.id,
        operation_id=op.id,
        country=country,
        day=day,
        version=(old.version + 1) if old else 1,
        is_current=True,
        nil_return=data.nil_return,
        **data.counters.model_dump(),
        **data.facilitating_items.model_dump(),
        notes=data.notes,
        amendment_reason=data.amendment_reason,
        late=ledger.is_late(op, day, now),
        submitted_at=now,
        submitted_by=caller.id,
        content_hash=digest,
    )
    session.add(version)
    await session.flush()
    if data.seizures:
        await session.execute(sa.insert(Seizure), _seizure_rows(data, version))
    ret.current_version = version.version
    ret.updated_at = now
    seizures = await _seizures_of(session, version)
    public = await _public(session, op, version, now, seizures, caller.username)
    events = await _events(
        session,
        op,
        taking_part,
        ret,
        version,
        old,
        now,
        seizures,
        first_country_report=first_country_report,
    )
    # Last, so the stream's numbering and audit chain are held only until the commit.
    await record_all(session, events, now)
    if old is None:
        action = "return.submit"
    else:
        action = "return.amend" if ledger.needs_reason(op, day, now) else "return.replace"
    assert op.id is not None
    await audit.record(
        session,
        action,
        now,
        stream_id=op.id,
        operation=op.code,
        object=f"{country} {day} version {version.version}",
        object_key=integrity.key("return_versions", version.id),
        state=integrity.version_state(version, seizures, ret),
        detail={"via": via, "reason": data.amendment_reason}
        if data.amendment_reason
        else {"via": via},
    )
    return Submitted(public, created=old is None, changed=True)


async def _events(
    session: AsyncSession,
    op: Operation,
    taking_part: Participant,
    ret: DailyReturn,
    new: ReturnVersion,
    old: ReturnVersion | None,
    now: datetime,
    fresh: Sequence[Seizure],
    *,
    first_country_report: bool,
) -> list[ChangeEvent]:
    """The return's events, to be numbered (``fresh``: the new version's seizures)."""
    assert op.id is not None
    contributions = await figures.version_contributions(session, [new, old] if old else [new])
    change = figures.delta(contributions[0], contributions[1] if old else None)
    if old is None:
        change["returns"] = 1
        if first_country_report:
            change["countries_reported"] = 1
    returned = ledger.Returned(first_late=ret.first_late, nil=new.nil_return)
    status = ledger.state(op, taking_part, new.day, now, returned)
    if old is not None:
        kind = EventType.return_amended
    else:
        kind = EventType.nil_return if new.nil_return else EventType.return_submitted
    payload = {
        "operation": op.code,
        "country": new.country,
        "day": new.day.isoformat(),
        "version": new.version,
        "late": new.late,
        "nil_return": new.nil_return,
        "day_status": str(status),
        "delta": change,
        "amended": old is not None and ledger.needs_reason(op, new.day, now),
        # A new version is not yet reviewed, whatever its predecessor's review was.
        "review_status": "pending",
    }
    events = [ChangeEvent(kind, op.id, payload, new.country)]
    old_refs = set()
    if old is not None:
        old_refs = set(
            await session.scalars(
                sa.select(col(Seizure.ref)).where(col(Seizure.version_id) == old.id)
            )
        )
    points = [_point(s) for s in fresh if s.ref not in old_refs]
    if points:
        payload = {
            "operation": op.code,
            "country": new.country,
            "day": new.day.isoformat(),
            "seizures": points,
        }
        events.append(ChangeEvent(EventType.seizure_recorded, op.id, payload, new.country))
    return events


def _point(s: Seizure) -> dict[str, Any]:
    """What the live map needs of a seizure."""
    return {
        "ref": s.ref,
        "category": s.category,
        "quantity": s.quantity,
        "place_type": s.place_type,
        "place_name": s.place_name,
        "day": s.day.isoformat(),
        "country": s.country,
        "conveyance": s.conveyance,
        "origin_country": s.origin_country,
        "destination_country": s.destination_country,
        "lat": s.lat,
        "lon": s.lon,
    }


async def _seizures_of(session: AsyncSession, version: ReturnVersion) -> list[Seizure]:
    """The version's seizures as stored, in their order."""
    rows = await session.scalars(
        sa.select(Seizure)
        .where(col(Seizure.version_id) == version.id)
        .order_by(col(Seizure.position))
    )
    return list(rows.all())


async def _public(
    session: AsyncSession,
    op: Operation,
    version: ReturnVersion,
    now: datetime,
    seizures: Sequence[Seizure] | None = None,
    username: str | None = None,
) -> ReturnPublic:
    """The public form of ``version``; its seizures and its author's name are read
    unless the caller already has them (the write that just stored them)."""
    if seizures is None:
        seizures = await _seizures_of(session, version)
    ret = await session.get(DailyReturn, version.return_id)
    assert ret is not None and op.id is not None
    exception = (
        await locks.exception_until(session, op.id, version.country, version.day)
        if ledger.locks_at(op, version.day) is not None
        else None
    )
    if username is None:
        username = await session.scalar(
            sa.select(col(User.username)).where(pk(User) == version.submitted_by)
        )
    return ReturnPublic(
        operation=op.code,
        country=version.country,
        day=version.day,
        version=version.version,
        current_version=ret.current_version or version.version,
        nil_return=version.nil_return,
        counters={c: getattr(version, c) for c in COUNTERS},
        facilitating_items={f: getattr(version, f) for f in FACILITATING},
        seizures=[SeizurePublic.model_validate(s, from_attributes=True) for s in seizures],
        notes=version.notes,
        amendment_reason=version.amendment_reason,
        late=version.late,
        submitted_at=version.submitted_at,
        submitted_by=username or "",
        due_at=ledger.due_at(op, version.day),
        review=await reviews.review_of(session, ret),
        locked=ledger.locked(op, version.day, now, exception),
        locks_at=ledger.locks_at(op, version.day),
    )


async def get_return(
    db: Database, code: str, country: str, day: date, version: int | None, now: datetime
) -> ReturnPublic:
    async with db.read() as session:
        op = await load(session, code)
        stmt = (
            sa.select(ReturnVersion)
            .join(DailyReturn, pk(DailyReturn) == col(ReturnVersion.return_id))
            .where(
                col(DailyReturn.operation_id) == op.id,
                col(DailyReturn.country) == country,
                col(DailyReturn.day) == day,
            )
        )
        stmt = stmt.where(
            col(ReturnVersion.version) == version
            if version is not None
            else col(ReturnVersion.is_current)
        )
        found = await session.scalar(stmt)
        if found is None:
            what = f"version {version} of " if version is not None else ""
            raise not_found("day", f"no {what}return from {country} for {day} in {code}")
        return await _public(session, op, found, now)


async def check_unlocked(db: Database, code: str, country: str, day: date, now: datetime) -> None:
    """Refuse (409) when the day ledger says the day is locked."""
    async with db.read() as session:
        op = await load(session, code)
        await locks.check_unlocked(session, op, country, day, now)


async def list_versions(db: Database, code: str, country: str, day: date) -> list[dict[str, Any]]:
    async with db.read() as session:
        op = await load(session, code)
        rows = await session.execute(
            sa.select(
                col(ReturnVersion.version),
                col(ReturnVersion.submitted_at),
                col(ReturnVersion.late),
                col(ReturnVersion.nil_return),
                col(ReturnVersion.amendment_reason),
                col(User.username),
            )
            .join(DailyReturn, pk(DailyReturn) == col(ReturnVersion.return_id))
            .join(User, pk(User) == col(ReturnVersion.submitted_by))
            .where(
                col(DailyReturn.operation_id) == op.id,
                col(DailyReturn.country) == country,
                col(DailyReturn.day) == day,
            )
            .order_by(col(ReturnVersion.version))
        )
        return [
            {
                "version": v,
                "submitted_at": at,
                "late": late,
                "nil_return": nil,
                "amendment_reason": reason,
                "submitted_by": who,
            }
            for v, at, late, nil, reason, who in rows.all()
        ]
