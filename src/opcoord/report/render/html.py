"""The consolidated report as one self-contained HTML file.

Nothing in the output is fetched at view time: the stylesheet is inlined, the charts are
inline SVG, and the map (folium HTML built elsewhere) goes into an ``<iframe srcdoc>``
sandboxed to scripts only. All report text is autoescaped by Jinja2.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import jinja2
import markupsafe

from opcoord.i18n import Lang
from opcoord.report.redaction import FREE_TEXT
from opcoord.report.render import charts, compare_chart
from opcoord.report.render.press import (
    DASH,
    category_label,
    country_name,
    decimal1,
    long_date,
    moment_text,
    money_text,
    number,
    percent,
    period_text,
    place_type_label,
    press_figure,
)
from opcoord.vocabulary import N_

Medium = Literal["screen", "print"]
AUDIENCES = ("full", "partner")
#: Fields that may identify suspects or cases; never shown to partners (the partner
#: edition comes redacted by report/redaction.py: this is a second guard, for free).
PARTNER_REDACTED = tuple(sorted(FREE_TEXT))

_TEMPLATES = Path(__file__).parent / "templates"
_HEADLINE = (
    ("objects_seized", N_("Cultural goods seized")),
    ("seizures", N_("Seizures")),
    ("arrests", N_("Arrests")),
    ("countries_participating", N_("Countries participating")),
    ("investigations_criminal", N_("Criminal investigations opened")),
    ("investigations_administrative", N_("Administrative investigations opened")),
    ("objects_seized_online", N_("Objects seized online")),
    ("returns", N_("Daily returns received")),
)
_CONTROLS = (
    ("persons_checked", N_("Persons checked")),
    ("vehicles_checked", N_("Vehicles checked")),
    ("vessels_checked", N_("Vessels checked")),
    ("premises_checked", N_("Premises checked")),
    ("online_checks", N_("Online checks")),
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


@jinja2.pass_context
def _n(context: Any, value: Any) -> str:
    """Thousands separators for counts, in the report's language; floats only when they
    carry a fraction."""
    if value is None or value == "":
        return DASH
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return number(value, context.get("lang_obj"))


def _fill(text: str, **values: Any) -> markupsafe.Markup:
    """A translated sentence with figures in it: the sentence is escaped, values that are
    already markup (``{% set %}`` blocks) are kept, any other value is escaped."""
    return markupsafe.escape(text) % values


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
    env.filters["fill"] = _fill
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


def _highlight(item: Mapping[str, Any], partner: bool, lang: Lang | None) -> dict[str, Any]:
    row = _redact(item, partner)
    value = row.get("estimated_value")
    row.update(
        day_text=long_date(row["day"], lang) if row.get("day") else DASH,
        country_name=country_name(row.get("country"), lang),
        category_label=category_label(row.get("category"), lang),
        place_label=place_type_label(row.get("place_type"), lang),
        value_text=(
            money_text({row.get("currency") or "?": value}, lang) if value is not None else DASH
        ),
    )
    return row


def _agency(code: str, lang: Lang | None) -> str:
    if lang is None or lang.code == "en":
        return code.replace("_", " ")
    return lang.gettext(code)


def _country(item: Mapping[str, Any], lang: Lang | None) -> dict[str, Any]:
    row = dict(item)
    expected = _count(row.get("returns_expected"))
    translated = lang is not None and lang.code != "en"
    row.update(
        # The stored name is English: another language names the country itself.
        name=(
            country_name(row.get("country"), lang)
            if translated and row.get("country")
            else row.get("name") or country_name(row.get("country"))
        ),
        agencies_text=", ".join(_agency(a, lang) for a in row.get("agencies") or []),
        value_text=money_text(row.get("estimated_value"), lang),
        complete_pct=percent(_count(row.get("returns")), expected, lang),
        on_time_pct=percent(_count(row.get("returns_on_time")), expected, lang),
    )
    return row


def build_context(
    report: Mapping[str, Any],
    *,
    map_html: str | None,
    medium: Medium,
    with_charts: bool = True,
    lang: str = "en",
    svgs: Charts | None = None,
) -> dict[str, Any]:
    """Everything the template needs, already worded; the template only lays it out
    (``svgs``: the charts, when the caller drew them already)."""
    words = Lang(lang)
    # English keeps the report's historical wording; None selects it in press.
    loc: Lang | None = None if words.code == "en" else words
    _ = words.gettext
    partner = audience_of(report) == "partner"
    op = report["operation"]
    totals = report["totals"]
    countries = [_country(c, loc) for c in report.get("countries", [])]
    highlights = [_highlight(h, partner, loc) for h in report.get("highlights", [])]
    objects_total = sum(_count(c.get("objects")) for c in report.get("categories", []))
    categories = [
        {
            **c,
            "label": category_label(c.get("category"), loc),
            "share": percent(_count(c.get("objects")), objects_total, loc),
        }
        for c in report.get("categories", [])
    ]
    routes = [
        {
            **r,
            "origin_name": country_name(r.get("origin"), loc),
            "destination_name": country_name(r.get("destination"), loc),
        }
        for r in report.get("routes", [])
    ]
    locations = sorted(
        (h for h in highlights if h.get("place_name") or h.get("place_type")),
        key=lambda h: -_count(h.get("quantity")),
    )
    completeness = dict(report.get("completeness", {}))
    rate = completeness.get("rate")
    completeness["rate_text"] = (
        f"{decimal1(100 * float(rate), loc)} %" if rate is not None else DASH
    )
    timeline = [{**d, "day_text": long_date(d["day"], loc)} for d in report.get("timeline", [])]
    edition = int(report.get("edition", 1))
    edition_name = _("Partner edition") if partner else _("Full edition")
    return {
        "_": _,
        "ngettext": words.ngettext,
        "lang": words.code,
        "lang_obj": loc,
        "op": op,
        "edition": edition,
        "changes": report.get("changes") if edition > 1 else None,
        "partner": partner,
        "medium": medium,
        "css": _stylesheet(),
        "edition_name": edition_name,
        "header_css": _css_string(
            f"{op['code']} · {_('Edition %(number)s', number=edition)} · {edition_name}"
        ),
        "page_css": _page_css(words),
        "generated_text": moment_text(report["generated_at"], op.get("timezone"), loc),
        "cutoff_text": moment_text(report["data_cutoff"], op.get("timezone"), loc),
        "provisional": _provisional(report, words, loc),
        "period": period_text(op["starts_on"], op["ends_on"], loc),
        "t": totals,
        "headline": [
            {
                "key": key,
                "label": _(label),
                "value": _count(totals.get(key)),
                "press": press_figure(_count(totals.get(key)), lang=loc),
            }
            for key, label in _HEADLINE
        ],
        "controls": [
            {"key": key, "label": _(label), "value": _count(totals.get(key))}
            for key, label in _CONTROLS
        ],
        "value_text": money_text(totals.get("estimated_value"), loc),
        "merged": int(report.get("duplicates_merged") or 0),
        "participants": sorted(countries, key=lambda c: c["name"]),
        "countries": countries,
        "regions": [
            {
                **r,
                "value_text": money_text(r.get("estimated_value"), loc),
                "complete_pct": percent(
                    _count(r.get("completeness", {}).get("received")),
                    _count(r.get("completeness", {}).get("expected")),
                    loc,
                ),
            }
            for r in report.get("regions", [])
        ],
        "categories": categories,
        "online": report.get("online", {}),
        "facilitating": report.get("facilitating_items", {}),
        "routes": routes,
        "highlights": highlights,
        "locations": locations,
        "investigations": report.get("investigations", {}),
        "timeline": timeline,
        "comp": completeness,
        "review": report.get("review"),
        "map_html": map_html if medium == "screen" else None,
        **_charts(
            svgs if svgs is not None else chart_svgs(report, lang) if with_charts else NO_CHARTS,
            medium,
        ),
        "comparison": _comparison(report.get("comparison"), words, loc, with_charts, medium),
    }


def _charts(svgs: Charts, medium: Medium) -> Charts:
    return {name: _as_medium(svg, medium) for name, svg in svgs.items()}


def _as_medium(svg: str | None, medium: Medium) -> str | None:
    return svg if medium == "screen" else _as_image(svg)


_LABEL = re.compile(r'aria-label="([^"]*)"')


def _as_image(svg: str | None) -> str | None:
    """A chart for the print medium: the same SVG, as an image. Inline, WeasyPrint would
    style each of its hundreds of elements as part of the document, and apply the
    chart's own ``<style>`` to every element of the report (docs/performance.md)."""
    if svg is None:
        return None
    label = _LABEL.search(svg)
    alt = label.group(1) if label else ""
    data = base64.b64encode(svg.encode()).decode("ascii")
    return f'<img alt="{alt}" src="data:image/svg+xml;base64,{data}">'


Charts = Mapping[str, str | None]
NO_CHARTS: Charts = {"timeline_chart": None, "categories_chart": None, "countries_chart": None}


def chart_svgs(report: Mapping[str, Any], lang: str = "en") -> Charts:
    """The report's SVG charts in ``lang``: the slowest part of its HTML, the same in the
    screen and print media, so a build that renders both draws them once."""
    words = Lang(lang)
    loc: Lang | None = None if words.code == "en" else words
    timeline = [{**d, "day_text": long_date(d["day"], loc)} for d in report.get("timeline", [])]
    totals = report["totals"]
    return {
        "timeline_chart": charts.timeline_svg(timeline, lang=words.code) if timeline else None,
        "categories_chart": (
            charts.categories_svg(report["categories"], lang=words.code)
            if report.get("categories")
            else None
        ),
        "countries_chart": (
            charts.countries_svg(totals["objects_by_country"], lang=words.code)
            if totals.get("objects_by_country")
            else None
        ),
    }


def _comparison(
    found: Mapping[str, Any] | None,
    words: Lang,
    loc: Lang | None,
    with_charts: bool,
    medium: Medium = "screen",
) -> dict[str, Any] | None:
    """The comparison with an earlier edition, when the report was asked with one."""
    if not found:
        return None
    rows = []
    for key, label in compare_chart.HEADLINE:
        delta = found["delta"].get(key, 0)
        sign = "▲ +" if delta > 0 else ("▼ " if delta < 0 else "= ")
        rows.append(
            {
                "key": key,
                "label": words.gettext(label),
                "a": found["a"].get(key, 0),
                "b": found["b"].get(key, 0),
                "direction": compare_chart.direction(delta),
                "delta_text": sign + number(delta, loc),
            }
        )
    return {
        "a_code": found["operations"]["a"]["code"],
        "b_code": found["operations"]["b"]["code"],
        "rows": rows,
        "chart": _as_medium(compare_chart.categories_svg(found, lang=words.code), medium)
        if with_charts
        else None,
    }


_PROVISIONAL = N_("Figures are provisional.")


def _provisional(report: Mapping[str, Any], words: Lang, loc: Lang | None) -> str:
    """The provisional statement. The stored one is English (worded when the edition was
    built); another language says the same from the data cut-off it is built from."""
    stored = report.get("provisional")
    if loc is None:
        return str(stored or _PROVISIONAL)
    if not report.get("data_cutoff"):
        return words.gettext(_PROVISIONAL)
    moment = moment_text(report["data_cutoff"], report["operation"].get("timezone"), loc)
    return words.gettext(
        "Figures are provisional: they are the returns received by %(moment)s, "
        "and may change as investigations continue.",
        moment=moment,
    )


def _page_css(words: Lang) -> str:
    """The printed page footer ("Page 3 of 12"), as CSS content with the page counters."""
    before, _, rest = words.gettext("Page %(page)s of %(pages)s").partition("%(page)s")
    middle, _, after = rest.partition("%(pages)s")
    parts = [f'"{_css_string(before)}"' if before else "", "counter(page)"]
    parts += [f'"{_css_string(middle)}"' if middle else "", "counter(pages)"]
    parts += [f'"{_css_string(after)}"' if after else ""]
    return " ".join(p for p in parts if p)


def build_html(
    report: Mapping[str, Any],
    *,
    map_html: str | None = None,
    medium: Medium = "screen",
    lang: str = "en",
    svgs: Charts | None = None,
) -> str:
    """The report's HTML for a browser (``screen``) or for WeasyPrint (``print``)."""
    context = build_context(report, map_html=map_html, medium=medium, lang=lang, svgs=svgs)
    return _environment().get_template("report.html.j2").render(context)


def render_html(
    report: Mapping[str, Any],
    *,
    map_html: str | None = None,
    lang: str = "en",
    svgs: Charts | None = None,
) -> str:
    """One self-contained HTML file of the consolidated report, in ``lang``; opens offline."""
    return build_html(report, map_html=map_html, medium="screen", lang=lang, svgs=svgs)
