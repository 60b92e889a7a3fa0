"""Everyday mistakes in one line: a database that cannot be reached or opened, a file
that cannot be written. Used by the command line instead of a traceback."""

import errno
import sqlite3
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, OperationalError


def explain(exc: BaseException) -> str | None:
    """A one-line explanation of ``exc`` for a person, or None when it is a real bug."""
    for found in _chain(exc):
        if isinstance(found, ValidationError) and found.title == "Settings":
            return "; ".join(_setting_problem(e) for e in found.errors())
        if isinstance(found, ConnectionRefusedError | TimeoutError):
            return f"cannot reach the database server ({found}); is PostgreSQL running?"
        if isinstance(found, PermissionError):
            return f"permission denied: {found.filename or found}"
        if isinstance(found, OSError) and found.errno in (errno.ENOENT, errno.ENOTDIR):
            return f"no such file or folder: {found.filename or found}"
        if isinstance(found, OSError) and found.errno == errno.ENOSPC:
            return "the disk is full"
        if isinstance(found, sqlite3.OperationalError):
            return f"cannot use the SQLite database: {found}"
        name = type(found).__name__
        if name == "InvalidCatalogNameError":  # asyncpg: the database does not exist
            return f"the database does not exist: {found}"
        if name in ("InvalidPasswordError", "InvalidAuthorizationSpecificationError"):
            return f"the database refused the credentials: {found}"
        if isinstance(found, OperationalError | DBAPIError):
            first = str(found.orig if found.orig is not None else found).splitlines()[0]
            return f"database error: {first}"
    return None


def _setting_problem(error: Any) -> str:
    """``OPCOORD_ADMIN_TOKEN must be at least 16 characters`` from pydantic's error."""
    name = "OPCOORD_" + "_".join(str(p) for p in error.get("loc", ())).upper()
    message = str(error.get("msg", "is not valid")).removeprefix("Value error, ")
    return message if message.startswith(name) else f"{name}: {message}"


def _chain(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    seen = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        out.append(current)
        current = current.__cause__ or current.__context__
    return out
