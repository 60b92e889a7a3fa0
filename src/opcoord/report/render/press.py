"""Words and figures as they appear in print: press roundings, labels, dates, money.

The report stores and shows exact integers; :func:`press_figure` is only the rounded
form a press release would quote, always printed *beside* the exact figure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import lru_cache
from zoneinfo import ZoneInfo

import pycountry
from babel import dates, numbers

from opcoord.i18n import Lang
from opcoord.vocabulary import N_

#: The report's default language: English, worded exactly as before languages existed.
ENGLISH = Lang("en")

#: Figures below this are quoted exactly (Pandora I's "3,561 cultural goods").
PRESS_EXACT_BELOW = 5_000
#: Significant figures kept when rounding down ("over 56,400", "over 9,400", "over 19,000").
PRESS_SIGNIFICANT = 3
#: Typographic en dash, for ranges and for "no value" cells.
DASH = "\u2013"


def number(value: int | float, lang: Lang | None = None) -> str:
    """An exact count with the language's digit grouping ("9,408", fr "9 408")."""
    if lang is None or lang.code == "en":
        return f"{value:,}"
    return numbers.format_decimal(value, locale=lang.locale)


def press_figure(n: int, *, exact_below: int = PRESS_EXACT_BELOW, lang: Lang | None = None) -> str:
    """Render ``n`` the way a results press release quotes it.

    Rule: below ``exact_below`` (5,000) the exact figure, with thousands separators
    ("3,561"). From 5,000 up, ``n`` is floored to 3 significant figures and prefixed
    with "over" ("over 9,400" for 9,408; "over 56,400" for 56,437; "over 19,000" for
    19,012). Flooring (never rounding up) keeps the claim true; if the floor *is* ``n``
    (9,400 exactly) there is nothing to be "over", so the exact figure is returned.
    Three significant figures is the precision of all the "over" figures published for
    PANDORA and ATHENA (56,400 / 9,400 / 19,000); two would turn 56,437 into 56,000.
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"press_figure expects an int, got {type(n).__name__}")
    if n < 0:
        raise ValueError("press figures are counts and cannot be negative")
    if n < exact_below:
        return number(n, lang)
    step = 10 ** (len(str(n)) - PRESS_SIGNIFICANT)
    floored = n - n % step
    if floored == n:
        return number(n, lang)
    return (lang or ENGLISH).gettext("over %(figure)s", figure=number(floored, lang))


CATEGORY_LABELS: Mapping[str, str] = {
    "archaeological": "Archaeological objects",
    "coins": "Coins (numismatics)",
    "paintings": "Paintings and drawings",
    "sculptures": "Sculptures and statuettes",
    "religious": "Religious and liturgical objects",
    "manuscripts": "Books, manuscripts and archives",
    "ceramics": "Ceramics and amphorae",
    "weapons": "Historical weapons",
    "furniture": "Furniture",
    "musical_instruments": "Musical instruments",
    "fossils": "Fossils and palaeontological items",
    "ethnographic": "Ethnographic objects",
    "other": "Other",
}

PLACE_TYPE_LABELS: Mapping[str, str] = {
    "airport": "Airport",
    "seaport": "Seaport",
    "land_border": "Land border",
    "postal_centre": "Postal or express centre",
    "postal": "Postal or express centre",
    "inland": "Inland",
    "auction_house": "Auction house / gallery / dealer",
    "private_premises": "Private premises",
    "archaeological_site": "Archaeological site",
    "underwater_site": "Underwater site",
    "online_platform": "Online platform",
}

# Codes in use by law-enforcement data that ISO 3166 (and so pycountry) lacks.
_EXTRA_COUNTRIES = {"XK": "Kosovo", "EU": "European Union"}


def humanise(code: str | None) -> str:
    """Fallback label for an unknown code: ``"land_border"`` -> ``"Land border"``."""
    if not code:
        return "Unknown"
    return code.replace("_", " ").capitalize()


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _translated(code: str | None, labels: Mapping[str, str], lang: Lang | None) -> str:
    """English: the report's own labels. Other languages: the vocabulary's translation
    of the code (the same words the pages use), capitalised as a table label."""
    if lang is None or lang.code == "en":
        return labels.get(code or "", humanise(code))
    if not code:
        return lang.gettext("Unknown")
    text = lang.gettext(code)
    return _capital(text if text != code else lang.gettext(labels.get(code, humanise(code))))


def category_label(code: str | None, lang: Lang | None = None) -> str:
    return _translated(code, CATEGORY_LABELS, lang)


def place_type_label(code: str | None, lang: Lang | None = None) -> str:
    return _translated(code, PLACE_TYPE_LABELS, lang)


def country_name(code: str | None, lang: Lang | None = None) -> str:
    """The country's short name in the report's language (English: from pycountry)."""
    if lang is None or lang.code == "en":
        return _english_country_name(code)
    if not code:
        return lang.gettext("Unknown")
    return str(lang.locale.territories.get(code.upper()) or _english_country_name(code))


@lru_cache(maxsize=512)
def _english_country_name(code: str | None) -> str:
    """Short English name of an ISO 3166-1 alpha-2 code ("Bolivia", not "Bolivia, ...")."""
    if not code:
        return N_("Unknown")
    code = code.upper()
    if code in _EXTRA_COUNTRIES:
        return _EXTRA_COUNTRIES[code]
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return str(getattr(country, "common_name", None) or country.name)


def long_date(value: str | dt.date, lang: Lang | None = None) -> str:
    """``"2026-06-01"`` -> ``"1 June 2026"`` (day-month-year, as partners write it);
    fr "1 juin 2026", es "1 de junio de 2026", ru "1 июня 2026 г."."""
    day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    if lang is None or lang.code == "en":
        return f"{day.day} {day:%B %Y}"
    return dates.format_date(day, format="long", locale=lang.locale)


def _day_month(day: dt.date, lang: Lang | None) -> str:
    if lang is None or lang.code == "en":
        return f"{day.day} {day:%B}"
    return dates.format_skeleton("MMMMd", day, locale=lang.locale)


def period_text(starts_on: str, ends_on: str, lang: Lang | None = None) -> str:
    """Inclusive window, e.g. ``"1 June - 30 September 2026 (122 days)"`` (en dash)."""
    start, end = dt.date.fromisoformat(starts_on), dt.date.fromisoformat(ends_on)
    days = (end - start).days + 1
    count = (lang or ENGLISH).ngettext("%(num)s day", "%(num)s days", days, num=number(days, lang))
    if start.year == end.year and (lang is None or lang.code == "en"):
        head = _day_month(start, lang) if start.month != end.month else f"{start.day}"
        return f"{head} {DASH} {long_date(end, lang)} ({count})"
    if start.year == end.year:
        return f"{_day_month(start, lang)} {DASH} {long_date(end, lang)} ({count})"
    return f"{long_date(start, lang)} {DASH} {long_date(end, lang)} ({count})"


def moment_text(iso: str, timezone: str | None, lang: Lang | None = None) -> str:
    """An instant in the operation's time zone, with UTC beside it for partners elsewhere."""
    moment = dt.datetime.fromisoformat(iso)
    if moment.tzinfo is None:  # the assembler sends aware values; treat a naive one as UTC
        moment = moment.replace(tzinfo=dt.UTC)
    utc = moment.astimezone(dt.UTC)
    if not timezone:
        return f"{long_date(utc.date(), lang)} {utc:%H:%M} UTC"
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{long_date(local.date(), lang)} {local:%H:%M} ({timezone}) = {utc:%H:%M} UTC"


def money_text(values: Mapping[str, float | int] | None, lang: Lang | None = None) -> str:
    """Amounts per currency, never converted: ``{"EUR": 9500000}`` -> ``"EUR 9,500,000"``."""
    if not values:
        return DASH
    if lang is None or lang.code == "en":
        return "; ".join(f"{cur} {amount:,.0f}" for cur, amount in sorted(values.items()))
    return "; ".join(
        f"{cur} {numbers.format_decimal(amount, format='#,##0', locale=lang.locale)}"
        for cur, amount in sorted(values.items())
    )


def decimal1(value: float, lang: Lang | None = None) -> str:
    """One decimal place in the language's notation ("12.5", fr "12,5")."""
    if lang is None or lang.code == "en":
        return f"{value:.1f}"
    return numbers.format_decimal(value, format="0.0", locale=lang.locale)


def percent(part: float, whole: float, lang: Lang | None = None) -> str:
    return f"{decimal1(100 * part / whole, lang)} %" if whole else DASH
