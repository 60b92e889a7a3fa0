"""The coordinator's pages: create an operation, set up its countries and accounts,
close it and publish its report. The forms post to the JSON API (frontend/js/forms.js),
so the pages and the API share every rule and every error message."""

from typing import Annotated, Any

import pycountry
import sqlalchemy as sa
from litestar import Request, Response, get
from litestar.params import PathParameter
from litestar.response import Template

from opcoord.db import Database
from opcoord.operations import access, operations, participants
from opcoord.operations.enums import Agency, Role
from opcoord.operations.models import User
from opcoord.pages import page_caller, page_context, to_signin

Code = Annotated[str, PathParameter()]


def countries() -> list[tuple[str, str]]:
    return sorted(
        ((c.alpha_2, getattr(c, "common_name", None) or c.name) for c in pycountry.countries),
        key=lambda pair: pair[1],
    )


@get("/operations/new", include_in_schema=False)
async def new_operation(request: Request[Any, Any, Any]) -> Response[Any]:
    caller = await page_caller(request)
    if caller is None:
        return to_signin(request)
    access.require_coordinator(caller)
    return Template("operation_new.html", context=await page_context(request, caller))


@get("/operations/{code:str}/setup", include_in_schema=False)
async def setup(request: Request[Any, Any, Any], code: Code) -> Response[Any]:
    caller = await page_caller(request)
    if caller is None:
        return to_signin(request)
    access.require_coordinator(caller)
    db: Database = request.app.state.db
    op = await operations.get_operation(db, code, request.app.state.clock.now())
    people = await participants.list_participants(db, code)
    async with db.read() as session:
        users = (await session.scalars(sa.select(User).order_by(User.role, User.username))).all()
    taking_part = {p.country for p in people}
    return Template(
        "operation_setup.html",
        context=await page_context(
            request,
            caller,
            op=op,
            participants=people,
            countries=countries(),
            agencies=[a.value for a in Agency],
            roles=[r.value for r in Role],
            users=[u for u in users if u.role != Role.ncp or u.country in taking_part],
        ),
    )


ADMIN_PAGES = [new_operation, setup]
