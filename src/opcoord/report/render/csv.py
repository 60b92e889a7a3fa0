"""Seizures as CSV, streamed in chunks (header first) for a large operation.

Formula injection: a spreadsheet opening the file runs any cell that starts with
``= + - @`` (and, in some, TAB or CR) as a formula. Such *text* cells get a leading
apostrophe, the convention Excel and LibreOffice themselves use for "this is text"
(OWASP's CSV-injection advice). Numbers are written as numbers and never prefixed, so a
longitude of -3.7 stays -3.7; only strings such as a reference ``"=HYPERLINK(...)"``
become ``"'=HYPERLINK(...)"``. Consumers that need the raw text should use the XLSX
export, where such strings are stored as text cells without any prefix.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any, Literal

Kind = Literal["text", "int", "num", "date", "bool"]

#: Export columns of one seizure, in order, with the kind of value each holds.
SEIZURE_COLUMNS: tuple[tuple[str, Kind], ...] = (
    ("country", "text"),
    ("day", "date"),
    ("ref", "text"),
    ("category", "text"),
    ("hs_code", "text"),  # a code, not a quantity: "9705" keeps any leading zero as text
    ("quantity", "int"),
    ("description", "text"),
    ("place_type", "text"),
    ("place_name", "text"),
    ("lat", "num"),
    ("lon", "num"),
    ("conveyance", "text"),
    ("online", "bool"),
    ("origin_country", "text"),
    ("departure_country", "text"),
    ("destination_country", "text"),
    ("estimated_value", "num"),
    ("currency", "text"),
)
#: Columns left out of the partner edition: the free text of returns (the rows come
#: redacted by report/redaction.py already; the columns are not even offered).
PARTNER_OMITTED = frozenset({"ref", "description", "place_name"})
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: Rows converted at a time by the exports (the CSV yields a chunk of text for each).
CHUNK_ROWS = 2_000


class SeizureTable:
    """Seizures a column at a time: each column's values in row order (the exports read
    them so, a chunk of rows at a time, without a mapping per row). Columns not given
    are empty."""

    __slots__ = ("columns", "count")

    def __init__(self, columns: Mapping[str, Sequence[Any]], count: int) -> None:
        self.columns, self.count = columns, count

    @classmethod
    def of(cls, rows: Iterable[Mapping[str, Any]]) -> SeizureTable:
        """The table of ``rows`` (mappings by column name)."""
        listed = list(rows)
        keys = {key for row in listed for key in row}
        return cls({key: [row.get(key) for row in listed] for key in keys}, len(listed))


Seizures = Iterable[Mapping[str, Any]] | SeizureTable


def column_chunks(
    seizures: Seizures, names: Sequence[str], size: int
) -> Iterator[list[Sequence[Any]]]:
    """The values of the columns ``names``, ``size`` rows at a time."""
    if isinstance(seizures, SeizureTable):
        for start in range(0, seizures.count, size):
            n = min(size, seizures.count - start)
            yield [
                seizures.columns[name][start : start + n]
                if name in seizures.columns
                else [None] * n
                for name in names
            ]
        return
    rows = iter(seizures)
    while chunk := list(islice(rows, size)):
        yield [[row.get(name) for row in chunk] for name in names]


def seizure_columns(audience: str = "full") -> list[tuple[str, Kind]]:
    """The columns exported for ``audience`` ("full" or "partner")."""
    if audience not in ("full", "partner"):
        raise ValueError(f"unknown audience {audience!r}")
    if audience == "full":
        return list(SEIZURE_COLUMNS)
    return [(name, kind) for name, kind in SEIZURE_COLUMNS if name not in PARTNER_OMITTED]


def neutralise(text: str) -> str:
    """Prefix an apostrophe to text a spreadsheet would otherwise evaluate."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _cell(value: Any) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    return neutralise(str(value))


def _column(values: Sequence[Any]) -> list[Any]:
    """``_cell`` of every value of one column, with its common cases (text, numbers,
    empty) inline: a call per cell was most of a large export's time. None stays None,
    which the writer writes as an empty field, as ``_cell``'s ``""``."""
    return [
        value
        if value is None or (kind := value.__class__) is int or kind is float
        else ("'" + value if value.startswith(FORMULA_TRIGGERS) else value)
        if kind is str
        else _cell(value)
        for value in values
    ]


def iter_seizures_csv(seizures: Seizures, *, audience: str = "full") -> Iterator[str]:
    """Yield the CSV text of ``seizures`` (mappings, or a ``SeizureTable``): the header
    row, then chunks of rows.

    RFC 4180 (comma, double quotes, CRLF). Keys outside :data:`SEIZURE_COLUMNS` are
    ignored; ``audience="partner"`` drops the ``ref`` and ``description`` columns.
    Each chunk is converted a column at a time.
    """
    names = [name for name, _ in seizure_columns(audience)]
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(names)
    yield buf.getvalue()
    for columns in column_chunks(seizures, names, CHUNK_ROWS):
        buf.seek(0)
        buf.truncate()
        writer.writerows(zip(*map(_column, columns), strict=True))
        yield buf.getvalue()
