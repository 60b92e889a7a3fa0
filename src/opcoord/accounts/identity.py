"""Roles and the caller: what every access decision is made about."""

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    coordinator = "coordinator"
    #: A regional coordinator (a RILO, a lead country's desk): a coordinator's reading of
    #: the operations, for its own countries only.
    regional = "regional"
    ncp = "ncp"
    partner = "partner"


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is making a request.

    ``countries`` are the countries whose detail the caller may see: None for every
    country (a coordinator), an NCP's own country, a regional coordinator's list, none
    for a partner. ``tokens.caller_of`` fills it from the account.
    """

    id: int
    username: str
    role: Role
    country: str | None
    countries: frozenset[str] | None = frozenset()


def countries_of(
    role: Role, country: str | None, listed: list[str] | None
) -> frozenset[str] | None:
    """The countries an account of ``role`` answers for (None: every country)."""
    if role is Role.coordinator:
        return None
    if role is Role.ncp:
        return frozenset({country}) if country else frozenset()
    if role is Role.regional:
        return frozenset(listed or ())
    return frozenset()
