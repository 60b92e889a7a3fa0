"""The contact point's pages: the calendar of daily returns and the form for one day.

Everything they show is read through the existing actions (operations, figures,
returns); the form writes through the JSON API with the session's CSRF token.
Contact points see their own country only; coordinators any participating country.
"""

import calendar as pycalendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Any

import pycountry
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from litestar import Request, Response, get
from litestar.exceptions import HTTPException, NotFoundException, PermissionDeniedException
from litestar.params import PathParameter, QueryParameter
from litestar.response import Template

from opcoord.auth import Caller
from opcoord.db import Database
from opcoord.errors import ClientError
from opcoord.operations import access, calendar, figures, operations, returns
from opcoord.operations.enums import (
    COUNTERS,
    FACILITATING,
    Category,
    Conveyance,
    OperationStatus,
    PlaceType,
    Role,
)
from opcoord.operations.participants import country_name
from opcoord.pages import page_caller, page_context, page_lang, to_signin


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


def label(lang: Any, value: str, labels: dict[str, str] = LABELS) -> str:
    """A value's label in the page's language; the catalogue's entry for the bare value
    (vocabulary.py) stands in while the label itself is not translated yet."""
    text = labels.get(value) or LABELS.get(value) or value
    translated = lang.gettext(text)
    if translated == text and lang.code != "en":
        bare = lang.gettext(value)
        if bare != value:
            return str(bare)
    return str(translated)


# The currencies seizures are most often valued in, offered first in the list.
COMMON_CURRENCIES = ("EUR", "USD", "GBP", "CHF", "JPY", "CNY", "RUB", "TRY", "EGP", "MAD")


def _forbidden(why: str) -> PermissionDeniedException:
    return PermissionDeniedException(why)


def _the_country(caller: Caller, requested: str | None, participants: list[str]) -> str | None:
    """Which country's returns the caller sees: an NCP its own, a coordinator its choice."""
    if caller.role is Role.ncp:
        own = caller.country or ""
        if requested and requested.upper() != own:
            raise _forbidden(f"a national contact point for {own} may not access {requested}")
        if own not in participants:
            raise _forbidden(f"{own} does not take part in this operation")
        return own
    if caller.role is not Role.coordinator:
        raise _forbidden("daily returns are for coordinators and national contact points")
    if requested:
        code = requested.upper()
        if code not in participants:
            raise NotFoundException(f"{code} does not take part in this operation")
        return code
    return participants[0] if participants else None


@dataclass(frozen=True)
class Cell:
    day: date
    in_window: bool
    state: str  # submitted | nil | late | missing | not_due | upcoming | outside | ""
    today: bool
    link: bool


def _months(
    starts: date, ends: date, states: dict[date, str], today: date, first_weekday: int
) -> list[dict[str, Any]]:
    """Month grids (weeks of seven cells) covering the window."""
    cal = pycalendar.Calendar(firstweekday=first_weekday)
    out = []
    year, month = starts.year, starts.month
    while (year, month) <= (ends.year, ends.month):
        weeks = []
        for week in cal.monthdatescalendar(year, month):
            row = []
            for d in week:
                if d.month != month:
                    row.append(None)
                    continue
                in_window = starts <= d <= ends
                state = states.get(d, "outside") if in_window else ""
                if state == "not_due" and d > today:
                    state = "upcoming"
                link = state in ("submitted", "nil", "late", "missing", "not_due")
                row.append(Cell(d, in_window, state, d == today, link))
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
        (c.alpha_2, names.get(c.alpha_2) or getattr(c, "common_name", None) or c.name)
        for c in pycountry.countries
    ]
    return sorted(listed, key=lambda pair: pair[1].casefold())


def _currency_list(lang: Any) -> list[tuple[str, str]]:
    codes = sorted(c.alpha_3 for c in pycountry.currencies)
    return [(code, babel_numbers.get_currency_name(code, locale=lang.locale)) for code in codes]


async def _load_op(request: Request[Any, Any, Any], code: str) -> tuple[Any, dict[str, Any]]:
    db: Database = request.app.state.db
    now = request.app.state.clock.now()
    op_public = await operations.get_operation(db, code, now)
    async with db.read() as session:
        op = await operations.load(session, code)
        grid = await figures.completeness(session, op, now)
    return op_public, grid


@get("/operations/{code:str}/returns", include_in_schema=False)
async def returns_calendar(
    request: Request[Any, Any, Any],
    code: Annotated[str, PathParameter()],
    country: Annotated[str | None, QueryParameter(required=False, max_length=2)] = None,
) -> Response[Any]:
    caller = await page_caller(request)
    if caller is None:
        return to_signin(request)
    access.require_figures_reader(caller)
    op, grid = await _load_op(request, code)
    participants = [c["country"] for c in grid["countries"]]
    chosen = _the_country(caller, country, participants)
    lang = page_lang(request)
    today: date = grid["today"]
    states: dict[date, str] = {}
    counts: dict[str, int] = {}
    for row in grid["countries"]:
        if row["country"] == chosen:
            states = {d: str(s) for d, s in row["days"].items()}
            counts = {str(k): v for k, v in row["counts"].items()}
    now = request.app.state.clock.now()
    due_today = None
    if op.starts_on <= today <= op.ends_on and today in states:
        due_today = _fmt_due(lang, calendar.due_at(op, today), op.timezone)
    missing = sorted((d for d, s in states.items() if s == "missing"), reverse=True)
    names = lang.locale.territories
    context = await page_context(
        request,
        caller,
        op=op,
        country=chosen,
        country_name=names.get(chosen or "") or country_name(chosen or ""),
        participants=[(c, names.get(c) or country_name(c)) for c in participants],
        months=_months(op.starts_on, op.ends_on, states, today, lang.locale.first_week_day),
        weekdays=_weekday_names(lang),
        month_name=lambda d: babel_dates.format_skeleton("yMMMM", d, locale=lang.locale),
        short_day=lambda d: babel_dates.format_skeleton("MMMEd", d, locale=lang.locale),
        today=today,
        today_state=states.get(today),
        due_today=due_today,
        missing=missing,
        counts=counts,
        closed=op.status is OperationStatus.closed,
        planned=op.status is OperationStatus.planned,
        now=now,
    )
    return Template("returns_calendar.html", context=context)


def _weekday_names(lang: Any) -> list[tuple[str, str]]:
    """(abbreviation, full name) of the weekdays, in the locale's order."""
    first = lang.locale.first_week_day
    short = lang.locale.days["format"]["abbreviated"]
    wide = lang.locale.days["format"]["wide"]
    return [(short[(first + i) % 7], wide[(first + i) % 7]) for i in range(7)]


def _options(values: Any, lang: Any, labels: dict[str, str] = LABELS) -> list[tuple[str, str]]:
    return [(str(v), label(lang, str(v), labels)) for v in values]


@get("/operations/{code:str}/returns/{country:str}/{day:date}", include_in_schema=False)
async def return_day(
    request: Request[Any, Any, Any],
    code: Annotated[str, PathParameter()],
    country: Annotated[str, PathParameter()],
    day: Annotated[date, PathParameter()],
    version: Annotated[int | None, QueryParameter(required=False, ge=1)] = None,
) -> Response[Any]:
    caller = await page_caller(request)
    if caller is None:
        return to_signin(request)
    country = country.upper()
    access.require_country_access(caller, country)
    db: Database = request.app.state.db
    now = request.app.state.clock.now()
    op, grid = await _load_op(request, code)
    row = next((c for c in grid["countries"] if c["country"] == country), None)
    if row is None:
        if caller.role is Role.ncp:
            raise _forbidden(f"{country} does not take part in this operation")
        raise NotFoundException(f"{country} does not take part in {op.code}")
    if not op.starts_on <= day <= op.ends_on:
        raise NotFoundException(f"{day} is outside the window {op.starts_on}..{op.ends_on}")
    lang = page_lang(request)
    today: date = grid["today"]
    state = row["days"].get(day)
    participating = state is not None
    state_name = "outside" if state is None else str(state)
    if state_name == "not_due" and day > today:
        state_name = "upcoming"
    current = None
    try:
        current = await returns.get_return(db, op.code, country, day, None)
    except ClientError as exc:
        if exc.status_code != 404:
            raise
    viewing = None
    if version is not None:
        try:
            viewing = await returns.get_return(db, op.code, country, day, version)
        except ClientError as exc:
            raise HTTPException(status_code=404, detail=str(exc.detail)) from exc
    history = await returns.list_versions(db, op.code, country, day) if current else []
    due = calendar.due_at(op, day)
    names = lang.locale.territories
    closed = op.status is OperationStatus.closed
    editable = participating and day <= today and not closed
    seizure_fields = current.model_dump(mode="json")["seizures"] if current else []
    page_data = {
        "code": op.code,
        "country": country,
        "day": day.isoformat(),
        "due_at": due.isoformat(),
        "version": current.version if current else None,
        "current": current.model_dump(mode="json") if current else None,
        "seizures": seizure_fields,
        "default_currency": _default_currency(country),
        "lang": lang.code,
        "timezone": op.timezone,
    }
    context = await page_context(
        request,
        caller,
        op=op,
        country=country,
        country_name=names.get(country) or country_name(country),
        day=day,
        day_label=babel_dates.format_date(day, "full", locale=lang.locale),
        prev_day=day - timedelta(days=1) if day > op.starts_on else None,
        next_day=day + timedelta(days=1) if day < min(op.ends_on, today) else None,
        state=state_name,
        due=_fmt_due(lang, due, op.timezone),
        past_due=now > due,
        current=current,
        viewing=viewing,
        history=history,
        editable=editable,
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
    )
    return Template("return_day.html", context=context)


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


RETURN_PAGES = [returns_calendar, return_day]
