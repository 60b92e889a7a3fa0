"""Watchlists: uploading a list of stolen or wanted objects, and listing them.

A file is read with the same defences as the seizure import (size cap, zip-bomb and
XML-entity checks, formulas refused) and validated as a whole: with any error nothing
is stored and every error names its spreadsheet row and column. A list is known by its
name; an upload whose objects equal the current version's changes nothing (200), one
that differs becomes the list's next version (201), and every version stays.
"""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from opcoord import codes
from opcoord.accounts.identity import Caller
from opcoord.audit import log as audit
from opcoord.db import Database, pk
from opcoord.errors import FieldProblem, Invalid, TooLarge, invalid
from opcoord.intel.models import Watchlist, WatchlistObject, WatchlistVersion
from opcoord.operations.enums import Category
from opcoord.operations.imports.parse import (
    FORMULA,
    Cell,
    RowError,
    blank,
    column_name,
    file_error,
    open_rows,
    refused,
)

COLUMNS: tuple[str, ...] = (
    "object_id",
    "category",
    "title",
    "description",
    "materials",
    "period",
    "inscriptions",
    "dimensions",
    "country_of_theft",
    "date_of_theft",
)
LIMITS = {
    "object_id": 100,
    "title": 500,
    "description": 4000,
    "materials": 500,
    "period": 200,
    "inscriptions": 1000,
    "dimensions": 200,
}
MAX_ERRORS = 200  # listed in one refusal; the count says how many there were
MAX_NAME = 200
CATEGORIES = frozenset(str(c) for c in Category)


@dataclass(frozen=True, slots=True)
class Uploaded:
    watchlist: Watchlist
    version: WatchlistVersion
    created: bool  # a new list or a new version; False: the same objects again
    ignored_columns: list[str]


def _text(column: str, cell: Cell) -> tuple[str | None, str | None]:
    """A cell as text, or the reason it is refused."""
    if cell.formula:
        return None, FORMULA
    if cell.error:
        return None, f"the cell holds a spreadsheet error ({cell.value})"
    value = cell.value
    if value is None:
        return None, None
    if isinstance(value, bool):
        return None, "a true/false value is not expected here"
    if isinstance(value, datetime | date):
        if column == "date_of_theft":
            return (value.date() if isinstance(value, datetime) else value).isoformat(), None
        return None, "a date is not expected here"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = " ".join(str(value).split())
    if text == "" or set(text) == {"-"}:
        return None, None
    if text[0] in "=+-@":
        return None, FORMULA
    if len(text) > LIMITS.get(column, 1000):
        return None, f"at most {LIMITS.get(column, 1000)} characters"
    return text, None


def _value(column: str, text: str) -> tuple[Any, str | None]:
    if column == "category":
        key = text.lower().replace(" ", "_")
        if key not in CATEGORIES:
            return None, "must be one of " + ", ".join(sorted(CATEGORIES))
        return key, None
    if column == "country_of_theft":
        try:
            return codes.country(text), None
        except ValueError as exc:
            return None, str(exc)
    if column == "date_of_theft":
        try:
            return date.fromisoformat(text[:10]), None
        except ValueError:
            return None, "must be a date written YYYY-MM-DD"
    return text, None


def _header(cells: list[Cell], row: int) -> tuple[dict[int, str], list[str], list[FieldProblem]]:
    columns: dict[int, str] = {}
    ignored: list[str] = []
    errors: list[FieldProblem] = []
    for i, cell in enumerate(cells):
        if blank(cell):
            continue
        name = column_name(cell.value)
        if name in COLUMNS and name in columns.values():
            errors.append(RowError(row, name, "this column appears twice"))
        elif name in COLUMNS:
            columns[i] = name
        else:
            ignored.append(str(cell.value).strip()[:64])
    if "object_id" not in columns.values():
        errors.append(RowError(row, "object_id", "required column is missing"))
    return columns, ignored, errors


def read(
    content: bytes, *, max_bytes: int, max_objects: int
) -> tuple[list[dict[str, Any]], list[str]]:
    """Every object of an uploaded list, validated as a whole; the ignored columns."""
    if len(content) > max_bytes:
        raise file_error(f"the file is larger than {max_bytes // (1024 * 1024)} MB", TooLarge)
    with open_rows(
        content, known=COLUMNS, sheet_name="watchlist", max_uncompressed=max(max_bytes * 8, 1)
    ) as (_kind, rows):
        return _objects(rows, max_objects)


def _objects(
    rows: Iterator[tuple[int, list[Cell]]], max_objects: int
) -> tuple[list[dict[str, Any]], list[str]]:
    header_row, header = next(((n, r) for n, r in rows if not all(map(blank, r))), (1, []))
    if not header:
        raise file_error("the file has no header row naming its columns (object_id, ...)")
    columns, ignored, errors = _header(header, header_row)
    if "object_id" not in columns.values():
        raise refused("object_id: the first row must name the column object_id", errors)
    objects: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    problems = 0
    for number, cells in rows:
        if all(map(blank, cells)):
            continue
        if len(objects) >= max_objects:
            raise file_error(f"the file has more than {max_objects} objects; split it")
        values: dict[str, Any] = {}
        failed: set[str] = set()
        for i, column in columns.items():
            cell = cells[i] if i < len(cells) else Cell(None)
            text, problem = _text(column, cell)
            if problem is None and text is not None:
                values[column], problem = _value(column, text)
            if problem is not None:
                failed.add(column)
                problems += 1
                if len(errors) < MAX_ERRORS:
                    errors.append(RowError(number, column, problem))
        oid = values.get("object_id")
        if oid is None and "object_id" not in failed:
            problems += 1
            if len(errors) < MAX_ERRORS:
                errors.append(RowError(number, "object_id", "every object needs its object_id"))
        elif oid is not None and oid in seen:
            problems += 1
            if len(errors) < MAX_ERRORS:
                errors.append(
                    RowError(
                        number, "object_id", f"{oid!r} appears twice: rows {seen[oid]} and {number}"
                    )
                )
        elif oid is not None:
            seen[oid] = number
        objects.append(values)
    if errors:
        count = max(problems, len(errors))
        raise refused(
            f"the file has {count} error{'s' if count > 1 else ''}; nothing was stored", errors
        )
    if not objects:
        raise file_error("the file has no objects below its header row")
    return objects, ignored


def content_hash(objects: list[dict[str, Any]]) -> str:
    """The same objects give the same hash, whatever the order, format or spacing."""
    plain = sorted(json.dumps(o, sort_keys=True, default=str, ensure_ascii=False) for o in objects)
    return hashlib.sha256("\n".join(plain).encode()).hexdigest()


def _name(name: str | None) -> str:
    text = " ".join((name or "").split())
    if not text:
        raise invalid("name", "give the list a name (e.g. INTERPOL Stolen Works of Art)")
    if len(text) > MAX_NAME:
        raise invalid("name", f"at most {MAX_NAME} characters")
    if text[0] in "=+-@":
        raise invalid("name", FORMULA)
    return text


async def upload(
    db: Database,
    caller: Caller,
    name: str | None,
    filename: str | None,
    content: bytes,
    now: datetime,
    *,
    max_bytes: int,
    max_objects: int,
) -> Uploaded:
    """Store a list (or its next version); refuse the file as a whole on any error."""
    title = _name(name)
    objects, ignored = read(content, max_bytes=max_bytes, max_objects=max_objects)
    digest = content_hash(objects)
    async with db.write() as session:
        wl = await session.scalar(sa.select(Watchlist).where(col(Watchlist.name) == title))
        current = None
        if wl is None:
            wl = Watchlist(name=title, created_at=now, created_by=caller.id)
            session.add(wl)
            await session.flush()
        else:
            current = await current_version(session, wl)
            if current is not None and current.content_hash == digest:
                return Uploaded(wl, current, created=False, ignored_columns=ignored)
            if current is not None:
                current.is_current = False
        assert wl.id is not None
        version = WatchlistVersion(
            watchlist_id=wl.id,
            version=(current.version + 1) if current else 1,
            objects=len(objects),
            content_hash=digest,
            uploaded_at=now,
            uploaded_by=caller.id,
            filename=(filename or "")[:200],
        )
        session.add(version)
        await session.flush()
        assert version.id is not None
        rows = [
            {c: o.get(c, "" if c in LIMITS else None) for c in COLUMNS} | {"version_id": version.id}
            for o in objects
        ]
        for start in range(0, len(rows), 5000):
            await session.execute(sa.insert(WatchlistObject), rows[start : start + 5000])
        await audit.record(
            session,
            "watchlist.upload",
            now,
            object=f"watchlist {title} version {version.version}",
            detail={"objects": len(objects), "filename": version.filename, "sha256": digest},
        )
    return Uploaded(wl, version, created=True, ignored_columns=ignored)


async def current_version(session: AsyncSession, wl: Watchlist) -> WatchlistVersion | None:
    return await session.scalar(
        sa.select(WatchlistVersion).where(
            col(WatchlistVersion.watchlist_id) == wl.id, col(WatchlistVersion.is_current)
        )
    )


async def listing(db: Database) -> list[dict[str, Any]]:
    """Every list with its current size and its versions, newest first."""
    async with db.read() as session:
        lists = list(await session.scalars(sa.select(Watchlist).order_by(col(Watchlist.name))))
        versions = list(
            await session.scalars(
                sa.select(WatchlistVersion).order_by(
                    col(WatchlistVersion.watchlist_id), col(WatchlistVersion.version).desc()
                )
            )
        )
    out = []
    for wl in lists:
        mine = [v for v in versions if v.watchlist_id == wl.id]
        current = next((v for v in mine if v.is_current), None)
        out.append(
            {
                "id": wl.id,
                "name": wl.name,
                "objects": current.objects if current else 0,
                "version": current.version if current else 0,
                "updated_at": current.uploaded_at if current else wl.created_at,
                "versions": [
                    {
                        "version": v.version,
                        "objects": v.objects,
                        "uploaded_at": v.uploaded_at,
                        "current": v.is_current,
                        "filename": v.filename,
                    }
                    for v in mine
                ],
            }
        )
    return out


async def exists(session: AsyncSession, watchlist_id: int) -> bool:
    return (
        await session.scalar(sa.select(pk(Watchlist)).where(pk(Watchlist) == watchlist_id))
    ) is not None


__all__ = ["COLUMNS", "Invalid", "Uploaded", "content_hash", "listing", "read", "upload"]
