"""reports and job runs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("claimed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("result", _JSON, nullable=True),
        sa.ForeignKeyConstraint(
            ["operation_id"], ["operations.id"], name=op.f("fk_job_runs_operation_id_operations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
        sa.UniqueConstraint("job_id", name=op.f("uq_job_runs_job_id")),
    )
    op.create_index(op.f("ix_job_runs_operation_id"), "job_runs", ["operation_id"])
    op.create_table(
        "report_editions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("edition", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("changes", sa.Text(), nullable=True),
        sa.Column("data_cutoff", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("requested_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("build_started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("generated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("report", _JSON, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("published_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["operation_id"],
            ["operations.id"],
            name=op.f("fk_report_editions_operation_id_operations"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["users.id"], name=op.f("fk_report_editions_requested_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_editions")),
        sa.UniqueConstraint(
            "operation_id", "edition", name=op.f("uq_report_editions_operation_id_edition")
        ),
    )
    op.create_index(op.f("ix_report_editions_operation_id"), "report_editions", ["operation_id"])
    op.create_table(
        "report_artefacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("audience", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("format", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["edition_id"],
            ["report_editions.id"],
            name=op.f("fk_report_artefacts_edition_id_report_editions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_artefacts")),
        sa.UniqueConstraint(
            "edition_id",
            "audience",
            "format",
            name=op.f("uq_report_artefacts_edition_id_audience_format"),
        ),
    )
    op.create_index(op.f("ix_report_artefacts_edition_id"), "report_artefacts", ["edition_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_report_artefacts_edition_id"), table_name="report_artefacts")
    op.drop_table("report_artefacts")
    op.drop_index(op.f("ix_report_editions_operation_id"), table_name="report_editions")
    op.drop_table("report_editions")
    op.drop_index(op.f("ix_job_runs_operation_id"), table_name="job_runs")
    op.drop_table("job_runs")
