"""Whether this process can serve: the database answers, its schema is the one this
code was written for, and (on PostgreSQL) the LISTEN connection that brings other
instances' changes to this one's dashboards is up.

A replica that is not ready answers ``/ready`` with 503 and says which check failed, so
an orchestrator or a person can tell a database outage from a migration not yet run.
"""

import asyncio
import logging
from functools import lru_cache
from typing import Protocol

import sqlalchemy as sa
from alembic.script import ScriptDirectory

from opcoord.db import Database, alembic_config

OK = "ok"
log = logging.getLogger(__name__)


class Listener(Protocol):
    """What readiness reads of the live pump: None when there is no LISTEN connection to
    have (SQLite, one process)."""

    @property
    def listening(self) -> bool | None: ...


@lru_cache(maxsize=1)
def expected_heads() -> frozenset[str]:
    """The migration heads shipped with this code."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


async def _schema(db: Database) -> frozenset[str]:
    async with db.read() as session:
        rows = await session.scalars(sa.text("SELECT version_num FROM alembic_version"))
        return frozenset(rows)


async def checks(db: Database, pump: Listener | None, timeout: float) -> dict[str, str]:
    """Each check's answer: ``ok``, or what is wrong."""
    out: dict[str, str] = {}
    try:
        async with asyncio.timeout(timeout):
            found = await _schema(db)
    except TimeoutError:
        out["database"] = f"no answer within {timeout:g} s"
    except Exception as exc:  # whatever the driver raises, the answer is "not ready"
        # The driver's own error class, not its text: /ready is public, the text names
        # hosts and databases; the log line has it all.
        cause: BaseException = getattr(exc, "orig", None) or exc
        while cause.__cause__ is not None:
            cause = cause.__cause__
        out["database"] = f"unreachable: {type(cause).__name__}"
        log.warning("not ready: the database is unreachable: %s", exc)
    else:
        out["database"] = OK
        wanted = expected_heads()
        out["migrations"] = (
            OK
            if found == wanted
            else f"schema at {', '.join(sorted(found)) or 'nothing'}; this code needs "
            f"{', '.join(sorted(wanted))} (run opcoord migrate)"
        )
    listening = pump.listening if pump is not None else None
    if listening is not None:
        out["listen"] = OK if listening else "the LISTEN connection is down; reconnecting"
    return out
