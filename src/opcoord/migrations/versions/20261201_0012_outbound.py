"""outbound: webhooks, the outbound cursor, deliveries and their attempts

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
Text = sqlmodel.sql.sqltypes.AutoString
When = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "webhooks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", Text(length=2000), nullable=False),
        sa.Column("events", JSON, nullable=False),
        sa.Column("secret", Text(length=200), nullable=False),
        sa.Column("created_by", Text(length=64), nullable=False),
        sa.Column("created_at", When(), nullable=False),
        sa.Column("deleted_at", When(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhooks")),
    )
    op.create_table(
        "outbound_cursors",
        sa.Column("stream_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("stream_id", name=op.f("pk_outbound_cursors")),
    )
    op.create_table(
        "outbound_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", Text(length=36), nullable=False),
        sa.Column("route", Text(length=40), nullable=False),
        sa.Column("channel", Text(length=10), nullable=False),
        sa.Column("webhook_id", sa.Integer(), nullable=True),
        sa.Column("target", Text(length=2000), nullable=False),
        sa.Column("stream_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("event_type", Text(length=40), nullable=False),
        sa.Column("body", JSON, nullable=False),
        sa.Column("status", Text(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", When(), nullable=False),
        sa.Column("lease_token", Text(length=36), nullable=True),
        sa.Column("lease_until", When(), nullable=True),
        sa.Column("last_error", Text(length=500), nullable=True),
        sa.Column("created_at", When(), nullable=False),
        sa.Column("finished_at", When(), nullable=True),
        sa.ForeignKeyConstraint(
            ["webhook_id"],
            ["webhooks.id"],
            name=op.f("fk_outbound_deliveries_webhook_id_webhooks"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_deliveries")),
        sa.UniqueConstraint("key", name=op.f("uq_outbound_deliveries_key")),
        sa.UniqueConstraint(
            "route", "stream_id", "seq", name=op.f("uq_outbound_deliveries_route_stream_id_seq")
        ),
    )
    with op.batch_alter_table("outbound_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbound_deliveries_due", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outbound_deliveries_webhook_id"), ["webhook_id"], unique=False
        )
    op.create_table(
        "outbound_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("started_at", When(), nullable=False),
        sa.Column("finished_at", When(), nullable=True),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", Text(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["outbound_deliveries.id"],
            name=op.f("fk_outbound_attempts_delivery_id_outbound_deliveries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_attempts")),
    )
    with op.batch_alter_table("outbound_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbound_attempts_delivery_id"), ["delivery_id"], unique=False
        )
    # Start every existing stream's cursor at its end: events recorded before outbound
    # existed are history, not news (no reminder of last week goes out by e-mail).
    op.execute(
        "INSERT INTO outbound_cursors (stream_id, last_seq) "
        "SELECT stream_id, last_seq FROM live_streams"
    )


def downgrade() -> None:
    with op.batch_alter_table("outbound_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbound_attempts_delivery_id"))
    op.drop_table("outbound_attempts")
    with op.batch_alter_table("outbound_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbound_deliveries_webhook_id"))
        batch_op.drop_index("ix_outbound_deliveries_due")
    op.drop_table("outbound_deliveries")
    op.drop_table("outbound_cursors")
    op.drop_table("webhooks")
