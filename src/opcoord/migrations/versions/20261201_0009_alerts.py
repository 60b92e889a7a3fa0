"""alerts to contact points, and events meant for some countries only

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("priority", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("to_all", sa.Boolean(), nullable=False),
        sa.Column("countries", JSON, nullable=False),
        sa.Column("sent_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["operation_id"], ["operations.id"], name=op.f("fk_alerts_operation_id_operations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alerts_operation_id"), ["operation_id"], unique=False)

    op.create_table(
        "alert_acks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("country", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("acknowledged_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("acknowledged_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_alert_acks_alert_id_alerts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_acks")),
        sa.UniqueConstraint("alert_id", "country", name=op.f("uq_alert_acks_alert_id_country")),
    )
    with op.batch_alter_table("alert_acks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_acks_alert_id"), ["alert_id"], unique=False)

    with op.batch_alter_table("live_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("audience", JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("live_events", schema=None) as batch_op:
        batch_op.drop_column("audience")
    with op.batch_alter_table("alert_acks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_acks_alert_id"))
    op.drop_table("alert_acks")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_operation_id"))
    op.drop_table("alerts")
