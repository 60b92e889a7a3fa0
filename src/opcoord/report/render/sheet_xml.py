"""The workbook's Seizures sheet written as its own XML: a hundred thousand rows in
seconds, where xlsxwriter's per-cell calls took most of the report's build.

xlsxwriter still writes the sheet's frame (columns, header, frozen row, autofilter) and
one probe row holding a cell of each style the rows use; after the workbook is closed,
the probe row is replaced by the rows written here, whose cells take the probe's style
numbers. The rows follow xlsxwriter's own rules for the same values (see ``_Writer.cell``
in ``xlsx.py``): text is an inline string, never a formula (there is no ``<f>`` here), and
text that starts like a formula also carries the quote-prefix style; control characters
are written as Excel's ``_xHHHH_`` escapes; dates are serial days, numbers plain.
"""

import datetime as dt
import io
import math
import re
import tempfile
import zipfile
from collections.abc import Sequence
from functools import cache
from typing import IO, Any

from opcoord.report.render.csv import CHUNK_ROWS, Seizures, column_chunks

#: Tokens standing for the probe's style numbers until they are known. Text cannot
#: contain them: its quotes are escaped.
STYLE_TOKENS = {"date": '"@D"', "int": '"@I"', "num": '"@N"', "guarded": '"@G"'}
#: The probe row's cells, in this order, from column A.
PROBE_ORDER = ("date", "int", "num", "guarded")

_EPOCH = dt.date(1899, 12, 30)  # Excel's day 0 for dates after 1900-02-28
_CONTROL = re.compile(r"[\x00-\x08\x0B-\x1F]")
_ESCAPED = re.compile(r"_x[0-9a-fA-F]{4}_")
_XML = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})
_SPECIAL = re.compile(r'[\x00-\x08\x0B-\x1F&<>"]|_x[0-9a-fA-F]{4}_')


def column_letters(n: int) -> list[str]:
    out = []
    for i in range(n):
        name, k = "", i + 1
        while k:
            k, r = divmod(k - 1, 26)
            name = chr(65 + r) + name
        out.append(name)
    return out


def _text(value: str) -> str:
    if not _SPECIAL.search(value):  # most text: nothing to escape
        return value
    if _ESCAPED.search(value):  # a literal "_x0041_" must not read as an escape
        value = _ESCAPED.sub(lambda m: "_x005F" + m.group(0), value)
    if _CONTROL.search(value):
        value = _CONTROL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", value)
    return value.translate(_XML)


def _number(value: float | int) -> str | None:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return repr(value) if isinstance(value, float) else str(value)


def _serial(value: Any) -> int:
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    if isinstance(day, dt.datetime):
        day = day.date()
    return (day - _EPOCH).days


def _cell(kind: str, letter: str, n: int, value: Any, triggers: tuple[str, ...]) -> str:
    """One cell as xlsxwriter's ``cell()`` would write it ("" for none): the rules in
    full, for the values ``_column`` does not write itself."""
    kind_of = type(value)
    # The order of xlsxwriter's cell(): empty, bool, date, number, else text.
    if value is None or value == "":
        return ""
    if kind_of is str and kind != "date":
        text: str = value
    elif kind_of is bool:
        return f'<c r="{letter}{n}" t="b"><v>{int(value)}</v></c>'
    elif kind == "date" or isinstance(value, dt.date):
        return f'<c r="{letter}{n}" s={STYLE_TOKENS["date"]}><v>{_serial(value)}</v></c>'
    elif isinstance(value, int | float) and kind != "text":
        number = _number(value)
        if number is None:
            return ""
        style = STYLE_TOKENS["int" if kind == "int" else "num"]
        return f'<c r="{letter}{n}" s={style}><v>{number}</v></c>'
    else:
        text = str(value)
    guard = f" s={STYLE_TOKENS['guarded']}" if text.startswith(triggers) else ""
    space = ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else ""
    return f'<c r="{letter}{n}" t="inlineStr"{guard}><is><t{space}>{_text(text)}</t></is></c>'


@cache
def _awkward(triggers: tuple[str, ...]) -> re.Pattern[str]:
    """Text that needs the guard, xml:space or an escape: what ``_column`` leaves to
    ``_cell``."""
    return re.compile("^[" + re.escape("".join(triggers)) + r"\s]|\s$|" + _SPECIAL.pattern)


def _column(
    kind: str, letter: str, values: Sequence[Any], first: int, triggers: tuple[str, ...]
) -> list[str]:
    """The cells of one column, from row ``first``. The common values (plain text,
    finite numbers, dates, empty) are written inline, each exactly as ``_cell`` writes
    it; anything else goes through ``_cell``. A call per cell was most of the time."""
    cell = _cell
    if kind == "text":
        awkward = _awkward(triggers).search
        return [
            ""
            if value is None
            else f'<c r="{letter}{n}" t="inlineStr"><is><t>{value}</t></is></c>'
            if value.__class__ is str and value and not awkward(value)
            else cell(kind, letter, n, value, triggers)
            for n, value in enumerate(values, first)
        ]
    if kind in ("int", "num"):
        style = STYLE_TOKENS["int" if kind == "int" else "num"]
        return [
            ""
            if value is None
            else f'<c r="{letter}{n}" s={style}><v>{value}</v></c>'
            if value.__class__ is int
            else f'<c r="{letter}{n}" s={style}><v>{value!r}</v></c>'
            if value.__class__ is float and value - value == 0  # finite
            else cell(kind, letter, n, value, triggers)
            for n, value in enumerate(values, first)
        ]
    if kind == "date":
        style = STYLE_TOKENS["date"]
        return [
            ""
            if value is None
            else f'<c r="{letter}{n}" s={style}><v>{(value - _EPOCH).days}</v></c>'
            if value.__class__ is dt.date
            else cell(kind, letter, n, value, triggers)
            for n, value in enumerate(values, first)
        ]
    return [cell(kind, letter, n, value, triggers) for n, value in enumerate(values, first)]


def write_rows(
    out: IO[str],
    specs: Sequence[tuple[str, str]],
    rows: Seizures,
    triggers: tuple[str, ...],
    first_row: int = 2,
) -> int:
    """Write ``rows`` (mappings, or a ``SeizureTable``; ``specs``: key and kind of each
    column) as ``<row>`` elements, one per line, from row ``first_row``; the number
    written. A chunk of rows at a time, each a column at a time."""
    letters = column_letters(len(specs))
    n = first_row
    for values in column_chunks(rows, [key for key, _kind in specs], CHUNK_ROWS):
        cells = [
            _column(kind, letter, column, n, triggers)
            for (_key, kind), letter, column in zip(specs, letters, values, strict=True)
        ]
        out.write(
            "".join(
                f'<row r="{r}">{"".join(row)}</row>\n'
                for r, row in enumerate(zip(*cells, strict=True), n)
            )
        )
        n += len(values[0]) if values else 0
    return n - first_row


_PROBE = re.compile(r'<row r="2"[^>]*>(.*?)</row>', re.S)
_STYLE = re.compile(r'<c r="[A-Z]+2" s="(\d+)"')
_DIMENSION = re.compile(r'<dimension ref="[^"]*"/>')


def splice(workbook: bytes, sheet_index: int, rows: IO[str], count: int, n_columns: int) -> bytes:
    """The workbook with the probe row of sheet ``sheet_index`` (0-based) replaced by
    ``rows`` (what ``write_rows`` wrote, read from the start)."""
    name = f"xl/worksheets/sheet{sheet_index + 1}.xml"
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(workbook)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst,
    ):
        for info in src.infolist():
            if info.filename != name:
                dst.writestr(info, src.read(info.filename))
                continue
            xml = src.read(name).decode()
            probe = _PROBE.search(xml)
            if probe is None:
                raise ValueError(f"{name}: no probe row")
            styles = _STYLE.findall(probe.group(1))
            if len(styles) != len(PROBE_ORDER):
                raise ValueError(f"{name}: the probe row has {len(styles)} styled cells")
            numbers = {STYLE_TOKENS[k]: f'"{s}"' for k, s in zip(PROBE_ORDER, styles, strict=True)}
            head, tail = xml[: probe.start()], xml[probe.end() :]
            last = column_letters(n_columns)[-1]
            head = _DIMENSION.sub(f'<dimension ref="A1:{last}{count + 1}"/>', head, count=1)
            with dst.open(name, "w") as sheet:  # by name: the archive's compression level
                sheet.write(head.encode())
                rows.seek(0)
                # About a megabyte of whole rows at a time: a token never spans rows.
                while lines := rows.readlines(1 << 20):
                    block = "".join(lines)
                    for token, number in numbers.items():
                        block = block.replace(token, number)
                    sheet.write(block.encode())
                sheet.write(tail.encode())
    return out.getvalue()


def spool() -> IO[str]:
    """Where the rows wait for the workbook's frame: in memory up to 32 MB, then on disk."""
    return tempfile.SpooledTemporaryFile(max_size=32 << 20, mode="w+", encoding="utf-8")
