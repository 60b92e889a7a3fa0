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
from functools import cache
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from opcoord.accounts.identity import Caller
from opcoord.accounts.models import User
from opcoord.audit import log as audit
from opcoord.db import Database, Query, dialect_of, pk, run
from opcoord.errors import StaleVersion, conflict, invalid, not_found
from opcoord.operations import counters, figures, integrity, ledger, locks, reviews
from opcoord.operations.enums import COUNTERS, FACILITATING
from opcoord.operations.models import DailyReturn, Operation, Participant, ReturnVersion, Seizure
from opcoord.operations.operations import load
from opcoord.operations.schemas import ReturnIn, ReturnPublic, SeizurePublic
from opcoord.outbox.events import ChangeEvent, EventType
from opcoord.outbox.record import record_at_commit


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


# The statements of a return's write, built once with bound parameters: building them
# (and their cache keys) again on every request cost more than a third of what running
# them did.
_REFS_TAKEN = sa.select(col(Seizure.ref), col(Seizure.day)).where(
    col(Seizure.operation_id) == sa.bindparam("operation_id"),
    col(Seizure.country) == sa.bindparam("country"),
    col(Seizure.is_current),
    col(Seizure.ref).in_(sa.bindparam("refs", expanding=True)),
)

_M = TypeVar("_M", Operation, Participant, DailyReturn, ReturnVersion, Seizure)


def _table(model: Any) -> sa.Table:
    table: sa.Table = model.__table__
    return table


def _entity(model: type[_M], row: tuple[Any, ...]) -> _M:
    """A row read whole (``_row_of``) as its model's object, outside the session: the
    write changes it with statements of its own, not through the session's flush."""
    names = [c.name for c in _table(model).columns]
    return model(**dict(zip(names, row, strict=True)))


def _row_of(model: Any) -> sa.Select[*tuple[Any, ...]]:
    return sa.select(*_table(model).columns)


_OPERATION = Query(
    _row_of(Operation).where(col(Operation.code) == sa.bindparam("code")).with_for_update(read=True)
)
_TAKING_PART = Query(
    _row_of(Participant)
    .where(
        col(Participant.operation_id) == sa.bindparam("operation_id"),
        col(Participant.country) == sa.bindparam("country"),
    )
    .with_for_update()
)
#: The same on PostgreSQL, with the references as one array (a ``Query`` takes no list).
_REFS_TAKEN_ANY = Query(
    sa.select(col(Seizure.ref), col(Seizure.day)).where(
        col(Seizure.operation_id) == sa.bindparam("operation_id"),
        col(Seizure.country) == sa.bindparam("country"),
        col(Seizure.is_current),
        col(Seizure.ref) == sa.any_(sa.bindparam("refs", type_=postgresql.ARRAY(sa.String()))),
    )
)
_RETURN = Query(
    _row_of(DailyReturn).where(
        col(DailyReturn.operation_id) == sa.bindparam("operation_id"),
        col(DailyReturn.country) == sa.bindparam("country"),
        col(DailyReturn.day) == sa.bindparam("day"),
    )
)
_CURRENT_VERSION = Query(
    _row_of(ReturnVersion).where(
        col(ReturnVersion.return_id) == sa.bindparam("return_id"), col(ReturnVersion.is_current)
    )
)
_RETIRE_VERSION = Query(
    sa.update(ReturnVersion)
    .where(pk(ReturnVersion) == sa.bindparam("retired_version"))
    .values(is_current=False)
)
_RETIRE_SEIZURES = Query(
    sa.update(Seizure)
    .where(col(Seizure.version_id) == sa.bindparam("retired_version"))
    .values(is_current=False)
)
_SET_CURRENT = Query(
    sa.update(DailyReturn)
    .where(pk(DailyReturn) == sa.bindparam("return_id"))
    .values(current_version=sa.bindparam("to_version"), updated_at=sa.bindparam("at"))
)


@cache
def _insert_returning_id(table: sa.Table) -> Query:
    """A new row of ``table`` from every column but its id, which it returns."""
    values = {
        c.name: sa.bindparam(f"v_{c.name}", type_=c.type) for c in table.columns if c.name != "id"
    }
    return Query(sa.insert(table).values(values).returning(table.c.id))


async def _insert(session: AsyncSession, obj: Any) -> int:
    """Store ``obj`` (a new row, outside the session) and give it its id."""
    values = {
        f"v_{c.name}": getattr(obj, c.name) for c in _table(type(obj)).columns if c.name != "id"
    }
    ((new_id,),) = await run(session, _insert_returning_id(_table(type(obj))), **values)
    obj.id = int(new_id)
    return int(new_id)


_ANY_RETURN = Query(
    sa.select(pk(DailyReturn))
    .where(
        col(DailyReturn.operation_id) == sa.bindparam("operation_id"),
        col(DailyReturn.country) == sa.bindparam("country"),
    )
    .limit(1)
)
_VERSION_SEIZURES = (
    sa.select(Seizure)
    .where(col(Seizure.version_id) == sa.bindparam("version_id"))
    .order_by(col(Seizure.position))
)
_VERSION_REFS = Query(
    sa.select(col(Seizure.ref)).where(col(Seizure.version_id) == sa.bindparam("version_id"))
)
_SEIZURES = Seizure.__table__  # type: ignore[attr-defined]
#: A seizure's columns as stored (its id is the database's), with their defaults.
_SEIZURE_COLUMNS = [c.name for c in _SEIZURES.columns if c.name != "id"]
_SEIZURE_DEFAULTS = {c: Seizure.model_fields[c].get_default() for c in _SEIZURE_COLUMNS}
#: Up to this many seizures are stored and read back in one statement; a bulk return
#: of more is stored in one and read in another.
_STORED_AT_ONCE = 50


@cache
def _store_seizures(n: int) -> Query:
    """``n`` seizures inserted, returned as stored (ids, defaults) in one round trip."""
    rows: list[dict[str, Any]] = [
        {c: sa.bindparam(f"{c}_{i}", type_=_SEIZURES.c[c].type) for c in _SEIZURE_COLUMNS}
        for i in range(n)
    ]
    return Query(sa.insert(_SEIZURES).values(rows).returning(*_SEIZURES.columns))


async def _check_refs(session: AsyncSession, op: Operation, country: str, data: ReturnIn) -> None:
    """A reference names one seizure across the operation: a second day may not reuse it."""
    refs = [s.ref for s in data.seizures]
    if not refs:
        return
    params = {"operation_id": op.id, "country": country, "refs": refs}
    if dialect_of(session) == "postgresql":
        taken = dict(await run(session, _REFS_TAKEN_ANY, **params))
    else:
        taken = dict((await session.execute(_REFS_TAKEN, params)).all())
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
    # write side by side; they meet only in the commit, where their events are numbered.
    # Every row is read and written with statements of its own (``db.Query``): through
    # the ORM's loading and flushes a PUT cost several times its round trips in Python.
    rows = await run(session, _OPERATION, code=code)
    if not rows:
        raise not_found("code", f"no operation with code {code!r}")
    op = _entity(Operation, rows[0])
    assert op.id is not None
    rows = await run(session, _TAKING_PART, operation_id=op.id, country=country)
    if not rows:
        raise not_found("country", f"{country} does not take part in operation {op.code}")
    taking_part = _entity(Participant, rows[0])
    ledger.check_writable(op, taking_part, country, day, now)
    await locks.check_unlocked(session, op, country, day, now)
    rows = await run(session, _RETURN, operation_id=op.id, country=country, day=day)
    ret = _entity(DailyReturn, rows[0]) if rows else None
    old: ReturnVersion | None = None
    first_country_report = False
    if ret is not None:
        (row,) = await run(session, _CURRENT_VERSION, return_id=ret.id)
        old = _entity(ReturnVersion, row)
        if old.content_hash == digest:
            public = await _public(session, op, old, now, ret=ret)
            return Submitted(public, created=False, changed=False)
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
        await run(session, _RETIRE_VERSION, retired_version=old.id)
        await run(session, _RETIRE_SEIZURES, retired_version=old.id)
    else:
        if if_match:  # 0 means "only if none exists yet", which holds here
            raise StaleVersion(f"If-Match {if_match} given but no return exists yet")
        first_country_report = not await run(
            session, _ANY_RETURN, operation_id=op.id, country=country
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
        await _insert(session, ret)
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
    await _insert(session, version)
    seizures = await _store(session, data, version)
    ret.current_version = version.version
    ret.updated_at = now
    await run(session, _SET_CURRENT, return_id=ret.id, to_version=version.version, at=now)
    public = await _public(session, op, version, now, seizures, caller.username, ret=ret)
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
    # The events are numbered by the database as the transaction commits, so the
    # operation's stream is held for the commit alone; the entry goes to the country's
    # own chain, whose head this write's lock on the country's row already serialises.
    await record_at_commit(session, events, now)
    if old is None:
        action = "return.submit"
    else:
        action = "return.amend" if ledger.needs_reason(op, day, now) else "return.replace"
    assert taking_part.id is not None
    await audit.record(
        session,
        action,
        now,
        stream_id=audit.country_stream(taking_part.id),
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
        old_refs = {ref for (ref,) in await run(session, _VERSION_REFS, version_id=old.id)}
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


async def _store(session: AsyncSession, data: ReturnIn, version: ReturnVersion) -> list[Seizure]:
    """Store the version's seizures; as stored, in their order."""
    rows = _seizure_rows(data, version)
    if not rows:
        return []
    if len(rows) > _STORED_AT_ONCE:
        await session.execute(sa.insert(Seizure), rows)
        return await _seizures_of(session, version)
    params = {
        f"{c}_{i}": row.get(c, _SEIZURE_DEFAULTS[c])
        for i, row in enumerate(rows)
        for c in _SEIZURE_COLUMNS
    }
    names = [c.name for c in _SEIZURES.columns]
    stored = [
        Seizure(**dict(zip(names, r, strict=True)))
        for r in await run(session, _store_seizures(len(rows)), **params)
    ]
    return sorted(stored, key=lambda s: s.position)


async def _seizures_of(session: AsyncSession, version: ReturnVersion) -> list[Seizure]:
    """The version's seizures as stored, in their order."""
    rows = await session.scalars(_VERSION_SEIZURES, {"version_id": version.id})
    return list(rows.all())


async def _public(
    session: AsyncSession,
    op: Operation,
    version: ReturnVersion,
    now: datetime,
    seizures: Sequence[Seizure] | None = None,
    username: str | None = None,
    *,
    ret: DailyReturn | None = None,
) -> ReturnPublic:
    """The public form of ``version``; its seizures, its return and its author's name
    are read unless the caller already has them (the write that just stored them)."""
    if seizures is None:
        seizures = await _seizures_of(session, version)
    if ret is None:
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
