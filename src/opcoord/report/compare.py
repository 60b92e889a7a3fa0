"""Two operations side by side (Pandora VIII against IX): totals, countries, categories,
the online strand and completeness, with the difference ``b - a`` of every figure.

Each side's figures come from one place, so the comparison cannot disagree with what
partners already hold: a closed operation is read from its latest ready report edition
(the comparison then equals that report), an open one (or a closed one whose report is
still being produced) from the live figures (``figures.totals``, the summary's) and the
same per-country and completeness queries the report uses. Each side says which it is
(``source``: ``report`` or ``live``).

Differences (``delta``): a number's is ``b - a``; a map's (``objects_by_category``,
``objects_by_country``, ``estimated_value`` by currency) is a map over the keys of either
side, a key missing on one side counting as 0, zeros kept, sorted by key. Money stays
per currency: amounts in different currencies are never added or converted.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from opcoord.db import Database
from opcoord.errors import invalid, not_found
from opcoord.intel import hits
from opcoord.operations import figures, ledger
from opcoord.operations.figures import money
from opcoord.operations.models import Operation
from opcoord.report import data as report_data
from opcoord.report.models import ReportEdition

#: Per-country figures compared (the report's per-country table, without names).
COUNTRY_FIELDS = (
    "returns_expected",
    "returns",
    "returns_on_time",
    "returns_late",
    "nil_returns",
    "returns_missing",
    "seizures",
    "objects_seized",
    "objects_seized_online",
    *report_data.SUMMED,
    "estimated_value",
)
COMPLETENESS_FIELDS = ("expected", "received", "on_time", "late", "nil", "missing", "rate")
ONLINE_FIELDS = ("online_checks", "seizures", "objects", "objects_by_category")
MONEY_KEYS = frozenset({"estimated_value"})


def difference(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """``b - a`` field by field: numbers subtract, maps subtract key by key (a missing
    key is 0), anything else (text, null) is left out."""
    out: dict[str, Any] = {}
    for key in list(dict.fromkeys([*a, *b])):
        x, y = a.get(key), b.get(key)
        if isinstance(x, Mapping) or isinstance(y, Mapping):
            x, y = x or {}, y or {}
            keys = sorted(set(x) | set(y))
            diff = {k: _minus(y.get(k, 0), x.get(k, 0), key) for k in keys}
            out[key] = diff
        elif _number(x) or _number(y):
            out[key] = _minus(y or 0, x or 0, key)
    return out


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _minus(new: Any, old: Any, key: str) -> int | float:
    if key in MONEY_KEYS:
        return money(float(new) - float(old)) if (new or old) else 0
    if key == "rate":
        return round(float(new) - float(old), 4)
    return int(new) - int(old) if isinstance(new, int) and isinstance(old, int) else new - old


def _pct(old: Any, new: Any) -> float | None:
    """The change in per cent of ``old``; None where there is nothing to compare to."""
    if not _number(old) or not _number(new) or not old:
        return None
    return round(100 * (float(new) - float(old)) / float(old), 1)


async def _ready_edition(db: Database, op: Operation) -> ReportEdition | None:
    async with db.read() as session:
        found: ReportEdition | None = await session.scalar(
            sa.select(ReportEdition)
            .where(
                col(ReportEdition.operation_id) == op.id,
                col(ReportEdition.status) == "ready",
                col(ReportEdition.report).is_not(None),
            )
            .order_by(col(ReportEdition.edition).desc())
            .limit(1)
        )
    return found


async def load_operation(db: Database, code: str, field: str) -> Operation:
    async with db.read() as session:
        op: Operation | None = await session.scalar(
            sa.select(Operation).where(col(Operation.code) == code)
        )
    if op is None:
        raise not_found(field, f"{field}: no operation with code {code!r}")
    return op


async def side(db: Database, op: Operation, now: datetime) -> dict[str, Any]:
    """One operation's figures for a comparison, from its report or live."""
    status = ledger.status(op, now)
    edition = await _ready_edition(db, op) if status == "closed" else None
    return await _side(db, op, now, edition.report if edition else None, edition)


async def _side(
    db: Database,
    op: Operation,
    now: datetime,
    report: Mapping[str, Any] | None,
    edition: ReportEdition | None,
) -> dict[str, Any]:
    status = ledger.status(op, now)
    if report is not None and edition is not None:
        source, number = "report", edition.edition
        totals, countries = report["totals"], report["countries"]
        categories, online = report["categories"], report["online"]
        completeness, period = report["completeness"], report["period"]
    else:
        source, number = "live", None
        async with db.read() as session:
            totals = await figures.totals(session, op, more=(hits.more_totals,))
            countries, whole = await report_data.countries(session, op, now)
            categories = await report_data.categories(session, op)
            online = await report_data.online(session, op, totals["online_checks"])
        completeness = report_data.completeness(whole)
        period = report_data.period(op)
    return {
        "operation": {
            "code": op.code,
            "name": op.name,
            "lead": op.lead,
            "status": str(status),
            "starts_on": op.starts_on.isoformat(),
            "ends_on": period["ends_on"],
            "days": period["days"],
            "source": source,
            "report_edition": number,
        },
        "totals": dict(totals),
        "countries": {row["country"]: row for row in countries},
        "categories": {row["category"]: row for row in categories},
        "online": {k: online.get(k) for k in ONLINE_FIELDS},
        "completeness": {k: completeness.get(k) for k in COMPLETENESS_FIELDS},
    }


def _country_figures(row: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if row is None else {k: row.get(k, 0) for k in COUNTRY_FIELDS}


def _pair(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> dict[str, Any]:
    return {"a": a, "b": b, "delta": difference(a or {}, b or {})}


def combine(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """The comparison body from two ``side`` results."""
    ta, tb = a["totals"], b["totals"]
    countries = []
    for code in sorted(set(a["countries"]) | set(b["countries"])):
        ra, rb = a["countries"].get(code), b["countries"].get(code)
        countries.append(
            {
                "country": code,
                "name": (ra or rb or {}).get("name", code),
                **_pair(_country_figures(ra), _country_figures(rb)),
            }
        )
    categories = []
    for cat in sorted(set(a["categories"]) | set(b["categories"])):
        ca = a["categories"].get(cat, {"seizures": 0, "objects": 0})
        cb = b["categories"].get(cat, {"seizures": 0, "objects": 0})
        keep = ("seizures", "objects")
        categories.append(
            {"category": cat, **_pair({k: ca[k] for k in keep}, {k: cb[k] for k in keep})}
        )
    return {
        "a": ta,
        "b": tb,
        "a_source": a["operation"]["source"],
        "b_source": b["operation"]["source"],
        "operations": {"a": a["operation"], "b": b["operation"]},
        "delta": difference(ta, tb),
        "change_pct": {k: _pct(ta.get(k), tb.get(k)) for k in ta if _number(ta.get(k))},
        "countries": countries,
        "categories": categories,
        "online": _pair(a["online"], b["online"]),
        "completeness": _pair(a["completeness"], b["completeness"]),
    }


async def compare(
    db: Database, code_a: str | None, code_b: str | None, now: datetime
) -> dict[str, Any]:
    """``GET /api/compare``: 422 naming a missing or repeated code, 404 naming the code
    that does not exist."""
    for field, code in (("a", code_a), ("b", code_b)):
        if not code:
            raise invalid(field, f"{field}: give the code of an operation to compare")
    assert code_a is not None and code_b is not None
    if code_a.upper() == code_b.upper():
        raise invalid("b", "b: compare an operation with another one, not with itself")
    op_a = await load_operation(db, code_a.upper(), "a")
    op_b = await load_operation(db, code_b.upper(), "b")
    return combine(await side(db, op_a, now), await side(db, op_b, now))


async def for_report(
    db: Database,
    op: Operation,
    edition: ReportEdition,
    report: Mapping[str, Any],
    other: str,
    now: datetime,
    other_edition: ReportEdition | None = None,
) -> dict[str, Any]:
    """A report's comparison with an earlier edition ``other``: ``a`` is ``other`` (from
    ``other_edition`` when given: a partner's is the one published to it), ``b`` the
    report being read (its own edition's figures, whichever edition that is)."""
    if other.upper() == op.code:
        raise invalid("compare", "compare: compare the report with another operation")
    earlier = await load_operation(db, other.upper(), "compare")
    if other_edition is not None and other_edition.report is not None:
        a = await _side(db, earlier, now, other_edition.report, other_edition)
    else:
        a = await side(db, earlier, now)
    return combine(a, await _side(db, op, now, report, edition))
