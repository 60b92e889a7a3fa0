"""The consolidated report's editions and their rendered files.

No ``from __future__ import annotations`` here (sqlmodel #196).
"""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from opcoord.db import JSONType


class ReportEdition(SQLModel, table=True):
    """One numbered edition of an operation's consolidated report: frozen once built.

    Edition 1 is created just after the operation closes (``editions.ensure_first_editions``,
    called by ``POST .../close`` and by every scheduler run, on any instance; the unique
    constraint keeps it to one); until then a reader is told the report is being
    prepared (409). Its ``report`` is filled by the builder, after which
    the row is never changed except for ``published_at``.
    """

    __tablename__ = "report_editions"
    __table_args__ = (sa.UniqueConstraint("operation_id", "edition"),)

    id: int | None = Field(default=None, primary_key=True)
    operation_id: int = Field(foreign_key="operations.id", index=True)
    edition: int
    status: str = Field(max_length=16)  # pending | ready | failed
    changes: str | None = Field(default=None, sa_type=sa.Text)
    data_cutoff: datetime
    requested_at: datetime
    requested_by: int | None = Field(default=None, foreign_key="users.id")
    # The builder holding the work: another instance may take over after a lease expires.
    build_started_at: datetime | None = None
    generated_at: datetime | None = None
    report: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    error: str | None = Field(default=None, sa_type=sa.Text)
    published_at: datetime | None = None


class ReportArtefact(SQLModel, table=True):
    """A rendered file of one edition for one audience in one language, kept so it never
    changes."""

    __tablename__ = "report_artefacts"
    __table_args__ = (sa.UniqueConstraint("edition_id", "audience", "format", "lang"),)

    id: int | None = Field(default=None, primary_key=True)
    edition_id: int = Field(foreign_key="report_editions.id", index=True)
    audience: str = Field(max_length=16)
    format: str = Field(max_length=8)
    lang: str = Field(default="en", max_length=8, sa_column_kwargs={"server_default": "en"})
    content_type: str = Field(max_length=100)
    size: int = Field(sa_type=sa.BigInteger)
    data: bytes = Field(sa_type=sa.LargeBinary)
    created_at: datetime
