"""Roles and the caller: what every access decision is made about."""

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    coordinator = "coordinator"
    ncp = "ncp"
    partner = "partner"


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is making a request."""

    id: int
    username: str
    role: Role
    country: str | None
