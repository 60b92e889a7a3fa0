"""Checking the audit chains: every stream's entries numbered 1..N with no gap, each
MAC recomputed from the entry and the one before, and the head matching the last.

The key is needed to check (it is kept outside the database, so whoever can edit rows
cannot recompute the MACs). Each package checks its own rows against the digests of
their latest entries (``Problem`` is the common answer).
"""

import hmac
from collections.abc import AsyncIterator
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from opcoord.audit.log import entry_mac, head_mac
from opcoord.audit.models import AuditEntry, AuditHead
from opcoord.db import pk

BATCH = 5000


@dataclass(frozen=True, slots=True)
class Problem:
    """The first altered row found: its table, its id, and what is wrong with it."""

    table: str
    row: int | str
    what: str

    def __str__(self) -> str:
        return f"{self.table} row {self.row}: {self.what}"


async def _entries(session: AsyncSession, stream_id: int) -> AsyncIterator[AuditEntry]:
    after = 0
    while True:
        batch = (
            await session.scalars(
                sa.select(AuditEntry)
                .where(col(AuditEntry.stream_id) == stream_id, col(AuditEntry.seq) > after)
                .order_by(col(AuditEntry.seq))
                .limit(BATCH)
            )
        ).all()
        for entry in batch:
            yield entry
        if len(batch) < BATCH:
            return
        after = batch[-1].seq


async def verify_chains(session: AsyncSession, key: bytes) -> tuple[Problem | None, int]:
    """The first problem in any chain (None: all intact), and how many entries were
    checked."""
    heads = {h.stream_id: h for h in (await session.scalars(sa.select(AuditHead))).all()}
    streams = set((await session.scalars(sa.select(col(AuditEntry.stream_id)).distinct())).all())
    checked = 0
    for stream_id in sorted(streams | set(heads)):
        previous, expected = "", 1
        async for entry in _entries(session, stream_id):
            checked += 1
            if entry.seq != expected:
                return Problem(
                    "audit_log",
                    entry.id or 0,
                    f"stream {stream_id} jumps from {expected - 1} "
                    f"to {entry.seq}: entries were removed",
                ), checked
            if not hmac.compare_digest(entry.mac, entry_mac(key, previous, entry)):
                return Problem(
                    "audit_log", entry.id or 0, f"entry {stream_id}/{entry.seq} was altered"
                ), checked
            previous, expected = entry.mac, expected + 1
        head = heads.get(stream_id)
        last = expected - 1
        if (
            head is None
            or head.seq != last
            or head.mac != previous
            or not hmac.compare_digest(head.head_mac, head_mac(key, stream_id, head.seq, head.mac))
        ):
            return Problem(
                "audit_heads",
                stream_id,
                f"the head of stream {stream_id} does not match its "
                f"{last} entries: the newest were removed or the head altered",
            ), checked
    return None, checked


async def latest_digests(session: AsyncSession, prefix: str) -> dict[str, tuple[int, str]]:
    """For each object key starting with ``prefix`` (e.g. "return_versions:"), the id and
    digest of its latest entry that carries one."""
    latest = (
        sa.select(col(AuditEntry.object_key), sa.func.max(col(AuditEntry.id)).label("id"))
        .where(col(AuditEntry.object_key).startswith(prefix), col(AuditEntry.digest).is_not(None))
        .group_by(col(AuditEntry.object_key))
        .subquery()
    )
    rows = await session.execute(
        sa.select(col(AuditEntry.object_key), pk(AuditEntry), col(AuditEntry.digest)).join(
            latest, latest.c.id == pk(AuditEntry)
        )
    )
    return {str(k): (int(i), str(d)) for k, i, d in rows.all()}
