"""Renderers of the consolidated results report: pure functions, report dict in, bytes out.

The report dict is assembled from the database elsewhere; nothing here touches a
database, a server or the network. Submodules are imported on first use so that
``import opcoord.report.render`` does not pull in WeasyPrint and matplotlib.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from opcoord.report.render.csv import iter_seizures_csv
    from opcoord.report.render.html import render_html
    from opcoord.report.render.pdf import render_pdf
    from opcoord.report.render.press import press_figure
    from opcoord.report.render.xlsx import render_xlsx

__all__ = ["iter_seizures_csv", "press_figure", "render_html", "render_pdf", "render_xlsx"]

_HOMES = {
    "iter_seizures_csv": "csv",
    "press_figure": "press",
    "render_html": "html",
    "render_pdf": "pdf",
    "render_xlsx": "xlsx",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
