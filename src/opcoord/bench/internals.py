"""The one module that imports opcoord's internal Python functions.

The report's formats can only be timed one by one from inside: the API renders them
all in one build. Everything else in the harness goes through the command line, the
HTTP API or (for bulk seeding) ``seed.py``. When the package is reorganised, fix the
imports here and nowhere else.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from opcoord.db import make_engine
from opcoord.operations.models import Operation
from opcoord.operations.operations import load
from opcoord.report.data import assemble, seizure_tuples
from opcoord.report.editions import FORMATS, render_files

__all__ = ["FORMATS", "assemble_report", "open_operation", "render", "seizure_rows"]


@asynccontextmanager
async def open_operation(url: str, code: str) -> AsyncIterator[tuple[AsyncSession, Operation]]:
    engine = make_engine(url)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            yield session, await load(session, code)
    finally:
        await engine.dispose()


async def assemble_report(session: AsyncSession, op: Operation, now: datetime) -> dict[str, Any]:
    """The full edition's JSON, as the closing build assembles it."""
    return await assemble(session, op, edition=1, generated_at=now, data_cutoff=now)


async def seizure_rows(session: AsyncSession, op: Operation) -> list[tuple[Any, ...]]:
    return await seizure_tuples(session, op)


def render(
    report: dict[str, Any], rows: list[tuple[Any, ...]], formats: tuple[str, ...]
) -> dict[str, bytes]:
    return render_files(report, rows, "full", formats=formats)
