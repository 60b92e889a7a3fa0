"""Table models of the joint-operation domain.

Request and response shapes live in ``schemas.py``; these classes are never returned
from a handler. No ``from __future__ import annotations`` here (sqlmodel #196).
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from opcoord.db import JSONType


class Operation(SQLModel, table=True):
    __tablename__ = "operations"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=200)
    lead: str = Field(max_length=200)
    partners: list[str] = Field(default_factory=list, sa_type=JSONType)
    starts_on: date
    ends_on: date
    timezone: str = Field(max_length=64)
    daily_cutoff: str = Field(max_length=5)  # "HH:MM", local time of day D+1
    closed_at: datetime | None = None
    created_at: datetime
    # A day's return locks this many days after it was due (None: never; see ledger).
    lock_after_days: int | None = None


class Participant(SQLModel, table=True):
    __tablename__ = "participants"
    __table_args__ = (sa.UniqueConstraint("operation_id", "country"),)

    id: int | None = Field(default=None, primary_key=True)
    operation_id: int = Field(foreign_key="operations.id", index=True)
    country: str = Field(max_length=2)
    agencies: list[str] = Field(default_factory=list, sa_type=JSONType)
    # The days on which the country takes part: completeness expects returns only then.
    joins_on: date
    leaves_on: date | None = None
    # The coordinators' grouping of countries (e.g. a WCO RILO region); None: no region.
    region: str | None = Field(default=None, max_length=64)
    created_at: datetime


class DailyReturn(SQLModel, table=True):
    """The logical return of one country for one day; its content lives in versions."""

    __tablename__ = "daily_returns"
    __table_args__ = (
        sa.UniqueConstraint("operation_id", "country", "day"),
        sa.Index("ix_daily_returns_operation_day", "operation_id", "day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    operation_id: int = Field(foreign_key="operations.id")
    country: str = Field(max_length=2)
    day: date
    current_version: int = 0
    first_submitted_at: datetime
    first_late: bool = False
    updated_at: datetime


class ReturnVersion(SQLModel, table=True):
    """One submitted version of a daily return. Exactly one per return is current."""

    __tablename__ = "return_versions"
    __table_args__ = (
        sa.UniqueConstraint("return_id", "version"),
        sa.Index(
            "uq_return_versions_current",
            "return_id",
            unique=True,
            sqlite_where=sa.text("is_current"),
            postgresql_where=sa.text("is_current"),
        ),
        sa.Index("ix_return_versions_operation_current", "operation_id", "is_current"),
    )

    id: int | None = Field(default=None, primary_key=True)
    return_id: int = Field(foreign_key="daily_returns.id")
    operation_id: int = Field(foreign_key="operations.id")
    country: str = Field(max_length=2)
    day: date
    version: int
    is_current: bool = True
    nil_return: bool = False
    persons_checked: int = Field(default=0, sa_type=sa.BigInteger)
    vehicles_checked: int = Field(default=0, sa_type=sa.BigInteger)
    vessels_checked: int = Field(default=0, sa_type=sa.BigInteger)
    premises_checked: int = Field(default=0, sa_type=sa.BigInteger)
    online_checks: int = Field(default=0, sa_type=sa.BigInteger)
    arrests: int = Field(default=0, sa_type=sa.BigInteger)
    investigations_criminal: int = Field(default=0, sa_type=sa.BigInteger)
    investigations_administrative: int = Field(default=0, sa_type=sa.BigInteger)
    metal_detectors: int = Field(default=0, sa_type=sa.BigInteger)
    excavation_tools: int = Field(default=0, sa_type=sa.BigInteger)
    notes: str = Field(default="", sa_type=sa.Text)
    amendment_reason: str | None = Field(default=None, sa_type=sa.Text)
    late: bool = False
    submitted_at: datetime
    submitted_by: int = Field(foreign_key="users.id")
    content_hash: str = Field(max_length=64)


class Seizure(SQLModel, table=True):
    """One interception, as listed in one version of a return.

    Location and reporting fields are copied from the version so the aggregates and the
    map read one table; ``is_current`` follows the version's flag.
    """

    __tablename__ = "seizures"
    __table_args__ = (
        # A country's case reference names one seizure across the whole operation.
        sa.Index(
            "uq_seizures_current_ref",
            "operation_id",
            "country",
            "ref",
            unique=True,
            sqlite_where=sa.text("is_current"),
            postgresql_where=sa.text("is_current"),
        ),
        sa.Index("ix_seizures_operation_current_day", "operation_id", "is_current", "day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="return_versions.id", index=True)
    operation_id: int = Field(foreign_key="operations.id")
    country: str = Field(max_length=2)
    day: date
    is_current: bool = True
    position: int = 0
    ref: str = Field(max_length=64)
    category: str = Field(max_length=32)
    hs_code: str | None = Field(default=None, max_length=10)
    quantity: int = Field(sa_type=sa.BigInteger)
    description: str = Field(default="", sa_type=sa.Text)
    place_type: str = Field(max_length=32)
    place_name: str = Field(default="", max_length=200)
    lat: float | None = None
    lon: float | None = None
    conveyance: str | None = Field(default=None, max_length=32)
    online: bool = False
    origin_country: str | None = Field(default=None, max_length=2)
    departure_country: str | None = Field(default=None, max_length=2)
    destination_country: str | None = Field(default=None, max_length=2)
    estimated_value: Decimal | None = Field(default=None, sa_type=sa.Numeric(18, 2))
    currency: str | None = Field(default=None, max_length=3)
    agency: str | None = Field(default=None, max_length=32)
    detection: str | None = Field(default=None, max_length=32)
    offence: str | None = Field(default=None, max_length=32)
    export_certificate: bool | None = None
    stolen_db_match: bool | None = None
    object_details: dict[str, Any] | None = Field(default=None, sa_type=JSONType)


class ReturnReview(SQLModel, table=True):
    """A coordinator's review of one version of a daily return. Rows are only added: the
    latest row of a return is its review, the others its history."""

    __tablename__ = "return_reviews"
    __table_args__ = (sa.Index("ix_return_reviews_operation_return", "operation_id", "return_id"),)

    id: int | None = Field(default=None, primary_key=True)
    return_id: int = Field(foreign_key="daily_returns.id")
    operation_id: int = Field(foreign_key="operations.id")
    country: str = Field(max_length=2)
    day: date
    version: int
    status: str = Field(max_length=16)  # approved | query | on_hold
    comment: str = Field(default="", sa_type=sa.Text)
    reviewed_by: int = Field(foreign_key="users.id")
    reviewed_at: datetime


class LockException(SQLModel, table=True):
    """A coordinator's exception to a day's lock: writes are accepted until ``until``."""

    __tablename__ = "lock_exceptions"
    __table_args__ = (sa.Index("ix_lock_exceptions_day", "operation_id", "country", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    operation_id: int = Field(foreign_key="operations.id")
    country: str = Field(max_length=2)
    day: date
    until: datetime
    reason: str = Field(sa_type=sa.Text)
    granted_by: int = Field(foreign_key="users.id")
    granted_at: datetime


class JobRun(SQLModel, table=True):
    """A claimed run of a scheduled job: its unique ``job_id`` makes every run happen once.

    Every instance's scheduler may fire the same job; the one whose insert of this row
    succeeds (``INSERT ... ON CONFLICT DO NOTHING RETURNING``) does the work, in the
    same transaction, so a failed run leaves no claim behind and is retried.
    """

    __tablename__ = "job_runs"

    id: int | None = Field(default=None, primary_key=True)
    job_id: str = Field(max_length=200, unique=True)
    operation_id: int = Field(foreign_key="operations.id", index=True)
    kind: str = Field(max_length=32)
    day: date | None = None
    claimed_at: datetime
    result: dict[str, Any] | None = Field(default=None, sa_type=JSONType)


class Alert(SQLModel, table=True):
    """A message from the coordination unit to some or all contact points of an operation
    (a modus operandi, a wanted object, a route to watch)."""

    __tablename__ = "alerts"

    id: int | None = Field(default=None, primary_key=True)
    operation_id: int = Field(foreign_key="operations.id", index=True)
    title: str = Field(max_length=200)
    body: str = Field(max_length=4000)
    priority: str = Field(max_length=16)
    # Sent to every participating country, those that join later included.
    to_all: bool = False
    # The countries it was sent to, resolved when it was sent (every participant for "all").
    countries: list[str] = Field(default_factory=list, sa_type=JSONType)
    sent_by: str = Field(max_length=64)
    sent_at: datetime


class AlertAck(SQLModel, table=True):
    """A country's acknowledgement of an alert: the first of its contact points counts."""

    __tablename__ = "alert_acks"
    __table_args__ = (sa.UniqueConstraint("alert_id", "country"),)

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alerts.id", index=True)
    country: str = Field(max_length=2)
    acknowledged_by: str = Field(max_length=64)
    acknowledged_at: datetime
