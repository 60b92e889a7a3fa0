"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "live_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stream_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("type", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("country", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True),
        sa.Column(
            "payload", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_events")),
        sa.UniqueConstraint("stream_id", "seq", name=op.f("uq_live_events_stream_id_seq")),
    )
    op.create_table(
        "live_streams",
        sa.Column("stream_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("stream_id", name=op.f("pk_live_streams")),
    )
    op.create_table(
        "operations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("lead", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column(
            "partners", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("timezone", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("daily_cutoff", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column("closed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operations")),
        sa.UniqueConstraint("code", name=op.f("uq_operations_code")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("country", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_users_token_hash")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "daily_returns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("country", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("first_submitted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("first_late", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["operation_id"],
            ["operations.id"],
            name=op.f("fk_daily_returns_operation_id_operations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_daily_returns")),
        sa.UniqueConstraint(
            "operation_id", "country", "day", name=op.f("uq_daily_returns_operation_id_country_day")
        ),
    )
    with op.batch_alter_table("daily_returns", schema=None) as batch_op:
        batch_op.create_index(
            "ix_daily_returns_operation_day", ["operation_id", "day"], unique=False
        )

    op.create_table(
        "participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("country", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column(
            "agencies", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("joins_on", sa.Date(), nullable=False),
        sa.Column("leaves_on", sa.Date(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["operation_id"],
            ["operations.id"],
            name=op.f("fk_participants_operation_id_operations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participants")),
        sa.UniqueConstraint(
            "operation_id", "country", name=op.f("uq_participants_operation_id_country")
        ),
    )
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_participants_operation_id"), ["operation_id"], unique=False
        )

    op.create_table(
        "return_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("country", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("nil_return", sa.Boolean(), nullable=False),
        sa.Column("persons_checked", sa.BigInteger(), nullable=False),
        sa.Column("vehicles_checked", sa.BigInteger(), nullable=False),
        sa.Column("vessels_checked", sa.BigInteger(), nullable=False),
        sa.Column("premises_checked", sa.BigInteger(), nullable=False),
        sa.Column("online_checks", sa.BigInteger(), nullable=False),
        sa.Column("arrests", sa.BigInteger(), nullable=False),
        sa.Column("investigations_criminal", sa.BigInteger(), nullable=False),
        sa.Column("investigations_administrative", sa.BigInteger(), nullable=False),
        sa.Column("metal_detectors", sa.BigInteger(), nullable=False),
        sa.Column("excavation_tools", sa.BigInteger(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("amendment_reason", sa.Text(), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("submitted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("submitted_by", sa.Integer(), nullable=False),
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["operation_id"],
            ["operations.id"],
            name=op.f("fk_return_versions_operation_id_operations"),
        ),
        sa.ForeignKeyConstraint(
            ["return_id"],
            ["daily_returns.id"],
            name=op.f("fk_return_versions_return_id_daily_returns"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"], ["users.id"], name=op.f("fk_return_versions_submitted_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_versions")),
        sa.UniqueConstraint(
            "return_id", "version", name=op.f("uq_return_versions_return_id_version")
        ),
    )
    with op.batch_alter_table("return_versions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_return_versions_operation_current", ["operation_id", "is_current"], unique=False
        )
        batch_op.create_index(
            "uq_return_versions_current",
            ["return_id"],
            unique=True,
            sqlite_where=sa.text("is_current"),
            postgresql_where=sa.text("is_current"),
        )

    op.create_table(
        "seizures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("country", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("ref", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("hs_code", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("place_type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("place_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("conveyance", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("origin_country", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True),
        sa.Column("departure_country", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True),
        sa.Column("destination_country", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True),
        sa.Column("estimated_value", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
        sa.Column("agency", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("detection", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("offence", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("export_certificate", sa.Boolean(), nullable=True),
        sa.Column("stolen_db_match", sa.Boolean(), nullable=True),
        sa.Column(
            "object_details",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["operation_id"], ["operations.id"], name=op.f("fk_seizures_operation_id_operations")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["return_versions.id"],
            name=op.f("fk_seizures_version_id_return_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seizures")),
    )
    with op.batch_alter_table("seizures", schema=None) as batch_op:
        batch_op.create_index(
            "ix_seizures_operation_current_day", ["operation_id", "is_current", "day"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_seizures_version_id"), ["version_id"], unique=False)
        batch_op.create_index(
            "uq_seizures_current_ref",
            ["operation_id", "country", "ref"],
            unique=True,
            sqlite_where=sa.text("is_current"),
            postgresql_where=sa.text("is_current"),
        )


def downgrade() -> None:
    with op.batch_alter_table("seizures", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_seizures_current_ref",
            sqlite_where=sa.text("is_current"),
            postgresql_where=sa.text("is_current"),
        )
        batch_op.drop_index(batch_op.f("ix_seizures_version_id"))
        batch_op.drop_index("ix_seizures_operation_current_day")

    op.drop_table("seizures")
    with op.batch_alter_table("return_versions", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_return_versions_current",
            sqlite_where=sa.text("is_current"),
            postgresql_where=sa.text("is_current"),
        )
        batch_op.drop_index("ix_return_versions_operation_current")

    op.drop_table("return_versions")
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_participants_operation_id"))

    op.drop_table("participants")
    with op.batch_alter_table("daily_returns", schema=None) as batch_op:
        batch_op.drop_index("ix_daily_returns_operation_day")

    op.drop_table("daily_returns")
    op.drop_table("users")
    op.drop_table("operations")
    op.drop_table("live_streams")
    op.drop_table("live_events")
