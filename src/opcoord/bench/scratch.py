"""Scratch databases: a PostgreSQL database created for one run and dropped after it,
or a SQLite file in a temporary folder. Nothing here touches opcoord's tables."""

import asyncio
import contextlib
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class Scratch:
    """One scratch database, in the three spellings its users need."""

    kind: str  # "postgresql" | "sqlite"
    url: str  # for OPCOORD_DATABASE_URL (async driver)
    dsn: str  # for asyncpg, or the SQLite file path

    @property
    def is_postgres(self) -> bool:
        return self.kind == "postgresql"


def _plain(url: str) -> str:
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


async def _admin(dsn: str, sql: str) -> None:
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextlib.contextmanager
def postgres(server_url: str, label: str) -> Iterator[Scratch]:
    """A new database on the server of ``server_url`` (whose own database is untouched)."""
    admin = _plain(server_url)
    name = f"opcoord_bench_{label}_{secrets.token_hex(4)}"
    asyncio.run(_admin(admin, f'CREATE DATABASE "{name}"'))
    try:
        dsn = make_url(admin).set(database=name).render_as_string(hide_password=False)
        url = make_url(dsn).set(drivername="postgresql+asyncpg")
        yield Scratch("postgresql", url.render_as_string(hide_password=False), dsn)
    finally:
        # FORCE: a server we failed to end must not keep the database alive.
        asyncio.run(_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextlib.contextmanager
def sqlite(label: str) -> Iterator[Scratch]:
    folder = Path(tempfile.mkdtemp(prefix=f"opcoord-bench-{label}-"))
    try:
        path = folder / "bench.db"
        yield Scratch("sqlite", f"sqlite+aiosqlite:///{path}", str(path))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def database(
    pg_url: str | None, use_sqlite: bool, label: str
) -> contextlib.AbstractContextManager[Scratch]:
    return sqlite(label) if use_sqlite else postgres(pg_url or DEFAULT_PG, label)
