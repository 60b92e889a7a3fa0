"""Restoring one operation from a backup file, in one transaction: all of it, or nothing.

1. The file is read and checked without the database (``archive.read``): format, schema
   revision, every member's checksum, the rows' columns and values. Where this database
   has the audit key the file was written under, its signature and its audit chain are
   checked too. Every vouched row must match its latest audit entry (no key needed).
2. The operation's code must be free here.
3. Accounts are matched by username (same role and country), or created disabled, with
   no password and a token nobody knows, and their creation is audited.
4. Rows are inserted without their ids, in ``tables.CARRIED`` order; each new id
   replaces the old one in every reference. Live events keep their numbers, in the
   operation's new stream.
5. The operation's audit entries are chained again under this database's key and the new
   stream: same numbers, times, actors and actions; object keys name the new ids; the
   latest digest of each vouched row is computed again from the row as inserted (it
   names new ids), older digests are kept as recorded. A last entry,
   ``operation.restore``, says where the entries came from.
"""

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from opcoord.accounts.integrity import user_key, user_state
from opcoord.accounts.models import User
from opcoord.accounts.tokens import hash_token, new_token
from opcoord.audit import log as audit
from opcoord.audit.models import AuditEntry, AuditHead
from opcoord.backup import archive, checks
from opcoord.backup.archive import Bundle, Rows
from opcoord.backup.tables import (
    ARTEFACTS,
    AUDIT,
    AUDIT_HEADS,
    CARRIED,
    HITS,
    OPERATION,
    STREAMS,
    USERS,
    Carried,
)
from opcoord.db import Database, pk
from opcoord.errors import Invalid, conflict
from opcoord.intel.models import Watchlist, WatchlistHit, WatchlistObject, WatchlistVersion
from opcoord.operations import integrity
from opcoord.operations.models import JobRun, Operation
from opcoord.outbox.models import LiveStream

#: Tables whose rows are inserted as they are, with new ids.
PLAIN = tuple(t for t in CARRIED if t.name not in (USERS, STREAMS, AUDIT, AUDIT_HEADS, HITS))
#: The tables whose rows audit entries name by object key.
VOUCHED = (OPERATION, "participants", "return_versions")


@dataclass(frozen=True, slots=True)
class Restored:
    code: str
    counts: dict[str, int]
    created_users: list[str]
    matched_users: list[str]
    #: whether the file's signature and audit chain could be checked (same audit key)
    signature_checked: bool
    #: watchlist hits restored, and those left out because their list is not here
    #: (pending ones are found again once it is uploaded; decided ones only with
    #: ``drop_hit_decisions``)
    hits_restored: int = 0
    hits_left_out: int = 0


@dataclass(slots=True)
class Remap:
    """Old id -> new id, per table."""

    ids: dict[str, dict[int, int]] = field(default_factory=dict)

    def new(self, table: str, old: int, where: str) -> int:
        found = self.ids.get(table, {}).get(old)
        if found is None:
            raise Invalid(f"{where} refers to {table} row {old}, which the backup does not hold")
        return found

    def row(self, carried: Carried, row: dict[str, Any], number: int) -> dict[str, Any]:
        out = dict(row)
        for column, table in carried.refs.items():
            if out[column] is not None:
                where = f"{carried.name} row {number}"
                out[column] = self.new(table, int(out[column]), where)
        return out


async def restore(
    db: Database, path: Path, now: datetime, *, drop_hit_decisions: bool = False
) -> Restored:
    """Restore the operation in ``path``; refuse (changing nothing) a file that is not
    intact, an operation whose code exists here, or coordinators' decisions on watchlist
    hits against a list this database does not hold (unless ``drop_hit_decisions``)."""
    key = db.audit_key
    assert key is not None, "the database was opened without an audit key"
    bundle = archive.read(path)
    signed = _check_signature(bundle, key, path.name)
    problem = checks.chain(bundle.tables, key if signed else None) or checks.vouched(bundle.tables)
    if problem is not None:
        raise Invalid(f"{path.name} was altered after it was written: {problem}")
    sha256 = archive.file_sha256(path)
    async with db.write() as session:
        await _check_free(session, bundle)
        remap = Remap()
        created, matched = await _users(session, bundle, remap, now)
        inserted = await _rows(session, bundle, remap)
        hits_in, hits_out = await _hits(session, bundle, remap, drop_hit_decisions)
        stream = remap.ids[OPERATION][int(bundle.manifest["operation"]["id"])]
        await _check_stream_free(session, stream, bundle.code)
        await _streams(session, bundle, remap)
        await _chain(session, key, bundle, remap, inserted, stream)
        await audit.record(
            session,
            "operation.restore",
            now,
            stream_id=stream,
            operation=bundle.code,
            object=path.name,
            detail={
                "sha256": sha256,
                "written_at": bundle.manifest.get("created_at"),
                "written_by": f"opcoord {bundle.manifest.get('opcoord_version')}",
                "source_database": (bundle.manifest.get("source") or {}).get("database"),
                "source_stream": int(bundle.manifest["operation"]["id"]),
                "entries_carried": len(bundle.tables[AUDIT]),
                "signature": "checked" if signed else "not checked: another audit key",
                "accounts_created": created,
                "watchlist_hits": {"restored": hits_in, "left_out": hits_out},
            },
        )
    return Restored(bundle.code, bundle.counts(), created, matched, signed, hits_in, hits_out)


def _check_signature(bundle: Bundle, key: bytes, name: str) -> bool:
    """True when the file was written under this database's key and its signature holds;
    False when it was written under another key (it cannot be checked here)."""
    if bundle.manifest.get("key_id") != archive.key_id(key):
        return False
    if bundle.manifest.get("signature") != archive.signature(key, bundle.manifest):
        raise Invalid(f"{name} was altered after it was written: its signature does not match")
    return True


async def _check_free(session: AsyncSession, bundle: Bundle) -> None:
    code = bundle.code
    taken = await session.scalar(sa.select(col(Operation.id)).where(col(Operation.code) == code))
    if taken is not None:
        raise conflict(
            f"an operation with code {code!r} already exists in this database; "
            "nothing was restored",
            "code",
            "code_taken",
        )
    revision = await session.scalar(sa.text("SELECT version_num FROM alembic_version"))
    if revision != bundle.manifest["schema_revision"]:
        raise Invalid(
            f"this database is at schema revision {revision!r}, the backup at "
            f"{bundle.manifest['schema_revision']!r}: run opcoord migrate first"
        )
    runs = await session.scalar(
        sa.select(sa.func.count()).where(col(JobRun.job_id).startswith(f"{code}:"))
    )
    if runs:
        raise conflict(
            f"this database holds day-cycle records of an earlier operation {code!r}; "
            "nothing was restored",
            "code",
        )


async def _check_stream_free(session: AsyncSession, stream: int, code: str) -> None:
    """A new operation id whose event or audit stream already exists (rows left behind
    by an operation deleted by hand) would mix two operations' histories."""
    for table, column in (
        ("live_streams", col(LiveStream.stream_id)),
        ("audit_heads", col(AuditHead.stream_id)),
    ):
        found = await session.scalar(sa.select(sa.func.count()).where(column == stream))
        if found:
            raise conflict(
                f"stream {stream}, the new id of {code}, already holds {table} rows; "
                "nothing was restored",
                "code",
            )


def _describe(role: str, country: str | None) -> str:
    return role + (f" {country}" if country else "")


async def _users(
    session: AsyncSession, bundle: Bundle, remap: Remap, now: datetime
) -> tuple[list[str], list[str]]:
    created, matched, ids = [], [], {}
    for row in bundle.tables[USERS]:
        name = row["username"]
        user = await session.scalar(sa.select(User).where(col(User.username) == name))
        if user is not None:
            if (user.role, user.country) != (row["role"], row["country"]):
                raise conflict(
                    f"the account {name!r} is {_describe(user.role, user.country)} here but "
                    f"{_describe(row['role'], row['country'])} in the backup; nothing was "
                    "restored",
                    "username",
                )
            matched.append(name)
        else:
            user = User(
                username=name,
                role=row["role"],
                country=row["country"],
                email=row["email"],
                # A token nobody was given, already expired, on a disabled account: a
                # coordinator enables the account and issues a token when it is wanted.
                token_hash=hash_token(new_token()),
                token_expires_at=now,
                password_hash=None,
                disabled=True,
                created_at=row["created_at"],
            )
            session.add(user)
            await session.flush()
            await audit.record(
                session,
                "user.restore",
                now,
                object=f"{name} ({_describe(user.role, user.country)}, disabled)",
                object_key=user_key(user),
                state=user_state(user),
                detail={"operation": bundle.code},
            )
            created.append(name)
        assert user.id is not None
        ids[int(row["id"])] = user.id
    remap.ids[USERS] = ids
    return created, matched


async def _insert(session: AsyncSession, carried: Carried, rows: Rows) -> list[int]:
    """Insert ``rows`` without their ids; the new ids, in the rows' order."""
    if not rows:
        return []
    table = carried.model.__table__  # type: ignore[attr-defined]
    stmt = sa.insert(table).returning(table.c.id, sort_by_parameter_order=True)
    result = await session.execute(stmt, rows)
    return [int(r[0]) for r in result.all()]


async def _rows(session: AsyncSession, bundle: Bundle, remap: Remap) -> dict[str, Rows]:
    """Insert every plain table; each table's rows as inserted, with their new ids."""
    inserted: dict[str, Rows] = {}
    for carried in PLAIN:
        old_rows = bundle.tables[carried.name]
        rows = []
        for number, old in enumerate(old_rows, start=1):
            row = remap.row(carried, old, number)
            row.pop("id")
            if carried.name == ARTEFACTS:
                row["data"] = bundle.blobs[int(old["id"])]
            rows.append(row)
        new_ids = await _insert(session, carried, rows)
        remap.ids[carried.name] = {int(o["id"]): n for o, n in zip(old_rows, new_ids, strict=True)}
        inserted[carried.name] = [
            {**row, "id": new_id} for row, new_id in zip(rows, new_ids, strict=True)
        ]
    return inserted


async def _hits(
    session: AsyncSession, bundle: Bundle, remap: Remap, drop_decisions: bool
) -> tuple[int, int]:
    """Insert the operation's watchlist hits against this database's copy of their lists:
    the list of the same name whose version has the same content, and the object of the
    same id in it. (hits restored, hits left out)"""
    carried = next(t for t in CARRIED if t.name == HITS)
    lists: dict[str, Any] = bundle.manifest.get("watchlist_versions") or {}
    here = await _same_lists(session, lists)
    rows, missing = [], dict[str, int]()
    for number, old in enumerate(bundle.tables[HITS], start=1):
        about = lists.get(str(old["version_id"]))
        if about is None:
            raise Invalid(f"{HITS} row {number} names a list version the backup does not describe")
        found = here.get((str(old["version_id"]), old["object_id"]))
        if found is None:
            if old["status"] != "pending":
                label = f"{about['name']!r} version {about['version']}"
                missing[label] = missing.get(label, 0) + 1
            continue
        row = remap.row(carried, old, number)
        row.pop("id")
        row["watchlist_id"], row["version_id"], row["listed_id"] = found
        rows.append(row)
    if missing and not drop_decisions:
        lists_named = ", ".join(f"{label} ({n} decided)" for label, n in sorted(missing.items()))
        raise conflict(
            f"the backup holds coordinators' decisions on watchlist hits against lists this "
            f"database does not hold: {lists_named}; upload the same list files here first "
            "(opcoord matches them by name and content), or restore with "
            "--drop-hit-decisions; nothing was restored",
            "watchlist",
            "watchlist_missing",
        )
    if rows:
        await session.execute(sa.insert(WatchlistHit), rows)
    return len(rows), len(bundle.tables[HITS]) - len(rows)


async def _same_lists(
    session: AsyncSession, lists: dict[str, Any]
) -> dict[tuple[str, str], tuple[int, int, int]]:
    """(backup's version id, object id) -> (list, version, object) ids here, for every
    list version of the backup whose name and content this database holds too."""
    out: dict[tuple[str, str], tuple[int, int, int]] = {}
    for old_version, about in lists.items():
        version = await session.execute(
            sa.select(pk(Watchlist), pk(WatchlistVersion))
            .join(WatchlistVersion, col(WatchlistVersion.watchlist_id) == pk(Watchlist))
            .where(
                col(Watchlist.name) == about["name"],
                col(WatchlistVersion.content_hash) == about["content_hash"],
            )
            .order_by(pk(WatchlistVersion))
            .limit(1)
        )
        first = version.first()
        if first is None:
            continue
        list_id, version_id = int(first[0]), int(first[1])
        objects = await session.execute(
            sa.select(col(WatchlistObject.object_id), pk(WatchlistObject)).where(
                col(WatchlistObject.version_id) == version_id
            )
        )
        for object_id, object_pk in objects.all():
            out[(old_version, object_id)] = (list_id, version_id, int(object_pk))
    return out


async def _streams(session: AsyncSession, bundle: Bundle, remap: Remap) -> None:
    carried = next(t for t in CARRIED if t.name == STREAMS)
    rows = [remap.row(carried, r, n) for n, r in enumerate(bundle.tables[STREAMS], start=1)]
    if rows:
        await session.execute(sa.insert(LiveStream), rows)


def _new_keys(remap: Remap) -> dict[str, str]:
    """Old object key -> new object key, for every vouched row."""
    return {
        integrity.key(table, old): integrity.key(table, new)
        for table in VOUCHED
        for old, new in remap.ids[table].items()
    }


async def _chain(
    session: AsyncSession,
    key: bytes,
    bundle: Bundle,
    remap: Remap,
    inserted: dict[str, Rows],
    stream: int,
) -> None:
    """The operation's entries chained again under ``key``: its own chain in ``stream``,
    each country's returns' in the chain of its participant's new row."""
    new_keys = _new_keys(remap)
    new_states = checks.states(inserted)
    latest = checks.latest_digests(bundle.tables[AUDIT])
    old_op = int(bundle.manifest["operation"]["id"])
    participants = remap.ids["participants"]
    streams = {old_op: stream} | {
        audit.country_stream(old): audit.country_stream(new) for old, new in participants.items()
    }
    chains: dict[int, list[dict[str, Any]]] = {stream: []}
    for old in bundle.tables[AUDIT]:
        chains.setdefault(streams[int(old["stream_id"])], []).append(old)
    rows: list[tuple[int, dict[str, Any]]] = []  # (the source's id, the new row)
    for new_stream, olds in chains.items():
        if new_stream != stream:
            await _check_stream_free(session, new_stream, bundle.code)
        previous = ""
        for old in sorted(olds, key=lambda e: int(e["seq"])):
            entry = AuditEntry(**{**old, "id": None, "stream_id": new_stream, "mac": ""})
            if old["object_key"] is not None:
                new_key = new_keys.get(old["object_key"])
                if new_key is None:
                    raise Invalid(
                        f"audit entry {old['seq']} of the backup names "
                        f"{old['object_key']!r}, a row the backup does not hold"
                    )
                entry.object_key = new_key
                if old["digest"] is not None and latest[old["object_key"]] is old:
                    entry.digest = audit.digest(new_states[new_key][1])
            entry.mac = audit.entry_mac(key, previous, entry)
            previous = entry.mac
            rows.append((int(old["id"]), entry.model_dump(exclude={"id"})))
        seq = len(olds)
        session.add(
            AuditHead(
                stream_id=new_stream,
                seq=seq,
                mac=previous,
                head_mac=audit.head_mac(key, new_stream, seq, previous),
            )
        )
    if rows:  # in the source's order, as the log is read (newest first by id)
        in_order = sorted(rows, key=lambda r: r[0])
        await session.execute(sa.insert(AuditEntry), [row for _, row in in_order])
    await session.flush()
