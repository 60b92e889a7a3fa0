"""Comparing editions and exporting seizures to other systems, over HTTP.

``GET /api/compare`` and its page put two operations side by side (``compare.py``);
the exports stream an operation's seizures as HXL-tagged CSV and as seizure records in
JSON (``exports.py``). Exports follow the report's audiences: coordinators read the
full edition (or the partner one with ``?edition=partner``), partners the partner
edition, and only once a report edition is published. Every download adds an audit
entry.
"""

from datetime import datetime
from typing import Annotated, Any

import sqlalchemy as sa
from litestar import Request, Response, get
from litestar.params import QueryParameter
from litestar.response import Stream, Template
from sqlmodel import col

from opcoord.accounts import access
from opcoord.accounts.access import Rule, needs
from opcoord.accounts.identity import Caller
from opcoord.audit import log as audit
from opcoord.db import Database
from opcoord.errors import DomainError
from opcoord.operations.models import Operation
from opcoord.operations.operations import load
from opcoord.operations.routes import CallerDep, DbDep, NowDep
from opcoord.report import compare as comparing
from opcoord.report import editions as report_editions
from opcoord.report import exports
from opcoord.report.render import compare_chart
from opcoord.report.render.press import category_label
from opcoord.web import COMMON, READ, Code, err, page_context, page_lang

OperationCode = Annotated[
    str | None,
    QueryParameter(
        required=False,
        pattern="^[A-Za-z0-9-]{1,64}$",
        description="Code of an operation, e.g. PANDORA-IX (required; 422 when missing)",
    ),
]
Audience = Annotated[
    str | None,
    QueryParameter(
        required=False,
        pattern="^(full|partner)$",
        description="Coordinators: `partner` for the redacted partner edition. Partners "
        "always get the partner edition, once a report edition is published.",
    ),
]
COMPARE_RESPONSES = {
    **COMMON,
    404: err("No operation with the code given as `a` or `b` (the error names which)", 404),
    422: err("`a` or `b` missing, or both the same operation", 422),
}
EXPORT_RESPONSES = {
    **READ,
    409: err("A partner asked while the report is still being produced", 409),
}


@get(
    "/api/compare",
    tags=["report"],
    summary="Two operations side by side (e.g. Pandora VIII against IX)",
    description="`a` and `b` are the totals of each operation (a closed operation's from "
    "its latest ready report edition, `a_source`/`b_source` = `report`; an open one's "
    "live, = `live`, equal to its summary); `delta` is `b - a` for every number and, for "
    "maps (`objects_by_category`, `objects_by_country`, `estimated_value` by currency), "
    "a map over the keys of either side with a missing key counted as 0. `change_pct`: "
    "the change in per cent of `a` (null when `a` is 0). `countries`, `categories`, "
    "`online` and `completeness` each carry `a`, `b` and `delta`; a country that did not "
    "take part in one operation has null there. See docs/exports.md.",
    responses=COMPARE_RESPONSES,
    opt=needs(Rule.coordinate),
)
async def compare_api(
    db: DbDep, now: NowDep, a: OperationCode = None, b: OperationCode = None
) -> dict[str, Any]:
    return await comparing.compare(db, a, b, now)


async def _operations(db: Database) -> list[Operation]:
    async with db.read() as session:
        rows = await session.scalars(
            sa.select(Operation).order_by(col(Operation.starts_on).desc(), col(Operation.code))
        )
        return list(rows)


@get("/compare", include_in_schema=False, opt=needs(Rule.coordinate, page=True))
async def compare_page(
    request: Request[Any, Any, Any], db: DbDep, now: NowDep, a: OperationCode = None,
    b: OperationCode = None,
) -> Response[Any]:  # fmt: skip
    result: dict[str, Any] | None = None
    problem: str | None = None
    if a or b:
        try:
            result = await comparing.compare(db, a, b, now)
        except DomainError as exc:
            problem = str(exc)
    lang = page_lang(request)
    chart = compare_chart.categories_svg(result, lang=lang.code) if result else None
    return Template(
        "compare.html",
        context=page_context(
            request,
            operations=await _operations(db),
            a=(a or "").upper(),
            b=(b or "").upper(),
            result=result,
            problem=problem,
            chart=chart,
            headline=compare_chart.HEADLINE,
            category=lambda c: category_label(c, None if lang.code == "en" else lang),
        ),
        status_code=200 if problem is None else 422,
    )


async def _export_target(
    caller: Caller, db: Database, code: str, asked: str | None
) -> tuple[Operation, str, int | None]:
    """The operation, the edition the caller reads (full or partner), and for partners
    the published report edition the export goes with (403 before publication)."""
    audience = access.report_audience(caller, asked)
    if access.published_only(caller):
        op, found, _ = await report_editions.readable(caller, db, code, "partner", None)
        return op, "partner", found.edition
    async with db.read() as session:
        op = await load(session, code)
    return op, audience, None


async def _record_download(
    db: Database, op: Operation, what: str, audience: str, now: datetime
) -> None:
    assert op.id is not None
    await audit.record_alone(
        db,
        "export.download",
        now,
        stream_id=op.id,
        operation=op.code,
        object=f"{what} ({audience})",
        detail={"format": what, "audience": audience},
    )


@get(
    "/api/operations/{code:str}/seizures.hxl.csv",
    media_type="text/csv; charset=utf-8",
    tags=["exports"],
    summary="Seizures as HXL-tagged CSV (streamed)",
    description="Row 1: column headings; row 2: HXL hashtags (`#meta+id`, `#country+code`, "
    "`#date`, `#item+type`, `#item+code+hs`, `#item+num`, `#loc+type`, `#loc+name`, "
    "`#geo+lat`, `#geo+lon`, `#value`, `#currency`, ...); then one row per current "
    "seizure. The partner edition leaves out the free-text columns (reference, "
    "description, place name) and coarsens places. See docs/exports.md.",
    responses=EXPORT_RESPONSES,
    opt=needs(Rule.report),
)
async def seizures_hxl(
    caller: CallerDep, db: DbDep, now: NowDep, code: Code, edition: Audience = None
) -> Stream:
    op, audience, _ = await _export_target(caller, db, code, edition)
    await _record_download(db, op, "seizures.hxl.csv", audience, now)
    suffix = "" if audience == "full" else "-partner"
    return Stream(
        exports.hxl_chunks(db, op, audience),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{op.code}-seizures{suffix}.hxl.csv"'
        },
    )


@get(
    "/api/operations/{code:str}/seizure-records.json",
    media_type="application/json",
    tags=["exports"],
    summary="Seizures as records in the exchange layout of customs enforcement networks",
    description="`{format, version, edition, generated_at, report_edition, operation, "
    "records: [...], totals}` streamed. Each record: `record_id`, `reference`, "
    "`reporting_country`, `agency`, `date`, `place {type, name, lat, lon, coarsened}`, "
    "`conveyance`, `online`, `route {origin, departure, destination}`, `goods {category, "
    "hs_code, quantity, description}`, `value {amount, currency}` or null, `detection`, "
    "`offence`, `export_certificate`, `stolen_db_match`. `totals` is counted over the "
    "records written. Field by field in docs/exports.md.",
    responses=EXPORT_RESPONSES,
    opt=needs(Rule.report),
)
async def seizure_records(
    caller: CallerDep, db: DbDep, now: NowDep, code: Code, edition: Audience = None
) -> Stream:
    op, audience, number = await _export_target(caller, db, code, edition)
    await _record_download(db, op, "seizure-records.json", audience, now)
    suffix = "" if audience == "full" else "-partner"
    return Stream(
        exports.record_chunks(db, op, audience, now, number),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{op.code}-seizure-records{suffix}.json"'
        },
    )


ROUTES = [compare_api, compare_page, seizures_hxl, seizure_records]
