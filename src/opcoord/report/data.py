"""The consolidated report's data: figures from SQL aggregates, completeness from the
day ledger.

Reads only current versions (``is_current``). The report is built after the operation
is closed, and a closed operation refuses every write (409), so the current versions at
build time are the current versions at the data cut-off: the snapshot is frozen by the
closing itself. The dict has the shape the renderers in ``opcoord.report.render`` take.

Completeness counts each country's days in the ledger's states at the cut-off, so its
figures hold by construction: a day is expected, and then exactly one of on time, late
or missing; a return counts only for a day that was expected; an operation closed early
expects no day that fell due after its closing.
"""

from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlmodel import col

from opcoord.codes import country_name
from opcoord.intel import hits
from opcoord.maps.builder import SeizurePoint
from opcoord.operations import figures, ledger, reviews
from opcoord.operations.enums import COUNTERS, FACILITATING
from opcoord.operations.figures import ONLINE, money
from opcoord.operations.merged import counted
from opcoord.operations.models import Operation, ReturnVersion, Seizure
from opcoord.report import redaction
from opcoord.report.render.csv import SeizureTable

SUMMED = COUNTERS + FACILITATING
HIGHLIGHTS = 10
TOP_ROUTES = 20


def _listed(op: Operation) -> sa.ColumnElement[bool]:
    return sa.and_(col(Seizure.operation_id) == op.id, col(Seizure.is_current))


def _current(op: Operation) -> sa.ColumnElement[bool]:
    """The seizures the figures count: a merged duplicate's second seizure counts once,
    in its first seizure (``operations/merged.py``); the seizure list still shows both."""
    return sa.and_(_listed(op), counted())


def _versions(op: Operation) -> sa.ColumnElement[bool]:
    return sa.and_(col(ReturnVersion.operation_id) == op.id, col(ReturnVersion.is_current))


def _sum(column: Any) -> sa.ColumnElement[Any]:
    return sa.func.coalesce(sa.func.sum(column), 0)


def _online_sum() -> sa.ColumnElement[Any]:
    return _sum(sa.case((ONLINE, col(Seizure.quantity)), else_=0))


async def _country_sums(session: AsyncSession, op: Operation) -> dict[str, dict[str, int]]:
    """Per country: the counters summed over the current version of every return."""
    stmt = (
        sa.select(col(ReturnVersion.country), *(_sum(getattr(ReturnVersion, c)) for c in SUMMED))
        .where(_versions(op))
        .group_by(col(ReturnVersion.country))
    )
    return {
        country: {k: int(v) for k, v in zip(SUMMED, sums, strict=True)}
        for country, *sums in (await session.execute(stmt)).all()
    }


async def _country_seizures(session: AsyncSession, op: Operation) -> dict[str, dict[str, Any]]:
    stmt = (
        sa.select(col(Seizure.country), sa.func.count(), _sum(col(Seizure.quantity)), _online_sum())
        .where(_current(op))
        .group_by(col(Seizure.country))
    )
    return {
        c: {"seizures": int(n), "objects_seized": int(q), "objects_seized_online": int(o)}
        for c, n, q, o in (await session.execute(stmt)).all()
    }


async def _country_values(session: AsyncSession, op: Operation) -> dict[str, dict[str, Any]]:
    stmt = (
        sa.select(
            col(Seizure.country), col(Seizure.currency), sa.func.sum(col(Seizure.estimated_value))
        )
        .where(_current(op), col(Seizure.estimated_value).is_not(None))
        .group_by(col(Seizure.country), col(Seizure.currency))
        .order_by(col(Seizure.country), col(Seizure.currency))
    )
    out: dict[str, dict[str, Any]] = {}
    for country, currency, amount in (await session.execute(stmt)).all():
        out.setdefault(country, {})[currency or "?"] = money(amount)
    return out


def _reporting(tally: ledger.Tally) -> dict[str, int]:
    return {
        "returns_expected": tally.expected,
        "returns": tally.received,
        "returns_on_time": tally.on_time,
        "returns_late": tally.late,
        "nil_returns": tally.nil,
        "returns_missing": tally.missing,
    }


async def countries(
    session: AsyncSession, op: Operation, cutoff: datetime
) -> tuple[list[dict[str, Any]], ledger.Tally]:
    """The per-country table sorted by country code, and the operation's whole tally.

    A return sent early for a day that never fell due (an early close) counts in the
    figures but not towards completeness.
    """
    grid = await figures.day_grid(session, op, cutoff)
    people = {p.country: p for p in await figures.participants_of(session, op)}
    sums = await _country_sums(session, op)
    seizures = await _country_seizures(session, op)
    values = await _country_values(session, op)
    rows = []
    whole = ledger.Tally()
    for country, p in people.items():
        tally = grid.tally(country)
        whole = whole + tally
        s = seizures.get(country, {})
        row: dict[str, Any] = {
            "country": country,
            "name": country_name(country),
            "agencies": list(p.agencies),
            **_reporting(tally),
            "seizures": s.get("seizures", 0),
            "objects_seized": s.get("objects_seized", 0),
            "objects_seized_online": s.get("objects_seized_online", 0),
            "estimated_value": values.get(country, {}),
        }
        row.update({k: sums.get(country, {}).get(k, 0) for k in SUMMED})
        rows.append(row)
    return rows, whole


#: Per-country figures that add up over a region.
REGION_SUMS = ("seizures", "objects_seized", "objects_seized_online", *SUMMED)


async def regions(
    session: AsyncSession, op: Operation, cutoff: datetime, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Figures and completeness per region, when the coordinators gave participants a
    region (countries in none under null); empty otherwise."""
    groups = figures.regions_of(await figures.participants_of(session, op))
    if not groups:
        return []
    grid = await figures.day_grid(session, op, cutoff)
    by_country = {r["country"]: r for r in rows}
    out = []
    for region, members in groups.items():
        tally = ledger.Tally()
        for c in members:
            tally = tally + grid.tally(c)
        mine = [by_country[c] for c in members if c in by_country]
        value: dict[str, Decimal] = {}
        for r in mine:
            for currency, amount in r["estimated_value"].items():
                value[currency] = value.get(currency, Decimal(0)) + Decimal(str(amount))
        out.append(
            {
                "region": region,
                "countries": members,
                **{k: sum(int(r.get(k, 0)) for r in mine) for k in REGION_SUMS},
                "estimated_value": {c: money(v) for c, v in sorted(value.items())},
                "completeness": completeness(tally),
            }
        )
    return out


async def totals(
    session: AsyncSession, op: Operation, rows: list[dict[str, Any]]
) -> dict[str, Any]:
    """The API's ``totals`` object, from its own aggregate queries (not from ``rows``)."""
    versions = sa.select(
        sa.func.count(),
        sa.func.count(sa.distinct(col(ReturnVersion.country))),
        *(_sum(getattr(ReturnVersion, c)) for c in SUMMED),
    ).where(_versions(op))
    seizures = sa.select(sa.func.count(), _sum(col(Seizure.quantity)), _online_sum()).where(
        _current(op)
    )
    returns, reported, *sums = (await session.execute(versions)).one()
    n, objects, online = (await session.execute(seizures)).one()
    out: dict[str, Any] = {
        "countries_participating": len(rows),
        "countries_reported": int(reported),
        "returns": int(returns),
        "seizures": int(n),
        "objects_seized": int(objects),
        "objects_seized_online": int(online),
    }
    out.update({k: int(v) for k, v in zip(SUMMED, sums, strict=True)})
    value = (
        sa.select(col(Seizure.currency), sa.func.sum(col(Seizure.estimated_value)))
        .where(_current(op), col(Seizure.estimated_value).is_not(None))
        .group_by(col(Seizure.currency))
        .order_by(col(Seizure.currency))
    )
    out["estimated_value"] = {c or "?": money(v) for c, v in (await session.execute(value)).all()}
    by_category = (
        sa.select(col(Seizure.category), sa.func.sum(col(Seizure.quantity)))
        .where(_current(op))
        .group_by(col(Seizure.category))
        .order_by(col(Seizure.category))
    )
    out["objects_by_category"] = {c: int(q) for c, q in (await session.execute(by_category)).all()}
    out["objects_by_country"] = {
        r["country"]: r["objects_seized"] for r in rows if r["objects_seized"]
    }
    return out


async def categories(session: AsyncSession, op: Operation) -> list[dict[str, Any]]:
    objects = _sum(col(Seizure.quantity))
    stmt = (
        sa.select(col(Seizure.category), sa.func.count(), objects)
        .where(_current(op))
        .group_by(col(Seizure.category))
        .order_by(objects.desc(), col(Seizure.category))
    )
    return [
        {"category": c, "seizures": int(n), "objects": int(q)}
        for c, n, q in (await session.execute(stmt)).all()
    ]


async def online(session: AsyncSession, op: Operation, checks: int) -> dict[str, Any]:
    stmt = sa.select(sa.func.count(), _sum(col(Seizure.quantity))).where(_current(op), ONLINE)
    n, q = (await session.execute(stmt)).one()
    by_category = (
        sa.select(col(Seizure.category), _sum(col(Seizure.quantity)))
        .where(_current(op), ONLINE)
        .group_by(col(Seizure.category))
        .order_by(col(Seizure.category))
    )
    return {
        "online_checks": checks,
        "seizures": int(n),
        "objects": int(q),
        "objects_by_category": {c: int(v) for c, v in (await session.execute(by_category)).all()},
    }


async def routes(
    session: AsyncSession, op: Operation, top: int = TOP_ROUTES
) -> list[dict[str, Any]]:
    """Top flows origin -> destination by objects, where both ends are known."""
    objects = _sum(col(Seizure.quantity))
    stmt = (
        sa.select(
            col(Seizure.origin_country), col(Seizure.destination_country), sa.func.count(), objects
        )
        .where(
            _current(op),
            col(Seizure.origin_country).is_not(None),
            col(Seizure.destination_country).is_not(None),
        )
        .group_by(col(Seizure.origin_country), col(Seizure.destination_country))
        .order_by(
            objects.desc(),
            sa.func.count().desc(),
            col(Seizure.origin_country),
            col(Seizure.destination_country),
        )
        .limit(top)
    )
    return [
        {"origin": o, "destination": d, "seizures": int(n), "objects": int(q)}
        for o, d, n, q in (await session.execute(stmt)).all()
    ]


async def highlights(
    session: AsyncSession, op: Operation, top: int = HIGHLIGHTS
) -> list[dict[str, Any]]:
    """The largest seizures: operational highlights, with place and description."""
    stmt = (
        sa.select(
            col(Seizure.ref),
            col(Seizure.country),
            col(Seizure.day),
            col(Seizure.category),
            col(Seizure.quantity),
            col(Seizure.place_type),
            col(Seizure.place_name),
            col(Seizure.description),
            col(Seizure.estimated_value),
            col(Seizure.currency),
        )
        .where(_current(op))
        .order_by(
            col(Seizure.quantity).desc(), col(Seizure.day), col(Seizure.country), col(Seizure.ref)
        )
        .limit(top)
    )
    out = []
    for row in (await session.execute(stmt)).mappings().all():
        item = dict(row)
        item["day"] = item["day"].isoformat()
        value = item["estimated_value"]
        item["estimated_value"] = money(value) if value is not None else None
        out.append(item)
    return out


async def hit_highlights(
    session: AsyncSession, op: Operation, top: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The highlights, each seizure with its confirmed watchlist hits; a seizure with a
    confirmed hit is a highlight even when it is small (the partner edition drops the
    hits with the other free text)."""
    confirmed = await hits.confirmed_highlights(session, op)
    if not confirmed:
        return top
    by_seizure: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for h in confirmed:
        by_seizure.setdefault((h["country"], h["ref"]), []).append(
            {k: h[k] for k in ("watchlist", "object_id", "title", "country_of_theft", "score")}
        )
    out = [
        item | {"watchlist_hits": by_seizure.pop((item["country"], item["ref"]), [])}
        for item in top
    ]
    if by_seizure:
        rows = (
            await session.execute(
                sa.select(
                    col(Seizure.ref),
                    col(Seizure.country),
                    col(Seizure.day),
                    col(Seizure.category),
                    col(Seizure.quantity),
                    col(Seizure.place_type),
                    col(Seizure.place_name),
                    col(Seizure.description),
                    col(Seizure.estimated_value),
                    col(Seizure.currency),
                ).where(
                    _current(op),
                    sa.tuple_(col(Seizure.country), col(Seizure.ref)).in_(list(by_seizure)),
                )
            )
        ).mappings()
        for row in rows:
            item = dict(row)
            item["day"] = item["day"].isoformat()
            value = item["estimated_value"]
            item["estimated_value"] = money(value) if value is not None else None
            item["watchlist_hits"] = by_seizure[(item["country"], item["ref"])]
            out.append(item)
    return out


async def timeline(session: AsyncSession, op: Operation) -> list[dict[str, Any]]:
    """Every day the operation ran (cut at an early close), zero-filled: returns,
    seizures and objects."""
    returns = dict(
        (
            await session.execute(
                sa.select(col(ReturnVersion.day), sa.func.count())
                .where(_versions(op))
                .group_by(col(ReturnVersion.day))
            )
        ).all()
    )
    seized = {
        d: (n, q)
        for d, n, q in (
            await session.execute(
                sa.select(col(Seizure.day), sa.func.count(), _sum(col(Seizure.quantity)))
                .where(_current(op))
                .group_by(col(Seizure.day))
            )
        ).all()
    }
    out = []
    for day in ledger.days_run(op):
        n, q = seized.get(day, (0, 0))
        out.append(
            {
                "day": day.isoformat(),
                "returns": int(returns.get(day, 0)),
                "seizures": int(n),
                "objects": int(q),
            }
        )
    return out


def completeness(whole: ledger.Tally) -> dict[str, Any]:
    """The operation's completeness: ``received <= expected``, ``on_time + late ==
    received``, ``missing == expected - received`` and ``0 <= rate <= 1`` hold because
    every figure counts the same day states. With nothing expected nothing is missing:
    the rate is then 1."""
    return {
        "expected": whole.expected,
        "received": whole.received,
        "on_time": whole.on_time,
        "late": whole.late,
        "nil": whole.nil,
        "missing": whole.missing,
        "rate": round(whole.received / whole.expected, 4) if whole.expected else 1.0,
    }


def operation_block(op: Operation) -> dict[str, Any]:
    return {
        "code": op.code,
        "name": op.name,
        "lead": op.lead,
        "partners": list(op.partners),
        "starts_on": op.starts_on.isoformat(),
        "ends_on": op.ends_on.isoformat(),
        "timezone": op.timezone,
        "daily_cutoff": op.daily_cutoff,
        "closed_at": op.closed_at.isoformat() if op.closed_at else None,
        "closed_early": ledger.closed_early(op),
    }


def period(op: Operation) -> dict[str, Any]:
    """The days the operation ran: its window, or up to its early closing."""
    ran = ledger.days_run(op)
    return {
        "starts_on": op.starts_on.isoformat(),
        "ends_on": ran[-1].isoformat(),
        "days": len(ran),
        "planned_ends_on": op.ends_on.isoformat(),
        "planned_days": (op.ends_on - op.starts_on).days + 1,
        "closed_early": ledger.closed_early(op),
        "closed_at": op.closed_at.isoformat() if op.closed_at else None,
    }


def provisional_statement(op: Operation, cutoff: datetime) -> str:
    local = cutoff.astimezone(ledger.zone(op.timezone))
    text = (
        f"Figures are provisional: they are the returns received by {local:%d %B %Y %H:%M} "
        f"({op.timezone}), {cutoff.astimezone(ledger.zone('UTC')):%H:%M} UTC, and may change "
        "as investigations continue."
    )
    if ledger.closed_early(op) and op.closed_at is not None:
        closed = op.closed_at.astimezone(ledger.zone(op.timezone))
        text += (
            f" The operation was closed early, on {closed:%d %B %Y %H:%M}; it had been planned "
            f"until {op.ends_on:%d %B %Y}. Returns were expected only for the days due by then."
        )
    return text


def _id(op: Operation) -> int:
    assert op.id is not None
    return op.id


async def assemble(
    session: AsyncSession,
    op: Operation,
    *,
    edition: int,
    generated_at: datetime,
    data_cutoff: datetime,
    changes: str | None = None,
    differences: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The full (coordinators') edition of the report as a JSON-ready dict."""
    rows, whole = await countries(session, op, data_cutoff)
    tot = await totals(session, op, rows)
    tot.update(await hits.more_totals(session, op))
    report: dict[str, Any] = {
        "operation": operation_block(op),
        "period": period(op),
        "edition": edition,
        "changes": changes,
        "differences": dict(differences or {}),
        "audience": "full",
        "generated_at": generated_at.isoformat(),
        "data_cutoff": data_cutoff.isoformat(),
        "provisional": provisional_statement(op, data_cutoff),
        "totals": tot,
        "countries": rows,
        "regions": await regions(session, op, data_cutoff, rows),
        "categories": await categories(session, op),
        "online": await online(session, op, tot["online_checks"]),
        "facilitating_items": {k: tot[k] for k in FACILITATING},
        "routes": await routes(session, op),
        "highlights": await hit_highlights(session, op, await highlights(session, op)),
        "investigations": {
            "criminal": tot["investigations_criminal"],
            "administrative": tot["investigations_administrative"],
            "arrests": tot["arrests"],
        },
        "timeline": await timeline(session, op),
        "completeness": completeness(whole),
        # Pairs of seizures a coordinator merged as one object reported twice: each
        # counts once in the totals above.
        "duplicates_merged": await figures.merged_pairs(session, op),
        # Every return received, by the coordinators' review as it stood at the cut-off.
        "review": await reviews.counts(session, _id(op), data_cutoff),
    }
    return report


def total_differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """Headline totals that differ between two editions: ``{key: [old, new]}``."""
    out = {}
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            out[key] = [old.get(key), new.get(key)]
    return out


# ---- seizure rows, for the CSV/XLSX exports and the map -------------------------------

#: What a seizure row of the report's files holds (the exports add their own fields).

ROW_COLUMNS = (
    col(Seizure.country),
    col(Seizure.day),
    col(Seizure.ref),
    col(Seizure.category),
    col(Seizure.hs_code),
    col(Seizure.quantity),
    col(Seizure.description),
    col(Seizure.place_type),
    col(Seizure.place_name),
    col(Seizure.lat),
    col(Seizure.lon),
    col(Seizure.conveyance),
    col(Seizure.online),
    col(Seizure.origin_country),
    col(Seizure.departure_country),
    col(Seizure.destination_country),
    col(Seizure.estimated_value),
    col(Seizure.currency),
)
_ROW_KEYS = tuple(sa.select(*ROW_COLUMNS).selected_columns.keys())


async def seizure_tuples(session: AsyncSession, op: Operation) -> list[tuple[Any, ...]]:
    """Every current seizure as a plain tuple (compact: 100,000 rows stay small)."""
    assert op.id is not None
    return await seizure_tuples_of(session, op.id)


def _rows_of(operation_id: int) -> sa.Select[*tuple[Any, ...]]:
    return (
        sa.select(*ROW_COLUMNS)
        .where(col(Seizure.operation_id) == operation_id, col(Seizure.is_current))
        .order_by(col(Seizure.day), col(Seizure.country), col(Seizure.ref))
    )


async def seizure_tuples_of(session: AsyncSession, operation_id: int) -> list[tuple[Any, ...]]:
    result = await session.execute(_rows_of(operation_id))
    return [tuple(r) for r in result.all()]


async def seizure_tuples_direct(conn: AsyncConnection, operation_id: int) -> list[tuple[Any, ...]]:
    """``seizure_tuples_of`` on PostgreSQL, the same statement run by asyncpg itself: its
    records hold the same values (no column here has a type SQLAlchemy converts), and
    100,000 of them come in less than half the time without SQLAlchemy's row objects."""
    compiled = _rows_of(operation_id).compile(dialect=conn.dialect)
    params = [compiled.params[name] for name in compiled.positiontup or ()]
    driver = (await conn.get_raw_connection()).driver_connection
    assert driver is not None
    return [tuple(record) for record in await driver.fetch(str(compiled), *params)]


async def seizure_count(session: AsyncSession, op: Operation) -> int:
    """How many seizures the files list (``seizure_tuples``'s rows)."""
    stmt = sa.select(sa.func.count()).select_from(Seizure).where(_listed(op))
    return int(await session.scalar(stmt) or 0)


def seizure_dicts(rows: list[tuple[Any, ...]], audience: str = "full") -> Iterator[dict[str, Any]]:
    """Row dicts for the renderers, made one at a time; money as numbers, not text; for
    the partner edition, redacted (``redaction.partner_seizure``)."""
    for r in rows:
        row = dict(zip(_ROW_KEYS, r, strict=True))
        value = row["estimated_value"]
        if isinstance(value, Decimal):
            row["estimated_value"] = money(value)
        yield row if audience == "full" else redaction.partner_seizure(row)


def seizure_table(rows: list[tuple[Any, ...]], audience: str = "full") -> SeizureTable:
    """The rows as the exports read them, a column at a time: ``seizure_dicts``'s values
    without a dict per row (100,000 of them were a large part of each export)."""
    if audience != "full":
        return SeizureTable.of(seizure_dicts(rows, audience))
    if not rows:
        return SeizureTable({}, 0)
    columns: dict[str, Sequence[Any]] = dict(zip(_ROW_KEYS, zip(*rows, strict=True), strict=True))
    values = columns.get("estimated_value")
    if values is not None:
        columns["estimated_value"] = [money(v) if isinstance(v, Decimal) else v for v in values]
    return SeizureTable(columns, len(rows))


#: The rows' columns a map point holds, in the order ``seizure_points`` reads them.
_POINT_KEYS: tuple[str, ...] = (
    *("ref", "category", "quantity", "place_type", "place_name", "day", "country"),
    *("conveyance", "origin_country", "destination_country", "lat", "lon", "description"),
)
_POINT = itemgetter(*(_ROW_KEYS.index(key) for key in _POINT_KEYS))


def seizure_points(rows: list[tuple[Any, ...]], audience: str = "full") -> Iterator[SeizurePoint]:
    """The map's points; for the full edition straight from the rows (no dict per row)."""
    picked = map(_POINT, rows) if audience == "full" else _picked(seizure_dicts(rows, audience))
    for ref, category, quantity, place_type, place_name, day, country, *rest in picked:
        conveyance, origin, destination, lat, lon, description = rest
        yield SeizurePoint(
            ref=ref,
            category=category,
            quantity=int(quantity),
            place_type=place_type,
            place_name=place_name or None,
            day=day if isinstance(day, date) else date.fromisoformat(str(day)),
            country=country,
            conveyance=conveyance,
            origin_country=origin,
            destination_country=destination,
            lat=lat,
            lon=lon,
            description=description or None,
        )


def _picked(rows: Iterator[dict[str, Any]]) -> Iterator[tuple[Any, ...]]:
    return (tuple(row[key] for key in _POINT_KEYS) for row in rows)
