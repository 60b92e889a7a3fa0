"""The access policy: the only place that decides who may see or do what.

Every route declares the rule it needs (``opt={"access": Rule.x}``, see ``needs``); the
access guard (``guard.py``) checks it before the request's body is read, so a caller
who may not do something gets 401 or 403 whatever it sends. The websocket, whose
credentials arrive in its first message, applies the same rule through ``check``.

Decisions are made on facts, never by querying: the caller (role, countries) and, for
rules about one operation, the ``OperationFacts`` the guard loaded (does it exist, which
countries take part). So the policy is pure, and the same answer comes back from the
API, the pages, the websocket, the report files and the GeoJSON.

What a caller sees of data that mixes countries (running totals, live events) is
decided here too, on the caller's set of countries (``Caller.countries``: every country
for a coordinator, a regional coordinator's list, a contact point's own): ``scope``,
``sees_country``, ``totals_view`` and ``event_view``.
"""

from collections.abc import Collection, Iterable, Mapping
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
    #: Coordinators only (set-up, accounts, closing, publishing).
    coordinate = "coordinate"
    #: One operation's completeness and map: coordinators, and regional coordinators of
    #: countries taking part (who see their own countries only).
    oversee = "oversee"
    #: One operation's running figures and live channel: coordinators, and regional
    #: coordinators and contact points of countries taking part.
    watch = "watch"
    #: Reading one country's returns in one operation: coordinators, the regional
    #: coordinators whose countries include it, and that country's own contact point,
    #: while the country (or one of the caller's) takes part.
    country = "country"
    #: Writing one country's returns: coordinators and that country's own contact point
    #: (a regional coordinator reads its countries' returns but does not write them).
    submit = "submit"
    #: The consolidated report: coordinators, and partners (once published, which the
    #: report decides with ``require_published``).
    report = "report"
    #: The websocket: its credentials come in its first message, then ``watch`` applies.
    socket = "socket"
    #: Sending alerts to an operation's contact points (``may_send_alert``).
    send_alert = "send_alert"


#: Rules about one operation: the guard loads its facts (404 when it does not exist).
OPERATION_RULES = frozenset({Rule.watch, Rule.oversee, Rule.country, Rule.submit, Rule.send_alert})
READ_FIGURES = frozenset({Role.coordinator, Role.regional, Role.ncp})
OVERSEERS = frozenset({Role.coordinator, Role.regional})
WRITERS = frozenset({Role.coordinator, Role.ncp})
#: Roles that read operation-wide sums and the whole list of participants (each seeing
#: the detail of its own countries); the others' view is made of their countries only.
OPERATION_WIDE = frozenset({Role.coordinator, Role.ncp})


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


def _who(caller: Caller) -> str:
    names = ", ".join(sorted(caller.countries or ()))
    if caller.role is Role.ncp:
        return f"a national contact point for {names}"
    return f"a regional coordinator for {names}"


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
    if rule is Rule.send_alert:
        check_alert_senders(caller, ())
    elif rule is Rule.oversee and caller.role not in OVERSEERS:
        raise _deny("only coordinators and regional coordinators may do this", "coordinator_only")
    elif caller.role not in READ_FIGURES:
        raise _deny(
            "operations' running figures and returns are for coordinators and national "
            "contact points",
            "figures_audience",
        )
    if rule is Rule.submit and caller.role not in WRITERS:
        raise _deny(
            "a regional coordinator reads its countries' returns but does not write them",
            "read_only",
        )
    if rule in (Rule.country, Rule.submit):
        wanted = (country or "").upper()
        if not sees_country(caller, wanted):
            raise _deny(f"{_who(caller)} may not access {wanted}", "other_country")
    if facts is None:
        raise NotFound(f"no operation with code {code!r}", "code", "not_found")
    if caller.countries is not None and not caller.countries & facts.participants:
        names = ", ".join(sorted(caller.countries)) or "no country"
        verb = "does" if len(caller.countries) <= 1 else "do"
        raise _deny(f"{names} {verb} not take part in {facts.code}", "not_participating")


def require_countries(caller: Caller, countries: Iterable[str]) -> None:
    """Raise ``Forbidden`` unless ``caller`` may act on every one of ``countries``
    (write to them, chase them): coordinators on any, a regional coordinator on its
    own, a contact point on its own country."""
    outside = sorted({c.upper() for c in countries if not sees_country(caller, c.upper())})
    if caller.role is Role.partner or outside:
        raise _deny(
            f"{_who(caller) if caller.role is not Role.partner else 'a partner'} may not act "
            f"on {', '.join(outside) or 'countries'}",
            "other_country",
        )


# --- alerts ---------------------------------------------------------------------------


def may_send_alert(caller: Caller, countries: Collection[str]) -> bool:
    """Whether ``caller`` may send an alert to every one of ``countries`` (resolved: "all"
    is the list of participants, or a regional coordinator's own among them). The one
    place that decides it; with no countries, it answers whether the caller may send
    alerts at all (the route's guard asks that). Coordinators send to any country, a
    regional coordinator to its own."""
    if caller.role is Role.coordinator:
        return True
    return caller.role is Role.regional and len(own(caller, countries)) == len(countries)


def check_alert_senders(caller: Caller, countries: Collection[str]) -> None:
    if not may_send_alert(caller, countries):
        outside = [c for c in countries if not sees_country(caller, c)]
        if caller.role is Role.regional and outside:
            raise _deny(
                f"{_who(caller)} may not send alerts to {', '.join(outside)}", "other_country"
            )
        raise _deny("only coordinators may send alerts", "coordinator_only")


def alert_addressee(caller: Caller, countries: Collection[str]) -> bool:
    """Whether an alert sent to ``countries`` is for ``caller`` to read and acknowledge:
    the contact points of those countries (coordinators read every alert, but an
    acknowledgement is a contact point's)."""
    return caller.role is Role.ncp and caller.country in countries


def reads_alert(caller: Caller, countries: Collection[str]) -> bool:
    """Whether ``caller`` may read an alert sent to ``countries``: coordinators every
    one, a regional coordinator those sent to one of its countries, a contact point those
    sent to its own. A contact point never learns that an alert for others exists (the
    API answers 404, as for none)."""
    if caller.role is Role.regional:
        return bool(own(caller, countries))
    return caller.role is Role.coordinator or alert_addressee(caller, countries)


# --- what a caller sees ----------------------------------------------------------------


def sees_country(caller: Caller, country: str | None) -> bool:
    """Whether ``country``'s own detail (its returns, its cells, its seizures) may go to
    ``caller``. Detail about the whole operation (``country`` None) goes to everyone."""
    if caller.countries is None or country is None:
        return True
    return country in caller.countries


def scope(caller: Caller) -> frozenset[str] | None:
    """The countries whose figures make up ``caller``'s view of an operation (its totals,
    its list of participants, its completeness counts); None: the whole operation.

    Coordinators and contact points read operation-wide sums; a regional coordinator
    reads the figures of its own countries only, computed over them (not the whole
    operation's, redacted)."""
    return None if caller.role in OPERATION_WIDE else (caller.countries or frozenset())


def in_scope(caller: Caller, country: str | None) -> bool:
    """Whether ``country`` counts in ``caller``'s view (``scope``)."""
    wanted = scope(caller)
    return wanted is None or country is None or country in wanted


def reads_regions(caller: Caller) -> bool:
    """Whether ``caller``'s summary breaks figures down by region: coordinators and
    regional coordinators (over their countries), not contact points."""
    return caller.role in OVERSEERS


def own(caller: Caller, countries: Iterable[str]) -> list[str]:
    """Those of ``countries`` whose detail ``caller`` sees, in the order given."""
    return [c for c in countries if sees_country(caller, c)]


def _own(caller: Caller, per_country: Mapping[str, Any]) -> dict[str, Any]:
    return {c: v for c, v in per_country.items() if sees_country(caller, c)}


def own_figures(caller: Caller, per_country: Mapping[str, Any]) -> dict[str, Any]:
    """Those of the figures per country whose country ``caller`` sees."""
    return _own(caller, per_country)


def totals_view(caller: Caller, totals: Mapping[str, Any]) -> dict[str, Any]:
    """The running totals as ``caller`` may read them: sums over the caller's ``scope``
    (computed so by the caller of this function), the per-country breakdown only for
    the countries the caller sees."""
    out = dict(totals)
    if "objects_by_country" in out:
        out["objects_by_country"] = _own(caller, out["objects_by_country"])
    return out


#: What a contact point keeps of another country's event: its number (so the sequence
#: stays unbroken) and the operation-wide change to the totals.
OTHER_COUNTRY_KEEPS = ("type", "seq", "at", "operation", "day", "delta")
#: Events whose detail only coordinators read; others keep their number.
COORDINATORS_ONLY = frozenset({"duplicate_found"})
#: Events for coordinators only (watchlist hits): anyone else keeps their number and the
#: operation-wide change to the totals (a confirmed hit is ``database_hits``).
COORDINATOR_EVENTS = frozenset({"watchlist_hit", "hit_reviewed"})
#: Keys of operation-wide events that list countries: each caller keeps its own.
COUNTRY_LISTS = ("missing", "late", "countries")
#: Keys of an event keyed by country: each caller keeps the countries it sees.
PER_COUNTRY_KEYS = ("completeness", "seizures_by_country")
#: Operation-wide figures of an event, dropped for callers whose view is a part of it.
OPERATION_WIDE_KEYS = ("expected", "submitted", "reporting_rate")


def _subject(message: Mapping[str, Any], country: str | None) -> str | None:
    """The country an event is about: its own, or the participant it adds."""
    if country is not None:
        return country
    participant = message.get("participant")
    found = participant.get("country") if isinstance(participant, Mapping) else None
    return found if isinstance(found, str) else None


#: What a contact point receives of an event meant for other countries only (an alert
#: for ES and PT, seen from FR): its number, under a type that tells nothing.
HIDDEN = "hidden"


def event_view(
    caller: Caller,
    message: Mapping[str, Any],
    country: str | None,
    audience: Collection[str] | None = None,
) -> dict[str, Any]:
    """The websocket message ``message`` (about ``country``, None for the operation as a
    whole; read only by callers who see one of the countries of ``audience`` when that
    is given) as ``caller`` may receive it."""
    if caller.countries is None:
        return dict(message)
    if message.get("type") in COORDINATORS_ONLY:  # seizures of several countries
        return {k: message[k] for k in ("type", "seq", "at") if k in message}
    if audience is not None and not own(caller, audience):
        return {"type": HIDDEN, **{k: message[k] for k in ("seq", "at") if k in message}}
    subject = _subject(message, country)
    if not in_scope(caller, subject):  # outside the caller's view: only its number
        return {k: message[k] for k in ("type", "seq", "at") if k in message}
    if not sees_country(caller, country) or message.get("type") in COORDINATOR_EVENTS:
        if "delta" not in message:  # nothing operation-wide in it: only its number
            return {k: message[k] for k in ("type", "seq", "at") if k in message}
        kept = {k: message[k] for k in OTHER_COUNTRY_KEEPS if k in message}
        kept["delta"] = totals_view(caller, kept["delta"])
        return kept
    out = dict(message)
    if "delta" in out:
        out["delta"] = totals_view(caller, out["delta"])
    for key in PER_COUNTRY_KEYS:
        if isinstance(out.get(key), dict):
            out[key] = _own(caller, out[key])
    for key in COUNTRY_LISTS:
        if isinstance(out.get(key), list):
            out[key] = [c for c in out[key] if sees_country(caller, c)]
    if scope(caller) is not None:
        for key in OPERATION_WIDE_KEYS:
            out.pop(key, None)
    return out


def view_key(caller: Caller) -> str:
    """Callers with the same key receive the same message for every event (a cache key)."""
    if caller.countries is None:
        return "all"
    return f"{caller.role}:{','.join(sorted(caller.countries))}"


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
