"""The start page, and the coordinator's pages to create an operation and set up its
countries and accounts, close it and publish its report. The forms post to the JSON API
(frontend/static/js/forms.js), so the pages and the API share every rule and every error."""

import unicodedata
import zoneinfo
from functools import cache
from typing import Annotated, Any

import pycountry
import sqlalchemy as sa
from babel import dates as babel_dates
from babel.core import get_global
from litestar import Request, Response, get
from litestar.params import PathParameter
from litestar.response import Template

from opcoord.accounts.access import Rule, needs
from opcoord.accounts.identity import Role
from opcoord.accounts.models import User
from opcoord.codes import country_name
from opcoord.db import Database
from opcoord.i18n import Lang
from opcoord.operations import operations, participants
from opcoord.operations.enums import Agency
from opcoord.web import page_context, page_lang

Code = Annotated[str, PathParameter()]


def countries(lang: Lang | None = None) -> list[tuple[str, str]]:
    """(code, name) of every country, named and sorted in the reader's language."""
    name = lang.country if lang is not None else country_name
    return sorted(
        ((c.alpha_2, name(c.alpha_2)) for c in pycountry.countries),
        key=lambda pair: _sort_key(pair[1]),
    )


# IANA's areas of real places (not Etc/, posix/, nor the old US/, Canada/ names).
_AREAS = frozenset(
    {"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe",
     "Indian", "Pacific"}
)  # fmt: skip


def _sort_key(text: str) -> str:
    return unicodedata.normalize("NFKD", text).casefold()


@cache
def timezones(lang_code: str) -> list[tuple[str, str]]:
    """(IANA name, "Country — City" in the reader's language) for every time zone of a
    place, sorted by country: a coordinator picks one instead of typing "Madrid"."""
    lang = Lang(lang_code)
    aliases, territories = get_global("zone_aliases"), get_global("zone_territories")
    seen: dict[str, str] = {}
    for tz in sorted(zoneinfo.available_timezones()):
        if tz.split("/")[0] not in _AREAS or "/" not in tz or tz in aliases:
            continue
        city = babel_dates.get_timezone_location(tz, locale=lang.locale, return_city=True)
        cc = territories.get(tz)
        label = f"{lang.country(cc)} — {city}" if cc else f"{city} ({tz})"
        seen.setdefault(label, tz)
    ranked = sorted(seen.items(), key=lambda pair: _sort_key(pair[0]))
    return [("UTC", "UTC"), *((tz, label) for label, tz in ranked)]


@get("/", include_in_schema=False, opt=needs(Rule.signed_in, page=True))
async def home(request: Request[Any, Any, Any]) -> Response[Any]:
    ops = await operations.list_operations(request.app.state.db, request.app.state.clock.now())
    return Template("home.html", context=page_context(request, operations=ops))


@get("/operations/new", include_in_schema=False, opt=needs(Rule.coordinate, page=True))
async def new_operation(request: Request[Any, Any, Any]) -> Response[Any]:
    lang = page_lang(request)
    return Template(
        "operation_new.html", context=page_context(request, timezones=timezones(lang.code))
    )


@get("/operations/{code:str}/setup", include_in_schema=False, opt=needs(Rule.coordinate, page=True))
async def setup(request: Request[Any, Any, Any], code: Code) -> Response[Any]:
    db: Database = request.app.state.db
    op = await operations.get_operation(db, code, request.app.state.clock.now())
    people = await participants.list_participants(db, code)
    async with db.read() as session:
        users = (await session.scalars(sa.select(User).order_by(User.role, User.username))).all()
    taking_part = {p.country for p in people}
    lang = page_lang(request)
    return Template(
        "operation_setup.html",
        context=page_context(
            request,
            country_label=lang.country,
            op=op,
            participants=people,
            countries=countries(lang),
            agencies=[a.value for a in Agency],
            roles=[r.value for r in Role],
            users=[u for u in users if u.role != Role.ncp or u.country in taking_part],
        ),
    )


SETUP_PAGES = [home, new_operation, setup]
