"""Alerts in the pages: the contact point's banner (on its calendar, day form and
dashboard, until acknowledged) and the coordinators' alerts page (compose, and who has
and has not acknowledged). ``alerts.js`` keeps both live over the websocket."""

from datetime import datetime
from typing import Annotated, Any

from babel import dates as babel_dates
from litestar import Request, Response, get
from litestar.params import PathParameter
from litestar.response import Template

from opcoord.accounts.access import Rule, needs
from opcoord.accounts.guard import caller_of_request
from opcoord.accounts.identity import Caller, Role
from opcoord.codes import country_name
from opcoord.db import Database
from opcoord.i18n import Lang
from opcoord.operations import alerts, figures, ledger, operations
from opcoord.operations.enums import OperationStatus
from opcoord.operations.operations import load
from opcoord.outbox.record import last_seq
from opcoord.web import page_context, page_lang


def moment(lang: Lang, at: datetime, tz: str) -> str:
    """A moment in the operation's time zone, 24-hour clock: "12 Jun 2026, 18:04"."""
    zone = babel_dates.get_timezone(tz)
    day = babel_dates.format_date(at.astimezone(zone), "medium", locale=lang.locale)
    return f"{day}, {babel_dates.format_time(at, 'HH:mm', tzinfo=zone, locale=lang.locale)}"


async def banner(request: Request[Any, Any, Any], code: str) -> dict[str, Any] | None:
    """What ``_alerts.html`` shows a contact point (None for anyone else): its alerts not
    yet acknowledged, and the event number they are as of (the page's socket resumes
    after it, so an alert sent meanwhile is not missed)."""
    caller: Caller = caller_of_request(request)
    if caller.role is not Role.ncp:
        return None
    db: Database = request.app.state.db
    async with db.read() as session:
        op = await load(session, code)
        assert op.id is not None
        seq = await last_seq(session, op.id)  # before the alerts: a later one is replayed
    lang = page_lang(request)
    return {
        "code": op.code,
        "seq": seq,
        "alerts": await alerts.unacknowledged(db, op.code, caller),
        "when": lambda at: moment(lang, at, op.timezone),
    }


@get(
    "/operations/{code:str}/alerts",
    include_in_schema=False,
    opt=needs(Rule.send_alert, page=True),
)
async def alerts_page(
    request: Request[Any, Any, Any], code: Annotated[str, PathParameter()]
) -> Response[Any]:
    caller = caller_of_request(request)
    db: Database = request.app.state.db
    now: datetime = request.app.state.clock.now()
    lang = page_lang(request)
    async with db.read() as session:
        op = await load(session, code)
        assert op.id is not None
        seq = await last_seq(session, op.id)
        people = await figures.participants_of(session, op)
    names = lang.locale.territories
    context = page_context(
        request,
        op=operations.to_public(op, now, len(people)),
        seq=seq,
        alerts=await alerts.list_alerts(db, op.code, caller),
        participants=[(p.country, names.get(p.country) or country_name(p.country)) for p in people],
        name_of=lambda c: names.get(c) or country_name(c),
        when=lambda at: moment(lang, at, op.timezone),
        closed=ledger.status(op, now) is OperationStatus.closed,
    )
    return Template("alerts.html", context=context)


ALERT_PAGES = [alerts_page]
