"""Client errors with one body shape.

``{"status_code", "detail", "errors": [{"field", "message"}]}``.

Every 4xx names the offending field where there is one, so a contact point's tool can
show the message next to what is wrong.
"""

import logging
import re
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

log = logging.getLogger(__name__)

# Model-level validators name their field as "field: message".
_FIELD_PREFIX = re.compile(r"^(?:Value error, )?(?P<field>[a-z_/\[\]0-9.]+): (?P<msg>.+)$", re.S)


_INDEX = re.compile(r"\.(\d+)(?=\.|$|/)")


class ClientError(HTTPException):
    """A 4xx raised by an action, naming the field it is about."""

    def __init__(
        self,
        status_code: int,
        detail: str,
        field: str | None = None,
        kind: str | None = None,
        **context: str,
    ) -> None:
        # ``type`` is a stable code pages translate; ``context`` holds values it mentions.
        error: dict[str, str] = {"field": field or "", "message": detail}
        if kind:
            error["type"] = kind
        error.update(context)
        super().__init__(detail=detail, status_code=status_code, extra={"errors": [error]})


def invalid(field: str, message: str, kind: str | None = None, **context: str) -> ClientError:
    return ClientError(422, message, field, kind, **context)


def not_found(field: str, message: str) -> ClientError:
    return ClientError(404, message, field)


def conflict(message: str, field: str | None = None) -> ClientError:
    return ClientError(409, message, field)


def precondition_failed(message: str) -> ClientError:
    return ClientError(412, message, "If-Match")


def _field_errors(exc: ValidationException) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    extra: Any = exc.extra
    # The validator's own error kinds (e.g. "greater_than_equal"), which pages translate.
    cause: Any = getattr(exc.__cause__, "errors", None)
    kinds = [str(e.get("type", "")) for e in cause] if isinstance(cause, list) else []
    if len(kinds) != len(extra if isinstance(extra, list) else []):
        kinds = []
    for n, item in enumerate(extra if isinstance(extra, list) else []):
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
        message = message.removeprefix("Value error, ")
        if not field:  # the error is about the body as a whole
            field = "body"
        entry = {"field": field, "message": message}
        if kinds and kinds[n]:
            entry["type"] = kinds[n]
        out.append(entry)
    return out


def validation_handler(_: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    errors = _field_errors(exc)
    # Litestar reports an unparsable body as a 400 without a key.
    if not errors:
        errors = [{"field": "body", "message": str(exc.detail)}]
    status = (
        400
        if "malformed" in str(exc.detail).lower() or "decode" in str(exc.detail).lower()
        else 422
    )
    detail = "; ".join(
        f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors
    )
    return Response(
        {"status_code": status, "detail": detail, "errors": errors},
        status_code=status,
        media_type=MediaType.JSON,
    )


def http_handler(_: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    extra: Any = exc.extra
    errors = extra.get("errors") if isinstance(extra, dict) else None
    body: dict[str, Any] = {"status_code": exc.status_code, "detail": exc.detail}
    if errors is None:
        # Litestar's own 400s (an unparsable body) carry no field: the body is at fault.
        errors = [{"field": "body", "message": exc.detail}] if exc.status_code in (400, 413) else []
    body["errors"] = errors
    return Response(
        body, status_code=exc.status_code, media_type=MediaType.JSON, headers=exc.headers
    )


def internal_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return Response(
        {"status_code": 500, "detail": "internal server error", "errors": []},
        status_code=HTTP_500_INTERNAL_SERVER_ERROR,
        media_type=MediaType.JSON,
    )
