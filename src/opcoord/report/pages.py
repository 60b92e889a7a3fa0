"""The reports portal: partners read published reports; coordinators see every edition.

The report itself is served by the report API (HTML, PDF, XLSX, CSV); these pages list
it and frame it. A partner always gets the partner edition (access.report_audience).
"""

from typing import Annotated, Any

import sqlalchemy as sa
from litestar import Request, Response, get
from litestar.params import PathParameter
from litestar.response import Redirect, Template
from sqlmodel import col

from opcoord.accounts import access
from opcoord.accounts.access import Rule, needs
from opcoord.accounts.guard import caller_of_request
from opcoord.accounts.identity import Role
from opcoord.db import Database, pk
from opcoord.operations.models import Operation
from opcoord.report import editions
from opcoord.report.models import ReportEdition
from opcoord.web import page_context

Code = Annotated[str, PathParameter()]
FORMATS = ("pdf", "xlsx", "csv")


async def _editions(db: Database, *, published_only: bool, code: str | None = None) -> list[Any]:
    stmt = (
        sa.select(Operation, ReportEdition)
        .join(ReportEdition, col(ReportEdition.operation_id) == pk(Operation))
        .order_by(
            col(Operation.ends_on).desc(), col(Operation.code), col(ReportEdition.edition).desc()
        )
    )
    if published_only:
        stmt = stmt.where(
            col(ReportEdition.published_at).is_not(None), col(ReportEdition.status) == "ready"
        )
    if code is not None:
        stmt = stmt.where(col(Operation.code) == code)
    async with db.read() as session:
        return list((await session.execute(stmt)).all())


REPORT_PAGE = needs(Rule.report, page=True)


@get("/reports", include_in_schema=False, opt=REPORT_PAGE)
async def reports(request: Request[Any, Any, Any]) -> Response[Any]:
    caller = caller_of_request(request)
    rows = await _editions(request.app.state.db, published_only=access.published_only(caller))
    latest: dict[str, Any] = {}
    for op, edition in rows:  # newest edition first within each operation
        latest.setdefault(op.code, (op, edition))
    return Template("reports.html", context=page_context(request, items=list(latest.values())))


@get("/reports/{code:str}", include_in_schema=False, opt=REPORT_PAGE)
async def report_alias(code: Code) -> Redirect:
    return Redirect(f"/operations/{code}/report", status_code=303)


@get("/operations/{code:str}/report", include_in_schema=False, opt=REPORT_PAGE)
async def report_page(request: Request[Any, Any, Any], code: Code) -> Response[Any]:
    caller = caller_of_request(request)
    db: Database = request.app.state.db
    # The same answer as the report API: 403 for a partner before publication, 409 while
    # the operation is open or its report is being produced.
    op, shown, audience = await editions.readable(
        caller, db, code, request.query_params.get("edition"), None
    )
    rows = await _editions(db, code=code, published_only=access.published_only(caller))
    query = "?edition=partner" if audience == "partner" and caller.role is Role.coordinator else ""
    return Template(
        "report_view.html",
        context=page_context(
            request,
            op=op,
            edition=shown,
            editions=[e for _, e in rows],
            audience=audience,
            query=query,
            formats=FORMATS,
            base=f"/api/operations/{op.code}/report",
        ),
    )


PORTAL_PAGES = [reports, report_alias, report_page]
