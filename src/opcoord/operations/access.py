"""The only place that decides who may see or write what.

Each function raises 403 when the caller may not; handlers never re-implement this.
"""

from litestar.exceptions import PermissionDeniedException

from opcoord.auth import Caller
from opcoord.operations.enums import Role


def _deny(why: str) -> PermissionDeniedException:
    return PermissionDeniedException(why)


def require_coordinator(caller: Caller) -> None:
    if caller.role is not Role.coordinator:
        raise _deny("only an operation coordinator may do this")


def require_operations_reader(caller: Caller) -> None:
    """Listing and reading operations: any signed-in role."""


def require_figures_reader(caller: Caller) -> None:
    """Running totals: coordinators and contact points, not partners."""
    if caller.role not in (Role.coordinator, Role.ncp):
        raise _deny("running figures are for coordinators and national contact points")


def require_country_access(caller: Caller, country: str) -> None:
    """A country's returns: coordinators, and that country's contact point."""
    if caller.role is Role.coordinator:
        return
    if caller.role is Role.ncp and caller.country == country:
        return
    if caller.role is Role.ncp:
        raise _deny(f"a national contact point for {caller.country} may not access {country}")
    raise _deny("daily returns are for coordinators and national contact points")


def require_live_watcher(caller: Caller) -> None:
    require_figures_reader(caller)


def sees_country_detail(caller: Caller, country: str | None) -> bool:
    """Whether a live event's country detail may go to this caller."""
    if caller.role is Role.coordinator or country is None:
        return True
    return caller.role is Role.ncp and caller.country == country


def report_audience(caller: Caller, requested: str | None = None) -> str:
    """Which edition of the consolidated report the caller reads: "full" or "partner".

    Coordinators read the full edition, or the partner one when they ask for it (to see
    what partners see); partners always get the partner edition; contact points read the
    running figures, not the report.
    """
    if caller.role is Role.coordinator:
        return "partner" if requested == "partner" else "full"
    if caller.role is Role.partner:
        return "partner"
    raise _deny("the consolidated report is for coordinators and, once published, partners")


def require_report_published(caller: Caller, published: bool) -> None:
    """Partners read a report only after a coordinator has published it (403 before)."""
    if caller.role is not Role.coordinator and not published:
        raise _deny("the report has not been published to partners yet")
