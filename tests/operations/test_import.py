"""Bulk import of a day's seizures from CSV or XLSX, through the HTTP API."""

import csv
import io
import random
import zipfile
from datetime import timedelta
from decimal import Decimal
from typing import Any

import openpyxl
import pytest

from opcoord.clock import FrozenClock

from conftest import ADMIN, NOW, Api, seizure

DAY = "2026-06-10"  # today in Madrid at NOW: due 11 June 10:00 local
PAST_DAY = "2026-06-08"  # due 9 June 10:00 local: already past
BASE = "/api/operations/PANDORA-X/returns"
FORMULA = "formulas are not accepted"

ROWS: list[dict[str, Any]] = [
    {
        "ref": "ES-IMP-001",
        "category": "coins",
        "quantity": 5,
        "place_type": "airport",
        "place_name": "Madrid-Barajas",
        "lat": 40.4722,
        "lon": -3.5609,
        "conveyance": "air_passenger",
        "online": "no",
        "origin_country": "IT",
        "estimated_value": 1500,
        "currency": "EUR",
    },
    {
        "ref": "ES-IMP-002",
        "category": "paintings",
        "hs_code": "9701",
        "quantity": 7,
        "place_type": "online",
        "online": "yes",
        "description": "Icon offered on a marketplace",
        "agency": "police",
        "detection": "online_monitoring",
        "offence": "theft",
        "stolen_db_match": "yes",
    },
    {
        "ref": "ES-IMP-003",
        "category": "archaeological",
        "quantity": 11,
        "place_type": "land_border",
        "conveyance": "vehicle",
        "destination_country": "FR",
        "export_certificate": "no",
    },
]


def setup(api: Api) -> dict[str, str]:
    api.operation()
    api.participant("ES")
    api.participant("FR")
    return api.user("es-ncp", "ncp", "ES")


def csv_file(
    rows: list[dict[str, Any]],
    *,
    delimiter: str = ",",
    bom: bool = False,
    columns: list[str] | None = None,
) -> bytes:
    columns = columns or list(dict.fromkeys(k for row in rows for k in row))
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
    return (("\ufeff" if bom else "") + out.getvalue()).encode()


def xlsx_file(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(
    api: Api,
    content: bytes,
    headers: dict[str, str],
    *,
    day: str = DAY,
    country: str = "ES",
    name: str = "seizures.csv",
    reason: str | None = None,
) -> Any:
    data = {"amendment_reason": reason} if reason is not None else None
    return api.client.post(
        f"{BASE}/{country}/{day}/import",
        files={"file": (name, content, "application/octet-stream")},
        data=data,
        headers=headers,
    )


def state(api: Api, day: str = DAY) -> tuple[dict[str, Any], list[int]]:
    """What an import must leave untouched when it is refused."""
    versions = api.client.get(f"{BASE}/ES/{day}/versions", headers=ADMIN).json()
    return api.summary(), [v["version"] for v in versions]


def errors(r: Any) -> list[tuple[int | None, str]]:
    return [(e["row"], e["field"]) for e in r.json()["errors"]]


def previous_return() -> dict[str, Any]:
    return {
        "counters": {"persons_checked": 1200, "vehicles_checked": 300, "arrests": 2},
        "facilitating_items": {"metal_detectors": 3},
        "seizures": [seizure("ES-OLD-1", 40)],
        "notes": "joint action with police",
    }


# --- applied ----------------------------------------------------------------------


def test_csv_is_applied_as_a_new_version_keeping_the_counters(api: Api) -> None:
    es = setup(api)
    assert api.put_return("ES", DAY, previous_return(), es).status_code == 201
    r = upload(api, csv_file(ROWS), es)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["version"] == 2 and body["current_version"] == 2
    assert body["counters"]["persons_checked"] == 1200
    assert body["counters"]["arrests"] == 2
    assert body["facilitating_items"] == {"metal_detectors": 3, "excavation_tools": 0}
    assert body["notes"] == "joint action with police"
    assert r.headers["etag"] == '"2"'

    current = api.client.get(f"{BASE}/ES/{DAY}", headers=es).json()
    got = current["seizures"]
    assert [s["ref"] for s in got] == ["ES-IMP-001", "ES-IMP-002", "ES-IMP-003"]
    assert [s["quantity"] for s in got] == [5, 7, 11]
    first, second, third = got
    assert (first["lat"], first["lon"]) == (40.4722, -3.5609)
    assert (first["estimated_value"], first["currency"]) == (1500, "EUR")
    assert (first["conveyance"], first["online"], first["origin_country"]) == (
        "air_passenger",
        False,
        "IT",
    )
    assert (second["hs_code"], second["online"], second["stolen_db_match"]) == ("9701", True, True)
    assert (second["agency"], second["detection"], second["offence"]) == (
        "police",
        "online_monitoring",
        "theft",
    )
    assert second["description"] == "Icon offered on a marketplace"
    assert (third["destination_country"], third["export_certificate"]) == ("FR", False)
    assert third["lat"] is None and third["estimated_value"] is None

    totals = api.summary()
    assert totals["seizures"] == 3
    assert totals["objects_seized"] == 5 + 7 + 11  # the old version's 40 no longer count
    assert totals["objects_seized_online"] == 7
    assert totals["objects_by_category"] == {"coins": 5, "paintings": 7, "archaeological": 11}
    assert totals["persons_checked"] == 1200 and totals["arrests"] == 2
    assert totals["metal_detectors"] == 3
    assert totals["estimated_value"] == {"EUR": 1500}
    # Version 1 is kept as it was.
    old = api.client.get(f"{BASE}/ES/{DAY}", params={"version": 1}, headers=es).json()
    assert [s["ref"] for s in old["seizures"]] == ["ES-OLD-1"]


def test_xlsx_is_applied_as_the_first_version(api: Api) -> None:
    es = setup(api)
    content = xlsx_file(
        [
            [
                *("Ref", "CATEGORY", "Quantity", "Place type", "lat", "lon", "online"),
                *("estimated_value", "currency", "hs_code", "export_certificate"),
            ],
            [
                *("ES-X-1", "Coins", 91, "auction_house", 40.4168, -3.7038, False),
                *(500000, "eur", 970531, 0),
            ],
            [None] * 11,  # an empty row: skipped, but still counted in row numbers
            [
                *("ES-X-2", "sculptures", 3.0, "seaport", None, None, "yes"),
                *(1250.5, "USD", "9703.00", True),
            ],
        ]
    )
    r = upload(api, content, es, name="seizures.xlsx")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["version"] == 1 and body["late"] is False
    assert body["counters"] == {
        "persons_checked": 0,
        "vehicles_checked": 0,
        "vessels_checked": 0,
        "premises_checked": 0,
        "online_checks": 0,
        "arrests": 0,
        "investigations_criminal": 0,
        "investigations_administrative": 0,
    }
    one, two = body["seizures"]
    assert (one["ref"], one["category"], one["quantity"], one["place_type"]) == (
        "ES-X-1",
        "coins",
        91,
        "auction_house",
    )
    assert (one["lat"], one["lon"], one["online"]) == (40.4168, -3.7038, False)
    assert (one["estimated_value"], one["currency"], one["hs_code"]) == (500000, "EUR", "970531")
    assert one["export_certificate"] is False
    assert (two["quantity"], two["online"], two["estimated_value"], two["currency"]) == (
        3,
        True,
        1250.5,
        "USD",
    )
    assert (two["hs_code"], two["export_certificate"]) == ("970300", True)
    totals = api.summary()
    assert totals["objects_seized"] == 94 and totals["objects_seized_online"] == 3
    assert totals["estimated_value"] == {"EUR": 500000, "USD": 1250.5}
    assert totals["returns"] == 1 and totals["countries_reported"] == 1


def test_semicolon_csv_with_bom_and_decimal_commas_as_excel_writes_it(api: Api) -> None:
    es = setup(api)
    text = (
        "\ufeffref;category;quantity;place_type;place_name;lat;lon;estimated_value;currency\r\n"
        "ES-SC-1;religious;2;inland;Córdoba;37,8882;-4,7794;1250,50;EUR\r\n"
        '"ES-SC-2";ceramics;1 200;private_premises;"Sevilla; Triana";;;500 000;EUR\r\n'
    )
    r = upload(api, text.encode(), es)
    assert r.status_code == 201, r.text
    one, two = r.json()["seizures"]
    assert (one["place_name"], one["lat"], one["lon"]) == ("Córdoba", 37.8882, -4.7794)
    assert one["estimated_value"] == 1250.5
    assert (two["place_name"], two["quantity"], two["estimated_value"]) == (
        "Sevilla; Triana",
        1200,
        500000,
    )
    assert api.summary()["objects_seized"] == 1202


def test_tab_separated_utf16_as_excel_unicode_text_writes_it(api: Api) -> None:
    es = setup(api)
    text = "ref\tcategory\tquantity\tplace_type\tplace_name\r\nRU-1\ticons\t4\tinland\tМосква\r\n"
    r = upload(api, text.replace("icons", "religious").encode("utf-16"), es)
    assert r.status_code == 201, r.text
    (got,) = r.json()["seizures"]
    assert (got["ref"], got["category"], got["place_name"]) == ("RU-1", "religious", "Москва")


# --- refused with row numbers ---------------------------------------------------------


def test_file_with_errors_is_refused_row_by_row_and_nothing_is_applied(api: Api) -> None:
    es = setup(api)
    api.put_return("ES", DAY, previous_return(), es)
    before = state(api)
    rows: list[dict[str, Any]] = [
        {"ref": "OK-1", "category": "coins", "quantity": 1, "place_type": "airport"},  # row 2
        {"ref": "BAD-1", "category": "statues", "quantity": 1, "place_type": "airport"},  # 3
        {"ref": "BAD-2", "category": "coins", "quantity": 0, "place_type": "airport"},  # 4
        {"ref": "BAD-3", "category": "coins", "quantity": "two", "place_type": "moon"},  # 5
        {"ref": "OK-1", "category": "coins", "quantity": 1, "place_type": "airport"},  # 6
        {"ref": "BAD-4", "category": "coins", "quantity": 1, "place_type": "airport", "lat": 40},
        {"ref": "", "category": "coins", "quantity": 1, "place_type": "airport", "online": "si"},
        {
            "ref": "BAD-6",
            "category": "coins",
            "quantity": 1,
            "place_type": "airport",
            "estimated_value": 10,
            "origin_country": "XX",
        },
    ]
    r = upload(api, csv_file(rows), es)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["status_code"] == 422 and "nothing was imported" in body["detail"]
    assert errors(r) == [
        (3, "category"),
        (4, "quantity"),
        (5, "quantity"),
        (5, "place_type"),
        (6, "ref"),
        (7, "lat/lon"),
        (8, "online"),
        (8, "ref"),
        (9, "origin_country"),
    ]
    by_row = {(e["row"], e["field"]): e["message"] for e in body["errors"]}
    assert "rows 2 and 6" in by_row[(6, "ref")]
    assert by_row[(5, "quantity")].startswith("must be a whole number")
    assert by_row[(8, "online")] == "must be yes or no"
    assert state(api) == before


def test_unknown_duplicate_and_missing_columns_are_named(api: Api) -> None:
    es = setup(api)
    text = "REF,Category,Qty,place_type,Category,\r\nA-1,coins,3,airport,coins,surplus\r\n"
    r = upload(api, text.encode(), es)
    assert r.status_code == 422
    assert errors(r) == [(1, "Qty"), (1, "Category"), (1, "quantity"), (2, "column F")]
    messages = [e["message"] for e in r.json()["errors"]]
    assert messages[:3] == [
        "unknown column; see the template for the names",
        "this column appears twice",
        "required column is missing",
    ]
    assert state(api)[1] == []


def test_reference_already_used_on_another_day_names_its_row(api: Api) -> None:
    es = setup(api)
    api.put_return("ES", PAST_DAY, {"seizures": [seizure("ES-GC-0042", 5)]}, es)
    before = state(api, "2026-06-09")
    text = (
        "ref,category,quantity,place_type\r\n"
        "ES-NEW-1,coins,1,airport\r\n"
        "\r\n"  # row 3: empty
        "ES-GC-0042,coins,2,airport\r\n"
    )
    r = upload(api, text.encode(), es, day="2026-06-09")
    assert r.status_code == 422
    assert errors(r) == [(4, "ref")]
    assert "2026-06-08" in r.json()["errors"][0]["message"]
    assert "row 4" in r.json()["detail"]
    assert state(api, "2026-06-09") == before


# --- harmless re-upload, lateness ---------------------------------------------------


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_same_file_twice_makes_no_second_version(api: Api, kind: str) -> None:
    es = setup(api)
    api.put_return("ES", DAY, previous_return(), es)
    if kind == "csv":
        content = csv_file(ROWS)
    else:
        columns = list(dict.fromkeys(k for row in ROWS for k in row))
        content = xlsx_file([columns, *([row.get(c) for c in columns] for row in ROWS)])
    first = upload(api, content, es, name=f"s.{kind}")
    assert first.status_code == 200 and first.json()["version"] == 2
    for _ in range(2):
        again = upload(api, content, es, name=f"s.{kind}")
        assert again.status_code == 200, again.text
        assert again.json()["version"] == 2
    assert state(api)[1] == [1, 2]
    assert api.summary()["objects_seized"] == 23


def test_reupload_after_the_due_time_needs_a_reason(api: Api, clock: FrozenClock) -> None:
    es = setup(api)
    first = upload(api, csv_file(ROWS[:1]), es)
    assert first.status_code == 201 and first.json()["late"] is False
    clock.set(NOW + timedelta(hours=21))  # 11 June 11:00 Madrid: past the cut-off
    # The same file again is harmless, even late and without a reason.
    same = upload(api, csv_file(ROWS[:1]), es)
    assert same.status_code == 200 and same.json()["version"] == 1
    before = state(api)
    r = upload(api, csv_file(ROWS), es)
    assert r.status_code == 422
    assert errors(r) == [(None, "amendment_reason")]
    assert state(api) == before
    r = upload(api, csv_file(ROWS), es, reason="two more seizures confirmed")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["version"] == 2 and body["late"] is True
    assert body["amendment_reason"] == "two more seizures confirmed"
    assert api.summary()["objects_seized"] == 23


def test_closed_operation_refuses_an_import(api: Api, clock: FrozenClock) -> None:
    es = setup(api)
    clock.set(NOW + timedelta(days=25))
    r = upload(api, csv_file(ROWS), es)
    assert r.status_code == 409
    assert state(api)[1] == []


# --- hostile files ------------------------------------------------------------------


def test_formulas_are_refused_in_csv_and_xlsx(api: Api) -> None:
    es = setup(api)
    before = state(api)
    text = (
        "ref,category,quantity,place_type,description,place_name,lon\r\n"
        'F-1,coins,1,airport,"=HYPERLINK(""http://evil"",""x"")",Madrid,\r\n'
        "F-2,coins,1,airport,ok,@SUM(A1),\r\n"
        "+F-3,coins,1,airport,ok,Madrid,\r\n"
        "F-4,coins,1,airport,-2+3+cmd|' /C calc'!A0,Madrid,\r\n"
        "F-5,coins,=1+1,airport,ok,Madrid,\r\n"
    )
    r = upload(api, text.encode(), es)
    assert r.status_code == 422
    assert errors(r) == [
        (2, "description"),
        (3, "place_name"),
        (4, "ref"),
        (5, "description"),
        (6, "quantity"),
    ]
    assert all(e["message"].startswith(FORMULA) for e in r.json()["errors"])

    content = xlsx_file(
        [
            ["ref", "category", "quantity", "place_type", "description"],
            ["X-1", "coins", "=2*3", "airport", "fine"],
            ["X-2", "coins", 1, "airport", '=WEBSERVICE("http://evil")'],
            ["X-3", "coins", 1, "airport", "fine"],
        ]
    )
    r = upload(api, content, es, name="s.xlsx")
    assert r.status_code == 422
    assert errors(r) == [(2, "quantity"), (3, "description")]
    assert all(e["message"].startswith(FORMULA) for e in r.json()["errors"])
    assert state(api) == before


def test_a_negative_number_is_a_validation_error_not_a_formula(api: Api) -> None:
    es = setup(api)
    text = "ref,category,quantity,place_type,lat,lon\r\nN-1,coins,-3,airport,-91,-3.5\r\n"
    r = upload(api, text.encode(), es)
    assert r.status_code == 422
    assert errors(r) == [(2, "quantity"), (2, "lat")]
    assert not any(FORMULA in e["message"] for e in r.json()["errors"])


def test_a_file_over_5_mb_is_refused_with_413(api: Api) -> None:
    es = setup(api)
    before = state(api)
    big = csv_file(ROWS) + b"x" * (6 * 1024 * 1024)
    r = upload(api, big, es)
    assert r.status_code == 413
    just_over = csv_file(ROWS) + b"#" * (5 * 1024 * 1024)
    r = upload(api, just_over, es)
    assert r.status_code == 413
    assert errors(r) == [(None, "file")]
    assert state(api) == before


def _zip_bomb(sheet_bytes: int) -> bytes:
    """An XLSX-shaped zip whose sheet is small packed and huge unpacked."""
    out = io.BytesIO()
    row = b'<row r="1"><c r="A1" t="inlineStr"><is><t>AAAAAAAAAAAAAAAAAAAA</t></is></c></row>'
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
            '2006/content-types"/>',
        )
        z.writestr("xl/workbook.xml", "<workbook/>")
        body = (
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b"<sheetData>" + row * (sheet_bytes // len(row)) + b"</sheetData></worksheet>"
        )
        z.writestr("xl/worksheets/sheet1.xml", body)
    return out.getvalue()


@pytest.mark.parametrize("size", [60 * 1024 * 1024, 10 * 1024 * 1024])
def test_a_zip_bomb_xlsx_is_refused_before_it_is_unpacked(api: Api, size: int) -> None:
    """60 MB: over the total; 10 MB: under it, but packed over a hundred times."""
    es = setup(api)
    before = state(api)
    bomb = _zip_bomb(size)
    assert len(bomb) < 1024 * 1024  # the upload itself is small
    r = upload(api, bomb, es, name="seizures.xlsx")
    assert r.status_code == 422, r.text
    assert errors(r) == [(None, "file")]
    assert any(w in r.json()["detail"] for w in ("zip bomb", "unpacks to"))
    assert state(api) == before


def test_xml_entities_in_a_workbook_are_refused(api: Api) -> None:
    es = setup(api)
    content = xlsx_file([["ref", "category", "quantity", "place_type"], ["E-1", "coins", 1, "x"]])
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    b"<worksheet",
                    b'<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]><worksheet',
                    1,
                )
            z.writestr(item, data)
    r = upload(api, out.getvalue(), es, name="s.xlsx")
    assert r.status_code == 422 and errors(r) == [(None, "file")]
    assert "entities" in r.json()["detail"]


@pytest.mark.parametrize(
    "content",
    [
        bytes(random.Random(6).getrandbits(8) for _ in range(4000)),
        b"PK\x03\x04" + b"not really a zip" * 50,
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500,  # an old .xls
        b"%PDF-1.7\n\x00\x00binary",
        b"   \r\n",
        b"just some words\nthat are not a header\n",
    ],
    ids=["random", "fake-zip", "xls", "pdf", "blank", "no-header"],
)
def test_a_garbage_file_is_refused_naming_file(api: Api, content: bytes) -> None:
    es = setup(api)
    before = state(api)
    r = upload(api, content, es)
    assert r.status_code == 422, r.text
    assert [field for _, field in errors(r)] == ["file"]
    assert state(api) == before


def test_more_than_5000_rows_is_refused(api: Api) -> None:
    es = setup(api)
    lines = ["ref,category,quantity,place_type"]
    lines += [f"R-{n},coins,1,airport" for n in range(5001)]
    r = upload(api, "\n".join(lines).encode(), es)
    assert r.status_code == 422
    assert errors(r) == [(None, "file")] and "5000" in r.json()["detail"]
    assert state(api)[1] == []


def test_a_file_with_no_seizures_is_refused(api: Api) -> None:
    es = setup(api)
    api.put_return("ES", DAY, previous_return(), es)
    r = upload(api, b"ref,category,quantity,place_type\r\n,,,\r\n", es)
    assert r.status_code == 422 and errors(r) == [(None, "file")]
    assert api.summary()["objects_seized"] == 40


def test_missing_file_is_named(api: Api) -> None:
    es = setup(api)
    url = f"{BASE}/ES/{DAY}/import"
    r = api.client.post(url, files={"amendment_reason": (None, "x")}, headers=es)
    assert r.status_code == 422 and errors(r) == [(None, "file")]
    assert api.client.post(url, headers=es).status_code == 422
    r = api.client.post(
        url,
        content=b"--x\r\nbroken",
        headers={**es, "Content-Type": "multipart/form-data; boundary=x"},
    )
    assert r.status_code == 400


@pytest.mark.parametrize(
    ("part", "field"),
    [
        (b'name="file"\r\n\r\n\xd6', "file"),  # a field, not a file, in Latin-1
        (b'name="amendment_reason"\r\n\r\nd\xe9claration tardive', "amendment_reason"),
        (b'name="amendment_reason"\r\nContent-Type: text/plain; charset=klingon\r\n\r\nx',
         "amendment_reason"),
    ],
    ids=["latin-1-file", "latin-1-reason", "unknown-charset"],
)  # fmt: skip
def test_a_form_field_that_is_not_text_is_400_naming_it(api: Api, part: bytes, field: str) -> None:
    es = setup(api)
    before = state(api)
    body = b"--x\r\nContent-Disposition: form-data; " + part + b"\r\n--x--\r\n"
    r = api.client.post(
        f"{BASE}/ES/{DAY}/import",
        content=body,
        headers={**es, "Content-Type": "multipart/form-data; boundary=x"},
    )
    assert r.status_code == 400, r.text
    assert [e["field"] for e in r.json()["errors"]] == [field]
    assert state(api) == before


# --- access -------------------------------------------------------------------------


def test_only_that_countrys_contact_point_or_a_coordinator_may_import(api: Api) -> None:
    setup(api)
    fr = api.user("fr-ncp", "ncp", "FR")
    unesco = api.user("unesco", "partner")
    for headers in (fr, unesco):
        r = upload(api, csv_file(ROWS), headers)
        assert r.status_code == 403
    assert upload(api, csv_file(ROWS), {}).status_code == 401
    assert state(api)[1] == []
    r = upload(api, csv_file(ROWS), ADMIN)
    assert r.status_code == 201 and r.json()["submitted_by"] == "admin"
    r = upload(api, csv_file(ROWS), ADMIN, country="DE")
    assert r.status_code == 404 and errors(r) == [(None, "country")]


# --- templates ----------------------------------------------------------------------


def test_csv_template_parses_back_and_its_example_imports(api: Api) -> None:
    es = setup(api)
    r = api.client.get("/api/operations/PANDORA-X/import-template.csv", headers=es)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert "PANDORA-X-seizures-template.csv" in r.headers["content-disposition"]
    header, example = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert header[:4] == ["ref", "category", "hs_code", "quantity"] and len(header) == 21
    assert "stolen_db_match" in header
    row = dict(zip(header, example, strict=True))
    assert row["category"] == "coins" and row["place_type"] == "airport"
    imported = upload(api, r.content, es)
    assert imported.status_code == 201, imported.text
    (got,) = imported.json()["seizures"]
    assert got["ref"] == row["ref"] and got["quantity"] == int(row["quantity"])
    assert api.summary()["objects_seized"] == int(row["quantity"])


def test_xlsx_template_has_lists_and_its_example_imports(api: Api) -> None:
    es = setup(api)
    r = api.client.get("/api/operations/PANDORA-X/import-template.xlsx", headers=ADMIN)
    assert r.status_code == 200
    assert "PANDORA-X-seizures-template.xlsx" in r.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["seizures", "values"]
    sheet, values = book["seizures"], book["values"]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["ref", "category", "hs_code", "quantity"] and len(header) == 21
    example = dict(zip(header, (c.value for c in sheet[2]), strict=True))
    assert example["quantity"] == 12 and isinstance(example["lat"], float)
    listed = {
        values.cell(1, col).value: [
            values.cell(r, col).value
            for r in range(2, values.max_row + 1)
            if values.cell(r, col).value
        ]
        for col in range(1, values.max_column + 1)
    }
    assert "coins" in listed["category"] and len(listed["category"]) == 13
    assert "auction_house" in listed["place_type"] and "online" in listed["conveyance"]
    validated = {
        header[rng.min_col - 1]
        for dv in sheet.data_validations.dataValidation
        if dv.type == "list"
        for rng in dv.sqref.ranges
    }
    assert {"category", "place_type", "conveyance"} <= validated
    imported = upload(api, r.content, es, name="template.xlsx")
    assert imported.status_code == 201, imported.text
    (got,) = imported.json()["seizures"]
    assert (got["ref"], got["quantity"], got["estimated_value"]) == (
        example["ref"],
        12,
        int(Decimal(example["estimated_value"])),
    )


def test_templates_are_for_coordinators_and_contact_points(api: Api) -> None:
    es = setup(api)
    unesco = api.user("unesco", "partner")
    for ext in ("csv", "xlsx"):
        path = f"/api/operations/PANDORA-X/import-template.{ext}"
        assert api.client.get(path, headers=es).status_code == 200
        assert api.client.get(path, headers=unesco).status_code == 403
        assert api.client.get(path).status_code == 401
        missing = api.client.get(f"/api/operations/NOPE-1/import-template.{ext}", headers=es)
        assert missing.status_code == 404
