"""The contact point's pages: the calendar of daily returns and the form for one day.

Every state they show comes from the day ledger; the form writes through the JSON API
with the session's CSRF token. Who may open them is the routes' access rule: contact
points their own country while it takes part, coordinators any participating country.
"""

import calendar as pycalendar
import contextlib
import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import pycountry
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from litestar import Request, Response, get
from litestar.params import PathParameter, QueryParameter
from litestar.response import Template

from opcoord.accounts import access
from opcoord.accounts.access import Rule, needs
from opcoord.accounts.guard import caller_of_request
from opcoord.accounts.identity import Caller, Role
from opcoord.codes import country_field, country_name
from opcoord.db import Database
from opcoord.errors import DomainError, NotFound, not_found
from opcoord.operations import alert_pages, figures, ledger, locks, operations, returns, reviews
from opcoord.operations.enums import (
    COUNTERS,
    FACILITATING,
    Category,
    Conveyance,
    OperationStatus,
    PlaceType,
)
from opcoord.operations.ledger import DayState
from opcoord.operations.models import Operation, Participant
from opcoord.web import page_context, page_lang, parse_day


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark only"
    return message


# What people read for the API's words (the API's values are never shown as they are).
LABELS: dict[str, str] = {
    "persons_checked": N_("Persons checked"),
    "vehicles_checked": N_("Vehicles checked"),
    "vessels_checked": N_("Vessels checked"),
    "premises_checked": N_("Premises checked (auction houses, galleries, dealers)"),
    "online_checks": N_("Online checks"),
    "arrests": N_("Arrests"),
    "investigations_criminal": N_("Criminal investigations opened"),
    "investigations_administrative": N_("Administrative investigations opened"),
    "metal_detectors": N_("Metal detectors"),
    "excavation_tools": N_("Excavation tools"),
    "archaeological": N_("Archaeological objects"),
    "coins": N_("Coins (numismatics)"),
    "paintings": N_("Paintings and drawings"),
    "sculptures": N_("Sculptures and statuettes"),
    "religious": N_("Religious and liturgical objects"),
    "manuscripts": N_("Books, manuscripts, archives"),
    "ceramics": N_("Ceramics and amphorae"),
    "weapons": N_("Historical weapons"),
    "furniture": N_("Furniture"),
    "musical_instruments": N_("Musical instruments"),
    "fossils": N_("Fossils and palaeontology"),
    "ethnographic": N_("Ethnographic objects"),
    "other": N_("Other"),
    "airport": N_("Airport"),
    "seaport": N_("Seaport"),
    "land_border": N_("Land border"),
    "postal_centre": N_("Postal or express centre"),
    "inland": N_("Inland"),
    "auction_house": N_("Auction house, gallery, dealer"),
    "private_premises": N_("Private premises"),
    "archaeological_site": N_("Archaeological site"),
    "underwater_site": N_("Underwater site"),
    "online": N_("Online platform"),
    "air_passenger": N_("Air passenger"),
    "air_cargo": N_("Air cargo"),
    "postal": N_("Post"),
    "express_courier": N_("Express courier"),
    "vehicle": N_("Vehicle"),
    "rail": N_("Rail"),
    "vessel": N_("Vessel"),
    "pedestrian": N_("Pedestrian"),
}
CONVEYANCE_LABELS = {"online": N_("Online")}


#: Vocabulary values every page names alike (the dashboard, the map, these forms): their
#: catalogue entry (vocabulary.py), through ``Lang.word``.
VOCABULARY = frozenset({*(c.value for c in Category), *(p.value for p in PlaceType),
                        *(c.value for c in Conveyance)})  # fmt: skip


def label(lang: Any, value: str, labels: dict[str, str] = LABELS) -> str:
    """A value's label in the page's language: the shared word for a category, place
    type or conveyance; else this module's label, the catalogue's entry for the bare
    value standing in while the label itself is not translated yet."""
    if value in VOCABULARY:
        return str(lang.word(value))
    text = labels.get(value) or LABELS.get(value) or value
    translated = lang.gettext(text)
    if translated == text and lang.code != "en":
        bare = lang.gettext(value)
        if bare != value:
            return str(bare)
    return str(translated)


# The currencies seizures are most often valued in, offered first in the list.
COMMON_CURRENCIES = ("EUR", "USD", "GBP", "CHF", "JPY", "CNY", "RUB", "TRY", "EGP", "MAD")


#: States a calendar cell links to the day form from (a day that may be filled in or read).
LINKED = frozenset(
    {DayState.collecting, DayState.submitted, DayState.nil, DayState.late, DayState.missing}
)


@dataclass(frozen=True)
class Cell:
    day: date
    in_window: bool
    state: str  # a DayState, "outside" (not taking part), or "" (outside the window)
    today: bool
    link: bool


def _months(
    op: Operation, states: dict[date, DayState], today: date, first_weekday: int
) -> list[dict[str, Any]]:
    """Month grids (weeks of seven cells) covering the window."""
    cal = pycalendar.Calendar(firstweekday=first_weekday)
    out = []
    year, month = op.starts_on.year, op.starts_on.month
    while (year, month) <= (op.ends_on.year, op.ends_on.month):
        weeks = []
        for week in cal.monthdatescalendar(year, month):
            row: list[Cell | None] = []
            for d in week:
                if d.month != month:
                    row.append(None)
                    continue
                in_window = op.starts_on <= d <= op.ends_on
                state = states.get(d)
                # A day before its collection may be filled in early, from the day itself.
                link = state in LINKED or (state is DayState.upcoming and d <= today)
                name = str(state) if state is not None else ("outside" if in_window else "")
                row.append(Cell(d, in_window, name, d == today, link))
            if any(c is not None and c.in_window for c in row):
                weeks.append(row)
        out.append({"year": year, "month": month, "first": date(year, month, 1), "weeks": weeks})
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return out


def _fmt_due(lang: Any, due: datetime, tz: str) -> dict[str, str]:
    zone = babel_dates.get_timezone(tz)
    return {
        "time": babel_dates.format_time(due, "HH:mm", tzinfo=zone, locale=lang.locale),
        "date": babel_dates.format_skeleton("MMMMd", due, tzinfo=zone, locale=lang.locale),
        "timezone": tz,
        "iso": due.isoformat(),
    }


def _country_list(lang: Any) -> list[tuple[str, str]]:
    names = lang.locale.territories
    listed = [
        (c.alpha_2, names.get(c.alpha_2) or country_name(c.alpha_2)) for c in pycountry.countries
    ]
    return sorted(listed, key=lambda pair: pair[1].casefold())


def _currency_list(lang: Any) -> list[tuple[str, str]]:
    codes = sorted(c.alpha_3 for c in pycountry.currencies)
    return [(code, babel_numbers.get_currency_name(code, locale=lang.locale)) for code in codes]


def _weekday_names(lang: Any) -> list[tuple[str, str]]:
    """(abbreviation, full name) of the weekdays, in the locale's order."""
    first = lang.locale.first_week_day
    short = lang.locale.days["format"]["abbreviated"]
    wide = lang.locale.days["format"]["wide"]
    return [(short[(first + i) % 7], wide[(first + i) % 7]) for i in range(7)]


def _options(values: Any, lang: Any, labels: dict[str, str] = LABELS) -> list[tuple[str, str]]:
    return [(str(v), label(lang, str(v), labels)) for v in values]


def db_of(request: Request[Any, Any, Any]) -> Database:
    db: Database = request.app.state.db
    return db


async def _review_marks(
    db: Database, op: Operation, country: str | None, states: dict[date, DayState], now: datetime
) -> dict[str, Any]:
    """What the calendar shows of the coordinators' review and of the day locks: each
    returned day's review state, the queries to answer, the locked days (the ledger's)."""
    if country is None:
        return {"review_days": {}, "queries": [], "locked_days": set()}
    found = await reviews.queue(db, op.code, status="all", country=country)
    async with db.read() as session:
        assert op.id is not None
        exceptions = await locks.exceptions_of(session, op.id, country)
    return {
        "review_days": {r.day: str(r.review.status) for r in found.returns},
        "queries": [r for r in found.returns if r.review.status == "query"],
        "locked_days": ledger.locked_days(op, states, now, exceptions),
    }


@dataclass(frozen=True)
class CountryDays:
    """One country's days in one operation, from the ledger, as the pages show them."""

    op: Operation
    participant: Participant | None
    participants: list[Participant]
    states: dict[date, DayState]
    grid: ledger.Grid


async def _country_days(db: Database, code: str, country: str | None, now: datetime) -> CountryDays:
    async with db.read() as session:
        op = await operations.load(session, code)
        people = await figures.participants_of(session, op)
        chosen = next((p for p in people if p.country == country), None)
        grid = await figures.day_grid(session, op, now, participants=[chosen] if chosen else [])
    return CountryDays(op, chosen, people, grid.cells.get(country or "", {}), grid)


def _chosen_country(caller: Caller, requested: str | None, facts: Any) -> str | None:
    """Which country's returns the calendar shows: a contact point its own, a coordinator
    the one asked for (default: the first taking part), a regional coordinator one of
    its own countries."""
    if caller.role is Role.ncp:
        access.check(Rule.country, caller, facts, requested or caller.country)
        return caller.country
    if requested:
        country = country_field(requested)
        access.check(Rule.country, caller, facts, country)
        if country not in facts.participants:
            raise not_found("country", f"{country} does not take part in {facts.code}")
        return country
    mine = access.own(caller, sorted(facts.participants))
    return mine[0] if mine else None


@get("/operations/{code:str}/returns", include_in_schema=False, opt=needs(Rule.watch, page=True))
async def returns_calendar(
    request: Request[Any, Any, Any],
    code: Annotated[str, PathParameter()],
    country: Annotated[str | None, QueryParameter(required=False, max_length=8)] = None,
) -> Response[Any]:
    caller = caller_of_request(request)
    now: datetime = request.app.state.clock.now()
    chosen = _chosen_country(caller, country, request.scope["state"]["facts"])
    found = await _country_days(request.app.state.db, code, chosen, now)
    op, states, grid = found.op, found.states, found.grid
    lang = page_lang(request)
    today = ledger.today(op, now)
    collecting = grid.collecting if grid.collecting in states else None
    lead = None
    if collecting is not None:
        lead = {
            "day": collecting,
            "state": str(states[collecting]),
            "due": _fmt_due(lang, ledger.due_at(op, collecting), op.timezone),
            "returned": states[collecting] in ledger.RETURNED,
        }
    early = today if today != collecting and states.get(today) is DayState.upcoming else None
    missing = sorted((d for d, s in states.items() if s is DayState.missing), reverse=True)
    names = lang.locale.territories
    counts: dict[str, int] = {}
    for day_state in states.values():
        counts[str(day_state)] = counts.get(str(day_state), 0) + 1
    status = ledger.status(op, now)
    marks = await _review_marks(db_of(request), op, chosen, states, now)
    context = page_context(
        request,
        op=operations.to_public(op, now, len(found.participants)),
        country=chosen,
        **marks,
        country_name=names.get(chosen or "") or country_name(chosen or ""),
        participants=[
            (p.country, names.get(p.country) or country_name(p.country))
            for p in found.participants
            if access.sees_country(caller, p.country)
        ],
        months=_months(op, states, today, lang.locale.first_week_day),
        weekdays=_weekday_names(lang),
        month_name=lambda d: babel_dates.format_skeleton("yMMMM", d, locale=lang.locale),
        short_day=lambda d: babel_dates.format_skeleton("MMMEd", d, locale=lang.locale),
        # Inside a sentence ("the return for 1 Dec"): no weekday to decline.
        day_in_text=lambda d: babel_dates.format_skeleton("MMMd", d, locale=lang.locale),
        today=today,
        lead=lead,
        early=early,
        taking_part_today=today in states,
        missing=missing,
        counts=counts,
        closed=status is OperationStatus.closed,
        planned=status is OperationStatus.planned,
        now=now,
        alert_banner=await alert_pages.banner(request, op.code),
    )
    return Template("returns_calendar.html", context=context)


@get(
    "/operations/{code:str}/returns/{country:str}/{day:str}",
    include_in_schema=False,
    opt=needs(Rule.country, page=True),
)
async def return_day(
    request: Request[Any, Any, Any],
    code: Annotated[str, PathParameter()],
    country: Annotated[str, PathParameter()],
    day: Annotated[str, PathParameter()],
    version: Annotated[int | None, QueryParameter(required=False, ge=1, le=2**31 - 1)] = None,
) -> Response[Any]:
    caller = caller_of_request(request)
    country = country_field(country)
    the_day = parse_day(day)
    db: Database = request.app.state.db
    now: datetime = request.app.state.clock.now()
    found = await _country_days(db, code, country, now)
    op = found.op
    if found.participant is None:
        raise not_found("country", f"{country} does not take part in {op.code}")
    if not op.starts_on <= the_day <= op.ends_on:
        raise not_found("day", f"{the_day} is outside the window {op.starts_on}..{op.ends_on}")
    lang = page_lang(request)
    state = found.states.get(the_day)
    current = None
    with contextlib.suppress(NotFound):  # no return yet for the day
        current = await returns.get_return(db, op.code, country, the_day, None, now)
    viewing = (
        await returns.get_return(db, op.code, country, the_day, version, now) if version else None
    )
    history = await returns.list_versions(db, op.code, country, the_day) if current else []
    due = ledger.due_at(op, the_day)
    names = lang.locale.territories
    closed = ledger.status(op, now) is OperationStatus.closed
    locked = current.locked if current else await _locked(db, op, country, the_day, now)
    try:
        access.check(Rule.submit, caller, request.scope["state"]["facts"], country)
        may_submit = True
    except DomainError:
        may_submit = False
    try:
        ledger.check_writable(op, found.participant, country, the_day, now)
        editable = may_submit and not locked
    except DomainError:
        editable = False
    today = ledger.today(op, now)
    page_data = {
        "code": op.code,
        "country": country,
        "day": the_day.isoformat(),
        "due_at": due.isoformat(),
        # Whether a new version is an amendment (the ledger's answer at render time; the
        # server's 422 amendment_reason_required updates a page left open past the due time).
        "needs_reason": ledger.needs_reason(op, the_day, now),
        "version": current.version if current else None,
        "current": current.model_dump(mode="json") if current else None,
        "seizures": current.model_dump(mode="json")["seizures"] if current else [],
        "default_currency": _default_currency(country),
        "lang": lang.code,
        "timezone": op.timezone,
    }
    context = page_context(
        request,
        op=operations.to_public(op, now, len(found.participants)),
        country=country,
        country_name=names.get(country) or country_name(country),
        day=the_day,
        # The date and its weekday apart: "за среду", not "за среда" (Russian declines
        # a weekday after a preposition; Babel's formats give the date alone).
        day_label=babel_dates.format_date(the_day, "long", locale=lang.locale),
        weekday=babel_dates.format_date(the_day, "cccc", locale=lang.locale),
        prev_day=the_day - timedelta(days=1) if the_day > op.starts_on else None,
        next_day=the_day + timedelta(days=1) if the_day < min(op.ends_on, today) else None,
        state=str(state) if state is not None else "outside",
        due=_fmt_due(lang, due, op.timezone),
        past_due=ledger.needs_reason(op, the_day, now),
        current=current,
        viewing=viewing,
        history=history,
        editable=editable,
        may_submit=may_submit,
        closed=closed,
        counters=[(c, label(lang, c)) for c in COUNTERS],
        facilitating=[(f, label(lang, f)) for f in FACILITATING],
        label=lambda value: label(lang, str(value)),
        categories=_options(Category, lang),
        place_types=_options(PlaceType, lang),
        conveyances=_options(Conveyance, lang, {**LABELS, **CONVEYANCE_LABELS}),
        countries=_country_list(lang),
        currencies=_currency_list(lang),
        common_currencies=COMMON_CURRENCIES,
        page_data=page_data,
        fmt_when=lambda at: _when(lang, at, op.timezone),
        coordinator=caller.role is Role.coordinator,
        alert_banner=await alert_pages.banner(request, op.code),
        review=current.review if current else None,
        locked=locked,
        locks_at=ledger.locks_at(op, the_day),
    )
    return Template("return_day.html", context=context)


async def _locked(db: Database, op: Operation, country: str, day: date, now: datetime) -> bool:
    """Whether the day ledger holds the day locked (for a day without a return yet)."""
    if ledger.locks_at(op, day) is None:
        return False
    async with db.read() as session:
        assert op.id is not None
        until = await locks.exception_until(session, op.id, country, day)
    return ledger.locked(op, day, now, until)


def _when(lang: Any, at: datetime, tz: str) -> str:
    """A moment in the operation's time zone, 24-hour clock: "12 Jun 2026, 18:04"."""
    zone = babel_dates.get_timezone(tz)
    day = babel_dates.format_date(at.astimezone(zone), "medium", locale=lang.locale)
    return f"{day}, {babel_dates.format_time(at, 'HH:mm', tzinfo=zone, locale=lang.locale)}"


def _default_currency(country: str) -> str:
    try:
        found = babel_numbers.get_territory_currencies(country)
    except Exception:  # an unknown territory: no default
        return ""
    return found[0] if found else ""


#: What the offline worker keeps, under the static root: a change to any of these files
#: changes the worker's bytes, so browsers install the new one and drop the old cache.
OFFLINE_ASSETS = ("js", "css", "vendor/leaflet", "favicon.svg")


def offline_worker_source(static: Path) -> bytes:
    """The service worker, its cache named after a digest of what it caches."""
    source = (static / "js" / "offline" / "sw.js").read_bytes()
    digest = hashlib.sha256(source)
    for top in OFFLINE_ASSETS:
        root = static / top
        for f in sorted(root.rglob("*")) if root.is_dir() else [root]:
            if f.is_file():
                digest.update(f.relative_to(static).as_posix().encode() + b"\0" + f.read_bytes())
    return source.replace(b"__OFFLINE_VERSION__", digest.hexdigest()[:16].encode())


@get("/sw.js", include_in_schema=False, opt=needs(Rule.public))
async def offline_worker(request: Request[Any, Any, Any]) -> Response[bytes]:
    """The contact point's offline worker, served from the root so that its scope can be
    the operations' pages (a worker's scope cannot be wider than its own path)."""
    state = request.app.state
    if getattr(state, "offline_worker", None) is None:
        state.offline_worker = offline_worker_source(Path(state.frontend) / "static")
    return Response(
        state.offline_worker,
        media_type="text/javascript; charset=utf-8",
        # Checked on every visit: a new release must replace it at once.
        headers={"Cache-Control": "no-cache"},
    )


RETURN_PAGES = [returns_calendar, return_day, offline_worker]
