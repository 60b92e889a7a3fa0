"""Per-request metrics and the request log line, as an ASGI middleware.

Litestar runs app-wide middleware after routing, so the route template
(``/api/operations/{code}/summary``) is known here: it is the ``route`` label, which
keeps the number of series bounded however many operations, countries and days are
asked for. A request no route matched never reaches this middleware (Litestar answers
its 404 before), so scanning a thousand paths adds no series either.
"""

import logging
import time
from contextvars import ContextVar

from litestar.enums import ScopeType
from litestar.types import ASGIApp as App
from litestar.types import Message, Receive, Scope, Send
from prometheus_client import Counter, Histogram

REQUESTS = Counter(
    "opcoord_http_requests",
    "HTTP requests answered by this process, by method, route template and status code.",
    ["method", "route", "status"],
)
DURATION = Histogram(
    "opcoord_http_request_duration_seconds",
    "Time from routing to the last byte of the answer, by method and route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)

#: The operation (its code) the current request or socket is about, for the log lines.
operation: ContextVar[str | None] = ContextVar("opcoord_operation", default=None)

log = logging.getLogger("opcoord.http")
#: Routes polled by machines (probes, scrapers) and assets: their lines are debug, so a
#: health check every few seconds does not bury the requests people make.
QUIET_ROUTES = frozenset({"/health", "/ready", "/metrics"})


def route_of(scope: Scope) -> str:
    template = scope.get("path_template")
    return template if isinstance(template, str) and template else "unmatched"


class Monitor:
    """Counts and times each HTTP request, logs it, and notes its operation."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        code = (scope.get("path_params") or {}).get("code")
        token = operation.set(code if isinstance(code, str) else None)
        try:
            if scope["type"] == ScopeType.HTTP:
                await self._http(scope, receive, send)
            else:
                await self.app(scope, receive, send)
        finally:
            operation.reset(token)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        method = str(scope.get("method", "GET"))
        route = route_of(scope)
        status = 500  # what the client gets if the app raises before answering
        done = False

        def finish() -> None:
            nonlocal done
            if done:
                return
            done = True
            seconds = time.perf_counter() - started
            REQUESTS.labels(method, route, str(status)).inc()
            DURATION.labels(method, route).observe(seconds)
            quiet = route in QUIET_ROUTES or route.startswith("/static")
            log.log(
                logging.DEBUG if quiet else logging.INFO,
                "%s %s %d %.1f ms",
                method,
                scope.get("path", ""),
                status,
                seconds * 1000,
                extra={
                    "method": method,
                    "path": scope.get("path", ""),
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 1),
                },
            )

        async def wrapped(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                finish()

        try:
            await self.app(scope, receive, wrapped)
        finally:
            finish()  # the client went away mid-answer, or the app raised
