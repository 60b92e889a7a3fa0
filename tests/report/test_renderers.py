"""Renderers of the consolidated report: figures, formats, redaction, offline safety."""

from __future__ import annotations

import copy
import csv
import io
import re
import shutil
import subprocess
import zipfile
from html.parser import HTMLParser
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest

from opcoord.report.render.charts import categories_svg, timeline_svg
from opcoord.report.render.csv import iter_seizures_csv
from opcoord.report.render.html import external_references, render_html
from opcoord.report.render.pdf import OfflineFetcher, render_pdf
from opcoord.report.render.press import press_figure
from opcoord.report.render.xlsx import render_xlsx

SECRET_REF = "ES-GC-0042"
SECRET_TEXT = "Roman gold aurei from the Calle Mayor dealer"


def make_report(audience: str = "full") -> dict[str, Any]:
    countries = [
        {
            "country": "ES",
            "name": "Spain",
            "agencies": ["customs", "police"],
            "returns": 120,
            "returns_expected": 122,
            "returns_on_time": 110,
            "returns_late": 10,
            "nil_returns": 30,
            "returns_missing": 2,
            "seizures": 40,
            "objects_seized": 7700,
            "objects_seized_online": 100,
            "arrests": 5,
            "investigations_criminal": 3,
            "investigations_administrative": 1,
            "persons_checked": 1000,
            "vehicles_checked": 10,
            "vessels_checked": 0,
            "premises_checked": 3,
            "online_checks": 40,
            "metal_detectors": 2,
            "excavation_tools": 0,
            "estimated_value": {"EUR": 500000},
        },
        {
            "country": "IT",
            "name": "Italy",
            "agencies": ["police"],
            "returns": 0,
            "returns_expected": 122,
            "returns_on_time": 0,
            "returns_late": 0,
            "nil_returns": 0,
            "returns_missing": 122,
            "seizures": 0,
            "objects_seized": 1708,
            "objects_seized_online": 0,
            "arrests": 47,
            "investigations_criminal": 117,
            "investigations_administrative": 49,
            "persons_checked": 0,
            "vehicles_checked": 0,
            "vessels_checked": 0,
            "premises_checked": 0,
            "online_checks": 0,
            "metal_detectors": 88,
            "excavation_tools": 0,
            "estimated_value": {},
        },
    ]
    return {
        "operation": {
            "code": "PANDORA-X",
            "name": "Operation Pandora X",
            "lead": "Guardia Civil",
            "partners": ["Europol", "INTERPOL", "WCO"],
            "starts_on": "2026-06-01",
            "ends_on": "2026-09-30",
            "timezone": "Europe/Madrid",
            "daily_cutoff": "10:00",
        },
        "edition": 1,
        "changes": None,
        "audience": audience,
        "generated_at": "2026-10-01T08:00:03+00:00",
        "data_cutoff": "2026-10-01T08:00:00+00:00",
        "provisional": "Figures are provisional as of 1 October 2026 10:00 (Europe/Madrid).",
        "totals": {
            "countries_participating": 28,
            "countries_reported": 27,
            "returns": 3100,
            "seizures": 812,
            "objects_seized": 9408,
            "objects_seized_online": 1200,
            "persons_checked": 15000,
            "vehicles_checked": 700,
            "vessels_checked": 12,
            "premises_checked": 33,
            "online_checks": 400,
            "arrests": 52,
            "investigations_criminal": 120,
            "investigations_administrative": 50,
            "metal_detectors": 90,
            "excavation_tools": 0,
            "estimated_value": {"EUR": 9500000},
            "objects_by_category": {"coins": 3000},
            "objects_by_country": {"ES": 7700, "IT": 1708},
        },
        "countries": countries,
        "categories": [
            {"category": "coins", "seizures": 12, "objects": 3000},
            {"category": "religious", "seizures": 5, "objects": 40},
        ],
        "online": {"online_checks": 400, "seizures": 30, "objects": 1200},
        "facilitating_items": {"metal_detectors": 90, "excavation_tools": 0},
        "routes": [{"origin": "IT", "destination": "CH", "seizures": 4, "objects": 120}],
        # The assembler blanks ref/description for partners; the renderers must not rely on it.
        "highlights": [
            {
                "ref": SECRET_REF,
                "country": "ES",
                "day": "2026-06-03",
                "category": "coins",
                "quantity": 91,
                "place_type": "auction_house",
                "place_name": "Madrid",
                "description": SECRET_TEXT,
                "estimated_value": 500000,
                "currency": "EUR",
            }
        ],
        "investigations": {"criminal": 120, "administrative": 50, "arrests": 52},
        "timeline": [
            {"day": f"2026-06-{d:02d}", "returns": 27, "seizures": 9, "objects": 300 + d}
            for d in range(1, 31)
        ],
        "completeness": {
            "expected": 3416,
            "on_time": 3000,
            "late": 100,
            "missing": 316,
            "nil": 500,
            "rate": 0.907,
        },
    }


def make_seizures(n: int = 3) -> list[dict[str, Any]]:
    return [
        {
            "country": "ES",
            "day": "2026-06-03",
            "ref": f"{SECRET_REF}-{i}",
            "category": "coins",
            "hs_code": "9705",
            "quantity": 10 + i,
            "description": f"{SECRET_TEXT} {i}",
            "place_type": "airport",
            "place_name": "Madrid-Barajas",
            "lat": 40.47,
            "lon": -3.56,
            "conveyance": "air_cargo",
            "online": i % 2 == 0,
            "origin_country": "IT",
            "departure_country": "IT",
            "destination_country": "ES",
            "estimated_value": 1500.5,
            "currency": "EUR",
        }
        for i in range(n)
    ]


INJECTIONS = ['=HYPERLINK("http://x","y")', "+1+2", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


class _Figures(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.figures: dict[str, tuple[str | None, str]] = {}
        self.ids: list[str] = []
        self._open: tuple[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "section" and found.get("id"):
            self.ids.append(str(found["id"]))
        if found.get("data-figure"):
            self._open = (str(found["data-figure"]), found.get("data-value"))

    def handle_data(self, data: str) -> None:
        if self._open:
            self.figures[self._open[0]] = (self._open[1], data.strip())
            self._open = None


@pytest.fixture(scope="module")
def html_full() -> str:
    return render_html(make_report(), map_html="<html><body><p>map & more</p></body></html>")


@pytest.fixture(scope="module")
def pdf_text() -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    pdf = render_pdf(make_report())
    assert pdf.startswith(b"%PDF")
    done = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return done.stdout.decode()


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (3561, "3,561"),
        (9408, "over 9,400"),
        (56437, "over 56,400"),
        (19012, "over 19,000"),
        (9400, "9,400"),
        (37727, "over 37,700"),
        (0, "0"),
        (4999, "4,999"),
        (5001, "over 5,000"),
        (1_234_567, "over 1,230,000"),
    ],
)
def test_press_figure(n: int, expected: str) -> None:
    assert press_figure(n) == expected


def test_press_figure_rejects_non_counts() -> None:
    with pytest.raises(ValueError, match="negative"):
        press_figure(-1)
    with pytest.raises(TypeError):
        press_figure(True)


def test_html_figures_equal_the_dict(html_full: str) -> None:
    parser = _Figures()
    parser.feed(html_full)
    totals = make_report()["totals"]
    for key in (
        "objects_seized",
        "seizures",
        "arrests",
        "countries_participating",
        "investigations_criminal",
        "investigations_administrative",
        "objects_seized_online",
        "returns",
        "persons_checked",
        "metal_detectors",
    ):
        value, text = parser.figures[key]
        assert value == str(totals[key]) and text == f"{totals[key]:,}", key
    assert "over 9,400" in html_full and "9,408" in html_full
    assert parser.figures["estimated_value"][1] == "EUR 9,500,000"
    assert "Not counted as cultural goods" in html_full
    assert "Italy" in html_full and "Switzerland" in html_full  # route names, not codes
    assert "Coins (numismatics)" in html_full
    assert "1 October 2026 10:00 (Europe/Madrid)" in html_full
    assert html_full.count("<svg") == 3
    assert parser.ids == [
        "provisional",
        "headline",
        "operation",
        "participants",
        "countries",
        "categories",
        "online",
        "facilitating",
        "routes",
        "highlights",
        "investigations",
        "timeline",
        "map",
        "completeness",
    ]


def test_html_is_offline_and_escapes_text() -> None:
    report = make_report()
    report["operation"]["name"] = "<script>alert('x')</script>"
    report["highlights"][0]["description"] = '<img src="https://evil.example/t.png">'
    report["edition"], report["changes"] = 2, "Italy's <b>late</b> returns added"
    html = render_html(report, map_html='<script src="data:,1"></script><p class="a">"q"</p>')
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "<img" not in html and "<b>late" not in html and "Changes since edition 1" in html
    assert external_references(html) == []
    assert not re.search(r"""(src|href)\s*=\s*["']?https?:""", html, re.IGNORECASE)
    srcdoc = re.search(r'srcdoc="([^"]*)"', html)
    assert srcdoc and "&lt;script src=&#34;data:,1&#34;&gt;" in srcdoc.group(1)
    assert external_references('<link href="https://cdn.example/x.css">')  # the check works


def test_pdf_carries_the_headline_numbers(pdf_text: str) -> None:
    for text in (
        "PANDORA-X",
        "Edition 1",
        "9,408",
        "over 9,400",
        "812",
        "52",
        "Page 1 of",
        "Not counted as cultural goods",
        "Madrid",
        SECRET_REF,
    ):
        assert text in pdf_text, text


def test_pdf_fetcher_refuses_the_network() -> None:
    fetcher = OfflineFetcher()
    with pytest.raises(ValueError, match="refusing"):
        fetcher.fetch("https://fonts.example/font.woff2")
    with pytest.raises(ValueError, match="refusing"):
        fetcher.fetch("file:///etc/passwd")
    assert fetcher.refused == ["https://fonts.example/font.woff2", "file:///etc/passwd"]
    assert fetcher.fetch("data:text/plain,ok").read() == b"ok"
    render_pdf(make_report(), fetcher=fetcher)
    assert len(fetcher.refused) == 2  # the report itself asks for nothing


def _sheet(wb: Any, name: str) -> list[list[Any]]:
    return [list(row) for row in wb[name].iter_rows(values_only=True)]


def test_xlsx_numbers_and_sheets() -> None:
    report = make_report()
    data = render_xlsx(report, make_seizures(5))
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == [
        "Summary",
        "Countries",
        "Categories",
        "Routes",
        "Highlights",
        "Timeline",
        "Completeness",
        "Seizures",
    ]
    summary = {row[0]: row[2] for row in _sheet(wb, "Summary")[1:]}
    for key in ("objects_seized", "arrests", "seizures", "metal_detectors"):
        assert summary[key] == report["totals"][key] and isinstance(summary[key], int)
    assert summary["estimated_value_EUR"] == 9500000
    countries = _sheet(wb, "Countries")
    spain = dict(zip(countries[0], countries[1], strict=True))
    assert spain["Objects seized"] == 7700 and spain["Estimated value EUR"] == 500000
    timeline = _sheet(wb, "Timeline")
    assert len(timeline) == 31 and timeline[1][3] == 301
    assert _sheet(wb, "Categories")[1] == ["coins", "Coins (numismatics)", 12, 3000]
    seizures = _sheet(wb, "Seizures")
    assert len(seizures) == 6 and seizures[1][5] == 10 and seizures[1][10] == -3.56
    assert wb["Seizures"].freeze_panes == "A2" and wb["Seizures"].auto_filter.ref == "A1:R6"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert sum(name.startswith("xl/charts/chart") for name in z.namelist()) == 2


def test_xlsx_never_writes_formulas() -> None:
    rows = make_seizures(len(INJECTIONS))
    for row, bad in zip(rows, INJECTIONS, strict=True):
        row["ref"] = row["description"] = row["place_name"] = bad
    report = make_report()
    report["operation"]["name"] = "=cmd|' /C calc'!A0"
    data = render_xlsx(report, rows)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheets = [z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
    assert all(b"<f>" not in xml for xml in sheets)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    cells = [wb["Seizures"].cell(r, 3) for r in range(2, len(rows) + 2)]
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)  # text, stays text
    # xlsxwriter stores CR as Excel's _x000D_ escape, which openpyxl does not decode.
    assert [c.value for c in cells[:-1]] == INJECTIONS[:-1] and cells[-1].value.endswith("CR")
    assert wb["Summary"]["C3"].value == "=cmd|' /C calc'!A0"


def test_csv_round_trips_and_streams() -> None:
    rows = make_seizures(4500)
    chunks = list(iter_seizures_csv(rows))
    assert chunks[0].startswith("country,day,ref,") and chunks[0].count("\n") == 1
    assert len(chunks) == 4  # header + 2,000-row chunks
    parsed = list(csv.DictReader(io.StringIO("".join(chunks))))
    assert len(parsed) == 4500
    first = parsed[0]
    assert first["ref"] == f"{SECRET_REF}-0" and first["quantity"] == "10"
    assert first["lon"] == "-3.56" and first["online"] == "true" and first["hs_code"] == "9705"


def test_csv_neutralises_formulas() -> None:
    rows = make_seizures(len(INJECTIONS))
    for row, bad in zip(rows, INJECTIONS, strict=True):
        row["description"] = bad
    parsed = list(csv.DictReader(io.StringIO("".join(iter_seizures_csv(rows)))))
    assert [p["description"] for p in parsed] == ["'" + bad for bad in INJECTIONS]
    assert all(p["lon"] == "-3.56" for p in parsed)  # numbers are never prefixed


def test_partner_edition_hides_refs_and_descriptions() -> None:
    report = make_report("partner")
    seizures = make_seizures(3)
    html = render_html(report)
    csv_text = "".join(iter_seizures_csv(seizures, audience="partner"))
    with zipfile.ZipFile(io.BytesIO(render_xlsx(report, seizures))) as z:
        xlsx_text = b"".join(z.read(n) for n in z.namelist()).decode()
    outputs = {"html": html, "csv": csv_text, "xlsx": xlsx_text}
    if shutil.which("pdftotext"):
        done = subprocess.run(
            ["pdftotext", "-", "-"], input=render_pdf(report), capture_output=True, check=True
        )
        outputs["pdf"] = done.stdout.decode()
    for name, text in outputs.items():
        assert SECRET_REF not in text and "Roman gold aurei" not in text, name
    assert "Partner edition" in html and "ref" not in csv_text.splitlines()[0].split(",")


def test_unknown_audience_is_refused() -> None:
    with pytest.raises(ValueError, match="audience"):
        render_html(make_report("public"))
    with pytest.raises(ValueError, match="audience"):
        list(iter_seizures_csv([], audience="public"))


def test_charts_are_deterministic_and_self_contained() -> None:
    timeline = make_report()["timeline"]
    first, second = timeline_svg(timeline), timeline_svg(copy.deepcopy(timeline))
    assert first == second and first.startswith("<svg")
    svg = first + categories_svg(make_report()["categories"])
    urls = set(re.findall(r"https?://[^\"'\s)]+", svg))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert "<metadata" not in svg and 'id="timeline-' in first


def test_french_html_headings_and_numbers() -> None:
    from babel.numbers import format_decimal

    html = render_html(make_report(), lang="fr")
    assert '<html lang="fr">' in html
    assert "<h2>Chiffres clés</h2>" in html and "Headline figures" not in html
    parser = _Figures()
    parser.feed(html)
    total = make_report()["totals"]["objects_seized"]
    value, text = parser.figures["objects_seized"]
    assert value == str(total)  # the machine-readable value stays exact and neutral
    assert text == format_decimal(total, locale="fr") == "9\u202f408"
    assert f"plus de {format_decimal(9400, locale='fr')}" in html
    assert "1 octobre 2026 10:00 (Europe/Madrid)" in html
    assert "Italie" in html and "Pièces de monnaie (numismatique)" in html
    assert "over 9,400" not in html and "9,408" not in html
    assert render_html(make_report(), lang="en") == render_html(make_report())


def test_french_pdf_headings_and_numbers() -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    pdf = render_pdf(make_report(), lang="fr")
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert "Chiffres clés" in text and "Résultats par pays" in text
    assert "plus de 9" in text and "Page 1 sur" in text
    assert "Headline figures" not in text and "over 9,400" not in text


def test_xlsx_in_french_translates_labels_not_numbers() -> None:
    report = make_report()
    english = openpyxl.load_workbook(io.BytesIO(render_xlsx(report, make_seizures(5))))
    french = openpyxl.load_workbook(io.BytesIO(render_xlsx(report, make_seizures(5), lang="fr")))
    assert french.sheetnames[0] == "Synthèse" and "Summary" not in french.sheetnames
    assert len(french.sheetnames) == len(english.sheetnames)
    for en_name, fr_name in zip(english.sheetnames, french.sheetnames, strict=True):
        en_rows, fr_rows = _sheet(english, en_name), _sheet(french, fr_name)
        assert len(en_rows) == len(fr_rows), en_name
        for en_row, fr_row in zip(en_rows[1:], fr_rows[1:], strict=True):
            numbers = [v for v in en_row if isinstance(v, int | float)]
            assert numbers == [v for v in fr_row if isinstance(v, int | float)], en_name
    summary = {row[0]: row for row in _sheet(french, "Synthèse")[1:]}
    assert summary["objects_seized"][2] == 9408 and summary["objects_seized"][3].startswith(
        "plus de "
    )
    countries = _sheet(french, french.sheetnames[1])
    assert countries[0][0] == "Pays" and countries[1][0] == "ES"


#: Values the Seizures sheet's own XML must write as xlsxwriter wrote them cell by cell.
AWKWARD = [
    " leading and trailing space ",
    'quotes " and <tags> & ampersands',
    "Ἀπόλλων · Аполлон · 阿波罗",
    "a literal _x0041_ that is not an escape",
    "bell \x07 and vertical tab \x0b",
    "line\nbreak",
    *INJECTIONS,
]


def _cells(data: bytes) -> list[list[tuple[Any, str, str, bool]]]:
    ws = openpyxl.load_workbook(io.BytesIO(data))["Seizures"]
    return [
        [(c.value, c.data_type, c.number_format, bool(c.quotePrefix)) for c in row]
        for row in ws.iter_rows()
    ]


def test_xlsx_seizures_sheet_reads_as_xlsxwriter_wrote_it_cell_by_cell() -> None:
    """The Seizures sheet is written as XML (render/sheet_xml.py): every value, type,
    number format and quote-prefix flag reads back as xlsxwriter's own cells did."""
    import xlsxwriter  # type: ignore[import-untyped]

    from opcoord.i18n import Lang
    from opcoord.report.render.csv import FORMULA_TRIGGERS, seizure_columns
    from opcoord.report.render.xlsx import _Writer

    rows = make_seizures(len(AWKWARD) + 3)
    for row, text in zip(rows, AWKWARD, strict=False):
        row["description"] = row["place_name"] = text
    rows[-1].update(lat=None, estimated_value=0, place_name="", online=False, quantity=0)
    rows[-2].update(day="2026-12-31", hs_code=None, lon=180.0, estimated_value=12345678.125)
    rows[-3].update(estimated_value=float("nan"), lat=-0.0)
    data = render_xlsx(make_report(), rows)

    # The same rows through xlsxwriter, one call per cell, as the sheet was written before.
    out = io.BytesIO()
    options = {"constant_memory": True, "strings_to_formulas": False,
               "strings_to_urls": False, "strings_to_numbers": False}  # fmt: skip
    wb = xlsxwriter.Workbook(out, {**options, "nan_inf_to_errors": True})
    writer = _Writer(wb, Lang("en"))
    specs = [(k, k, kind, 12) for k, kind in seizure_columns("full")]
    nan_row = rows[-3].copy()
    rows[-3]["estimated_value"] = None  # xlsxwriter cannot write NaN; ours leaves it out
    writer.table("Seizures", specs, rows, translate=False)
    wb.close()
    rows[-3] = nan_row

    ours, theirs = _cells(data), _cells(out.getvalue())
    assert len(ours) == len(rows) + 1
    assert ours == theirs
    sheet = openpyxl.load_workbook(io.BytesIO(data))["Seizures"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:R{len(rows) + 1}"
    assert sheet.max_row == len(rows) + 1 and sheet.max_column == 18
    assert FORMULA_TRIGGERS  # every trigger above is quote-prefixed text (compared)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert all(b"<f>" not in z.read(n) for n in z.namelist() if n.startswith("xl/work"))


def test_xlsx_with_no_seizures_has_the_header_alone() -> None:
    data = render_xlsx(make_report(), [])
    assert [row[0][0] for row in _cells(data)] == ["country"]


def test_exports_read_from_the_table_as_from_one_mapping_per_row() -> None:
    """The server's exports read the seizures a column at a time (``seizure_table``):
    the same files as from one mapping per row, awkward values included, and a header
    alone for an operation without seizures."""
    from datetime import date
    from decimal import Decimal

    from opcoord.report import data

    seizures = make_seizures(len(AWKWARD) + 2)
    for seizure, text in zip(seizures, AWKWARD, strict=False):
        seizure["description"] = seizure["place_name"] = text
    seizures[0].update(day=date(2026, 6, 3), estimated_value=Decimal("1500.50"))
    seizures[1].update(lat=None, hs_code=None, estimated_value=Decimal("7"))
    rows = [tuple(s[key] for key in data._ROW_KEYS) for s in seizures]
    for audience in ("full", "partner"):
        table = data.seizure_table(rows, audience)
        dicts = list(data.seizure_dicts(rows, audience))
        assert table.count == len(rows)
        csv_text = "".join(iter_seizures_csv(table, audience=audience))
        assert csv_text == "".join(iter_seizures_csv(dicts, audience=audience))
        assert ",1500.5," in csv_text and ",7," in csv_text  # money as numbers
        report = make_report(audience)
        assert _cells(render_xlsx(report, table)) == _cells(render_xlsx(report, dicts))
    empty = data.seizure_table([])
    assert "".join(iter_seizures_csv(empty)).count("\n") == 1
    assert [row[0][0] for row in _cells(render_xlsx(make_report(), empty))] == ["country"]
