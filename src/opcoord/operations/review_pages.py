"""The coordinators' review queue: the returns to approve, query or put on hold.

The page lists what ``reviews.queue`` answers (the same filters as the API); each action
is a ``POST .../review`` from the page's script, naming the version shown, so a
coordinator never approves a version they did not see. No page reload per action.
"""

from datetime import date, datetime
from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.params import PathParameter, QueryParameter
from litestar.response import Template

from opcoord.accounts.access import Rule, needs
from opcoord.codes import country_field, country_name
from opcoord.operations import figures, operations, reviews
from opcoord.operations.schemas import ReviewStatus
from opcoord.web import page_context, page_lang, parse_day


@get(
    "/operations/{code:str}/review",
    include_in_schema=False,
    opt=needs(Rule.coordinate, page=True),
)
async def review_queue(
    request: Request[Any, Any, Any],
    code: Annotated[str, PathParameter()],
    status: Annotated[str, QueryParameter(required=False, max_length=16)] = reviews.OPEN,
    country: Annotated[str | None, QueryParameter(required=False, max_length=8)] = None,
    day: Annotated[str | None, QueryParameter(required=False, max_length=16)] = None,
) -> Response[Any]:
    db = request.app.state.db
    now: datetime = request.app.state.clock.now()
    chosen = country_field(country) if country else None
    the_day: date | None = parse_day(day) if day else None
    found = await reviews.queue(db, code, status=status, country=chosen, day=the_day)
    async with db.read() as session:
        op = await operations.load(session, code)
        people = await figures.participants_of(session, op)
    lang = page_lang(request)
    names = lang.locale.territories
    context = page_context(
        request,
        op=operations.to_public(op, now, len(people)),
        queue=found,
        status=status,
        country=chosen or "",
        day=the_day.isoformat() if the_day else "",
        states=[str(s) for s in ReviewStatus],
        participants=[(p.country, names.get(p.country) or country_name(p.country)) for p in people],
        name_of=lambda c: names.get(c) or country_name(c),
    )
    return Template("review_queue.html", context=context)


REVIEW_PAGES = [review_queue]
