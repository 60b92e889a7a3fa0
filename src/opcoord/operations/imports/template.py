"""The downloadable templates for the seizure import: CSV, and XLSX with drop-down lists."""

import csv
import io

import xlsxwriter  # type: ignore[import-untyped]
from xlsxwriter.utility import xl_col_to_name  # type: ignore[import-untyped]

from opcoord.operations.imports.parse import (
    BOOLEAN,
    COLUMNS,
    EXAMPLE,
    MAX_ROWS,
    NUMERIC,
    VOCABULARIES,
)


def template_csv() -> bytes:
    """Header and one example row, UTF-8 with a BOM so that Excel reads accents right."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerow([EXAMPLE[c] for c in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode()


HELP: dict[str, str] = {
    "ref": "Your case number; unique in the operation. Required.",
    "category": "Object category, from the list. Required.",
    "hs_code": "HS chapter 97 code, 4, 6 or 8 digits (9705.31 or 970531).",
    "quantity": "Number of objects, a whole number of at least 1. Required.",
    "description": "Short description (up to 2000 characters).",
    "place_type": "Where: from the list. Required.",
    "place_name": "Name of the place (airport, port, town).",
    "lat": "Latitude in decimal degrees; with lon, or leave both empty.",
    "lon": "Longitude in decimal degrees; with lat, or leave both empty.",
    "conveyance": "How the objects travelled, from the list.",
    "online": "yes or no: found on an online platform.",
    "origin_country": "Country of origin of the objects, 2 letters (IT).",
    "departure_country": "Country of departure, 2 letters.",
    "destination_country": "Country of destination, 2 letters.",
    "estimated_value": "Amount without thousands separators (1500 or 1500.50).",
    "currency": "3 letters (EUR); required with an estimated value.",
    "agency": "Agency that seized, from the list.",
    "detection": "How it was detected, from the list.",
    "offence": "Offence, from the list.",
    "export_certificate": "yes or no: an export certificate was presented.",
    "stolen_db_match": "yes or no: matched a stolen-object database.",
}


def template_xlsx() -> bytes:
    """A workbook: sheet 'seizures' (header, example row, drop-down lists) and 'values'."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    text = book.add_format({"num_format": "@"})
    sheet = book.add_worksheet("seizures")
    values = book.add_worksheet("values")
    lists: dict[str, tuple[str, ...]] = {**VOCABULARIES, "yes/no": ("yes", "no")}
    for col, (name, allowed) in enumerate(lists.items()):
        values.write_string(0, col, name, head)
        for r, v in enumerate(allowed, start=1):
            values.write_string(r, col, v)
        values.set_column(col, col, max(len(name), *(len(v) for v in allowed)) + 2)
    values.freeze_panes(1, 0)
    last = MAX_ROWS  # data rows 2..5001 (0-based 1..5000)
    for col, name in enumerate(COLUMNS):
        sheet.write_string(0, col, name, head)
        sheet.write_comment(0, col, HELP[name], {"x_scale": 2})
        width = max(len(name), len(str(EXAMPLE[name]))) + 2
        numeric = name in NUMERIC
        sheet.set_column(col, col, min(width, 40), None if numeric else text)
        example = EXAMPLE[name]
        if numeric:
            sheet.write_number(1, col, example)
        else:
            sheet.write_string(1, col, str(example))
        source = "yes/no" if name in BOOLEAN else name if name in VOCABULARIES else None
        if source is not None:
            index = list(lists).index(source)
            letter = xl_col_to_name(index)
            end = len(lists[source]) + 1
            sheet.data_validation(
                1,
                col,
                last,
                col,
                {
                    "validate": "list",
                    "source": f"=values!${letter}$2:${letter}${end}",
                    "error_title": name,
                    "error_message": "Choose a value from the list (sheet 'values').",
                },
            )
    sheet.data_validation(
        1,
        COLUMNS.index("quantity"),
        last,
        COLUMNS.index("quantity"),
        {
            "validate": "integer",
            "criteria": ">=",
            "value": 1,
            "error_message": "A whole number of at least 1.",
        },
    )
    sheet.freeze_panes(1, 0)
    book.close()
    return out.getvalue()
