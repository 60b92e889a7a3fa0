"""Languages of the pages and the report: English, French, Spanish, Russian.

Messages live in gettext catalogues (``locale/<lang>/LC_MESSAGES/messages.po``),
read with Babel when first needed: no compile step. A page gets ``_`` (gettext),
``ngettext``, and number and date formatters for its language in its template context.
The language is the user's choice (cookie ``opcoord_lang``, set by the switch on every
page), else the browser's ``Accept-Language``, else English.
"""

from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from gettext import NullTranslations
from pathlib import Path
from typing import Any

from babel import Locale, dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from opcoord.codes import country_name as code_country_name

LANGUAGES: dict[str, str] = {"en": "English", "fr": "Français", "es": "Español", "ru": "Русский"}
DEFAULT = "en"
COOKIE = "opcoord_lang"
_FORMATS = {"en": "en_GB"}  # the CLDR locale whose formats a language uses
LOCALE_DIR = Path(__file__).parent / "locale"


@cache
def translations(lang: str) -> NullTranslations:
    """The language's catalogue; English has one too (readable labels for enum values),
    and any language without a catalogue file shows the msgids as they are."""
    po = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if not po.is_file():
        return NullTranslations()
    with po.open("rb") as f:
        catalog = read_po(f, locale=lang)
    import io

    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def parse_accept_language(header: str | None) -> str | None:
    """The best of our languages in an Accept-Language header, honouring q-values."""
    if not header:
        return None
    choices: list[tuple[float, int, str]] = []
    for i, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        lang = tag.strip().lower().split("-")[0]
        if lang in LANGUAGES and q > 0:
            choices.append((-q, i, lang))
    return min(choices)[2] if choices else None


def choose(cookie: str | None, accept_language: str | None) -> str:
    if cookie in LANGUAGES:
        return str(cookie)
    return parse_accept_language(accept_language) or DEFAULT


class Lang:
    """Everything a page needs to speak one language."""

    def __init__(self, code: str) -> None:
        self.code = code if code in LANGUAGES else DEFAULT
        # English dates as partners write them, day before month ("22 Nov 2026"), the
        # way the dashboard writes them too: British English's formats.
        self.locale = Locale.parse(_FORMATS.get(self.code, self.code))
        self._t = translations(self.code)

    def gettext(self, message: str, **values: Any) -> str:
        text = self._t.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: Any) -> str:
        text = self._t.ngettext(singular, plural, n)
        return text % {"num": n, **values}

    def number(self, value: int | float) -> str:
        return numbers.format_decimal(value, locale=self.locale)

    @property
    def intl(self) -> str:
        """The BCP 47 tag for the browser's ``Intl`` formatters, matching ``self.locale``."""
        return str(self.locale).replace("_", "-")

    def word(self, code: str) -> str:
        """A vocabulary value (``auction_house``) as a label: its catalogue entry,
        capitalised, so that pages, map and dashboard name it alike."""
        text = self.gettext(code) if code else code
        return text[:1].upper() + text[1:]

    def country(self, code: str) -> str:
        """A country's short name in this language, or the code when unknown."""
        if not code or code.upper() == "ZZ":  # CLDR's "Unknown Region" is no country
            return code
        return str(self.locale.territories.get(code.upper()) or code_country_name(code))

    def percent(self, value: float) -> str:
        return numbers.format_percent(value, locale=self.locale)

    def money(self, value: int | float, currency: str) -> str:
        return numbers.format_currency(value, currency, locale=self.locale)

    def date(self, value: date | str, fmt: str = "medium") -> str:
        day = date.fromisoformat(value) if isinstance(value, str) else value
        return dates.format_date(day, format=fmt, locale=self.locale)

    def datetime(self, value: datetime, tz: str | None = None, fmt: str = "medium") -> str:
        return dates.format_datetime(
            value,
            format=fmt,
            tzinfo=dates.get_timezone(tz) if tz is not None else None,
            locale=self.locale,
        )

    def context(self) -> dict[str, Callable[..., str] | str | dict[str, str]]:
        """Names a template uses: _, ngettext, fmt_number, fmt_date, lang, languages."""
        return {
            "_": self.gettext,
            "ngettext": self.ngettext,
            "fmt_number": self.number,
            "fmt_money": self.money,
            "fmt_date": self.date,
            "fmt_datetime": self.datetime,
            "lang": self.code,
            "languages": LANGUAGES,
        }
