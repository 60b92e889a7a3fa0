"""SVG charts for the report, as strings ready to inline in HTML.

pyplot is never imported: ``Figure`` + ``FigureCanvasSVG`` need no backend switch and
keep no global figure registry, so rendering is safe inside a server process. Output is
deterministic (fixed ``svg.hashsalt``, no date in the metadata) and self-contained: text
is drawn as paths from matplotlib's bundled DejaVu Sans, so the chart looks the same on
a partner's machine without that font and references nothing outside itself.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib as mpl
from babel import dates as babel_dates
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num, num2date
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from opcoord.i18n import Lang
from opcoord.report.render.press import category_label, country_name, number

INK = "#1f2d3d"
ACCENT = "#1f5f8b"
SECOND = "#c8553d"
GRID = "#d9dee4"

_RC: Any = {  # Any: matplotlib types rc keys as one big Literal
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "svg.fonttype": "path",
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
# Everything matplotlib would stamp into <metadata>; None drops it (and its URLs).
_NO_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}
_THOUSANDS = FuncFormatter(lambda v, _pos: f"{v:,.0f}")


def _local(lang: str) -> Lang | None:
    """The chart's language; None for English, which keeps the original wording."""
    words = Lang(lang)
    return None if words.code == "en" else words


def _thousands(loc: Lang | None) -> FuncFormatter:
    if loc is None:
        return _THOUSANDS
    return FuncFormatter(lambda v, _pos: number(round(v), loc))


def _to_svg(fig: Figure, name: str, label: str | None = None) -> str:
    """Serialise ``fig`` and make its element ids unique to ``name``.

    Several charts are inlined into one HTML document; matplotlib reuses glyph and
    clip-path ids across figures, and duplicated ids make browsers resolve ``<use>``
    against the wrong chart. Prefixing keeps every chart independent.
    """
    buf = io.StringIO()
    with mpl.rc_context({**_RC, "svg.hashsalt": f"opcoord-{name}"}):
        FigureCanvasSVG(fig).print_svg(buf, metadata=_NO_METADATA)  # type: ignore[no-untyped-call]
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]  # drop the XML declaration and DOCTYPE
    svg = re.sub(r'id="([^"]+)"', rf'id="{name}-\1"', svg)
    svg = re.sub(r'href="#([^"]+)"', rf'href="#{name}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{name}-\1)", svg)
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.DOTALL)
    aria = (label or f"{name} chart").replace("&", "&amp;").replace('"', "&quot;")
    aria = aria.replace("<", "&lt;")
    return svg.replace("<svg ", f'<svg role="img" aria-label="{aria}" ', 1)


def _figure(width: float, height: float) -> Figure:
    with mpl.rc_context(_RC):
        return Figure(figsize=(width, height), layout="constrained")


def timeline_svg(timeline: Sequence[Mapping[str, Any]], lang: str = "en") -> str:
    """Objects seized per day (bars) with the number of daily returns (line)."""
    loc = _local(lang)
    _ = Lang(lang).gettext
    with mpl.rc_context(_RC):
        fig = _figure(7.2, 2.8)
        ax = fig.add_subplot()
        days = [float(date2num(dt.date.fromisoformat(str(r["day"])))) for r in timeline]  # type: ignore[no-untyped-call]
        objects = [int(row.get("objects") or 0) for row in timeline]
        returns = [int(row.get("returns") or 0) for row in timeline]
        ax.bar(days, objects, width=0.8, color=ACCENT, label=_("Objects seized"))
        ax.set_ylabel(_("Objects seized"))
        ax.yaxis.set_major_formatter(_thousands(loc))
        ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        ax.grid(axis="y", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        locator = AutoDateLocator(maxticks=8)  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_locator(locator)
        if loc is None:
            ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
        else:  # month names in the report's language
            ax.xaxis.set_major_formatter(
                FuncFormatter(
                    lambda v, _pos: babel_dates.format_skeleton(
                        "MMMd",
                        num2date(v).date(),  # type: ignore[no-untyped-call]
                        locale=loc.locale,
                    )
                )
            )
        twin = ax.twinx()
        twin.plot(days, returns, color=SECOND, linewidth=1.4, label=_("Daily returns"))
        twin.set_ylabel(_("Daily returns received"))
        twin.set_ylim(0, max([*returns, 1]) * 1.15)
        twin.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        twin.spines["right"].set_visible(True)
        handles = [*ax.get_legend_handles_labels()[0], *twin.get_legend_handles_labels()[0]]
        # Above the plot area, so it never hides the bars or the returns line.
        ax.legend(
            handles=handles, loc="lower left", bbox_to_anchor=(0, 1.0), frameon=False, ncols=2
        )
        if not days:
            ax.text(0.5, 0.5, _("No days in the window"), ha="center", transform=ax.transAxes)
        title = _("Objects seized per day") if loc else None
        return _to_svg(fig, "timeline", title)


def _barh(
    pairs: Sequence[tuple[str, int]],
    name: str,
    xlabel: str,
    loc: Lang | None = None,
    title: str | None = None,
) -> str:
    with mpl.rc_context(_RC):
        fig = _figure(7.2, 0.6 + 0.28 * max(len(pairs), 1))
        ax = fig.add_subplot()
        labels = [label for label, _ in pairs][::-1]  # largest at the top
        values = [value for _, value in pairs][::-1]
        bars = ax.barh(labels, values, color=ACCENT, height=0.7)
        ax.bar_label(bars, labels=[number(v, loc) for v in values], padding=3, fontsize=8)
        ax.xaxis.set_major_formatter(_thousands(loc))
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        ax.set_xlabel(xlabel)
        ax.margins(x=0.12)
        ax.grid(axis="x", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        return _to_svg(fig, name, title)


def categories_svg(categories: Sequence[Mapping[str, Any]], lang: str = "en") -> str:
    """Objects seized per category, largest first."""
    loc = _local(lang)
    _ = Lang(lang).gettext
    pairs = sorted(
        (
            (category_label(row.get("category"), loc), int(row.get("objects") or 0))
            for row in categories
        ),
        key=lambda pair: -pair[1],
    )
    title = _("Objects by category") if loc else None
    return _barh(pairs, "categories", _("Objects seized"), loc, title)


def countries_svg(objects_by_country: Mapping[str, int], top: int = 15, lang: str = "en") -> str:
    """The ``top`` countries by objects seized."""
    loc = _local(lang)
    _ = Lang(lang).gettext
    ranked = sorted(objects_by_country.items(), key=lambda item: (-int(item[1]), item[0]))[:top]
    pairs = [(country_name(code, loc), int(value)) for code, value in ranked]
    title = _("Objects seized by country") if loc else None
    return _barh(pairs, "countries", _("Objects seized"), loc, title)
