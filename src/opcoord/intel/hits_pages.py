"""The coordinators' review page: each hit as the seizure beside the listed object."""

from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.params import PathParameter
from litestar.response import Template

from opcoord.accounts.access import Rule, needs
from opcoord.intel import hits
from opcoord.operations.operations import load
from opcoord.web import page_context, page_lang


@get("/operations/{code:str}/hits", include_in_schema=False, opt=needs(Rule.coordinate, page=True))
async def review_page(
    request: Request[Any, Any, Any], code: Annotated[str, PathParameter()]
) -> Response[Any]:
    async with request.app.state.db.read() as session:
        op = await load(session, code)
        found = await hits.for_review(session, op)
    lang = page_lang(request)
    return Template("hits.html", context=page_context(request, op=op, hits=found, label=lang.word))


HIT_PAGES = [review_page]
