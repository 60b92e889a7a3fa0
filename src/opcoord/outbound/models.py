"""Webhooks, the outbound cursor, the delivery queue and its log of attempts.

No ``from __future__ import annotations`` here (sqlmodel #196).
"""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from opcoord.db import JSONType


class Webhook(SQLModel, table=True):
    """A receiver of events. Deleting one keeps its row (its deliveries' log refers to
    it) but stops every delivery still pending."""

    __tablename__ = "webhooks"

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=2000)
    # Event types, or ["*"] for every type.
    events: list[str] = Field(sa_type=JSONType)
    # Kept as given: every delivery is signed with it (HMAC-SHA256). Never returned.
    secret: str = Field(max_length=200)
    created_by: str = Field(max_length=64)
    created_at: datetime
    deleted_at: datetime | None = None


class OutboundCursor(SQLModel, table=True):
    """The last event of a stream already turned into deliveries.

    Moved in the transaction that inserts the deliveries, under this row's lock: an
    event becomes its deliveries exactly once, whichever instance gets there first.
    """

    __tablename__ = "outbound_cursors"

    stream_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last_seq: int = 0


class Delivery(SQLModel, table=True):
    """One event for one receiver (a webhook, or one account's e-mail address)."""

    __tablename__ = "outbound_deliveries"
    __table_args__ = (
        sa.UniqueConstraint("route", "stream_id", "seq"),
        sa.Index("ix_outbound_deliveries_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # Sent as X-Opcoord-Delivery (and the e-mail's Message-ID): the same on every retry,
    # so a receiver can tell a retry from a new event.
    key: str = Field(max_length=36, unique=True)
    # "webhook:<id>" or "email:<user id>": one delivery per receiver and event.
    route: str = Field(max_length=40)
    channel: str = Field(max_length=10)  # "webhook" or "email"
    webhook_id: int | None = Field(default=None, foreign_key="webhooks.id", index=True)
    target: str = Field(max_length=2000)  # the URL, or the address
    stream_id: int
    seq: int
    event_type: str = Field(max_length=40)
    # webhook: the event as sent; email: {"to", "subject", "text"}.
    body: dict[str, Any] = Field(sa_type=JSONType)
    status: str = Field(max_length=12)  # pending, delivered, failed, cancelled
    attempts: int = 0
    next_attempt_at: datetime
    # Who is sending it now, and until when; a lease that ran out is free again.
    lease_token: str | None = Field(default=None, max_length=36)
    lease_until: datetime | None = None
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime
    finished_at: datetime | None = None


class DeliveryAttempt(SQLModel, table=True):
    """One try at a delivery: written when it starts, completed when it ends (an attempt
    that never ends was cut short: its process died)."""

    __tablename__ = "outbound_attempts"

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="outbound_deliveries.id", index=True)
    attempt: int
    started_at: datetime
    finished_at: datetime | None = None
    status_code: int | None = None
    error: str | None = Field(default=None, max_length=500)
