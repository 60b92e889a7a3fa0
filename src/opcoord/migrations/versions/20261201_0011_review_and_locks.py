"""review of returns, day locks and their exceptions

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("operations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lock_after_days", sa.Integer(), nullable=True))
    op.create_table(
        "return_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("country", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("reviewed_by", sa.Integer(), nullable=False),
        sa.Column("reviewed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["operation_id"],
            ["operations.id"],
            name=op.f("fk_return_reviews_operation_id_operations"),
        ),
        sa.ForeignKeyConstraint(
            ["return_id"],
            ["daily_returns.id"],
            name=op.f("fk_return_reviews_return_id_daily_returns"),
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by"], ["users.id"], name=op.f("fk_return_reviews_reviewed_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_reviews")),
    )
    with op.batch_alter_table("return_reviews", schema=None) as batch_op:
        batch_op.create_index(
            "ix_return_reviews_operation_return", ["operation_id", "return_id"], unique=False
        )
    op.create_table(
        "lock_exceptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("country", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("granted_by", sa.Integer(), nullable=False),
        sa.Column("granted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["operation_id"],
            ["operations.id"],
            name=op.f("fk_lock_exceptions_operation_id_operations"),
        ),
        sa.ForeignKeyConstraint(
            ["granted_by"], ["users.id"], name=op.f("fk_lock_exceptions_granted_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lock_exceptions")),
    )
    with op.batch_alter_table("lock_exceptions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_lock_exceptions_day", ["operation_id", "country", "day"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("lock_exceptions", schema=None) as batch_op:
        batch_op.drop_index("ix_lock_exceptions_day")
    op.drop_table("lock_exceptions")
    with op.batch_alter_table("return_reviews", schema=None) as batch_op:
        batch_op.drop_index("ix_return_reviews_operation_return")
    op.drop_table("return_reviews")
    with op.batch_alter_table("operations", schema=None) as batch_op:
        batch_op.drop_column("lock_after_days")
