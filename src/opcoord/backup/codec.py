"""Stored values to JSON and back, by the column's type, so that a value read from one
database is written unchanged into the other: datetimes as ISO 8601 with their offset,
dates as ISO dates, decimals as strings (exact), JSON columns as they are.

Decoding checks each value against its column, so a hand-edited file is refused with the
table, row and column named instead of failing inside the database driver.
"""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from opcoord.errors import Invalid


def encode(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:  # opcoord stores aware UTC; a naive one is a bug
            raise ValueError(f"naive datetime {value} in the database")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        raise TypeError("bytes are carried as members of their own, not in rows")
    return value


def _python_type(column: sa.Column[Any]) -> type | None:
    kind: Any = column.type
    if isinstance(kind, sa.TypeDecorator):  # sqlmodel's AutoString, UTCDateTime
        kind = kind.impl_instance
    if isinstance(kind, sa.JSON):
        return None  # any JSON value
    try:
        found: type = kind.python_type
    except NotImplementedError:
        return None
    return found


def decode(column: sa.Column[Any], value: Any, where: str) -> Any:
    """The Python value of ``column`` from its JSON form; ``where`` names the row."""
    if value is None:
        if not column.nullable and not column.primary_key:
            raise Invalid(f"{where}: {column.name} is empty but may not be")
        return None
    kind = _python_type(column)
    try:
        if kind is datetime:
            parsed = datetime.fromisoformat(value)
            if parsed.tzinfo is None:
                raise ValueError("no UTC offset")
            return parsed
        if kind is date:
            return date.fromisoformat(value)
        if kind is Decimal:
            return Decimal(value)
        if kind is float:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError("not a number")
            return float(value)
        if kind is bool:
            if not isinstance(value, bool):
                raise ValueError("not true or false")
            return value
        if kind is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError("not an integer")
            return value
        if kind is str:
            if not isinstance(value, str):
                raise ValueError("not text")
            return value
    except (TypeError, ValueError, InvalidOperation) as exc:
        raise Invalid(f"{where}: {column.name} has an unreadable value {value!r} ({exc})") from None
    return value
