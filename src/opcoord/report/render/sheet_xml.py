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
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any

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


def write_rows(
    out: IO[str],
    specs: Sequence[tuple[str, str]],
    rows: Iterable[Mapping[str, Any]],
    triggers: tuple[str, ...],
    first_row: int = 2,
) -> int:
    """Write ``rows`` (``specs``: key and kind of each column) as ``<row>`` elements, one
    per line, from row ``first_row``; the number written."""
    letters = column_letters(len(specs))
    columns = [(key, kind, letter) for (key, kind), letter in zip(specs, letters, strict=True)]
    n = first_row - 1
    date_style, guarded = STYLE_TOKENS["date"], STYLE_TOKENS["guarded"]
    for n, row in enumerate(rows, start=first_row):
        cells = []
        for key, kind, letter in columns:
            value = row.get(key)
            kind_of = type(value)
            # The order of xlsxwriter's cell(): empty, bool, date, number, else text.
            if value is None or value == "":
                continue
            if kind_of is str and kind != "date":
                text: str = value
            elif kind_of is bool:
                cells.append(f'<c r="{letter}{n}" t="b"><v>{int(value)}</v></c>')
                continue
            elif kind == "date" or isinstance(value, dt.date):
                cells.append(f'<c r="{letter}{n}" s={date_style}><v>{_serial(value)}</v></c>')
                continue
            elif isinstance(value, int | float) and kind != "text":
                number = _number(value)
                if number is not None:
                    style = STYLE_TOKENS["int" if kind == "int" else "num"]
                    cells.append(f'<c r="{letter}{n}" s={style}><v>{number}</v></c>')
                continue
            else:
                text = str(value)
            guard = f" s={guarded}" if text.startswith(triggers) else ""
            space = ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else ""
            cells.append(
                f'<c r="{letter}{n}" t="inlineStr"{guard}><is><t{space}>{_text(text)}</t></is></c>'
            )
        out.write(f'<row r="{n}">{"".join(cells)}</row>\n')
    return n - first_row + 1


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
                for line in rows:
                    for token, number in numbers.items():
                        line = line.replace(token, number)
                    sheet.write(line.encode())
                sheet.write(tail.encode())
    return out.getvalue()


def spool() -> IO[str]:
    """Where the rows wait for the workbook's frame: in memory up to 32 MB, then on disk."""
    return tempfile.SpooledTemporaryFile(max_size=32 << 20, mode="w+", encoding="utf-8")
