"""duplicates: pairs of seizures reported twice, and the versions checked for them

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "duplicate_pairs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("a_country", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("a_ref", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("b_country", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("b_ref", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("found_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_duplicate_pairs_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["operation_id"],
            ["operations.id"],
            name=op.f("fk_duplicate_pairs_operation_id_operations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duplicate_pairs")),
        sa.UniqueConstraint(
            "operation_id",
            "a_country",
            "a_ref",
            "b_country",
            "b_ref",
            name=op.f("uq_duplicate_pairs_pair"),
        ),
    )
    with op.batch_alter_table("duplicate_pairs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_duplicate_pairs_b", ["operation_id", "status", "b_country", "b_ref"], unique=False
        )
    op.create_table(
        "duplicate_checks",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("checked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["operation_id"],
            ["operations.id"],
            name=op.f("fk_duplicate_checks_operation_id_operations"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["return_versions.id"],
            name=op.f("fk_duplicate_checks_version_id_return_versions"),
        ),
        sa.PrimaryKeyConstraint("version_id", name=op.f("pk_duplicate_checks")),
    )
    with op.batch_alter_table("duplicate_checks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_duplicate_checks_operation_id"), ["operation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("duplicate_checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_duplicate_checks_operation_id"))
    op.drop_table("duplicate_checks")
    with op.batch_alter_table("duplicate_pairs", schema=None) as batch_op:
        batch_op.drop_index("ix_duplicate_pairs_b")
    op.drop_table("duplicate_pairs")
