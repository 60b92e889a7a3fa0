"""report artefacts per language

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29

A rendered report file is kept per edition, audience, format and language; files made
before languages existed are English.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("report_artefacts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "lang",
                sqlmodel.sql.sqltypes.AutoString(length=8),
                nullable=False,
                server_default="en",
            )
        )
        batch_op.drop_constraint(
            batch_op.f("uq_report_artefacts_edition_id_audience_format"), type_="unique"
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_report_artefacts_edition_id_audience_format_lang"),
            ["edition_id", "audience", "format", "lang"],
        )


def downgrade() -> None:
    # Only the English files fit the old key: the other languages are rendered again
    # on request after an upgrade.
    op.execute("DELETE FROM report_artefacts WHERE lang <> 'en'")
    with op.batch_alter_table("report_artefacts", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_report_artefacts_edition_id_audience_format_lang"), type_="unique"
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_report_artefacts_edition_id_audience_format"),
            ["edition_id", "audience", "format"],
        )
        batch_op.drop_column("lang")
