"""The live dashboard page (its data arrive over the websocket, see ``routes.py``)."""

from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.params import PathParameter
from litestar.response import Template

from opcoord.accounts.access import Rule, needs
from opcoord.operations import alert_pages, operations
from opcoord.web import page_context


@get("/operations/{code:str}/dashboard", include_in_schema=False, opt=needs(Rule.watch, page=True))
async def dashboard(
    request: Request[Any, Any, Any], code: Annotated[str, PathParameter()]
) -> Response[Any]:
    op = await operations.get_operation(request.app.state.db, code, request.app.state.clock.now())
    banner = await alert_pages.banner(request, op.code)
    return Template("dashboard.html", context=page_context(request, op=op, alert_banner=banner))


DASHBOARD_PAGES = [dashboard]
