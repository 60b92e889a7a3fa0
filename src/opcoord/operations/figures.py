"""Running figures: totals and completeness, computed with SQL aggregates.

Everything here reads only current versions (``is_current``), so an amendment replaces
what it amends and a resubmission changes nothing.
"""

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from opcoord.live.snapshot import money
from opcoord.operations import calendar
from opcoord.operations.enums import COUNTERS, FACILITATING, DayStatus
from opcoord.operations.models import DailyReturn, Operation, Participant, ReturnVersion, Seizure

SUMMED = COUNTERS + FACILITATING
_ONLINE = sa.or_(Seizure.online.is_(True), Seizure.place_type == "online")


async def totals(session: AsyncSession, op: Operation) -> dict[str, Any]:
    """The ``totals`` object of the API (see API.md)."""
    versions = sa.select(
        sa.func.count(),
        sa.func.count(sa.distinct(ReturnVersion.country)),
        *(sa.func.coalesce(sa.func.sum(getattr(ReturnVersion, c)), 0) for c in SUMMED),
    ).where(ReturnVersion.operation_id == op.id, ReturnVersion.is_current)
    current = sa.and_(Seizure.operation_id == op.id, Seizure.is_current)
    seizures = sa.select(
        sa.func.count(),
        sa.func.coalesce(sa.func.sum(Seizure.quantity), 0),
        sa.func.coalesce(sa.func.sum(sa.case((_ONLINE, Seizure.quantity), else_=0)), 0),
    ).where(current)
    returns, reported, *sums = (await session.execute(versions)).one()
    n_seizures, objects, online = (await session.execute(seizures)).one()
    participating = await session.scalar(
        sa.select(sa.func.count()).where(Participant.operation_id == op.id)
    )
    out: dict[str, Any] = {
        "countries_participating": int(participating or 0),
        "countries_reported": int(reported),
        "returns": int(returns),
        "seizures": int(n_seizures),
        "objects_seized": int(objects),
        "objects_seized_online": int(online),
    }
    out.update({name: int(value) for name, value in zip(SUMMED, sums, strict=True)})
    out["estimated_value"] = await _grouped(
        session,
        Seizure.currency,
        Seizure.estimated_value,
        sa.and_(current, Seizure.estimated_value.is_not(None)),
        money,
    )
    out["objects_by_category"] = await _grouped(
        session, Seizure.category, Seizure.quantity, current, int
    )
    out["objects_by_country"] = await _grouped(
        session, Seizure.country, Seizure.quantity, current, int
    )
    return out


async def _grouped(
    session: AsyncSession, key: Any, value: Any, where: Any, cast: Any
) -> dict[str, Any]:
    stmt = sa.select(key, sa.func.sum(value)).where(where).group_by(key).order_by(key)
    return {k: cast(v) for k, v in (await session.execute(stmt)).all()}


async def version_contribution(session: AsyncSession, version: ReturnVersion) -> dict[str, Any]:
    """What one version adds to the totals; the difference of two is a live delta."""
    out: dict[str, Any] = {name: getattr(version, name) for name in SUMMED}
    this = Seizure.version_id == version.id
    n, objects, online = (
        await session.execute(
            sa.select(
                sa.func.count(),
                sa.func.coalesce(sa.func.sum(Seizure.quantity), 0),
                sa.func.coalesce(sa.func.sum(sa.case((_ONLINE, Seizure.quantity), else_=0)), 0),
            ).where(this)
        )
    ).one()
    out.update(seizures=int(n), objects_seized=int(objects), objects_seized_online=int(online))
    out["estimated_value"] = await _grouped(
        session,
        Seizure.currency,
        Seizure.estimated_value,
        sa.and_(this, Seizure.estimated_value.is_not(None)),
        Decimal,
    )
    out["objects_by_category"] = await _grouped(
        session, Seizure.category, Seizure.quantity, this, int
    )
    out["objects_by_country"] = {version.country: int(objects)} if objects else {}
    return out


def delta(new: dict[str, Any], old: dict[str, Any] | None) -> dict[str, Any]:
    """``new - old`` over a contribution, dropping zeros so events stay small."""
    old = old or {}
    out: dict[str, Any] = {}
    for key, value in new.items():
        if isinstance(value, dict):
            before = old.get(key, {})
            diff = {k: value.get(k, 0) - before.get(k, 0) for k in set(value) | set(before)}
            diff = {k: (money(v) if key == "estimated_value" else v) for k, v in diff.items() if v}
            if diff:
                out[key] = dict(sorted(diff.items()))
        elif value - old.get(key, 0):
            out[key] = value - old.get(key, 0)
    return out


def day_status(
    *, returned: bool, first_late: bool, nil: bool, due: datetime, now: datetime
) -> DayStatus:
    if returned:
        if first_late:
            return DayStatus.late
        return DayStatus.nil if nil else DayStatus.submitted
    return DayStatus.missing if now >= due else DayStatus.not_due


async def completeness(session: AsyncSession, op: Operation, now: datetime) -> dict[str, Any]:
    """Per country per day, for the days each country takes part."""
    participants = (
        await session.scalars(
            sa.select(Participant)
            .where(Participant.operation_id == op.id)
            .order_by(Participant.country)
        )
    ).all()
    rows = await session.execute(
        sa.select(
            DailyReturn.country, DailyReturn.day, DailyReturn.first_late, ReturnVersion.nil_return
        )
        .join(
            ReturnVersion,
            sa.and_(ReturnVersion.return_id == DailyReturn.id, ReturnVersion.is_current),
        )
        .where(DailyReturn.operation_id == op.id)
    )
    returned = {(c, d): (late, nil) for c, d, late, nil in rows.all()}
    window = list(calendar.days(op.starts_on, op.ends_on))
    due = {d: calendar.due_at(op, d) for d in window}
    grand: dict[DayStatus, int] = dict.fromkeys(DayStatus, 0)
    countries = []
    for p in participants:
        last = p.leaves_on or op.ends_on
        cells: dict[date, DayStatus] = {}
        counts: dict[DayStatus, int] = defaultdict(int)
        for d in window:
            if not p.joins_on <= d <= last:
                continue
            late, nil = returned.get((p.country, d), (False, False))
            status = day_status(
                returned=(p.country, d) in returned, first_late=late, nil=nil, due=due[d], now=now
            )
            cells[d] = status
            counts[status] += 1
            grand[status] += 1
        countries.append(
            {"country": p.country, "days": cells, "counts": {s: counts[s] for s in DayStatus}}
        )
    return {
        "operation": op.code,
        "as_of": now,
        "today": calendar.today(op, now),
        "days": window,
        "countries": countries,
        "counts": grand,
    }
