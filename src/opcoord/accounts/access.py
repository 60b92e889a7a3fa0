"""The access policy: the only place that decides who may see or do what.

Every route declares the rule it needs (``opt={"access": Rule.x}``, see ``needs``); the
access guard (``guard.py``) checks it before the request's body is read, so a caller
who may not do something gets 401 or 403 whatever it sends. The websocket, whose
credentials arrive in its first message, applies the same rule through ``check``.

Decisions are made on facts, never by querying: the caller (role, country) and, for
rules about one operation, the ``OperationFacts`` the guard loaded (does it exist, which
countries take part). So the policy is pure, and the same answer comes back from the
API, the pages, the websocket, the report files and the GeoJSON.

What a caller sees of data that mixes countries (running totals, live events) is
decided here too: ``totals_view`` and ``event_view``.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from opcoord.accounts.identity import Caller, Role
from opcoord.errors import Forbidden, NotFound


class Rule(StrEnum):
    """What a route needs. Every route of the app names one (a test walks them all)."""

    #: Anyone, signed in or not (sign-in pages, health, assets, the API schema).
    public = "public"
    #: Any account (the list of operations, one's own account).
    signed_in = "signed_in"
    #: Coordinators only (set-up, accounts, closing, publishing, completeness, the map).
    coordinate = "coordinate"
    #: One operation's running figures and live channel: coordinators, and contact points
    #: of the countries taking part.
    watch = "watch"
    #: One country's returns in one operation: coordinators, and that country's own
    #: contact point while the country takes part.
    country = "country"
    #: The consolidated report: coordinators, and partners (once published, which the
    #: report decides with ``require_published``).
    report = "report"
    #: The websocket: its credentials come in its first message, then ``watch`` applies.
    socket = "socket"


#: Rules about one operation: the guard loads its facts (404 when it does not exist).
OPERATION_RULES = frozenset({Rule.watch, Rule.country})
READ_FIGURES = frozenset({Role.coordinator, Role.ncp})


def needs(rule: Rule, *, page: bool = False) -> dict[str, Any]:
    """The ``opt`` of a route handler: ``@get(..., opt=needs(Rule.watch))``."""
    return {"access": rule, "page": page}


@dataclass(frozen=True, slots=True)
class OperationFacts:
    """What decisions about one operation depend on."""

    code: str
    id: int
    participants: frozenset[str]


def _deny(why: str, kind: str = "forbidden") -> Forbidden:
    return Forbidden(why, kind)


def check(
    rule: Rule,
    caller: Caller | None,
    facts: OperationFacts | None = None,
    country: str | None = None,
    *,
    code: str | None = None,
) -> None:
    """Raise ``Forbidden`` (or ``NotFound`` for an operation that does not exist) unless
    ``caller`` may do what ``rule`` guards. ``caller`` is None for nobody signed in
    (the guard answers 401 before asking, except for public rules)."""
    if rule in (Rule.public, Rule.socket):
        return
    if caller is None:
        raise _deny("sign in first", "unauthenticated")
    if rule is Rule.signed_in:
        return
    if rule is Rule.coordinate:
        if caller.role is not Role.coordinator:
            raise _deny("only an operation coordinator may do this", "coordinator_only")
        return
    if rule is Rule.report:
        if caller.role not in (Role.coordinator, Role.partner):
            raise _deny(
                "the consolidated report is for coordinators and, once published, partners",
                "report_audience",
            )
        return
    # Rules about one operation.
    if caller.role not in READ_FIGURES:
        raise _deny(
            "operations' running figures and returns are for coordinators and national "
            "contact points",
            "figures_audience",
        )
    if rule is Rule.country and caller.role is Role.ncp:
        wanted = (country or "").upper()
        if wanted != caller.country:
            raise _deny(
                f"a national contact point for {caller.country} may not access {wanted}",
                "other_country",
            )
    if facts is None:
        raise NotFound(f"no operation with code {code!r}", "code", "not_found")
    if caller.role is Role.ncp and caller.country not in facts.participants:
        raise _deny(f"{caller.country} does not take part in {facts.code}", "not_participating")


# --- what a caller sees ----------------------------------------------------------------


def sees_country(caller: Caller, country: str | None) -> bool:
    """Whether ``country``'s own detail (its returns, its cells, its seizures) may go to
    ``caller``. Detail about the whole operation (``country`` None) goes to everyone."""
    if caller.role is Role.coordinator or country is None:
        return True
    return caller.role is Role.ncp and caller.country == country


def _own(caller: Caller, per_country: Mapping[str, Any]) -> dict[str, Any]:
    return {c: v for c, v in per_country.items() if sees_country(caller, c)}


def totals_view(caller: Caller, totals: Mapping[str, Any]) -> dict[str, Any]:
    """The running totals as ``caller`` may read them: operation-wide sums for everyone,
    the per-country breakdown only for the countries the caller sees."""
    out = dict(totals)
    if "objects_by_country" in out:
        out["objects_by_country"] = _own(caller, out["objects_by_country"])
    return out


#: What a contact point keeps of another country's event: its number (so the sequence
#: stays unbroken) and the operation-wide change to the totals.
OTHER_COUNTRY_KEEPS = ("type", "seq", "at", "operation", "day", "delta")
#: Events for coordinators only (watchlist hits): anyone else keeps their number and the
#: operation-wide change to the totals (a confirmed hit is ``database_hits``).
COORDINATOR_EVENTS = frozenset({"watchlist_hit", "hit_reviewed"})
#: Keys of operation-wide events that list countries: each caller keeps its own.
COUNTRY_LISTS = ("missing", "late", "countries")


def event_view(caller: Caller, message: Mapping[str, Any], country: str | None) -> dict[str, Any]:
    """The websocket message ``message`` (about ``country``, None for the operation as a
    whole) as ``caller`` may receive it."""
    if caller.role is Role.coordinator:
        return dict(message)
    if not sees_country(caller, country) or message.get("type") in COORDINATOR_EVENTS:
        if "delta" not in message:  # nothing operation-wide in it: only its number
            return {k: message[k] for k in ("type", "seq", "at") if k in message}
        kept = {k: message[k] for k in OTHER_COUNTRY_KEEPS if k in message}
        kept["delta"] = totals_view(caller, kept["delta"])
        return kept
    out = dict(message)
    if "delta" in out:
        out["delta"] = totals_view(caller, out["delta"])
    if isinstance(out.get("completeness"), dict):
        out["completeness"] = _own(caller, out["completeness"])
    for key in COUNTRY_LISTS:
        if isinstance(out.get(key), list):
            out[key] = [c for c in out[key] if sees_country(caller, c)]
    return out


def view_key(caller: Caller) -> str:
    """Callers with the same key receive the same message for every event (a cache key)."""
    return "all" if caller.role is Role.coordinator else f"country:{caller.country}"


# --- the report --------------------------------------------------------------------------


def report_audience(caller: Caller, requested: str | None = None) -> str:
    """Which edition of the consolidated report the caller reads: "full" or "partner".

    Coordinators read the full edition, or the partner one when they ask for it (to see
    what partners see); partners always get the partner edition.
    """
    check(Rule.report, caller)
    if caller.role is Role.coordinator:
        return "partner" if requested == "partner" else "full"
    return "partner"


def published_only(caller: Caller) -> bool:
    """Partners read only editions a coordinator has published."""
    return caller.role is not Role.coordinator


def require_published(caller: Caller, published: bool) -> None:
    """Partners read a report only after a coordinator has published it (403 before)."""
    if published_only(caller) and not published:
        raise _deny("the report has not been published to partners yet", "not_published")
