"""Running figures: totals with SQL aggregates, and every day's state from the ledger.

Everything here reads only current versions (``is_current``), so an amendment replaces
what it amends and a resubmission changes nothing.
"""

from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, aliased
from sqlmodel import col

from opcoord.db import Query, pk, run
from opcoord.operations import ledger
from opcoord.operations.enums import COUNTERS, FACILITATING, DayStatus
from opcoord.operations.merged import MERGED, DuplicatePair, counted
from opcoord.operations.models import DailyReturn, Operation, Participant, ReturnVersion, Seizure

SUMMED = COUNTERS + FACILITATING
#: Figures that packages above this one add to the totals (``database_hits``, from the
#: watchlist hits): operations/ cannot import them, so callers pass them in (the summary
#: route receives them from the composition root).
MoreTotals = Callable[[AsyncSession, Operation], Awaitable[dict[str, Any]]]
ONLINE = sa.or_(col(Seizure.online).is_(True), col(Seizure.place_type) == "online")


def money(value: Decimal | int | float | str | None) -> int | float:
    """A sum of values for JSON: an integer when whole, else a two-decimal number."""
    dec = Decimal(str(value or 0)).quantize(Decimal("0.01"))
    return int(dec) if dec == dec.to_integral_value() else float(dec)


Countries = Iterable[str] | None


def _among(column: Any, countries: Countries) -> sa.ColumnElement[bool]:
    return sa.true() if countries is None else col(column).in_(sorted(countries))


async def totals(
    session: AsyncSession,
    op: Operation,
    countries: Countries = None,
    more: Sequence[MoreTotals] = (),
) -> dict[str, Any]:
    """The ``totals`` object of the API (see API.md), over ``countries`` (None: the whole
    operation; ``access.scope`` says which for a caller), with what ``more`` adds."""
    versions = sa.select(
        sa.func.count(),
        sa.func.count(sa.distinct(col(ReturnVersion.country))),
        *(sa.func.coalesce(sa.func.sum(getattr(ReturnVersion, c)), 0) for c in SUMMED),
    ).where(
        col(ReturnVersion.operation_id) == op.id,
        col(ReturnVersion.is_current),
        _among(ReturnVersion.country, countries),
    )
    current = sa.and_(
        col(Seizure.operation_id) == op.id,
        col(Seizure.is_current),
        _among(Seizure.country, countries),
        counted(),  # a merged duplicate's second seizure counts in no total (merged.py)
    )
    seizures = sa.select(
        sa.func.count(),
        sa.func.coalesce(sa.func.sum(col(Seizure.quantity)), 0),
        sa.func.coalesce(sa.func.sum(sa.case((ONLINE, col(Seizure.quantity)), else_=0)), 0),
    ).where(current)
    returns, reported, *sums = (await session.execute(versions)).one()
    n_seizures, objects, online = (await session.execute(seizures)).one()
    participating = await session.scalar(
        sa.select(sa.func.count()).where(
            col(Participant.operation_id) == op.id, _among(Participant.country, countries)
        )
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
        col(Seizure.currency),
        col(Seizure.estimated_value),
        sa.and_(current, col(Seizure.estimated_value).is_not(None)),
        money,
    )
    out["objects_by_category"] = await _grouped(
        session, col(Seizure.category), col(Seizure.quantity), current, int
    )
    out["objects_by_country"] = await _grouped(
        session, col(Seizure.country), col(Seizure.quantity), current, int
    )
    for extra in more:
        out.update(await extra(session, op))
    return out


async def seizures_by_country(
    session: AsyncSession, op: Operation, countries: Countries = None
) -> dict[str, int]:
    """Seizures counted in the totals, per country (of ``countries`` only, when given);
    countries without any are left out."""
    stmt = (
        sa.select(col(Seizure.country), sa.func.count())
        .where(
            col(Seizure.operation_id) == op.id,
            col(Seizure.is_current),
            _among(Seizure.country, countries),
            counted(),
        )
        .group_by(col(Seizure.country))
        .order_by(col(Seizure.country))
    )
    return {c: int(n) for c, n in (await session.execute(stmt)).all() if n}


async def _grouped(
    session: AsyncSession,
    key: Mapped[str] | Mapped[str | None],
    value: Mapped[Any],
    where: sa.ColumnElement[bool],
    cast: Callable[[Any], Any],
) -> dict[str, Any]:
    stmt = sa.select(key, sa.func.sum(value)).where(where).group_by(key).order_by(key)
    return {k: cast(v) for k, v in (await session.execute(stmt)).all()}


async def version_contribution(session: AsyncSession, version: ReturnVersion) -> dict[str, Any]:
    """What one version adds to the totals; the difference of two is a live delta."""
    return (await version_contributions(session, [version]))[0]


async def version_contributions(
    session: AsyncSession, versions: Sequence[ReturnVersion]
) -> list[dict[str, Any]]:
    """What each of ``versions`` adds to the totals, read in one statement (its seizures
    grouped by category and currency, the sums made here)."""
    groups: dict[int, list[Any]] = {}
    ids = {f"id{i}": v.id for i, v in enumerate(versions)}
    for row in await run(session, _contributions(len(ids)), **ids):
        groups.setdefault(row[0], []).append(row[1:])
    out = []
    for version in versions:
        n = objects = in_line = 0
        value: dict[str, Decimal] = {}
        category: dict[str, int] = {}
        for cat, currency, count, quantity, on_line, worth in groups.get(version.id or 0, []):
            n, objects, in_line = n + int(count), objects + int(quantity), in_line + int(on_line)
            category[cat] = category.get(cat, 0) + int(quantity)
            if worth is not None:  # a currency none of whose seizures has a value: absent
                value[currency] = value.get(currency, Decimal(0)) + Decimal(str(worth))
        figures: dict[str, Any] = {name: getattr(version, name) for name in SUMMED}
        figures.update(
            seizures=n,
            objects_seized=objects,
            objects_seized_online=in_line,
            estimated_value=dict(sorted(value.items())),
            objects_by_category=dict(sorted(category.items())),
            objects_by_country={version.country: objects} if objects else {},
        )
        out.append(figures)
    return out


@cache
def _contributions(n: int) -> Query:
    """``version_contributions``'s statement for ``n`` versions, built once (every PUT
    reads it, for one or two)."""
    online = sa.case((ONLINE, col(Seizure.quantity)), else_=0)
    ids = [sa.bindparam(f"id{i}", type_=sa.Integer()) for i in range(n)]
    return Query(
        sa.select(
            col(Seizure.version_id),
            col(Seizure.category),
            col(Seizure.currency),
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(col(Seizure.quantity)), 0),
            sa.func.coalesce(sa.func.sum(online), 0),
            sa.func.sum(col(Seizure.estimated_value)),
        )
        .where(col(Seizure.version_id).in_(ids), counted())
        .group_by(col(Seizure.version_id), col(Seizure.category), col(Seizure.currency))
    )


async def merged_pairs(session: AsyncSession, op: Operation) -> int:
    """How many merged pairs of duplicates count (both seizures current)."""
    a, b = aliased(Seizure), aliased(Seizure)
    both = sa.and_(
        *(
            sa.select(sa.literal(1))
            .where(
                col(s.operation_id) == op.id,
                col(s.country) == country,
                col(s.ref) == ref,
                col(s.is_current),
            )
            .exists()
            for s, country, ref in (
                (a, col(DuplicatePair.a_country), col(DuplicatePair.a_ref)),
                (b, col(DuplicatePair.b_country), col(DuplicatePair.b_ref)),
            )
        )
    )
    n = await session.scalar(
        sa.select(sa.func.count()).where(
            col(DuplicatePair.operation_id) == op.id, col(DuplicatePair.status) == MERGED, both
        )
    )
    return int(n or 0)


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


async def participants_of(
    session: AsyncSession, op: Operation, countries: Countries = None
) -> list[Participant]:
    """The participants (of ``countries`` only, when given), by country."""
    rows = await session.scalars(
        sa.select(Participant)
        .where(col(Participant.operation_id) == op.id, _among(Participant.country, countries))
        .order_by(col(Participant.country))
    )
    return list(rows)


async def returned(
    session: AsyncSession, op: Operation, *, day_in: Iterable[date] | None = None
) -> dict[tuple[str, date], ledger.Returned]:
    """What the ledger needs of each day's return: first lateness, current nil."""
    stmt = (
        sa.select(
            col(DailyReturn.country),
            col(DailyReturn.day),
            col(DailyReturn.first_late),
            col(ReturnVersion.nil_return),
        )
        .join(
            ReturnVersion,
            sa.and_(col(ReturnVersion.return_id) == pk(DailyReturn), col(ReturnVersion.is_current)),
        )
        .where(col(DailyReturn.operation_id) == op.id)
    )
    if day_in is not None:
        stmt = stmt.where(col(DailyReturn.day).in_(list(day_in)))
    rows = (await session.execute(stmt)).all()
    return {(c, d): ledger.Returned(first_late=late, nil=nil) for c, d, late, nil in rows}


async def day_grid(
    session: AsyncSession,
    op: Operation,
    now: datetime,
    *,
    only_days: Iterable[date] | None = None,
    participants: list[Participant] | None = None,
) -> ledger.Grid:
    """Every participant's day states at ``now`` (or those of ``only_days``)."""
    wanted = list(only_days) if only_days is not None else None
    people = participants if participants is not None else await participants_of(session, op)
    found = await returned(session, op, day_in=wanted)
    return ledger.grid(op, people, found, now, only_days=wanted)


def cells_json(cells: dict[str, dict[date, ledger.DayState]]) -> dict[str, dict[str, str]]:
    return {c: {d.isoformat(): str(s) for d, s in row.items()} for c, row in cells.items()}


def collection_json(op: Operation, grid: ledger.Grid) -> dict[str, str | None]:
    """The day being collected (and when it is due) and the last day due, as events and
    snapshots carry them."""
    due = ledger.due_at(op, grid.collecting) if grid.collecting else None
    return {
        "collecting": grid.collecting.isoformat() if grid.collecting else None,
        "collecting_due_at": due.isoformat() if due else None,
        "last_due": grid.last_due.isoformat() if grid.last_due else None,
    }


def regions_of(people: Iterable[Participant]) -> dict[str | None, list[str]]:
    """The coordinators' regions and their countries, by name; countries in no region
    under None (last). Empty when no participant has a region."""
    found = list(people)
    if not any(p.region for p in found):
        return {}
    out: dict[str | None, list[str]] = {}
    for p in sorted(found, key=lambda p: p.country):
        out.setdefault(p.region or None, []).append(p.country)
    return dict(sorted(out.items(), key=lambda kv: (kv[0] is None, kv[0] or "")))


def _counts(rows: Iterable[dict[date, ledger.DayState]]) -> dict[DayStatus, int]:
    counts = dict.fromkeys(DayStatus, 0)
    for row in rows:
        for state in row.values():
            counts[ledger.COARSE[state]] += 1
    return counts


async def by_region(
    session: AsyncSession,
    op: Operation,
    now: datetime,
    people: list[Participant],
    *,
    with_totals: bool = True,
    grid: ledger.Grid | None = None,
) -> list[dict[str, Any]]:
    """Figures and completeness per region of ``people`` (none when no region is set);
    ``grid``: their day grid when the caller has it already."""
    groups = regions_of(people)
    if not groups:
        return []
    if grid is None:
        grid = await day_grid(session, op, now, participants=people)
    out = []
    for region, countries in groups.items():
        row: dict[str, Any] = {
            "region": region,
            "countries": countries,
            "counts": _counts(grid.cells.get(c, {}) for c in countries),
        }
        if with_totals:
            row["totals"] = await totals(session, op, countries)
        out.append(row)
    return out


async def completeness(
    session: AsyncSession, op: Operation, now: datetime, countries: Countries = None
) -> dict[str, Any]:
    """The API's completeness: per country per day, in the API's words and the ledger's
    (of ``countries`` only, when given), and per region when regions are set."""
    people = await participants_of(session, op, countries)
    grid = await day_grid(session, op, now, participants=people)
    grand: dict[DayStatus, int] = dict.fromkeys(DayStatus, 0)
    rows = []
    for country, row in grid.cells.items():
        coarse = {d: ledger.COARSE[s] for d, s in row.items()}
        counts = dict.fromkeys(DayStatus, 0)
        for status in coarse.values():
            counts[status] += 1
            grand[status] += 1
        rows.append({"country": country, "days": coarse, "states": row, "counts": counts})
    return {
        "operation": op.code,
        "as_of": now,
        "today": ledger.today(op, now),
        "collecting": grid.collecting,
        "last_due": grid.last_due,
        "closed_at": op.closed_at,
        "days": grid.days,
        "countries": rows,
        "counts": grand,
        "regions": await by_region(session, op, now, people, with_totals=False, grid=grid),
    }
