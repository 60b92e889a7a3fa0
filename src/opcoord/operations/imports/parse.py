"""Reading and validating an uploaded CSV or XLSX file of seizures, as a whole.

With any error nothing is applied and every error comes back with its spreadsheet row
number (the header is row 1). Hostile files are refused before they cost anything: the
size is capped, an XLSX's zip directory is checked (entry count, declared sizes,
compression ratio, no DTDs) before openpyxl opens it, and cells that a spreadsheet would
run as formulas are refused.
"""

import csv
import io
import re
import warnings
import zipfile
from collections.abc import Collection, Generator, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import ValidationError
from xlsxwriter.utility import xl_col_to_name  # type: ignore[import-untyped]

from opcoord.errors import DomainError, FieldProblem, Invalid, TooLarge
from opcoord.operations.enums import Agency, Category, Conveyance, Detection, Offence, PlaceType
from opcoord.operations.schemas import SeizureIn

MAX_BYTES = 5 * 1024 * 1024  # the uploaded file
MAX_ROWS = 5000  # seizures in one file (a return holds at most 5000)
MAX_UNCOMPRESSED = 50 * 1024 * 1024  # an XLSX's entries, as declared in its zip directory
MAX_RATIO = 100  # uncompressed / compressed, for the whole archive and any large entry
MAX_ZIP_ENTRIES = 500
MAX_COLUMNS = 200  # an XLSX is read up to this column; a CSV row may not be wider
MAX_AMENDMENT_REASON = 1000

COLUMNS: tuple[str, ...] = (
    "ref",
    "category",
    "hs_code",
    "quantity",
    "description",
    "place_type",
    "place_name",
    "lat",
    "lon",
    "conveyance",
    "online",
    "origin_country",
    "departure_country",
    "destination_country",
    "estimated_value",
    "currency",
    "agency",
    "detection",
    "offence",
    "export_certificate",
    "stolen_db_match",
)
REQUIRED: tuple[str, ...] = ("ref", "category", "quantity", "place_type")
INTEGER = frozenset({"quantity"})
REAL = frozenset({"lat", "lon"})
AMOUNT = frozenset({"estimated_value"})
BOOLEAN = frozenset({"online", "export_certificate", "stolen_db_match"})
NUMERIC = INTEGER | REAL | AMOUNT
VOCABULARIES: dict[str, tuple[str, ...]] = {
    "category": tuple(Category),
    "place_type": tuple(PlaceType),
    "conveyance": tuple(Conveyance),
    "agency": tuple(Agency),
    "detection": tuple(Detection),
    "offence": tuple(Offence),
}
YES = frozenset({"yes", "y", "true", "1"})
NO = frozenset({"no", "n", "false", "0"})

EXAMPLE: dict[str, Any] = {
    "ref": "CASE-0001",
    "category": "coins",
    "hs_code": "970531",
    "quantity": 12,
    "description": "Roman bronze coins in a jacket pocket",
    "place_type": "airport",
    "place_name": "Madrid-Barajas",
    "lat": 40.4722,
    "lon": -3.5609,
    "conveyance": "air_passenger",
    "online": "no",
    "origin_country": "IT",
    "departure_country": "ES",
    "destination_country": "CH",
    "estimated_value": 1500,
    "currency": "EUR",
    "agency": "customs",
    "detection": "x_ray",
    "offence": "smuggling",
    "export_certificate": "no",
    "stolen_db_match": "no",
}

FORMULA = "formulas are not accepted: type the value itself (text may not begin with =, +, - or @)"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_FIELD_PREFIX = re.compile(r"^(?:Value error, )?(?P<field>[a-z_/]+): (?P<msg>.+)$", re.S)
_SEIZURE_FIELD = re.compile(r"^seizures\[(?P<i>\d+)\](?:\.(?P<field>.+))?$")


# --- errors -----------------------------------------------------------------------


def RowError(row: int | None, field: str, message: str) -> FieldProblem:  # noqa: N802
    """One problem of an uploaded file; ``row`` is its spreadsheet row (the header is row 1),
    None when it is about the upload as a whole."""
    return FieldProblem(field, message, row=row, in_file=True)


def refused(
    message: str, problems: list[FieldProblem], kind: type[DomainError] = Invalid
) -> DomainError:
    """The import is refused as a whole; the error lists every problem with its row."""
    return kind(message, problems=problems)


def _file_error(
    message: str, kind: type[DomainError] = Invalid, row: int | None = None
) -> DomainError:
    return refused(f"file: {message}", [RowError(row, "file", message)], kind)


# --- reading cells ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cell:
    value: Any  # str from a CSV; str, int, float, bool, datetime or None from an XLSX
    formula: bool = False  # an XLSX cell that holds a formula
    error: bool = False  # an XLSX cell that holds an error value (#DIV/0!)


@dataclass(frozen=True, slots=True)
class ParsedFile:
    kind: Literal["csv", "xlsx"]
    seizures: list[SeizureIn]
    rows: list[int]  # the spreadsheet row of each seizure


def _column_name(value: Any) -> str:
    return re.sub(r"[\s-]+", "_", str(value).strip().lower())


def _blank(cell: Cell) -> bool:
    if cell.formula or cell.error:
        return False
    v = cell.value
    return v is None or (isinstance(v, str) and v.strip() == "")


def _decode(content: bytes) -> str:
    try:
        if content.startswith((b"\xff\xfe", b"\xfe\xff")):
            text = content.decode("utf-16")
        else:
            text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _file_error(
            "the file is neither an XLSX workbook nor CSV text in UTF-8 "
            "(in Excel: Save As, then 'CSV UTF-8' or 'Excel Workbook')"
        ) from None
    if _CONTROL.search(text):
        raise _file_error("the file is neither an XLSX workbook nor CSV text (binary content)")
    return text


def _sniff(first_line: str, known: Collection[str] = COLUMNS) -> str:
    """The delimiter under which the header names the most known columns."""
    best, best_score = ",", (-1, -1)
    for delimiter in (",", ";", "\t"):
        cells = next(csv.reader([first_line], delimiter=delimiter), [])
        named = sum(1 for c in cells if _column_name(c) in known)
        score = (named, len(cells))
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _csv_rows(content: bytes, known: Collection[str] = COLUMNS) -> Iterator[tuple[int, list[Cell]]]:
    text = _decode(content)
    delimiter = _sniff(text.lstrip("\r\n").split("\n", 1)[0], known)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for number, record in enumerate(reader, start=1):
            if len(record) > MAX_COLUMNS:
                raise _file_error(f"row {number} has more than {MAX_COLUMNS} cells", row=number)
            yield number, [Cell(v) for v in record]
    except csv.Error as exc:
        raise _file_error(f"not readable as CSV near row {number + 1}: {exc}") from None


def _check_zip(content: bytes, max_uncompressed: int = MAX_UNCOMPRESSED) -> zipfile.ZipFile:
    """Refuse a zip bomb from its directory, before anything is decompressed."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _file_error("the file looks like a zip archive but is not a readable XLSX") from None
    if len(entries) > MAX_ZIP_ENTRIES:
        raise _file_error(f"the workbook has more than {MAX_ZIP_ENTRIES} parts")
    total = sum(e.file_size for e in entries)
    packed = sum(e.compress_size for e in entries)
    if total > max_uncompressed:
        raise _file_error(
            f"the workbook unpacks to {total // 1_000_000} MB; at most "
            f"{max_uncompressed // 1_000_000} MB is accepted"
        )
    if total > 1_000_000 and total > MAX_RATIO * max(packed, 1):
        raise _file_error("the workbook is compressed suspiciously well (a zip bomb?)")
    for e in entries:
        if e.file_size > 1_000_000 and e.file_size > MAX_RATIO * max(e.compress_size, 1):
            raise _file_error(f"part {e.filename!r} is compressed suspiciously well (a zip bomb?)")
    # Defence in depth: spreadsheets never need a DTD, and entities are how XML bombs work.
    for e in entries:
        if e.filename.endswith((".xml", ".rels", ".vml")):
            try:
                with archive.open(e) as part:
                    head = part.read(64 * 1024)
            except (
                zipfile.BadZipFile,
                ValueError,
                OSError,
                EOFError,
                RuntimeError,
                NotImplementedError,
            ):
                raise _file_error(f"part {e.filename!r} of the workbook is damaged") from None
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise _file_error("the workbook declares XML entities, which are not accepted")
    return archive


def _xlsx_rows(
    content: bytes, sheet_name: str = "seizures", max_uncompressed: int = MAX_UNCOMPRESSED
) -> Generator[tuple[int, list[Cell]], None, None]:
    """The first worksheet's rows (or the sheet named ``sheet_name``), read lazily."""
    _check_zip(content, max_uncompressed).close()
    try:
        # Imported here: the server starts (and CSV imports work) without openpyxl.
        import openpyxl  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - a deployment without the dependency
        raise _file_error("XLSX files cannot be read on this server: upload a CSV") from None
    try:
        book = openpyxl.load_workbook(
            io.BytesIO(content), read_only=True, data_only=False, keep_links=False
        )
    except Exception:
        raise _file_error("the file is not a readable XLSX workbook") from None
    try:
        sheets = book.worksheets
        if not sheets:
            raise _file_error("the workbook has no worksheet")
        sheet = book[sheet_name] if sheet_name in book.sheetnames else sheets[0]
        sheet.reset_dimensions()  # a wrong <dimension> must not hide rows
        number = 0
        cells = iter(sheet.iter_rows(max_col=MAX_COLUMNS))
        while True:
            try:
                row = next(cells, None)
            except Exception:
                raise _file_error(
                    f"the worksheet is damaged near row {number + 1}", row=number + 1
                ) from None
            if row is None:
                return
            number += 1
            yield (
                number,
                [Cell(c.value, formula=c.data_type == "f", error=c.data_type == "e") for c in row],
            )
    finally:
        book.close()


# --- values -----------------------------------------------------------------------


class _Absent:
    pass


ABSENT = _Absent()


def _number_text(value: Any) -> str:
    """An XLSX number written back as the text a person would have typed."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _convert(name: str, cell: Cell) -> tuple[Any, str | None]:
    """One cell to the value SeizureIn validates, or an error message."""
    if cell.formula:
        return ABSENT, FORMULA
    if cell.error:
        return ABSENT, f"the cell holds a spreadsheet error ({cell.value})"
    value = cell.value
    if value is None:
        return ABSENT, None
    if isinstance(value, datetime | date | time):
        return ABSENT, "a date or time is not expected here"
    if isinstance(value, str):
        text = value.strip()
        if text == "" or set(text) == {"-"}:  # "-": the usual way of writing "nothing"
            return ABSENT, None
        if text[0] in "=@" or (text[0] in "+-" and name not in NUMERIC):
            return ABSENT, FORMULA
    else:
        text = None

    if name in BOOLEAN:
        if isinstance(value, bool):
            return value, None
        key = (text if text is not None else _number_text(value)).lower()
        if key in YES:
            return True, None
        if key in NO:
            return False, None
        return ABSENT, "must be yes or no"
    if isinstance(value, bool):
        return ABSENT, "a true/false value is not expected here"

    if name in INTEGER:
        if isinstance(value, int | float):
            if isinstance(value, float) and not value.is_integer():
                return ABSENT, "must be a whole number"
            return int(value), None
        assert text is not None
        digits = _SPACES.sub("", text)
        if re.fullmatch(r"[+-]?\d+", digits):
            return int(digits), None
        return ABSENT, "must be a whole number, without separators (e.g. 1200)"
    if name in REAL:
        if isinstance(value, int | float):
            return float(value), None
        assert text is not None
        number = text.replace(",", ".") if "." not in text and text.count(",") == 1 else text
        if re.fullmatch(r"[+-]?\d+(\.\d+)?", number):
            return float(number), None
        return ABSENT, "must be a number in decimal degrees (e.g. 40.4168)"
    if name in AMOUNT:
        if isinstance(value, int):
            return Decimal(value), None
        if isinstance(value, float):
            return Decimal(repr(value)), None
        assert text is not None
        amount = _SPACES.sub("", text)
        if re.fullmatch(r"\d+([.,]\d{1,2})?", amount):
            try:
                return Decimal(amount.replace(",", ".")), None
            except InvalidOperation:  # pragma: no cover - the pattern allows only digits
                pass
        if re.fullmatch(r"\d{1,3}([.,]\d{3})+", amount):
            return ABSENT, "ambiguous: write the amount without thousands separators (e.g. 500000)"
        return ABSENT, "must be an amount such as 1500 or 1500.50"

    # Text columns.
    if text is None:  # a number typed into a text column: refs, HS codes
        if name == "hs_code" and isinstance(value, float) and not value.is_integer():
            text = f"{value:.2f}"
        else:
            text = _number_text(value)
    if name in VOCABULARIES:
        return _column_name(text), None
    if name == "hs_code":
        return re.sub(r"[\s.]", "", text), None
    return text, None


def _validation_errors(row: int, exc: ValidationError, skip: set[str]) -> list[FieldProblem]:
    out = []
    for err in exc.errors(include_url=False):
        loc = err["loc"]
        message = str(err["msg"]).removeprefix("Value error, ")
        name = str(loc[0]) if loc else ""
        if not loc:
            match = _FIELD_PREFIX.match(str(err["msg"]))
            if match:
                name, message = match["field"], match["msg"]
        if name in skip:
            continue
        out.append(RowError(row, name or "row", message))
    return out


def _read(kind: Literal["csv", "xlsx"], rows: Iterable[tuple[int, list[Cell]]]) -> ParsedFile:
    errors: list[FieldProblem] = []
    it = iter(rows)
    header_row, header = next(((n, r) for n, r in it if not all(map(_blank, r))), (1, []))
    columns: dict[int, str] = {}
    unnamed: set[int] = set()
    for index, cell in enumerate(header):
        if _blank(cell):
            unnamed.add(index)
            continue
        raw = cell.value if isinstance(cell.value, str) else _number_text(cell.value)
        name = _column_name(raw)
        if name in COLUMNS and name not in columns.values():
            columns[index] = name
        elif name in COLUMNS:
            errors.append(RowError(header_row, raw.strip(), "this column appears twice"))
        else:
            errors.append(
                RowError(header_row, raw.strip(), "unknown column; see the template for the names")
            )
    if not columns:
        raise _file_error(
            "the first row must name the columns, e.g. "
            + ", ".join(REQUIRED)
            + " (see the template)",
            row=header_row,
        )
    missing = [c for c in REQUIRED if c not in columns.values()]
    errors.extend(RowError(header_row, c, "required column is missing") for c in missing)

    seizures: list[SeizureIn] = []
    numbers: list[int] = []
    first_seen: dict[str, int] = {}
    count = 0
    for number, cells in it:
        if all(map(_blank, cells)):
            continue
        count += 1
        if count > MAX_ROWS:
            raise _file_error(f"the file has more than {MAX_ROWS} seizures; split it by day")
        values: dict[str, Any] = {}
        failed: set[str] = set(missing)
        for index, cell in enumerate(cells):
            column = columns.get(index)
            if column is None:
                if (index in unnamed or index >= len(header)) and not _blank(cell):
                    letter = xl_col_to_name(index)
                    errors.append(
                        RowError(number, f"column {letter}", "a value without a column name")
                    )
                continue  # an unknown column: reported once, at the header
            value, problem = _convert(column, cell)
            if problem is not None:
                errors.append(RowError(number, column, problem))
                failed.add(column)
            elif value is not ABSENT:
                values[column] = value
        ref = values.get("ref")
        if isinstance(ref, str):
            if ref in first_seen:
                errors.append(
                    RowError(
                        number,
                        "ref",
                        f"reference {ref!r} appears twice: rows {first_seen[ref]} and {number}",
                    )
                )
            else:
                first_seen[ref] = number
        try:
            seizures.append(SeizureIn.model_validate(values))
            numbers.append(number)
        except ValidationError as exc:
            errors.extend(_validation_errors(number, exc, failed))
    if count == 0 and not errors:
        raise _file_error("the file has no seizures below its header row")
    if errors:
        raise refused(
            f"the file has {len(errors)} error{'s' if len(errors) > 1 else ''}; "
            "nothing was imported",
            errors,
        )
    return ParsedFile(kind, seizures, numbers)


@contextmanager
def open_rows(
    content: bytes, *, known: Collection[str], sheet_name: str, max_uncompressed: int
) -> Iterator[tuple[Literal["csv", "xlsx"], Iterator[tuple[int, list[Cell]]]]]:
    """Any upload's rows of cells, with the same defences as the seizures' (for other
    kinds of file, such as watchlists): ``known`` column names pick a CSV's delimiter."""
    if not content.strip():
        raise _file_error("the file is empty")
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise _file_error(
            "old .xls or password-protected workbooks are not accepted: save as .xlsx or CSV UTF-8"
        )
    if content.startswith(b"PK\x03\x04"):
        with (
            warnings.catch_warnings(),
            closing(_xlsx_rows(content, sheet_name, max_uncompressed)) as rows,
        ):
            warnings.simplefilter("ignore")
            yield "xlsx", rows
        return
    yield "csv", _csv_rows(content, known)


def file_error(
    message: str, kind: type[DomainError] = Invalid, row: int | None = None
) -> DomainError:
    """The whole upload is refused for ``message`` (field ``file``)."""
    return _file_error(message, kind, row)


def column_name(value: Any) -> str:
    """A header cell as a column name (lower case, underscores)."""
    return _column_name(value if isinstance(value, str) else _number_text(value))


def blank(cell: Cell) -> bool:
    return _blank(cell)


def parse(content: bytes) -> ParsedFile:
    """Read and validate a whole file; raise ``refused`` listing every problem."""
    if len(content) > MAX_BYTES:
        raise _file_error(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB", TooLarge)
    if not content.strip():
        raise _file_error("the file is empty")
    if content.startswith(b"PK\x03\x04"):
        # openpyxl warns about what it drops (extensions, styles): not the officer's concern.
        with warnings.catch_warnings(), closing(_xlsx_rows(content)) as rows:
            warnings.simplefilter("ignore")
            return _read("xlsx", rows)
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise _file_error(
            "old .xls or password-protected workbooks are not accepted: save as .xlsx or CSV UTF-8"
        )
    return _read("csv", _csv_rows(content))
