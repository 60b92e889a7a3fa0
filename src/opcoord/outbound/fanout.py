"""The event log turned into deliveries, once per event, by whichever instance is first.

For each stream the outbound cursor holds the last event already handled. One
transaction takes the cursor's row lock, reads the committed events after it, inserts
one delivery per receiver (each webhook whose events match, each account an e-mail goes
to) and moves the cursor: a crash before the commit leaves both as they were, and a
second instance skips a stream whose cursor is locked (``SKIP LOCKED``: the first is
handling it) and finds the cursor moved on its next turn. Events of a stream
commit in the order of their numbers (see ``opcoord.outbox``), so reading after the
cursor never skips one that commits later.

A webhook gets the events recorded from its creation on, and e-mails go only for events
of the last day (``MAIL_FRESH``); the migration that created the cursors started them at
the end of the log. So history (a restored operation's, say) is not sent again.
"""

import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from opcoord.db import Database, dialect_of
from opcoord.operations.models import Operation
from opcoord.outbound import mail
from opcoord.outbound.models import Delivery, OutboundCursor, Webhook
from opcoord.outbound.webhooks import EVERY
from opcoord.outbox.models import LiveEvent, LiveStream

BATCH = 200
#: Events older than this go to webhooks but not by e-mail: a reminder for a day long
#: past, or the events of a restored operation, are history, not news.
MAIL_FRESH = timedelta(hours=24)


def body_of(event: LiveEvent, operation: str) -> dict[str, Any]:
    """What a webhook receives: the event as the live channel carries it to
    coordinators (``RecordedEvent.message``), with its operation's code."""
    return {
        "operation": operation,
        "type": event.type,
        "seq": event.seq,
        "at": event.created_at.isoformat(),
        **event.payload,
    }


async def streams_behind(db: Database) -> list[int]:
    """Streams with events after their outbound cursor (or no cursor yet)."""
    async with db.read() as session:
        stmt = (
            sa.select(col(LiveStream.stream_id))
            .outerjoin(OutboundCursor, col(OutboundCursor.stream_id) == col(LiveStream.stream_id))
            .where(
                sa.or_(
                    col(OutboundCursor.last_seq).is_(None),
                    col(OutboundCursor.last_seq) < col(LiveStream.last_seq),
                )
            )
            .order_by(col(LiveStream.stream_id))
        )
        return list((await session.scalars(stmt)).all())


async def _lock_cursor(session: AsyncSession, stream_id: int) -> OutboundCursor | None:
    """The stream's cursor, locked until commit; None if another instance holds it (it is
    fanning this stream out now: nothing to wait for)."""
    insert = postgresql.insert if dialect_of(session) == "postgresql" else sqlite.insert
    await session.execute(
        insert(OutboundCursor)
        .values(stream_id=stream_id, last_seq=0)
        .on_conflict_do_nothing(index_elements=["stream_id"])
    )
    cursor = await session.scalar(
        sa.select(OutboundCursor)
        .where(col(OutboundCursor.stream_id) == stream_id)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    return cursor


def _wants(hook: Webhook, event: LiveEvent) -> bool:
    return (EVERY in hook.events or event.type in hook.events) and (
        hook.created_at <= event.created_at
    )


async def fan_out_stream(
    db: Database, stream_id: int, now: datetime, *, email: bool
) -> tuple[int, bool]:
    """Turn up to BATCH events of the stream into deliveries: (deliveries made, more?)."""
    made = 0
    async with db.write() as session:
        cursor = await _lock_cursor(session, stream_id)
        if cursor is None:
            return 0, False
        events = await _after(session, stream_id, cursor.last_seq)
        if not events:
            return 0, False
        op = await session.get(Operation, stream_id)
        hooks = list(
            (
                await session.scalars(sa.select(Webhook).where(col(Webhook.deleted_at).is_(None)))
            ).all()
        )
        rows: list[dict[str, Any]] = []
        for event in events:
            if op is None:
                continue
            body = body_of(event, op.code)
            rows.extend(
                _row(event, f"webhook:{h.id}", "webhook", h.url, body, now, webhook_id=h.id)
                for h in hooks
                if _wants(h, event)
            )
            if email and now - event.created_at <= MAIL_FRESH:
                mails = await mail.render(session, op, event.type, event.payload, now)
                rows.extend(
                    _row(event, f"email:{user.id}", "email", m["to"], m, now) for user, m in mails
                )
        if rows:
            insert = postgresql.insert if dialect_of(session) == "postgresql" else sqlite.insert
            await session.execute(
                insert(Delivery)
                .values(rows)
                .on_conflict_do_nothing(index_elements=["route", "stream_id", "seq"])
            )
            made = len(rows)
        cursor.last_seq = events[-1].seq
    return made, len(events) == BATCH


async def _after(session: AsyncSession, stream_id: int, since: int) -> list[LiveEvent]:
    rows = await session.scalars(
        sa.select(LiveEvent)
        .where(col(LiveEvent.stream_id) == stream_id, col(LiveEvent.seq) > since)
        .order_by(col(LiveEvent.seq))
        .limit(BATCH)
    )
    return list(rows.all())


def _row(
    event: LiveEvent,
    route: str,
    channel: str,
    target: str,
    body: dict[str, Any],
    now: datetime,
    *,
    webhook_id: int | None = None,
) -> dict[str, Any]:
    return {
        "key": str(uuid.uuid4()),
        "route": route,
        "channel": channel,
        "webhook_id": webhook_id,
        "target": target,
        "stream_id": event.stream_id,
        "seq": event.seq,
        "event_type": event.type,
        "body": body,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


async def _any_webhook(db: Database) -> bool:
    async with db.read() as session:
        found = await session.scalar(
            sa.select(col(Webhook.id)).where(col(Webhook.deleted_at).is_(None)).limit(1)
        )
    return found is not None


async def fan_out(db: Database, now: datetime, *, email: bool) -> int:
    """Every stream's new events into deliveries; the number of deliveries made.

    With no webhook and no e-mail there is nobody to send to: the cursors stay where
    they are and no write is made (a deployment without outbound pays one read a turn).
    A webhook registered later skips what came before it anyway (``_wants``), and stale
    events are not mailed (``MAIL_FRESH``).
    """
    if not email and not await _any_webhook(db):
        return 0
    made = 0
    for stream_id in await streams_behind(db):
        more = True
        while more:
            n, more = await fan_out_stream(db, stream_id, now, email=email)
            made += n
    return made
