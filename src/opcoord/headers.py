"""Security headers on every response, as an ASGI middleware.

- ``Content-Security-Policy``: only the app's own scripts, styles, images,
  connections and workers (the contact point's offline service worker, ``/sw.js``);
  no framing except by the app itself (the dashboard frames the map). Pages
  that carry inline scripts (the map frame, the self-contained report, the API browser)
  get the SHA-256 of each of them added to ``script-src``, computed here from the page
  itself, so no inline script runs unless the server sent it.
- ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin``,
  ``X-Frame-Options: SAMEORIGIN`` for old browsers, ``Permissions-Policy`` denying what
  no page uses.
- ``Strict-Transport-Security`` when the request came over HTTPS (directly, or through a
  proxy whose ``X-Forwarded-Proto`` uvicorn trusts).
- ``Cache-Control: no-store`` on the API's answers and on pages (data), unless a handler
  chose otherwise; the assets under /static stay cacheable.
"""

import base64
import hashlib
import re
import uuid
from contextvars import ContextVar

from litestar.enums import ScopeType
from litestar.types import ASGIApp as App
from litestar.types import HTTPResponseStartEvent, Message, Receive, Scope, Send

from opcoord.db import Database

BASE_CSP = (
    "default-src 'self'; script-src 'self'{hashes}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "worker-src 'self'; "
    "frame-ancestors 'self'; form-action 'self'; base-uri 'none'; object-src 'none'"
)
FIXED = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
]
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
#: An HTML page larger than this is sent as it is, with no inline script allowed.
MAX_SCANNED = 64 * 1024 * 1024
_SCRIPT = re.compile(rb"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.S | re.I)
_DATA_TYPES = re.compile(rb"""type\s*=\s*["']?(application/(ld\+)?json|text/template)""", re.I)


def inline_script_hashes(html: bytes) -> list[str]:
    """CSP sources for the executable inline scripts of ``html``."""
    out = []
    for match in _SCRIPT.finditer(html):
        attrs = match["attrs"]
        if re.search(rb"\bsrc\s*=", attrs, re.I) or _DATA_TYPES.search(attrs):
            continue
        digest = base64.b64encode(hashlib.sha256(match["body"]).digest()).decode()
        out.append(f"'sha256-{digest}'")
    return sorted(set(out))


def csp(hashes: list[str]) -> bytes:
    return BASE_CSP.format(hashes="".join(f" {h}" for h in hashes)).encode()


#: The policy of an answer with no inline script (every one but some pages).
NO_INLINE_SCRIPT = csp([])


def _has(headers: list[tuple[bytes, bytes]], name: bytes) -> bool:
    return any(k.lower() == name for k, _ in headers)


class SecurityHeaders:
    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        https = scope.get("scheme") == "https"
        start: HTTPResponseStartEvent | None = None
        buffered: list[bytes] = []

        def finish_headers(message: HTTPResponseStartEvent, body: bytes | None) -> None:
            headers: list[tuple[bytes, bytes]] = list(message.get("headers", []))
            headers += [h for h in FIXED if not _has(headers, h[0])]
            if https:
                headers.append(HSTS)
            if not _has(headers, b"content-security-policy"):
                policy = csp(inline_script_hashes(body)) if body else NO_INLINE_SCRIPT
                headers.append((b"content-security-policy", policy))
            if not path.startswith("/static/") and not _has(headers, b"cache-control"):
                headers.append((b"cache-control", b"no-store"))
            message["headers"] = headers

        async def wrapped(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = {k.lower(): v for k, v in message.get("headers", [])}
                html = headers.get(b"content-type", b"").startswith(b"text/html")
                if html and b"content-security-policy" not in headers:
                    start = message  # hold it: the policy depends on the page's scripts
                    return
                finish_headers(message, None)
                await send(message)
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            buffered.append(message.get("body", b""))
            size = sum(len(b) for b in buffered)
            if message.get("more_body", False) and size <= MAX_SCANNED:
                return
            body = b"".join(buffered)
            finish_headers(start, body if size <= MAX_SCANNED else None)
            await send(start)
            start = None
            await send({"type": "http.response.body", "body": body,
                        "more_body": message.get("more_body", False)})  # fmt: skip

        await self.app(scope, receive, wrapped)


#: The id of the request being handled, for logs and the audit trail.
request_id: ContextVar[str | None] = ContextVar("opcoord_request_id", default=None)
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


class RequestIds:
    """Gives each HTTP request and websocket an id: the client's (or proxy's)
    ``X-Request-ID`` when it is a sane one, else a new one. It is kept in
    ``scope["state"]["request_id"]``, set for logging, and sent back in ``X-Request-ID``."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers", [])).get(b"x-request-id", b"").decode("latin-1")
        rid = given if _SANE_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = rid
        token = request_id.set(rid)

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, wrapped)
        finally:
            request_id.reset(token)


class SharedReads:
    """Lets one HTTP request's reads share one database connection (``Database.
    request_scope``): the guard's and the handler's lookups, one pool checkout."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        db = getattr(scope["app"].state, "db", None) if scope["type"] == ScopeType.HTTP else None
        if not isinstance(db, Database):
            await self.app(scope, receive, send)
            return
        async with db.request_scope():
            await self.app(scope, receive, send)
