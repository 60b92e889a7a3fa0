"""What the audit log vouches for in operations: the stored state of every operation,
participant and return version, as a digest in the entry of the change that made it.

``opcoord audit verify`` recomputes each row's state and compares it with its latest
entry, so a figure edited in the database (a counter in ``return_versions``, a
seizure's quantity, a participant's dates) is found and named.
"""

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from opcoord.audit.log import digest, plain
from opcoord.audit.verify import Problem, latest_digests
from opcoord.db import pk
from opcoord.operations.models import DailyReturn, Operation, Participant, ReturnVersion, Seizure

BATCH = 2000


def _columns(row: SQLModel, skip: Iterable[str] = ()) -> dict[str, Any]:
    table = row.__table__  # type: ignore[attr-defined]
    return {c.name: plain(getattr(row, c.name)) for c in table.columns if c.name not in skip}


def operation_state(op: Operation) -> dict[str, Any]:
    state = _columns(op, ("id",))
    # Added later: an operation that never had a lock keeps the state audited before.
    if state.get("lock_after_days") is None:
        state.pop("lock_after_days", None)
    return state


def participant_state(p: Participant) -> dict[str, Any]:
    # ``region`` counts once set: participants written before regions keep their digest.
    return _columns(p, ("id",) if p.region is not None else ("id", "region"))


def version_state(
    version: ReturnVersion, seizures: Iterable[Seizure], ret: DailyReturn
) -> dict[str, Any]:
    """A version, its seizures in order, and the first-submission facts of its return."""
    return {
        "version": _columns(version, ("id", "is_current")),
        "seizures": [
            _columns(s, ("id", "is_current", "version_id"))
            for s in sorted(seizures, key=lambda s: s.position)
        ],
        "first_late": ret.first_late,
        "first_submitted_at": plain(ret.first_submitted_at),
    }


def key(table: str, row_id: int | None) -> str:
    return f"{table}:{row_id}"


def _mismatch(
    table: str, row_id: int, found: tuple[int, str] | None, state: Any, label: str = ""
) -> Problem | None:
    what = f" ({label})" if label else ""
    if found is None:
        return Problem(table, row_id, f"{what} has no audit entry: opcoord did not write it")
    entry_id, recorded = found
    if digest(state) != recorded:
        return Problem(table, row_id, f"{what} does not match audit entry {entry_id}: altered")
    return None


async def verify(session: AsyncSession) -> Problem | None:
    """The first operation, participant or return version whose row differs from what
    its audit entry recorded (None: all match)."""
    problem = await _verify_rows(session, "operations", Operation, operation_state)
    if problem is None:
        problem = await _verify_rows(session, "participants", Participant, participant_state)
    if problem is None:
        problem = await _verify_versions(session)
    return problem


_Row = TypeVar("_Row", Operation, Participant)


async def _verify_rows(
    session: AsyncSession, table: str, model: type[_Row], state: Callable[[_Row], Any]
) -> Problem | None:
    recorded = await latest_digests(session, f"{table}:")
    for row in (await session.scalars(sa.select(model).order_by(pk(model)))).all():
        assert row.id is not None
        problem = _mismatch(table, row.id, recorded.get(key(table, row.id)), state(row))
        if problem:
            return problem
    return None


async def _verify_versions(session: AsyncSession) -> Problem | None:
    recorded = await latest_digests(session, "return_versions:")
    after = 0
    while True:
        versions = (
            await session.scalars(
                sa.select(ReturnVersion)
                .where(col(ReturnVersion.id) > after)
                .order_by(col(ReturnVersion.id))
                .limit(BATCH)
            )
        ).all()
        if not versions:
            return None
        ids = [v.id for v in versions]
        seizures: dict[int, list[Seizure]] = {}
        for s in (
            await session.scalars(sa.select(Seizure).where(col(Seizure.version_id).in_(ids)))
        ).all():
            seizures.setdefault(s.version_id, []).append(s)
        returns = {
            r.id: r
            for r in (
                await session.scalars(
                    sa.select(DailyReturn).where(
                        col(DailyReturn.id).in_({v.return_id for v in versions})
                    )
                )
            ).all()
        }
        for v in versions:
            assert v.id is not None
            state = version_state(v, seizures.get(v.id, []), returns[v.return_id])
            found = recorded.get(key("return_versions", v.id))
            label = f"{v.country} {v.day} version {v.version}, and its seizures"
            problem = _mismatch("return_versions", v.id, found, state, label)
            if problem:
                return problem
        after = versions[-1].id or after
