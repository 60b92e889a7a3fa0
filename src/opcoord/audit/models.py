"""The audit log's tables. No ``from __future__ import annotations`` here (sqlmodel #196)."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from opcoord.db import JSONType


class AuditEntry(SQLModel, table=True):
    """One recorded action. Never updated, never deleted.

    Entries form one chain per stream (an operation's id; 0 for what concerns no
    operation: accounts, sign-ins): ``seq`` runs 1, 2, 3… and ``mac`` is the HMAC of the
    entry together with the previous entry's ``mac``, so an entry changed, inserted or
    removed in the database breaks its chain. ``digest`` is the SHA-256 of the object's
    stored state after the change, which ``opcoord audit verify`` compares with the row.
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        sa.UniqueConstraint("stream_id", "seq"),
        sa.Index("ix_audit_log_object_key", "object_key"),
        sa.Index("ix_audit_log_operation", "operation"),
    )

    id: int | None = Field(default=None, primary_key=True)
    stream_id: int
    seq: int
    at: datetime
    actor: str = Field(max_length=64)
    role: str | None = Field(default=None, max_length=16)
    action: str = Field(max_length=40)
    operation: str | None = Field(default=None, max_length=32)
    object: str | None = Field(default=None, max_length=200)
    # A stable name of the row the entry is about ("return_versions:42"), for verify.
    object_key: str | None = Field(default=None, max_length=80)
    ip: str | None = Field(default=None, max_length=64)
    request_id: str | None = Field(default=None, max_length=64)
    detail: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    digest: str | None = Field(default=None, max_length=64)
    mac: str = Field(max_length=64)


class AuditHead(SQLModel, table=True):
    """The last entry of each chain, and a MAC over it, so the newest entries cannot be
    removed without the key either. Its row lock serialises one stream's entries."""

    __tablename__ = "audit_heads"

    stream_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    seq: int = 0
    mac: str = Field(default="", max_length=64)
    head_mac: str = Field(default="", max_length=64)
