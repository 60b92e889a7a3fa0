"""ISO codes the domain speaks in: countries (3166-1 alpha-2), currencies (4217) and
IANA time zones, checked against pycountry and the system's zone database."""

import zoneinfo
from functools import cache
from typing import Annotated

import pycountry
from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

from opcoord.errors import invalid


def country(value: str) -> str:
    """``value`` as an ISO 3166-1 alpha-2 code; ValueError when it is none."""
    code = value.upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise ValueError(f"'{value}' is not an ISO 3166-1 alpha-2 country code")
    return code


def country_field(value: str, field: str = "country") -> str:
    """``country`` for a value from a path or query: a 422 naming ``field``."""
    try:
        return country(value)
    except ValueError as exc:
        raise invalid(field, str(exc), "country_code") from None


def currency(value: str) -> str:
    code = value.upper()
    if pycountry.currencies.get(alpha_3=code) is None:
        raise ValueError(f"'{value}' is not an ISO 4217 currency code")
    return code


def timezone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "Europe", a long name
        raise ValueError(f"'{value}' is not an IANA time zone such as Europe/Madrid") from None
    return value


@cache
def country_name(code: str) -> str:
    """The English short name ("Türkiye", "Bolivia"), or the code itself."""
    found = pycountry.countries.get(alpha_2=code)
    return getattr(found, "common_name", None) or (found.name if found else code)


def _json_bool(value: object) -> object:
    # Checked before pydantic's coercion, which the framework runs in lax mode: a yes/no
    # field is JSON true or false, never "yes", 1 or "false".
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


#: A request's yes/no field: JSON true or false only.
JsonBool = Annotated[bool, BeforeValidator(_json_bool)]
CountryCode = Annotated[
    str,
    StringConstraints(min_length=2, max_length=2),
    AfterValidator(country),
    Field(examples=["ES"]),
]
CurrencyCode = Annotated[
    str,
    StringConstraints(min_length=3, max_length=3),
    AfterValidator(currency),
    Field(examples=["EUR"]),
]
TimeZone = Annotated[str, AfterValidator(timezone), Field(examples=["Europe/Madrid"])]
