"""The one module that imports opcoord's internal Python functions.

The report's formats can only be timed one by one from inside: the API renders them
all in one build. Every format at once is timed as the server draws them, in its
rendering processes (``render_as_server``). Everything else in the harness goes through
the command line, the HTTP API or (for bulk seeding) ``seed.py``. When the package is
reorganised, fix the imports here and nowhere else.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from opcoord.db import make_engine
from opcoord.operations.models import Operation
from opcoord.operations.operations import load
from opcoord.report import renderer
from opcoord.report.data import assemble, seizure_tuples
from opcoord.report.editions import FORMATS, RowSource, Seizures, draw, render_files
from opcoord.report.editions import _noop as quiet

__all__ = [
    "FORMATS",
    "assemble_report",
    "open_operation",
    "render",
    "render_as_server",
    "rendering_pids",
    "seizure_rows",
    "warm_rendering",
]


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


async def render_as_server(
    url: str, op: Operation, count: int, report: dict[str, Any], formats: tuple[str, ...]
) -> dict[str, bytes]:
    """``formats`` drawn as the server's build draws them: in its rendering processes,
    which read the seizures themselves. The processes are kept afterwards (a server
    retires them after a large render) so that the harness can read their peak memory."""
    assert op.id is not None
    renderer.HEAVY_ROWS = 1 << 62
    return await draw(Seizures(RowSource(url, op.id), [], count), report, "full", formats, "en")


async def warm_rendering(report: dict[str, Any], rows: list[tuple[Any, ...]]) -> None:
    """Start the rendering processes, and have each draw every format of ``rows`` (a
    few): no timed step pays for their first import of WeasyPrint, matplotlib, folium."""
    call: renderer.Call = (render_files, (report, rows, "full", quiet, FORMATS, "en"))
    await renderer.render_parts([call] * renderer.WORKERS)


def rendering_pids() -> list[int]:
    """The rendering processes of this process, once a render has started them."""
    pool = renderer._pool
    return [p.pid for p in (getattr(pool, "_processes", None) or {}).values() if p.pid]
