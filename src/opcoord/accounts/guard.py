"""The access guard: authenticates every request and applies its route's rule before
the body is read.

It runs as the app's ``before_request`` hook, which Litestar calls before it decodes the
body or resolves a dependency, rather than as a Litestar guard: Litestar copies the
route handler for every guard call, a tenth of the cheapest GET's time. A hook is
resolved per route (the closest layer's wins, and a cached answer skips it), so
``require_checks`` refuses at start-up an app in which any route would not run it.

A request is authenticated by ``Authorization: Bearer <token>`` (machines), else by the
session cookie of a signed-in browser, whose writes must also carry the session's
``X-CSRF-Token`` (a page of another site cannot read it). The caller goes into
``scope["user"]`` and the session's CSRF token into ``scope["state"]["csrf"]`` for the
pages; the decision itself is ``access.check``.
"""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar import Litestar, Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import ImproperlyConfiguredException
from litestar.handlers import HTTPRouteHandler, WebsocketRouteHandler
from litestar.handlers.base import BaseRouteHandler
from litestar.routes import HTTPRoute

from opcoord.accounts import access, limits, sessions, tokens
from opcoord.accounts.access import OperationFacts, Rule
from opcoord.accounts.identity import Caller
from opcoord.accounts.limits import Limit
from opcoord.accounts.tokens import Account, bearer_token
from opcoord.audit.log import Actor, current_actor
from opcoord.db import Database
from opcoord.errors import Forbidden, Unauthenticated

COOKIE = sessions.COOKIE
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FactsLoader = Callable[[Database, str], Awaitable[OperationFacts | None]]
Connection = ASGIConnection[Any, Any, Any, Any]


async def identify(
    connection: Connection, db: Database, now: datetime
) -> tuple[Account | None, str]:
    """The account and, for a browser session, its CSRF token ('' otherwise).

    A bearer token that matches no usable account (unknown, rotated, expired, disabled)
    is refused (401) rather than ignored, so a machine with a revoked token learns it at
    once.
    """
    token = bearer_token(connection.headers.get("authorization", ""))
    if token is not None:
        user = await tokens.account_for_token(db, token, now)
        if user is None:
            raise Unauthenticated("the API token is not valid (revoked, expired or unknown)")
        return user, ""
    cookie = connection.cookies.get(COOKIE, "")
    if not cookie:
        return None, ""
    found = await sessions.session_account(db, cookie, now)
    return (tokens.account_of(found[0]), found[1]) if found is not None else (None, "")


def client_ip(connection: Connection) -> str | None:
    """The client's address as uvicorn resolved it (behind a trusted proxy, the
    forwarded one)."""
    client = connection.scope.get("client")
    return str(client[0]) if client else None


WRITES = "writes from this account"  # how many a minute: settings.writes_per_minute
WRITE_BYTES = Limit("bytes written by this account", 40 * 1024 * 1024, timedelta(minutes=1))


def rule_of(handler: BaseRouteHandler) -> Rule:
    rule = handler.opt.get("access")
    if not isinstance(rule, Rule):
        # Fail closed: a route that forgot to say who may use it serves no one.
        raise Forbidden(f"route {handler.handler_name} declares no access rule", "no_rule")
    return rule


Check = Callable[[Request[Any, Any, Any]], Awaitable[None]]


def make_check(load_facts: FactsLoader) -> Check:
    """The app-wide guard, as the app's ``before_request`` hook (None: the request goes
    on); ``load_facts`` reads an operation's facts (None: no such one)."""

    async def check(connection: Request[Any, Any, Any]) -> None:
        handler = connection.route_handler
        rule = rule_of(handler)
        state = connection.scope.setdefault("state", {})
        connection.scope["user"] = None
        if rule is Rule.socket or (rule is Rule.public and not handler.opt.get("page")):
            return  # assets, health, schema: nobody to recognise; the socket does it itself
        app_state = connection.app.state
        db: Database = app_state.db
        now: datetime = app_state.clock.now()
        try:
            user, csrf = await identify(connection, db, now)
        except Unauthenticated:
            if rule is Rule.public:
                return
            raise
        caller = user.caller if user is not None else None
        connection.scope["user"] = caller
        state["csrf"] = csrf
        if caller is not None:
            current_actor.set(
                Actor(
                    caller.username,
                    str(caller.role),
                    client_ip(connection),
                    state.get("request_id"),
                )
            )
        if rule is Rule.public:
            return
        if caller is None or user is None:
            raise Unauthenticated()
        if user.last_seen_at is None or _aware(user.last_seen_at) < now - tokens.SEEN_EVERY:
            await tokens.touch(db, caller.id, now)
        writes = connection.scope.get("method", "GET") not in SAFE_METHODS
        if (
            writes
            and csrf
            and not sessions.csrf_matches(csrf, connection.headers.get("x-csrf-token"))
        ):
            raise Forbidden("this write needs the page's X-CSRF-Token header", "csrf")
        facts = None
        code = connection.path_params.get("code")
        if rule in access.OPERATION_RULES and isinstance(code, str):
            facts = await load_facts(db, code)
        access.check(rule, caller, facts, connection.path_params.get("country"), code=code)
        state["facts"] = facts
        if writes:  # counted once allowed: a refused caller spends nobody's quota
            await _limit_writes(connection, db, caller, now)

    return check


def require_checks(app: Litestar, check: Check) -> None:
    """Refuse (at start-up) an app with a route the check would not guard.

    Every HTTP route must resolve to ``check`` as its ``before_request`` hook (a route
    or controller with a hook of its own would replace it), and a cached one must be
    public (a cached answer is served before the hook). A websocket authenticates
    itself (``Rule.socket``); any other kind of route would run unchecked.
    """
    for route in app.routes:
        handlers = route.route_handlers if isinstance(route, HTTPRoute) else [route.route_handler]
        for handler in handlers:
            rule = handler.opt.get("access")
            where = f"{handler.handler_name} ({route.path})"
            if isinstance(handler, HTTPRouteHandler):
                if handler.resolve_before_request() is not check:
                    raise ImproperlyConfiguredException(f"{where} replaces the access check")
                if handler.cache and rule is not Rule.public:
                    raise ImproperlyConfiguredException(f"{where} is cached but not public")
            elif isinstance(handler, WebsocketRouteHandler):
                if rule is not Rule.socket:
                    raise ImproperlyConfiguredException(f"{where}: a socket checks its caller")
            else:
                raise ImproperlyConfiguredException(f"{where} would run without a check")


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


async def _limit_writes(
    connection: Connection, db: Database, caller: Caller, now: datetime
) -> None:
    """An account may write so often and so much a minute: enough for any contact point,
    not enough to hold the database for everyone else."""
    size = connection.headers.get("content-length", "0")
    weight = int(size) if size.isdigit() else 0
    allowed = connection.app.state.settings.writes_per_minute
    hits = [(Limit(WRITES, allowed, timedelta(minutes=1)), f"writes:{caller.id}", 1)]
    if weight:
        hits.append((WRITE_BYTES, f"bytes:{caller.id}", weight))
    await limits.hit_all(db, hits, now)


def caller_of_request(connection: Connection) -> Caller:
    """The authenticated caller (the guard has refused the request otherwise)."""
    caller = connection.scope.get("user")
    if not isinstance(caller, Caller):
        raise Unauthenticated()
    return caller


def provide_caller(request: Request[Any, Any, Any], now: NamedDependency[datetime]) -> Caller:
    """The caller dependency (after ``now``: see ``web.provide_db``)."""
    return caller_of_request(request)


def same_origin(connection: Connection) -> bool:
    """A browser's websocket must come from our own pages (no cross-site hijacking)."""
    origin = connection.headers.get("origin")
    if origin is None:
        return True  # not a browser: it cannot be riding a victim's cookie
    host = connection.headers.get("host", "")
    return origin.split("://", 1)[-1] == host
