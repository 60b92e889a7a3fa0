"""Alembic environment. ``opcoord serve`` hands in a live connection (see db.migrate);
the ``alembic`` command line gets its URL from OPCOORD_DATABASE_URL."""

import asyncio

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

# Every package's tables, so that autogenerate and the schema test see them all.
import opcoord.accounts.models
import opcoord.audit.models
import opcoord.intel.models
import opcoord.operations.merged
import opcoord.operations.models
import opcoord.outbound.models
import opcoord.outbox.models
import opcoord.report.models  # noqa: F401
from opcoord.config import get_settings
from opcoord.db import make_engine

target_metadata = SQLModel.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = make_engine(get_settings().database_url)
    async with engine.begin() as conn:
        await conn.run_sync(_run)
    await engine.dispose()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    asyncio.run(_run_async())
