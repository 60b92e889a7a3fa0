"""Backing up one operation: its rows read from one snapshot of the database, checked
against the audit log, written to a file, and the export recorded in the audit log.

An operation whose rows or audit chain were altered is not backed up: a restore chains
the entries again under the target's key, and must not vouch for what the source's
chain no longer vouches for.
"""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from opcoord.accounts.identity import Role
from opcoord.accounts.models import User
from opcoord.audit import log as audit
from opcoord.audit.models import AuditEntry, AuditHead
from opcoord.backup import archive, checks
from opcoord.backup.archive import Bundle, Rows
from opcoord.backup.tables import ARTEFACTS, BY_NAME, CARRIED
from opcoord.db import Database, pk
from opcoord.errors import conflict
from opcoord.intel.models import Watchlist, WatchlistHit, WatchlistVersion
from opcoord.operations.merged import DuplicatePair
from opcoord.operations.models import (
    Alert,
    AlertAck,
    DailyReturn,
    JobRun,
    LockException,
    Participant,
    ReturnReview,
    ReturnVersion,
    Seizure,
)
from opcoord.operations.operations import load
from opcoord.outbox.models import LiveEvent, LiveStream
from opcoord.report.models import ReportArtefact, ReportEdition


@dataclass(frozen=True, slots=True)
class Written:
    code: str
    path: Path
    sha256: str
    counts: dict[str, int]


def _plain(row: SQLModel, table: str) -> dict[str, Any]:
    return {c: getattr(row, c) for c in BY_NAME[table].columns()}


async def _all(session: AsyncSession, stmt: Any, table: str) -> Rows:
    return [_plain(r, table) for r in (await session.scalars(stmt)).all()]


async def collect(session: AsyncSession, code: str) -> tuple[Bundle, int]:
    """Every carried row of operation ``code``, and the operation's id."""
    op = await load(session, code)
    op_id = op.id
    assert op_id is not None
    tables: dict[str, Rows] = {"operations": [_plain(op, "operations")]}

    def of_op(model: Any) -> Any:
        return sa.select(model).where(model.operation_id == op_id).order_by(model.id)

    tables["participants"] = await _all(session, of_op(Participant), "participants")
    tables["daily_returns"] = await _all(session, of_op(DailyReturn), "daily_returns")
    tables["return_versions"] = await _all(session, of_op(ReturnVersion), "return_versions")
    tables["seizures"] = await _all(session, of_op(Seizure), "seizures")
    tables["return_reviews"] = await _all(session, of_op(ReturnReview), "return_reviews")
    tables["lock_exceptions"] = await _all(session, of_op(LockException), "lock_exceptions")
    tables["job_runs"] = await _all(session, of_op(JobRun), "job_runs")
    tables["duplicate_pairs"] = await _all(session, of_op(DuplicatePair), "duplicate_pairs")
    tables["watchlist_hits"] = await _all(session, of_op(WatchlistHit), "watchlist_hits")
    tables["report_editions"] = await _all(session, of_op(ReportEdition), "report_editions")
    editions = [e["id"] for e in tables["report_editions"]]
    artefacts = (
        await session.scalars(
            sa.select(ReportArtefact)
            .where(col(ReportArtefact.edition_id).in_(editions))
            .order_by(col(ReportArtefact.id))
        )
    ).all()
    tables[ARTEFACTS] = [_plain(a, ARTEFACTS) for a in artefacts]
    blobs = {int(a.id or 0): bytes(a.data) for a in artefacts}
    tables["alerts"] = await _all(session, of_op(Alert), "alerts")
    tables["alert_acks"] = await _all(
        session,
        sa.select(AlertAck)
        .where(col(AlertAck.alert_id).in_([a["id"] for a in tables["alerts"]]))
        .order_by(col(AlertAck.id)),
        "alert_acks",
    )
    tables["live_streams"] = await _all(
        session, sa.select(LiveStream).where(col(LiveStream.stream_id) == op_id), "live_streams"
    )
    tables["live_events"] = await _all(
        session,
        sa.select(LiveEvent).where(col(LiveEvent.stream_id) == op_id).order_by(col(LiveEvent.seq)),
        "live_events",
    )
    # The operation's chain and its countries' (each participant's returns).
    chains = audit.operation_streams(op_id, [int(p["id"]) for p in tables["participants"]])
    tables["audit_log"] = await _all(
        session,
        sa.select(AuditEntry)
        .where(col(AuditEntry.stream_id).in_(chains))
        .order_by(col(AuditEntry.stream_id).desc(), col(AuditEntry.seq)),
        "audit_log",
    )
    tables["audit_heads"] = await _all(
        session,
        sa.select(AuditHead)
        .where(col(AuditHead.stream_id).in_(chains))
        .order_by(col(AuditHead.stream_id).desc()),
        "audit_heads",
    )
    tables["users"] = await _users(session, tables)
    assert set(tables) == {t.name for t in CARRIED}
    manifest = {
        "operation": {"code": op.code, "id": op_id},
        "watchlist_versions": await _lists(session, tables["watchlist_hits"]),
    }
    return Bundle(manifest, tables, blobs), op_id


async def _lists(session: AsyncSession, hits: Rows) -> dict[str, dict[str, Any]]:
    """The list versions the hits point into, by id: name, version and content hash,
    by which a restore finds the same list in its own database."""
    ids = sorted({int(h["version_id"]) for h in hits})
    if not ids:
        return {}
    rows = await session.execute(
        sa.select(
            pk(WatchlistVersion),
            col(Watchlist.name),
            col(WatchlistVersion.version),
            col(WatchlistVersion.content_hash),
        )
        .join(Watchlist, pk(Watchlist) == col(WatchlistVersion.watchlist_id))
        .where(pk(WatchlistVersion).in_(ids))
    )
    return {
        str(vid): {"name": name, "version": version, "content_hash": digest}
        for vid, name, version, digest in rows.all()
    }


async def _users(session: AsyncSession, tables: dict[str, Rows]) -> Rows:
    """The accounts the operation's rows name, and the contact points of its countries."""
    named = {v["submitted_by"] for v in tables["return_versions"]}
    named |= {e["requested_by"] for e in tables["report_editions"] if e["requested_by"]}
    named |= {p["decided_by"] for p in tables["duplicate_pairs"] if p["decided_by"]}
    named |= {h["decided_by"] for h in tables["watchlist_hits"] if h["decided_by"]}
    named |= {r["reviewed_by"] for r in tables["return_reviews"]}
    named |= {x["granted_by"] for x in tables["lock_exceptions"]}
    countries = {p["country"] for p in tables["participants"]}
    stmt = (
        sa.select(User)
        .where(
            sa.or_(
                col(User.id).in_(named),
                sa.and_(col(User.role) == str(Role.ncp), col(User.country).in_(countries)),
            )
        )
        .order_by(col(User.id))
    )
    return await _all(session, stmt, "users")


async def _revision(session: AsyncSession) -> str:
    return str(await session.scalar(sa.text("SELECT version_num FROM alembic_version")))


async def backup(db: Database, code: str, path: Path, now: datetime) -> Written:
    """Write operation ``code`` to ``path``; refuse an operation the audit log does not
    vouch for (naming the first altered row), and change nothing then."""
    key = db.audit_key
    assert key is not None, "the database was opened without an audit key"
    async with db.snapshot() as session:
        bundle, op_id = await collect(session, code)
        revision = await _revision(session)
    problem = checks.chain(bundle.tables, key) or checks.vouched(bundle.tables)
    if problem is not None:
        raise conflict(
            f"refusing to back up {code}: {problem} (see opcoord audit verify)", "code", "altered"
        )
    bundle.manifest.update(
        schema_revision=revision,
        created_at=now.isoformat(),
        source={"database": db.dialect},
    )
    sha256 = archive.write(path, bundle, key)
    await audit.record_alone(
        db,
        "operation.backup",
        now,
        stream_id=op_id,
        operation=code,
        object=path.name,
        detail={"sha256": sha256, "rows": bundle.counts()},
    )
    return Written(code, path, sha256, bundle.counts())
