"""The consolidated report as PDF, printed by WeasyPrint from the report's own HTML.

The printed edition has no interactive map (a PDF cannot run Leaflet): the HTML is built
for the ``print`` medium, which lists the main locations instead. WeasyPrint is given a
fetcher that refuses every URL except inline ``data:`` ones, so a stray reference can
never make the server reach the network or read local files.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

from opcoord.report.render.html import Charts, build_html

with warnings.catch_warnings():
    # Without Debian's libharfbuzz-subset0 WeasyPrint subsets fonts with fontTools and says
    # so with a DeprecationWarning at import; the output is the same, so only that one is muted.
    warnings.filterwarnings("ignore", message="HarfBuzz-Subset", category=DeprecationWarning)
    from weasyprint import HTML  # type: ignore[import-untyped]
    from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]
    from weasyprint.urls import URLFetcher, URLFetcherResponse  # type: ignore[import-untyped]


class OfflineFetcher(URLFetcher):  # type: ignore[misc]  # weasyprint ships no type hints
    """Refuse anything but ``data:`` URLs; remember what was refused for diagnosis."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("data",), allow_redirects=False)
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if not url.lower().startswith("data:"):
            self.refused.append(url)
            # WeasyPrint logs the error and renders without the resource.
            raise ValueError(f"offline report: refusing to fetch {url[:80]!r}")
        return super().fetch(url, headers)


def render_pdf(
    report: Mapping[str, Any],
    *,
    fetcher: OfflineFetcher | None = None,
    lang: str = "en",
    svgs: Charts | None = None,
) -> bytes:
    """PDF bytes of the report in ``lang``: A4, header with operation code and edition,
    page numbers.

    ``fetcher`` is only for tests that want to see what was refused; ``svgs``: the
    charts, when the HTML edition drew them already.
    """
    html = build_html(report, map_html=None, medium="print", lang=lang, svgs=svgs)
    fonts = FontConfiguration()
    document = HTML(string=html, base_url=None, url_fetcher=fetcher or OfflineFetcher())
    pdf: bytes = document.write_pdf(font_config=fonts)
    return pdf
