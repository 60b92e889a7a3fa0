"""The consolidated report as one self-contained HTML file.

Nothing in the output is fetched at view time: the stylesheet is inlined, the charts are
inline SVG, and the map (folium HTML built elsewhere) goes into an ``<iframe srcdoc>``
sandboxed to scripts only. All report text is autoescaped by Jinja2.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import jinja2

from opcoord.report import charts
from opcoord.report.press import (
    DASH,
    category_label,
    country_name,
    long_date,
    moment_text,
    money_text,
    percent,
    period_text,
    place_type_label,
    press_figure,
)

Medium = Literal["screen", "print"]
AUDIENCES = ("full", "partner")
#: Fields that may identify suspects or cases; never shown to partners.
PARTNER_REDACTED = ("ref", "description", "notes")

_TEMPLATES = Path(__file__).parent / "templates"
_HEADLINE = (
    ("objects_seized", "Cultural goods seized"),
    ("seizures", "Seizures"),
    ("arrests", "Arrests"),
    ("countries_participating", "Countries participating"),
    ("investigations_criminal", "Criminal investigations opened"),
    ("investigations_administrative", "Administrative investigations opened"),
    ("objects_seized_online", "Objects seized online"),
    ("returns", "Daily returns received"),
)
_CONTROLS = (
    ("persons_checked", "Persons checked"),
    ("vehicles_checked", "Vehicles checked"),
    ("vessels_checked", "Vessels checked"),
    ("premises_checked", "Premises checked"),
    ("online_checks", "Online checks"),
)
# Loadable references a browser would follow; namespace URIs (xmlns="http://...") don't load.
_LOADABLE_URL = re.compile(
    r"""(?:\b(?:src|href|action|poster|data|srcset|background)\s*=\s*["']?\s*(?:https?:)?//)"""
    r"""|url\(\s*["']?\s*(?:https?:)?//|@import\s+["']?(?:https?:)?//""",
    re.IGNORECASE,
)


def external_references(html: str) -> list[str]:
    """Snippets of ``html`` that would make a browser load something from a network."""
    return [html[max(m.start() - 40, 0) : m.end() + 60] for m in _LOADABLE_URL.finditer(html)]


def audience_of(report: Mapping[str, Any]) -> str:
    """The report's audience, refusing unknown values rather than guessing an edition."""
    audience = str(report.get("audience", "full"))
    if audience not in AUDIENCES:
        raise ValueError(f"unknown report audience {audience!r}; expected one of {AUDIENCES}")
    return audience


def _n(value: Any) -> str:
    """Thousands separators for counts; floats only when they carry a fraction."""
    if value is None or value == "":
        return DASH
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int | float) else str(value)


def _css_string(text: str) -> str:
    """Escape ``text`` for a double-quoted CSS string (the page header) inside <style>."""
    return "".join(c if c.isalnum() or c in " ·-_." else f"\\{ord(c):06x}" for c in text)


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["n"] = _n
    return env


@lru_cache(maxsize=1)
def _stylesheet() -> str:
    return (_TEMPLATES / "report.css").read_text(encoding="utf-8")


def _count(value: Any) -> int:
    return int(value or 0)


def _redact(item: Mapping[str, Any], partner: bool) -> dict[str, Any]:
    row = dict(item)
    if partner:  # the assembler already blanks these; a second guard costs nothing
        for key in PARTNER_REDACTED:
            row[key] = None
    return row


def _highlight(item: Mapping[str, Any], partner: bool) -> dict[str, Any]:
    row = _redact(item, partner)
    value = row.get("estimated_value")
    row.update(
        day_text=long_date(row["day"]) if row.get("day") else DASH,
        country_name=country_name(row.get("country")),
        category_label=category_label(row.get("category")),
        place_label=place_type_label(row.get("place_type")),
        value_text=money_text({row.get("currency") or "?": value}) if value is not None else DASH,
    )
    return row


def _country(item: Mapping[str, Any]) -> dict[str, Any]:
    row = dict(item)
    expected = _count(row.get("returns_expected"))
    row.update(
        name=row.get("name") or country_name(row.get("country")),
        agencies_text=", ".join(a.replace("_", " ") for a in row.get("agencies") or []),
        value_text=money_text(row.get("estimated_value")),
        complete_pct=percent(_count(row.get("returns")), expected),
        on_time_pct=percent(_count(row.get("returns_on_time")), expected),
    )
    return row


def build_context(
    report: Mapping[str, Any], *, map_html: str | None, medium: Medium, with_charts: bool = True
) -> dict[str, Any]:
    """Everything the template needs, already worded; the template only lays it out."""
    partner = audience_of(report) == "partner"
    op = report["operation"]
    totals = report["totals"]
    countries = [_country(c) for c in report.get("countries", [])]
    highlights = [_highlight(h, partner) for h in report.get("highlights", [])]
    objects_total = sum(_count(c.get("objects")) for c in report.get("categories", []))
    categories = [
        {
            **c,
            "label": category_label(c.get("category")),
            "share": percent(_count(c.get("objects")), objects_total),
        }
        for c in report.get("categories", [])
    ]
    routes = [
        {
            **r,
            "origin_name": country_name(r.get("origin")),
            "destination_name": country_name(r.get("destination")),
        }
        for r in report.get("routes", [])
    ]
    locations = sorted(
        (h for h in highlights if h.get("place_name") or h.get("place_type")),
        key=lambda h: -_count(h.get("quantity")),
    )
    completeness = dict(report.get("completeness", {}))
    rate = completeness.get("rate")
    completeness["rate_text"] = f"{100 * float(rate):.1f} %" if rate is not None else DASH
    timeline = report.get("timeline", [])
    edition = int(report.get("edition", 1))
    return {
        "op": op,
        "edition": edition,
        "changes": report.get("changes") if edition > 1 else None,
        "partner": partner,
        "medium": medium,
        "css": _stylesheet(),
        "header_css": _css_string(
            f"{op['code']} · Edition {edition} · {'Partner' if partner else 'Full'} edition"
        ),
        "generated_text": moment_text(report["generated_at"], op.get("timezone")),
        "cutoff_text": moment_text(report["data_cutoff"], op.get("timezone")),
        "provisional": report.get("provisional") or "Figures are provisional.",
        "period": period_text(op["starts_on"], op["ends_on"]),
        "t": totals,
        "headline": [
            {
                "key": key,
                "label": label,
                "value": _count(totals.get(key)),
                "press": press_figure(_count(totals.get(key))),
            }
            for key, label in _HEADLINE
        ],
        "controls": [
            {"key": key, "label": label, "value": _count(totals.get(key))}
            for key, label in _CONTROLS
        ],
        "value_text": money_text(totals.get("estimated_value")),
        "participants": sorted(countries, key=lambda c: c["name"]),
        "countries": countries,
        "categories": categories,
        "online": report.get("online", {}),
        "facilitating": report.get("facilitating_items", {}),
        "routes": routes,
        "highlights": highlights,
        "locations": locations,
        "investigations": report.get("investigations", {}),
        "timeline": timeline,
        "comp": completeness,
        "map_html": map_html if medium == "screen" else None,
        "timeline_chart": charts.timeline_svg(timeline) if with_charts and timeline else None,
        "categories_chart": (
            charts.categories_svg(report["categories"])
            if with_charts and report.get("categories")
            else None
        ),
        "countries_chart": (
            charts.countries_svg(totals["objects_by_country"])
            if with_charts and totals.get("objects_by_country")
            else None
        ),
    }


def build_html(
    report: Mapping[str, Any], *, map_html: str | None = None, medium: Medium = "screen"
) -> str:
    """The report's HTML for a browser (``screen``) or for WeasyPrint (``print``)."""
    context = build_context(report, map_html=map_html, medium=medium)
    return _environment().get_template("report.html.j2").render(context)


def render_html(report: Mapping[str, Any], *, map_html: str | None = None) -> str:
    """One self-contained HTML file of the consolidated report; opens offline."""
    return build_html(report, map_html=map_html, medium="screen")
