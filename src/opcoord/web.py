"""The HTTP edge: domain errors to status codes, one error body, pages' shared context.

Actions raise ``opcoord.errors``; this module is the one place that says which status
each gets, and whether the answer is JSON (the API) or a page in the reader's language
(a route whose ``opt`` has ``page=True``, or a browser asking for a path that does not
exist). Every 4xx body is ``{"status_code", "detail", "errors": [{"field", "message",
"type"?}]}``.

A foundation: it imports no package of ours. The caller is whatever the access guard
put in ``scope["user"]`` (None when nobody is signed in).
"""

import logging
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import quote

from litestar import MediaType, Request, Response
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import PathParameter
from litestar.response import Redirect, Template
from litestar.types import ExceptionHandlersMap
from pydantic import BaseModel

from opcoord import i18n, vocabulary
from opcoord.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    Malformed,
    NotFound,
    StaleVersion,
    TooLarge,
    TooManyRequests,
    Unauthenticated,
    invalid,
)

log = logging.getLogger(__name__)

STATUS: Mapping[type[DomainError], int] = {
    Malformed: 400,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    StaleVersion: 412,
    TooLarge: 413,
    Invalid: 422,
    TooManyRequests: 429,
}


def status_of(exc: DomainError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


# --- OpenAPI: the error body and the statuses each kind of route can answer -------------


class FieldError(BaseModel):
    field: str
    message: str
    type: str | None = None
    row: int | None = None
    current_version: int | None = None  # a 412's: the version now current


class ErrorBody(BaseModel):
    status_code: int
    detail: str
    errors: list[FieldError]


def error_example(
    status: int, field: str, message: str, kind: str | None = None, *, detail: str | None = None
) -> Example:
    """A real error body for the schema's examples (never polyfactory's random strings)."""
    error: dict[str, Any] = {"field": field, "message": message}
    if kind is not None:
        error["type"] = kind
    return Example(
        summary=message,
        value={"status_code": status, "detail": detail or message, "errors": [error]},
    )


_CATEGORY = (
    "Input should be 'archaeological', 'coins', 'paintings', 'sculptures', 'religious', "
    "'manuscripts', 'ceramics', 'weapons', 'furniture', 'musical_instruments', 'fossils', "
    "'ethnographic' or 'other'"
)
#: For each status, a body the server really answers (taken from a running server).
EXAMPLES = {
    400: error_example(400, "body", "Input data was truncated"),
    401: error_example(
        401, "Authorization", "sign in, or send a valid API token", "unauthenticated"
    ),
    403: error_example(403, "", "only an operation coordinator may do this", "coordinator_only"),
    404: error_example(404, "code", "no operation with code 'PANDORA-Z'", "not_found"),
    409: error_example(
        409, "", "operation PANDORA-X is closed: its figures are final", "operation_closed"
    ),
    412: Example(
        summary="If-Match 2 is stale: the current version is 3",
        value={
            "status_code": 412,
            "detail": "If-Match 2 is stale: the current version is 3",
            "errors": [
                {
                    "field": "If-Match",
                    "message": "If-Match 2 is stale: the current version is 3",
                    "type": "stale_version",
                    "current_version": 3,
                }
            ],
        },
    ),
    413: error_example(413, "body", "Request Entity Too Large"),
    422: error_example(
        422, "seizures[0].category", _CATEGORY, "enum", detail="seizures[0].category: " + _CATEGORY
    ),
    429: error_example(429, "", "too many failed sign-ins for this name", "too_many_requests"),
    503: error_example(503, "", "the database is unavailable; try again shortly"),
}


def err(
    description: str, status: int | None = None, *, example: Example | None = None
) -> ResponseSpec:
    """The error body, with a real example: ``example``, else the one for ``status``."""
    example = example or (EXAMPLES.get(status) if status is not None else None)
    return ResponseSpec(
        data_container=ErrorBody,
        description=description,
        generate_examples=False,
        examples=[example] if example is not None else None,
    )


COMMON = {
    400: err("Malformed request", 400),
    401: err("No valid credentials (API token or session)", 401),
    403: err("The caller's role or country does not allow this", 403),
    413: err("Request body too large", 413),
    429: err("Too many requests; see Retry-After", 429),
    503: err("The database is unavailable; retry after Retry-After", 503),
}
READ = {
    **COMMON,
    404: err("No such operation (or object)", 404),
    422: err("Invalid parameter", 422),
}
WRITE = {
    **READ,
    400: err("Malformed request", 400),
    409: err("State conflict, e.g. the operation is closed", 409),
    422: err("Invalid content; `errors` names each offending field", 422),
}

# Path parameters, typed as text so that a bad value is a 422 naming it after the
# access check, never a bare 404 before it.
Code = Annotated[
    str,
    PathParameter(
        description="Operation code, e.g. PANDORA-X", examples=[Example(value="PANDORA-X")]
    ),
]
CountryPath = Annotated[
    str,
    PathParameter(description="ISO 3166-1 alpha-2 country code", examples=[Example(value="ES")]),
]
DayPath = Annotated[
    str,
    PathParameter(
        description="The operation day (local date), YYYY-MM-DD",
        examples=[Example(value="2026-06-10")],
    ),
]


def parse_day(value: str, field: str = "day") -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise invalid(field, f"'{value}' is not a date (YYYY-MM-DD)", "date_parsing") from None


# --- dependencies every handler may ask for ---------------------------------------------
# Litestar resolves the dependencies of one level side by side, each in a task of its own
# (an anyio task group), which costs more than these lookups themselves: so each takes
# the one before it (db, then now, then the caller) and they are resolved one after
# another in the request's own task.


def provide_db(request: Request[Any, Any, Any]) -> Any:
    return request.app.state.db


def provide_now(request: Request[Any, Any, Any], db: NamedDependency[Any]) -> datetime:
    now: datetime = request.app.state.clock.now()
    return now


# --- pages --------------------------------------------------------------------------------


def is_page(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    handler = connection.scope.get("route_handler")
    if handler is not None and getattr(handler, "opt", {}).get("page"):
        return True
    if handler is not None:
        return False
    path = connection.url.path
    wants_html = "text/html" in connection.headers.get("accept", "")
    return wants_html and not path.startswith(("/api/", "/schema", "/static/"))


def current_user(connection: ASGIConnection[Any, Any, Any, Any]) -> Any:
    return connection.scope.get("user")


def page_lang(connection: ASGIConnection[Any, Any, Any, Any]) -> i18n.Lang:
    return i18n.Lang(
        i18n.choose(connection.cookies.get(i18n.COOKIE), connection.headers.get("accept-language"))
    )


def page_context(request: ASGIConnection[Any, Any, Any, Any], **extra: Any) -> dict[str, Any]:
    """What every page template gets: the caller, the CSRF token, the language."""
    query = request.url.query
    return {
        "caller": current_user(request),
        "csrf": request.scope.get("state", {}).get("csrf", ""),
        "path": request.url.path + (f"?{query}" if query else ""),
        **page_lang(request).context(),
        **extra,
    }


def to_signin(connection: ASGIConnection[Any, Any, Any, Any]) -> Redirect:
    query = connection.url.query
    target = connection.url.path + (f"?{query}" if query else "")
    return Redirect(f"/signin?next={quote(target)}", status_code=303)


def _page_message(lang: i18n.Lang, status: int, errors: list[dict[str, Any]]) -> str:
    """Why the page was refused, in the reader's words: by the error's kind, else by what
    is missing or not valid (named as the reader calls it), else by the status."""
    _ = lang.gettext
    for e in errors:
        reason = vocabulary.PAGE_REASONS.get(str(e.get("type") or ""))
        if reason:
            return _(reason)
    fields = [str(e.get("field") or "") for e in errors]
    if status == 404:
        for field in fields:
            if field in vocabulary.PAGE_MISSING:
                return _(vocabulary.PAGE_MISSING[field])
    named = [f for f in dict.fromkeys(fields) if f in vocabulary.PAGE_FIELDS]
    if status in (400, 422) and named:
        words = ", ".join(_(vocabulary.PAGE_FIELDS[f]) for f in named)
        return _("A value in the address is not valid: %(fields)s.", fields=words)
    text = (
        vocabulary.PAGE_STATUS.get(status) or vocabulary.PAGE_STATUS[500 if status >= 500 else 422]
    )
    return _(text)


def _ways_back(request: Request[Any, Any, Any], status: int) -> list[tuple[str, str]]:
    """Links out of the error: the page without its query (a filter that is not valid),
    the page the reader came from (same site only), and the start page."""
    _ = page_lang(request).gettext
    links: list[tuple[str, str]] = []
    here = request.url.path
    if status in (400, 422) and request.url.query and request.method == "GET":
        links.append((here, _("Open the page without these filters")))
    referer = request.headers.get("referer") or ""
    origin = f"{request.url.scheme}://{request.url.netloc}"
    if referer.startswith(origin + "/"):
        back = referer[len(origin) :]
        if back.split("?")[0] != here and back != "/":
            links.append((back, _("Back to the previous page")))
    links.append(("/", _("Back to the start page")))
    return links


def _error_page(
    request: Request[Any, Any, Any],
    status: int,
    errors: list[dict[str, Any]],
    headers: Mapping[str, str],
) -> Response[Any]:
    if status == 401:
        return to_signin(request)
    lang = page_lang(request)
    titles = {
        403: lang.gettext("You may not open this page"),
        404: lang.gettext("Not found"),
        409: lang.gettext("Not possible now"),
        429: lang.gettext("Too many attempts"),
    }
    title = titles.get(status) or (
        lang.gettext("Something went wrong") if status >= 500 else lang.gettext("Not possible")
    )
    return Template(
        "error.html",
        context=page_context(
            request,
            status=status,
            title=title,
            message=_page_message(lang, status, errors),
            links=_ways_back(request, status),
        ),
        status_code=status,
        headers=dict(headers),
    )


# --- exception handlers -------------------------------------------------------------------

# Model-level validators name their field as "field: message".
_FIELD_PREFIX = re.compile(r"^(?:Value error, )?(?P<field>[a-z_/\[\]0-9.]+): (?P<msg>.+)$", re.S)
_INDEX = re.compile(r"\.(\d+)(?=\.|$|/)")


def _answer(
    request: Request[Any, Any, Any],
    status: int,
    errors: list[dict[str, Any]],
    detail: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response[Any]:
    detail = detail or "; ".join(
        f"{e['field']}: {e['message']}" if e.get("field") else str(e["message"]) for e in errors
    )
    if is_page(request):
        return _error_page(request, status, errors, headers or {})
    return Response(
        {"status_code": status, "detail": detail, "errors": errors},
        status_code=status,
        media_type=MediaType.JSON,
        headers=dict(headers or {}),
    )


def domain_handler(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    status = status_of(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, Unauthenticated):
        headers["WWW-Authenticate"] = 'Bearer realm="opcoord"'
    if isinstance(exc, TooManyRequests):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, StaleVersion) and exc.current is not None:
        headers["ETag"] = f'"{exc.current}"'  # the current version's, as a GET gives it
    errors = [p.as_dict() for p in exc.problems]
    return _answer(request, status, errors, exc.message, headers)


def _field_errors(exc: ValidationException) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    extra: Any = exc.extra
    items = extra if isinstance(extra, list) else []
    # The validator's own error kinds (e.g. "greater_than_equal"), which pages translate.
    cause: Any = getattr(exc.__cause__, "errors", None)
    kinds = [str(e.get("type", "")) for e in cause] if isinstance(cause, list) else []
    if len(kinds) != len(items):
        kinds = []
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        field = str(item.get("key") or "")
        message = str(item.get("message") or "")
        match = _FIELD_PREFIX.match(message)
        if match:
            inner = match["field"]
            field = f"{field}.{inner}" if field and not field.endswith(inner) else inner
            message = match["msg"]
        field = _INDEX.sub(r"[\1]", field).replace(".[", "[")
        entry: dict[str, Any] = {
            "field": field or "body",  # no key: the body as a whole
            "message": message.removeprefix("Value error, "),
        }
        if kinds and kinds[n]:
            entry["type"] = kinds[n]
        out.append(entry)
    return out


def _public_names(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The names a client sent parameters under (``from``), by their Python names
    (``day_from``), so that errors name what the client wrote."""
    handler = request.scope.get("route_handler")
    names: dict[str, str] = {}
    try:
        parameters = handler.parsed_fn_signature.parameters
    except AttributeError:
        return names
    for name, parameter in parameters.items():
        kwarg = getattr(parameter, "kwarg_definition", None)
        for alias in (
            getattr(kwarg, "name", None),
            getattr(kwarg, "query", None),
            getattr(kwarg, "header", None),
        ):
            if alias:
                names[name] = alias
    return names


def validation_handler(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    errors = _field_errors(exc) or [{"field": "body", "message": str(exc.detail)}]
    aliases = _public_names(request)
    for e in errors:
        e["field"] = aliases.get(e["field"], e["field"])
    text = str(exc.detail).lower()
    status = 400 if "malformed" in text or "decode" in text else 422
    return _answer(request, status, errors)


def http_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """The framework's own refusals: no such route, a method not allowed, a body too
    large or unreadable."""
    extra: Any = exc.extra
    errors = extra.get("errors") if isinstance(extra, dict) else None
    if errors is None:
        errors = [{"field": "body", "message": exc.detail}] if exc.status_code in (400, 413) else []
    return _answer(request, exc.status_code, errors, exc.detail, exc.headers or {})


def nesting_handler(request: Request[Any, Any, Any], exc: RecursionError) -> Response[Any]:
    """A body nested deeper than any return is refused (the decoder gave up on it)."""
    log.info("refused a body nested too deeply on %s %s", request.method, request.url.path)
    return _answer(request, 400, [{"field": "body", "message": "the JSON is nested too deeply"}])


def database_down_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The database cannot be reached right now: 503, so clients retry."""
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
    return _answer(
        request,
        503,
        [{"field": "", "message": "the database is unavailable; try again shortly"}],
        headers={"Retry-After": "5"},
    )


def _form_field_being_decoded(exc: BaseException) -> str | None:
    """The multipart field whose bytes ``exc`` failed to decode as text, when it was
    raised in the framework's form parser (Litestar 2 decodes each field in
    ``parse_multipart_form`` and lets the codec's error through)."""
    if not isinstance(exc, UnicodeError | LookupError):
        return None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_name == "parse_multipart_form":
            segment = tb.tb_frame.f_locals.get("segment")
            return str(getattr(segment, "name", None) or "body")
        tb = tb.tb_next
    return None


def internal_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if _database_down(exc):
        return database_down_handler(request, exc)
    field = _form_field_being_decoded(exc)
    if field is not None:  # a form field that is not text in its charset: the client's
        message = "not text in its charset (UTF-8 unless the part names another)"
        return _answer(request, 400, [{"field": field, "message": message, "type": "encoding"}])
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    if is_page(request):
        return _error_page(request, 500, [], {})
    return Response(
        {"status_code": 500, "detail": "internal server error", "errors": []},
        status_code=500,
        media_type=MediaType.JSON,
    )


def _database_down(exc: BaseException) -> bool:
    """A lost or refused database connection, or a lock not granted in time (not a bug
    in a query): the client should try again."""
    from sqlalchemy.exc import DBAPIError, InterfaceError

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConnectionError | TimeoutError | InterfaceError):
            return True
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        name = type(current).__name__
        if name in (
            "ConnectionDoesNotExistError",
            "CannotConnectNowError",
            "PostgresConnectionError",
            # Busy rather than down, and as passing: lock_timeout, a deadlock victim.
            "LockNotAvailableError",
            "DeadlockDetectedError",
        ):
            return True
        current = current.__cause__ or current.__context__
    return False


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    DomainError: domain_handler,
    ValidationException: validation_handler,
    HTTPException: http_handler,
    RecursionError: nesting_handler,
    Exception: internal_handler,
}
