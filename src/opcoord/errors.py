"""The domain's errors. Actions raise these; the HTTP edge (``web.py``) maps them to
status codes, the command line to one-line messages. Nothing here knows about HTTP.

Every error names the field it is about where there is one, and carries a stable
``kind`` that pages translate (``errors[].type`` in the API), so a contact point's tool
can show the message next to what is wrong.
"""

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One thing wrong with the input: where, what, and a stable code for translations."""

    field: str
    message: str
    kind: str | None = None
    # dataclasses.field: the name ``field`` is this class's first attribute.
    context: dict[str, str | int] = dataclasses.field(default_factory=dict)
    row: int | None = None  # a spreadsheet row (the header is row 1), for file imports
    in_file: bool = False  # about an uploaded file: ``row`` is always given, null for the file

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"field": self.field, "message": self.message}
        if self.in_file:
            out["row"] = self.row
        if self.kind:
            out["type"] = self.kind
        out.update(self.context)
        return out


class DomainError(Exception):
    """Base of every error an action raises on purpose."""

    def __init__(
        self,
        message: str,
        field: str | None = None,
        kind: str | None = None,
        *,
        problems: list[FieldProblem] | None = None,
        **context: str,
    ) -> None:
        super().__init__(message)
        self.message = message
        if problems is None:
            problems = [FieldProblem(field or "", message, kind, dict(context))]
        self.problems = problems

    @property
    def field(self) -> str:
        return self.problems[0].field if self.problems else ""


class Invalid(DomainError):
    """The content is refused (422): a value out of range, a rule of the domain broken."""


class Malformed(DomainError):
    """The request cannot be read at all (400)."""


class NotFound(DomainError):
    """What was asked for does not exist (404)."""


class Conflict(DomainError):
    """The state does not allow it (409): a closed operation, a locked day."""


class StaleVersion(DomainError):
    """``If-Match`` names a version that is no longer current, or ``If-None-Match: *``
    meets a return that exists (412). ``current`` is the current version, if any: the
    answer carries it (``errors[0].current_version`` and the ``ETag``), so that a client
    holding a draft can fetch it and show the person what changed."""

    def __init__(self, message: str, current: int | None = None) -> None:
        context: dict[str, str | int] = {} if current is None else {"current_version": current}
        super().__init__(
            message, problems=[FieldProblem("If-Match", message, "stale_version", context)]
        )
        self.current = current


class TooLarge(DomainError):
    """The upload is larger than allowed (413)."""


class Unauthenticated(DomainError):
    """No valid credentials (401)."""

    def __init__(self, message: str = "sign in, or send a valid API token") -> None:
        super().__init__(message, "Authorization", "unauthenticated")


class Forbidden(DomainError):
    """The caller's role, country or state does not allow this (403)."""

    def __init__(self, message: str, kind: str = "forbidden") -> None:
        super().__init__(message, "", kind)


class TooManyRequests(DomainError):
    """Too many attempts (429); ``retry_after`` in seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, "", "too_many_requests")
        self.retry_after = retry_after


def invalid(field: str, message: str, kind: str | None = None, **context: str) -> Invalid:
    return Invalid(message, field, kind, problems=None, **context)


def not_found(field: str, message: str) -> NotFound:
    return NotFound(message, field, "not_found")


def conflict(
    message: str, field: str | None = None, kind: str = "conflict", **context: str
) -> Conflict:
    return Conflict(message, field, kind, problems=None, **context)
