"""The comparison's chart and wording: pure functions over the comparison body.

The chart is an inline SVG written by hand (no matplotlib, no script, no CDN): paired
horizontal bars, operation ``a`` above ``b``, per category, so it renders in the page,
in the self-contained HTML report and in the PDF alike. Colours are SVG attributes, not
style attributes, so the pages' content security policy lets it through; text takes
the colour of the page around it (``currentColor``), dark theme or printed report.
"""

from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape

from opcoord.i18n import Lang
from opcoord.report.render.press import category_label, number
from opcoord.vocabulary import N_

A_COLOUR, B_COLOUR, INK = "#8a94a6", "#3b82c4", "currentColor"
#: The headline figures a comparison shows first, with their labels.
HEADLINE = (
    ("objects_seized", N_("Cultural goods seized")),
    ("seizures", N_("Seizures")),
    ("arrests", N_("Arrests")),
    ("countries_participating", N_("Countries participating")),
    ("countries_reported", N_("Countries that reported")),
    ("returns", N_("Daily returns received")),
    ("objects_seized_online", N_("Objects seized online")),
    ("online_checks", N_("Online checks")),
    ("investigations_criminal", N_("Criminal investigations opened")),
    ("investigations_administrative", N_("Administrative investigations opened")),
    ("persons_checked", N_("Persons checked")),
    ("metal_detectors", N_("Metal detectors")),
)


def direction(value: Any) -> str:
    """``up``, ``down`` or ``same``: the sign of a difference, for arrows and colours."""
    if not isinstance(value, int | float) or value == 0:
        return "same"
    return "up" if value > 0 else "down"


def _short(label: str, most: int = 40) -> str:
    return label if len(label) <= most else label[: most - 1].rstrip() + "…"


def categories_svg(result: Mapping[str, Any], lang: str = "en") -> str:
    """Objects per category, ``a`` against ``b``."""
    words = Lang(lang)
    loc = None if words.code == "en" else words
    rows = [
        (
            category_label(c["category"], loc),
            int((c["a"] or {}).get("objects", 0)),
            int((c["b"] or {}).get("objects", 0)),
        )
        for c in result.get("categories", [])
    ]
    rows.sort(key=lambda r: -max(r[1], r[2]))
    code_a = result["operations"]["a"]["code"]
    code_b = result["operations"]["b"]["code"]
    label_w, bar_w, bar_h, gap, top = 250, 360, 11, 10, 34
    height = top + len(rows) * (2 * bar_h + gap) + 10
    width = label_w + bar_w + 90
    biggest = max([1, *(max(r[1], r[2]) for r in rows)])
    title = words.gettext("Objects seized by category")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="compare-chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'font-family="sans-serif" font-size="11" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<rect x="{label_w}" y="6" width="12" height="10" fill="{A_COLOUR}"/>',
        f'<text x="{label_w + 16}" y="15" fill="{INK}">{escape(code_a)}</text>',
        f'<rect x="{label_w + 140}" y="6" width="12" height="10" fill="{B_COLOUR}"/>',
        f'<text x="{label_w + 156}" y="15" fill="{INK}">{escape(code_b)}</text>',
    ]
    y = top
    for label, va, vb in rows:
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar_h + 3}" text-anchor="end" '
            f'fill="{INK}">{escape(_short(label))}</text>'
        )
        for value, colour, dy in ((va, A_COLOUR, 0), (vb, B_COLOUR, bar_h)):
            w = round(bar_w * value / biggest, 1)
            parts.append(
                f'<rect x="{label_w}" y="{y + dy}" width="{w}" height="{bar_h - 1}" '
                f'fill="{colour}"><title>{escape(label)}: {number(value, loc)}</title></rect>'
            )
            parts.append(
                f'<text x="{label_w + w + 4}" y="{y + dy + bar_h - 2}" fill="{INK}">'
                f"{number(value, loc)}</text>"
            )
        y += 2 * bar_h + gap
    parts.append("</svg>")
    return "".join(parts)
