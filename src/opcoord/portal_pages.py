"""The reports portal: partners read published reports; coordinators see every edition.

The report itself is served by the report API (HTML, PDF, XLSX, CSV); these pages list
it and frame it. A partner always gets the partner edition (access.report_audience).
"""

from typing import Annotated, Any

import sqlalchemy as sa
from litestar import Request, Response, get
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import PathParameter
from litestar.response import Redirect, Template

from opcoord.db import Database
from opcoord.operations import access
from opcoord.operations.enums import Role
from opcoord.operations.models import Operation, ReportEdition
from opcoord.pages import page_caller, page_context, to_signin

Code = Annotated[str, PathParameter()]
FORMATS = ("pdf", "xlsx", "csv")


async def _editions(db: Database, *, published_only: bool, code: str | None = None) -> list[Any]:
    stmt = (
        sa.select(Operation, ReportEdition)
        .join(ReportEdition, ReportEdition.operation_id == Operation.id)
        .order_by(Operation.ends_on.desc(), Operation.code, ReportEdition.edition.desc())
    )
    if published_only:
        stmt = stmt.where(ReportEdition.published_at.is_not(None), ReportEdition.status == "ready")
    if code is not None:
        stmt = stmt.where(Operation.code == code)
    async with db.read() as session:
        return list((await session.execute(stmt)).all())


@get("/reports", include_in_schema=False)
async def reports(request: Request[Any, Any, Any]) -> Response[Any]:
    caller = await page_caller(request)
    if caller is None:
        return to_signin(request)
    if caller.role is Role.ncp:
        raise PermissionDeniedException("reports are for coordinators and partners")
    rows = await _editions(request.app.state.db, published_only=caller.role is Role.partner)
    latest: dict[str, Any] = {}
    for op, edition in rows:  # newest edition first within each operation
        latest.setdefault(op.code, (op, edition))
    return Template(
        "reports.html", context=await page_context(request, caller, items=list(latest.values()))
    )


@get("/reports/{code:str}", include_in_schema=False)
async def report_alias(code: Code) -> Redirect:
    return Redirect(f"/operations/{code}/report", status_code=303)


@get("/operations/{code:str}/report", include_in_schema=False)
async def report_page(request: Request[Any, Any, Any], code: Code) -> Response[Any]:
    caller = await page_caller(request)
    if caller is None:
        return to_signin(request)
    audience = access.report_audience(caller, request.query_params.get("edition"))
    rows = await _editions(
        request.app.state.db, code=code, published_only=caller.role is Role.partner
    )
    if not rows:
        raise NotFoundException(f"no report of {code} to read")
    op, shown = rows[0]
    query = "?edition=partner" if audience == "partner" and caller.role is Role.coordinator else ""
    return Template(
        "report_view.html",
        context=await page_context(
            request,
            caller,
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
