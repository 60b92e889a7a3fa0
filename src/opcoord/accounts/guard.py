"""The access guard: authenticates every request and applies its route's rule before
the body is read (Litestar runs guards before it decodes the body).

A request is authenticated by ``Authorization: Bearer <token>`` (machines), else by the
session cookie of a signed-in browser, whose writes must also carry the session's
``X-CSRF-Token`` (a page of another site cannot read it). The caller goes into
``scope["user"]`` and the session's CSRF token into ``scope["state"]["csrf"]`` for the
pages; the decision itself is ``access.check``.
"""

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from opcoord.accounts import access, sessions
from opcoord.accounts.access import OperationFacts, Rule
from opcoord.accounts.identity import Caller
from opcoord.accounts.tokens import bearer_token, caller_for_token
from opcoord.db import Database
from opcoord.errors import Forbidden, Unauthenticated

COOKIE = sessions.COOKIE
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FactsLoader = Callable[[Database, str], Awaitable[OperationFacts | None]]
Connection = ASGIConnection[Any, Any, Any, Any]


async def identify(
    connection: Connection, db: Database, now: datetime
) -> tuple[Caller | None, str]:
    """The caller and, for a browser session, its CSRF token ('' otherwise).

    A bearer token that matches no account is refused (401) rather than ignored, so a
    machine with a revoked token learns it at once.
    """
    token = bearer_token(connection.headers.get("authorization", ""))
    if token is not None:
        caller = await caller_for_token(db, token)
        if caller is None:
            raise Unauthenticated("the API token is not valid")
        return caller, ""
    cookie = connection.cookies.get(COOKIE, "")
    if not cookie:
        return None, ""
    found = await sessions.session_caller(db, cookie, now)
    return found if found is not None else (None, "")


def rule_of(handler: BaseRouteHandler) -> Rule:
    rule = handler.opt.get("access")
    if not isinstance(rule, Rule):
        # Fail closed: a route that forgot to say who may use it serves no one.
        raise Forbidden(f"route {handler.handler_name} declares no access rule", "no_rule")
    return rule


def make_guard(
    load_facts: FactsLoader,
) -> Callable[[Connection, BaseRouteHandler], Awaitable[None]]:
    """The app-wide guard; ``load_facts`` reads an operation's facts (None: no such one)."""

    async def guard(connection: Connection, handler: BaseRouteHandler) -> None:
        rule = rule_of(handler)
        state = connection.scope.setdefault("state", {})  # type: ignore[typeddict-item]
        connection.scope["user"] = None
        if rule is Rule.socket or (rule is Rule.public and not handler.opt.get("page")):
            return  # assets, health, schema: nobody to recognise; the socket does it itself
        app_state = connection.app.state
        db: Database = app_state.db
        try:
            caller, csrf = await identify(connection, db, app_state.clock.now())
        except Unauthenticated:
            if rule is Rule.public:
                return
            raise
        connection.scope["user"] = caller
        state["csrf"] = csrf
        if rule is Rule.public:
            return
        if caller is None:
            raise Unauthenticated()
        method = connection.scope.get("method", "GET")
        if csrf and method not in SAFE_METHODS:
            given = connection.headers.get("x-csrf-token")
            if not sessions.csrf_matches(csrf, given):
                raise Forbidden("this write needs the page's X-CSRF-Token header", "csrf")
        facts = None
        code = connection.path_params.get("code")
        if rule in access.OPERATION_RULES and isinstance(code, str):
            facts = await load_facts(db, code)
        access.check(rule, caller, facts, connection.path_params.get("country"), code=code)
        state["facts"] = facts

    return guard


def caller_of_request(connection: Connection) -> Caller:
    """The authenticated caller (the guard has refused the request otherwise)."""
    caller = connection.scope.get("user")
    if not isinstance(caller, Caller):
        raise Unauthenticated()
    return caller


async def provide_caller(request: Request[Any, Any, Any]) -> Caller:
    return caller_of_request(request)


def same_origin(connection: Connection) -> bool:
    """A browser's websocket must come from our own pages (no cross-site hijacking)."""
    origin = connection.headers.get("origin")
    if origin is None:
        return True  # not a browser: it cannot be riding a victim's cookie
    host = connection.headers.get("host", "")
    return origin.split("://", 1)[-1] == host
