"""Applying a validated file as one new version of the day's return.

The file becomes one version through ``returns.submit_return``, the same action as the
PUT: the file's rows replace the day's seizures, the counters, facilitating items and
notes of the current version are kept. An identical re-upload has the same content
hash, so it creates no version; lateness and amendment rules are the PUT's.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

import anyio.to_thread

from opcoord.accounts.identity import Caller
from opcoord.db import Database
from opcoord.errors import Conflict, DomainError, FieldProblem, NotFound, StaleVersion, TooLarge
from opcoord.operations import returns
from opcoord.operations.imports.parse import (
    _SEIZURE_FIELD,
    MAX_AMENDMENT_REASON,
    MAX_BYTES,
    RowError,
    _file_error,
    parse,
    refused,
)
from opcoord.operations.schemas import ReturnIn, ReturnPublic, SeizureIn


def build_return(
    current: ReturnPublic | None, seizures: list[SeizureIn], amendment_reason: str | None
) -> ReturnIn:
    """The file's seizures with the current version's counters, items and notes."""
    if current is None:
        return ReturnIn(seizures=seizures, amendment_reason=amendment_reason)
    return ReturnIn(
        counters=current.counters,
        facilitating_items=current.facilitating_items,
        notes=current.notes,
        seizures=seizures,
        amendment_reason=amendment_reason,
    )


def _row_errors(exc: DomainError, rows: list[int]) -> DomainError:
    """An action's error, with ``seizures[i].field`` turned back into the file's row."""
    mapped: list[FieldProblem] = []
    for problem in exc.problems:
        match = _SEIZURE_FIELD.match(problem.field)
        if match and int(match["i"]) < len(rows):
            row = rows[int(match["i"])]
            mapped.append(RowError(row, match["field"] or "row", problem.message))
        else:
            mapped.append(RowError(None, problem.field, problem.message))
    detail = "; ".join(
        (f"row {e.row}: " if e.row else "") + (f"{e.field}: " if e.field else "") + e.message
        for e in mapped
    )
    return refused(detail, mapped, type(exc))


async def current_version(
    db: Database, code: str, country: str, day: date, now: datetime
) -> ReturnPublic | None:
    try:
        return await returns.get_return(db, code, country, day, None, now)
    except NotFound as exc:
        if exc.field == "day":
            return None  # no return yet for that day
        raise


@dataclass(slots=True)
class ImportResult:
    submitted: returns.Submitted
    kind: Literal["csv", "xlsx"]
    rows: list[int] = field(default_factory=list)


async def import_seizures(
    db: Database,
    caller: Caller,
    code: str,
    country: str,
    day: date,
    content: bytes,
    amendment_reason: str | None,
    now: datetime,
    if_match: int | None = None,
) -> ImportResult:
    """Validate the whole file, then apply it as one version of the day's return."""
    reason = (amendment_reason or "").strip() or None
    if reason is not None and len(reason) > MAX_AMENDMENT_REASON:
        raise refused(
            f"amendment_reason: at most {MAX_AMENDMENT_REASON} characters",
            [RowError(None, "amendment_reason", f"at most {MAX_AMENDMENT_REASON} characters")],
        )
    if len(content) > MAX_BYTES:
        raise _file_error(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB", TooLarge)
    current = await current_version(db, code, country, day, now)
    # The day ledger's answer, before the file is read: a locked day takes no import.
    await returns.check_unlocked(db, code, country, day, now)
    # openpyxl and csv are plain Python: keep the event loop (live dashboards) responsive.
    parsed = await anyio.to_thread.run_sync(parse, content)
    data = build_return(current, parsed.seizures, reason)
    # Unless the client names a version, the import applies to the version it was built
    # from: a submission racing in between is not silently overwritten.
    expected = if_match if if_match is not None else (current.version if current else None)
    try:
        submitted = await returns.submit_return(
            db, caller, code, country, day, data, expected, now, via="import"
        )
    except StaleVersion:
        if if_match is not None:
            raise
        raise refused(
            "the return changed while the file was being imported; upload it again",
            [RowError(None, "file", "the return changed during the import; upload it again")],
            Conflict,
        ) from None
    except DomainError as exc:
        if exc.problems and exc.problems[0].kind == "day_locked":
            raise  # the lock's own answer, naming it and who can lift it
        raise _row_errors(exc, parsed.rows) from None
    return ImportResult(submitted, parsed.kind, parsed.rows)
