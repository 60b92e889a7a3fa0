"""The consolidated report as an XLSX workbook: one sheet per table, real numbers and dates.

Written with xlsxwriter in ``constant_memory`` mode (rows go to a temporary file as they
are written); rows must therefore be written strictly top to bottom. The Seizures sheet,
the one that grows with the operation, has its rows written as XML by ``sheet_xml`` into
the frame xlsxwriter draws (a hundred thousand rows would otherwise take most of the
build), following the same rules. Formula injection: every string goes through
``write_string`` (never ``write``) and xlsxwriter's string-to-formula/URL/number
conversions are off, so text such as ``"=HYPERLINK(...)"`` is stored as a text cell;
``sheet_xml`` writes text only as inline strings, never a formula. Such cells also carry
Excel's "quote prefix" flag, so that editing the cell in Excel keeps it text.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import xlsxwriter  # type: ignore[import-untyped]
from xlsxwriter.workbook import Workbook  # type: ignore[import-untyped]
from xlsxwriter.worksheet import Worksheet  # type: ignore[import-untyped]

from opcoord.i18n import Lang
from opcoord.report.render import sheet_xml
from opcoord.report.render.csv import FORMULA_TRIGGERS, PARTNER_OMITTED, Seizures, seizure_columns
from opcoord.report.render.html import audience_of
from opcoord.report.render.press import category_label, country_name, press_figure
from opcoord.vocabulary import N_

Kind = Literal["text", "int", "num", "date", "bool", "pct"]
Spec = tuple[str, str, Kind, int]  # key in the row dict, header, kind of value, column width

# Word lists (SIM905): 35 one-per-line literals would bury the sheet layouts below.
_TOTAL_KEYS = (  # noqa: SIM905
    "countries_participating countries_reported returns seizures objects_seized "
    "objects_seized_online persons_checked vehicles_checked vessels_checked premises_checked "
    "online_checks arrests investigations_criminal investigations_administrative "
    "metal_detectors excavation_tools"
).split()
_COUNTRY_KEYS = (  # noqa: SIM905
    "returns_expected returns returns_on_time returns_late nil_returns returns_missing "
    "seizures objects_seized objects_seized_online arrests investigations_criminal "
    "investigations_administrative persons_checked vehicles_checked vessels_checked "
    "premises_checked online_checks metal_detectors excavation_tools"
).split()
#: Labels of the counters (English: the key, capitalised, as the sheets always said).
_KEY_LABELS = {
    "countries_participating": N_("Countries participating"),
    "countries_reported": N_("Countries reported"),
    "returns": N_("Returns"),
    "seizures": N_("Seizures"),
    "objects_seized": N_("Objects seized"),
    "objects_seized_online": N_("Objects seized online"),
    "persons_checked": N_("Persons checked"),
    "vehicles_checked": N_("Vehicles checked"),
    "vessels_checked": N_("Vessels checked"),
    "premises_checked": N_("Premises checked"),
    "online_checks": N_("Online checks"),
    "arrests": N_("Arrests"),
    "investigations_criminal": N_("Investigations criminal"),
    "investigations_administrative": N_("Investigations administrative"),
    "metal_detectors": N_("Metal detectors"),
    "excavation_tools": N_("Excavation tools"),
    "returns_expected": N_("Returns expected"),
    "returns_on_time": N_("Returns on time"),
    "returns_late": N_("Returns late"),
    "nil_returns": N_("Nil returns"),
    "returns_missing": N_("Returns missing"),
}
#: Sheet names (Excel allows 31 characters and none of []:*?/\ in them).
_SHEETS = (
    N_("Summary"),
    N_("Countries"),
    N_("Categories"),
    N_("Routes"),
    N_("Highlights"),
    N_("Timeline"),
    N_("Completeness"),
    N_("Seizures"),
)
_SUMMARY: list[Spec] = [
    ("key", N_("Key"), "text", 30),
    ("item", N_("Item"), "text", 34),
    ("value", N_("Value"), "int", 24),
    ("press", N_("Press rendering"), "text", 18),
]
_CATEGORIES: list[Spec] = [
    ("category", N_("Category"), "text", 20),
    ("label", N_("Label"), "text", 36),
    ("seizures", N_("Seizures"), "int", 12),
    ("objects", N_("Objects"), "int", 12),
]
_ROUTES: list[Spec] = [
    ("origin", N_("Origin"), "text", 9),
    ("origin_name", N_("Origin name"), "text", 22),
    ("destination", N_("Destination"), "text", 12),
    ("destination_name", N_("Destination name"), "text", 22),
    ("seizures", N_("Seizures"), "int", 12),
    ("objects", N_("Objects"), "int", 12),
]
_HIGHLIGHTS: list[Spec] = [
    ("day", N_("Day"), "date", 12),
    ("country", N_("Country"), "text", 9),
    ("ref", N_("Reference"), "text", 16),
    ("category", N_("Category"), "text", 16),
    ("quantity", N_("Objects"), "int", 10),
    ("place_type", N_("Place type"), "text", 18),
    ("place_name", N_("Place"), "text", 20),
    ("description", N_("Description"), "text", 40),
    ("estimated_value", N_("Estimated value"), "num", 16),
    ("currency", N_("Currency"), "text", 9),
]
_TIMELINE: list[Spec] = [
    ("day", N_("Day"), "date", 12),
    ("returns", N_("Returns"), "int", 10),
    ("seizures", N_("Seizures"), "int", 10),
    ("objects", N_("Objects"), "int", 10),
]
_COMPLETENESS: list[Spec] = [
    ("country", N_("Country"), "text", 9),
    ("name", N_("Name"), "text", 24),
    ("returns_expected", N_("Due"), "int", 9),
    ("returns", N_("Received"), "int", 10),
    ("returns_on_time", N_("On time"), "int", 9),
    ("returns_late", N_("Late"), "int", 8),
    ("nil_returns", N_("Nil"), "int", 8),
    ("returns_missing", N_("Missing"), "int", 9),
    ("complete", N_("Completeness"), "pct", 13),
    ("on_time_rate", N_("On-time rate"), "pct", 13),
]


def _date(value: Any) -> dt.date | None:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _ratio(part: Any, whole: Any) -> float | None:
    return float(part or 0) / float(whole) if whole else None


class _Writer:
    """Type-directed cell writing and table layout shared by every sheet."""

    def __init__(self, wb: Workbook, lang: Lang) -> None:
        self.wb = wb
        self._ = lang.gettext
        self.header = wb.add_format(
            {"bold": True, "bg_color": "#1F5F8B", "font_color": "#FFFFFF", "text_wrap": True}
        )
        self.fmt = {
            "int": wb.add_format({"num_format": "#,##0"}),
            "num": wb.add_format({"num_format": "#,##0.######"}),
            "date": wb.add_format({"num_format": "yyyy-mm-dd"}),
            "pct": wb.add_format({"num_format": "0.0%"}),
        }
        self.guarded = wb.add_format({"quote_prefix": True})

    def cell(self, ws: Worksheet, row: int, col: int, value: Any, kind: Kind) -> None:
        if value is None or value == "":
            return
        if isinstance(value, bool):
            ws.write_boolean(row, col, value)
        elif kind == "date" or isinstance(value, dt.date):
            ws.write_datetime(row, col, _date(value), self.fmt["date"])
        elif isinstance(value, int | float) and kind != "text":
            ws.write_number(row, col, value, self.fmt.get(kind, self.fmt["num"]))
        else:
            text = str(value)
            guard = self.guarded if text.startswith(FORMULA_TRIGGERS) else None
            ws.write_string(row, col, text, guard)

    def sheet_name(self, name: str) -> str:
        translated = "".join(c for c in self._(name) if c not in "[]:*?/\\")
        return translated[:31] or name

    def table(
        self,
        name: str,
        specs: Sequence[Spec],
        rows: Iterable[Mapping[str, Any]],
        *,
        translate: bool = True,
    ) -> tuple[Worksheet, int]:
        """A sheet with header, rows, frozen header row and autofilter; (sheet, row count).
        ``name`` and the headers are English msgids, written in the workbook's language
        (``translate=False``: headers are machine keys, kept as they are)."""
        ws = self.wb.add_worksheet(self.sheet_name(name))
        for col, (_key, title, _kind, width) in enumerate(specs):
            ws.set_column(col, col, width)
            header = self._(title) if translate else title
            ws.write_string(0, col, header, self.header)  # row 0 first: constant_memory
        ws.freeze_panes(1, 0)
        count = 0
        for count, row in enumerate(rows, start=1):
            for col, (key, _title, kind, _width) in enumerate(specs):
                self.cell(ws, count, col, row.get(key), kind)
        ws.autofilter(0, 0, max(count, 1), len(specs) - 1)
        return ws, count

    def frame(self, name: str, specs: Sequence[Spec], count: int) -> Worksheet:
        """A sheet like ``table``'s for ``count`` rows written by ``sheet_xml``: header
        (machine keys), frozen row, autofilter, and the probe row of the styles the rows
        use, which ``sheet_xml.splice`` replaces by the rows."""
        if len(specs) < len(sheet_xml.PROBE_ORDER):
            raise ValueError("too few columns for the style probe")
        ws = self.wb.add_worksheet(self.sheet_name(name))
        for col, (_key, title, _kind, width) in enumerate(specs):
            ws.set_column(col, col, width)
            ws.write_string(0, col, title, self.header)
        ws.freeze_panes(1, 0)
        probe = {
            "date": lambda c: ws.write_datetime(1, c, dt.date(2000, 1, 1), self.fmt["date"]),
            "int": lambda c: ws.write_number(1, c, 1, self.fmt["int"]),
            "num": lambda c: ws.write_number(1, c, 1.5, self.fmt["num"]),
            "guarded": lambda c: ws.write_string(1, c, "=", self.guarded),
        }
        for col, kind in enumerate(sheet_xml.PROBE_ORDER):
            probe[kind](col)
        ws.autofilter(0, 0, max(count, 1), len(specs) - 1)
        return ws

    def chart(
        self,
        ws: Worksheet,
        kind: str,
        spot: tuple[int, int],
        cat: int,
        val: int,
        n: int,
        title: str,
    ) -> Any:
        chart = self.wb.add_chart({"type": kind})
        title = self._(title)
        chart.add_series(
            {
                "name": title,
                "categories": [ws.name, 1, cat, n, cat],
                "values": [ws.name, 1, val, n, val],
                "fill": {"color": "#1F5F8B"},
            }
        )
        chart.set_title({"name": title})
        chart.set_legend({"none": True})
        ws.insert_chart(*spot, chart, {"x_scale": 1.8, "y_scale": 1.4})
        return chart


def _summary_rows(report: Mapping[str, Any], words: Lang) -> Iterable[dict[str, Any]]:
    _ = words.gettext
    loc = None if words.code == "en" else words
    op, totals = report["operation"], report["totals"]
    facts = [
        ("operation_code", N_("Operation code"), op["code"]),
        ("operation_name", N_("Operation name"), op["name"]),
        ("edition", N_("Edition"), int(report.get("edition", 1))),
        ("audience", N_("Audience"), audience_of(report)),
        ("starts_on", N_("Window starts"), _date(op["starts_on"])),
        ("ends_on", N_("Window ends (inclusive)"), _date(op["ends_on"])),
        ("lead", N_("Lead agency"), op.get("lead")),
        ("partners", N_("Partners"), ", ".join(op.get("partners") or [])),
        ("timezone", N_("Operation time zone"), op.get("timezone")),
        ("daily_cutoff", N_("Daily cut-off (local time)"), op.get("daily_cutoff")),
        ("generated_at", N_("Generated at"), report.get("generated_at")),
        ("data_cutoff", N_("Data cut-off"), report.get("data_cutoff")),
        ("provisional", N_("Provisional statement"), report.get("provisional")),
        ("changes", N_("Changes since previous edition"), report.get("changes")),
    ]
    for key, item, value in facts:
        yield {"key": key, "item": _(item), "value": value}
    for key in _TOTAL_KEYS:
        value = int(totals.get(key) or 0)
        yield {
            "key": key,
            "item": _(_KEY_LABELS[key]),
            "value": value,
            "press": press_figure(value, lang=loc),
        }
    for currency, amount in sorted((totals.get("estimated_value") or {}).items()):
        yield {
            "key": f"estimated_value_{currency}",
            "item": _("Estimated value (%(currency)s)", currency=currency),
            "value": amount,
        }


def render_xlsx(report: Mapping[str, Any], seizures: Seizures, *, lang: str = "en") -> bytes:
    """XLSX bytes with the sheets Summary, Countries, Categories, Routes, Highlights,
    Timeline, Completeness and Seizures (names, headers and labels in ``lang``; the
    cells keep real numbers and dates, and the Seizures sheet keeps the CSV's keys)."""
    words = Lang(lang)
    _ = words.gettext
    loc = None if words.code == "en" else words
    audience = audience_of(report)
    out = io.BytesIO()
    options = {
        "constant_memory": True,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
    }
    wb = xlsxwriter.Workbook(out, options)
    wb.set_properties(
        {
            "title": f"{report['operation']['code']} consolidated report",
            "comments": f"Edition {report.get('edition', 1)}, {audience} edition",
        }
    )
    w = _Writer(wb, words)
    w.table("Summary", _SUMMARY, _summary_rows(report, words))

    countries = [
        {
            **c,
            "name": (
                country_name(c["country"], loc)
                if loc
                else c.get("name") or country_name(c["country"])
            ),
            "agencies_text": ", ".join(c.get("agencies") or []),
            "complete": _ratio(c.get("returns"), c.get("returns_expected")),
            "on_time_rate": _ratio(c.get("returns_on_time"), c.get("returns_expected")),
            **{f"value_{cur}": v for cur, v in (c.get("estimated_value") or {}).items()},
        }
        for c in report.get("countries", [])
    ]
    currencies = sorted(
        {cur for c in report.get("countries", []) for cur in (c.get("estimated_value") or {})}
    )
    country_specs: list[Spec] = [
        ("country", N_("Country"), "text", 9),
        ("name", N_("Name"), "text", 24),
        ("agencies_text", N_("Agencies"), "text", 22),
        *((k, _KEY_LABELS[k], "int", 13) for k in _COUNTRY_KEYS),
        *(
            (f"value_{cur}", _("Estimated value %(currency)s", currency=cur), "num", 16)
            for cur in currencies
        ),
    ]
    w.table("Countries", country_specs, countries)
    if report.get("regions"):
        region_rows = [
            {
                **r,
                "region": r.get("region") or _("No region"),
                "countries_text": ", ".join(r.get("countries") or []),
                "returns_expected": (r.get("completeness") or {}).get("expected"),
                "returns": (r.get("completeness") or {}).get("received"),
                "complete": (r.get("completeness") or {}).get("rate"),
                **{f"value_{cur}": v for cur, v in (r.get("estimated_value") or {}).items()},
            }
            for r in report["regions"]
        ]
        region_specs: list[Spec] = [
            ("region", N_("Region"), "text", 22),
            ("countries_text", N_("Countries"), "text", 24),
            *(
                (k, _KEY_LABELS[k], "int", 13)
                for k in ("returns_expected", "returns", "seizures", "objects_seized", "arrests")
            ),
            ("complete", N_("Returns received"), "pct", 12),
            *(
                (f"value_{cur}", _("Estimated value %(currency)s", currency=cur), "num", 16)
                for cur in currencies
            ),
        ]
        w.table(N_("Regions"), region_specs, region_rows)

    categories = [
        {**c, "label": category_label(c.get("category"), loc)} for c in report.get("categories", [])
    ]
    ws, n = w.table("Categories", _CATEGORIES, categories)
    if n:
        w.chart(ws, "bar", (1, 5), 1, 3, n, N_("Objects seized by category")).set_y_axis(
            {"reverse": True}  # largest category on top, as in the report
        )

    routes = [
        {
            **r,
            "origin_name": country_name(r.get("origin"), loc),
            "destination_name": country_name(r.get("destination"), loc),
        }
        for r in report.get("routes", [])
    ]
    w.table("Routes", _ROUTES, routes)

    partner = audience == "partner"
    highlight_specs = [s for s in _HIGHLIGHTS if not (partner and s[0] in PARTNER_OMITTED)]
    w.table("Highlights", highlight_specs, report.get("highlights", []))

    ws, n = w.table("Timeline", _TIMELINE, report.get("timeline", []))
    if n:
        w.chart(ws, "column", (1, 6), 0, 3, n, N_("Objects seized per day")).set_x_axis(
            {"date_axis": True, "num_format": "d mmm"}
        )

    ws, n = w.table("Completeness", _COMPLETENESS, countries)
    comp = report.get("completeness", {})
    total = {
        "country": _("TOTAL"),
        "name": _("All countries"),
        "returns_expected": comp.get("expected"),
        "returns": (comp.get("on_time") or 0) + (comp.get("late") or 0),
        "returns_on_time": comp.get("on_time"),
        "returns_late": comp.get("late"),
        "nil_returns": comp.get("nil"),
        "returns_missing": comp.get("missing"),
        "complete": comp.get("rate"),
        "on_time_rate": _ratio(comp.get("on_time"), comp.get("expected")),
    }
    for col, (key, _title, kind, _width) in enumerate(_COMPLETENESS):
        w.cell(ws, n + 2, col, total.get(key), kind)  # after a blank row, outside the filter

    widths = {"description": 40, "place_name": 20, "ref": 16, "day": 12}
    specs: list[Spec] = [(k, k, kind, widths.get(k, 12)) for k, kind in seizure_columns(audience)]
    # The one sheet that grows with the operation: its rows are written as XML, not cell
    # by cell (sheet_xml), into the frame xlsxwriter draws.
    with sheet_xml.spool() as rows:
        count = sheet_xml.write_rows(
            rows, [(key, kind) for key, _title, kind, _width in specs], seizures, FORMULA_TRIGGERS
        )
        ws = w.frame("Seizures", specs, count)
        wb.close()
        return sheet_xml.splice(out.getvalue(), ws.index, rows, count, len(specs))
