"""The event log behind the live channel: every change, numbered per operation.

No ``from __future__ import annotations`` here (sqlmodel #196).
"""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from opcoord.db import JSONType


class LiveStream(SQLModel, table=True):
    """The last sequence number handed out for a stream (one stream per operation).

    Incrementing it takes a row lock held until commit, so on PostgreSQL events commit
    in the order of their numbers and a client resuming with ``since`` misses none.
    """

    __tablename__ = "live_streams"

    stream_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last_seq: int = 0


class LiveEvent(SQLModel, table=True):
    __tablename__ = "live_events"
    __table_args__ = (sa.UniqueConstraint("stream_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    stream_id: int
    seq: int
    type: str = Field(max_length=40)
    # The country whose detail the event carries, for filtering what an NCP may see.
    country: str | None = Field(default=None, max_length=2)
    # The only countries whose contact points may read the event (None: no such limit).
    audience: list[str] | None = Field(default=None, sa_type=JSONType, nullable=True)
    payload: dict[str, Any] = Field(sa_type=JSONType)
    created_at: datetime
