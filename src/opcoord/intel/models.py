"""Table models of watchlists and hits. No ``from __future__ import annotations`` here
(sqlmodel #196).

A list is named; each upload that changes it is a new version, and every version stays
(a replaced list keeps its history, nothing is deleted). A hit is one seizure (by its
country and reference, so that an amended return keeps its hits) against one listed
object (by its list and ``object_id``): the unique key makes two checkers, two instances
or a re-check record it once. ``seizure_checks`` is the durable marker: which list
versions each seizure was checked against, so a check lost with its process is redone.
"""

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from opcoord.db import JSONType


class Watchlist(SQLModel, table=True):
    __tablename__ = "watchlists"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    created_at: datetime
    created_by: int | None = None


class WatchlistVersion(SQLModel, table=True):
    __tablename__ = "watchlist_versions"
    __table_args__ = (sa.UniqueConstraint("watchlist_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    watchlist_id: int = Field(foreign_key="watchlists.id", index=True)
    version: int
    is_current: bool = True
    objects: int
    content_hash: str = Field(max_length=64)
    uploaded_at: datetime
    uploaded_by: int | None = None
    filename: str = Field(default="", max_length=200)


class WatchlistObject(SQLModel, table=True):
    __tablename__ = "watchlist_objects"
    __table_args__ = (sa.UniqueConstraint("version_id", "object_id"),)

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="watchlist_versions.id", index=True)
    object_id: str = Field(max_length=100)
    category: str | None = Field(default=None, max_length=32)
    title: str = Field(default="", max_length=500)
    description: str = Field(default="", sa_type=sa.Text)
    materials: str = Field(default="", max_length=500)
    period: str = Field(default="", max_length=200)
    inscriptions: str = Field(default="", max_length=1000)
    dimensions: str = Field(default="", max_length=200)
    country_of_theft: str | None = Field(default=None, max_length=2)
    date_of_theft: date | None = None


class WatchlistHit(SQLModel, table=True):
    __tablename__ = "watchlist_hits"
    __table_args__ = (
        sa.UniqueConstraint("operation_id", "country", "ref", "watchlist_id", "object_id"),
        sa.Index("ix_watchlist_hits_operation_status", "operation_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    operation_id: int = Field(foreign_key="operations.id")
    country: str = Field(max_length=2)
    ref: str = Field(max_length=64)
    day: date
    seizure_id: int = Field(foreign_key="seizures.id")
    watchlist_id: int = Field(foreign_key="watchlists.id")
    version_id: int = Field(foreign_key="watchlist_versions.id")
    listed_id: int = Field(foreign_key="watchlist_objects.id")
    object_id: str = Field(max_length=100)
    score: float
    fields: list[str] = Field(default_factory=list, sa_type=JSONType)
    status: str = Field(default="pending", max_length=16)
    found_at: datetime
    decided_at: datetime | None = None
    decided_by: int | None = None
    note: str = Field(default="", max_length=1000)
    detail: dict[str, Any] | None = Field(default=None, sa_type=JSONType)


class SeizureCheck(SQLModel, table=True):
    """A seizure was checked against every list version up to ``through`` (an id)."""

    __tablename__ = "seizure_checks"

    seizure_id: int = Field(
        foreign_key="seizures.id", primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    through: int
    checked_at: datetime
