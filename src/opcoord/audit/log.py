"""Recording and reading audit entries.

``record`` runs inside the transaction of the change it records, so an entry exists if
and only if its change was committed. Who acted comes from ``current_actor``, which the
access guard sets for each request (the command line and the scheduler set their own).
The chain key comes from the session (``Database`` puts it in every session's info), and
is never stored in the database.
"""

import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from opcoord.audit.models import AuditEntry, AuditHead
from opcoord.db import AUDIT_KEY, Database, Query, dialect_of, run

#: The chain of entries that concern no operation (accounts, sign-ins, watchlists).
#: An operation's own entries are chained under its id, and each country's returns in
#: it under ``country_stream`` of its participant row.
GLOBAL = 0


def country_stream(participant_id: int) -> int:
    """The chain of one country's returns in an operation (minus its participant row's
    id). A write of a return already holds that row, so its entry waits for no other
    country's: a chain shared by the whole operation made every country's write wait
    for the others' last round trips."""
    return -participant_id


def operation_streams(operation_id: int, participant_ids: Iterable[int]) -> list[int]:
    """Every chain of an operation: its own and its countries' returns'."""
    return [operation_id, *(country_stream(p) for p in participant_ids)]


@dataclass(frozen=True, slots=True)
class Actor:
    name: str
    role: str | None = None
    ip: str | None = None
    request_id: str | None = None


SYSTEM = Actor("system", "system")
current_actor: ContextVar[Actor] = ContextVar("opcoord_actor", default=SYSTEM)


@contextmanager
def acting_as(actor: Actor) -> Iterator[None]:
    token = current_actor.set(actor)
    try:
        yield
    finally:
        current_actor.reset(token)


def canonical(fields: list[Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str).encode()


def plain(value: Any) -> Any:
    """One stored value as a digest sees it, whichever database it came back from."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    if isinstance(value, float):
        return repr(round(value, 9))
    return value


def digest(state: Any) -> str:
    """SHA-256 of an object's state (a JSON-ready structure), as entries carry it."""
    return hashlib.sha256(canonical([state])).hexdigest()


def entry_fields(e: AuditEntry) -> list[Any]:
    """What an entry's MAC covers: everything but its id and the MAC itself."""
    return [
        e.stream_id,
        e.seq,
        e.at.isoformat(),
        e.actor,
        e.role,
        e.action,
        e.operation,
        e.object,
        e.object_key,
        e.ip,
        e.request_id,
        e.detail,
        e.digest,
    ]


def entry_mac(key: bytes, previous: str, e: AuditEntry) -> str:
    return hmac.new(
        key, previous.encode() + b"\n" + canonical(entry_fields(e)), "sha256"
    ).hexdigest()


def head_mac(key: bytes, stream_id: int, seq: int, mac: str) -> str:
    return hmac.new(key, canonical(["head", stream_id, seq, mac]), "sha256").hexdigest()


def _key(session: AsyncSession) -> bytes:
    key = session.info.get(AUDIT_KEY)
    if not isinstance(key, bytes) or not key:
        raise RuntimeError("the database was opened without an audit key")
    return key


@cache
def _statements(dialect: str) -> tuple[Query, Query, Query]:
    """An entry's three statements for ``dialect``, built once with bound parameters
    (every write records an entry): the head's next number, its move, the entry."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    take = (
        insert(AuditHead)
        .values(stream_id=sa.bindparam("h_stream"), seq=1, mac="", head_mac="")
        .on_conflict_do_update(index_elements=["stream_id"], set_={"seq": col(AuditHead.seq) + 1})
        .returning(col(AuditHead.seq), col(AuditHead.mac))
    )
    move_head = (
        sa.update(AuditHead)
        .where(col(AuditHead.stream_id) == sa.bindparam("h_stream"))
        .values(mac=sa.bindparam("h_mac"), head_mac=sa.bindparam("h_head_mac"))
    )
    table = AuditEntry.__table__  # type: ignore[attr-defined]
    columns = [c for c in table.columns if c.name != "id"]
    add = sa.insert(AuditEntry).values(
        {c.name: sa.bindparam(f"e_{c.name}", type_=c.type) for c in columns}
    )
    if dialect == "postgresql":
        # One round trip while the head's lock is held (SQLite has no DML in WITH).
        add = add.add_cte(move_head.returning(col(AuditHead.stream_id)).cte("head"))
    return Query(take), Query(move_head), Query(add)


async def _next(session: AsyncSession, stream_id: int) -> tuple[int, str]:
    """The stream's next number and the previous entry's MAC, holding its head's row
    lock until commit (so one stream's entries are chained one after another). One
    statement: a chain's first entry creates its head."""
    take, _, _ = _statements(dialect_of(session))
    ((seq, mac),) = await run(session, take, h_stream=stream_id)
    return int(seq), str(mac)


async def record(
    session: AsyncSession,
    action: str,
    at: datetime,
    *,
    stream_id: int = GLOBAL,
    operation: str | None = None,
    object: str | None = None,
    object_key: str | None = None,
    state: Any = None,
    detail: dict[str, Any] | None = None,
    actor: Actor | None = None,
) -> AuditEntry:
    """Append an entry to ``stream_id``'s chain in the session's transaction.

    ``state`` is the object's stored state after the change (its digest is kept, so
    ``opcoord audit verify`` can tell whether the row was altered since).
    """
    key = _key(session)
    who = actor or current_actor.get()
    seq, previous = await _next(session, stream_id)
    entry = AuditEntry(
        stream_id=stream_id,
        seq=seq,
        at=at,
        actor=who.name[:64],
        role=who.role,
        action=action,
        operation=operation,
        object=(object or "")[:200] or None,
        object_key=object_key,
        ip=who.ip,
        request_id=who.request_id,
        detail=detail,
        digest=digest(state) if state is not None else None,
        mac="",
    )
    entry.mac = entry_mac(key, previous, entry)
    dialect = dialect_of(session)
    _, move_head, add = _statements(dialect)
    moved = {
        "h_stream": stream_id,
        "h_mac": entry.mac,
        "h_head_mac": head_mac(key, stream_id, seq, entry.mac),
    }
    values = {f"e_{k}": v for k, v in entry.model_dump(exclude={"id"}).items()}
    if dialect == "postgresql":
        await run(session, add, **moved, **values)
    else:
        await run(session, move_head, **moved)
        await run(session, add, **values)
    return entry


@dataclass(frozen=True, slots=True)
class Filter:
    operation: str | None = None
    actor: str | None = None
    action: str | None = None
    since: datetime | None = None
    before_id: int | None = None


async def entries(session: AsyncSession, f: Filter, limit: int) -> list[AuditEntry]:
    """Entries newest first, matching ``f``."""
    stmt = sa.select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(limit)
    if f.operation:
        stmt = stmt.where(col(AuditEntry.operation) == f.operation)
    if f.actor:
        stmt = stmt.where(col(AuditEntry.actor) == f.actor)
    if f.action:
        # "report" matches every report.* action; "report.download" only that one.
        action = col(AuditEntry.action)
        stmt = stmt.where(sa.or_(action == f.action, action.startswith(f"{f.action}.")))
    if f.since:
        stmt = stmt.where(col(AuditEntry.at) >= f.since)
    if f.before_id:
        stmt = stmt.where(col(AuditEntry.id) < f.before_id)
    return list((await session.scalars(stmt)).all())


async def record_alone(db: Database, action: str, at: datetime, **fields: Any) -> None:
    """An entry in a transaction of its own: for what changes nothing (a download)."""
    async with db.write() as session:
        await record(session, action, at, **fields)
