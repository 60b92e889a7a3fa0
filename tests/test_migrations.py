"""The migrations build exactly the models' schema, on both databases, and go both ways."""

import asyncio
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection
from sqlmodel import SQLModel

from opcoord.db import make_engine, migrate


def _diff(conn: Connection) -> list[Any]:
    ctx = MigrationContext.configure(conn, opts={"compare_type": True})
    return list(compare_metadata(ctx, SQLModel.metadata))


async def _check(url: str) -> None:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
        await migrate(engine, "base", down=True)
        async with engine.connect() as conn:
            tables = await conn.run_sync(
                lambda c: c.dialect.get_table_names(c)  # type: ignore[no-any-return]
            )
            assert set(tables) <= {"alembic_version"}
        await migrate(engine)
        async with engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
    finally:
        await engine.dispose()


def test_migrations_match_models_and_downgrade(db_url: str) -> None:
    asyncio.run(_check(db_url))
