"""axe-core finds nothing wrong on the pages, for each role, in English, French and
Russian, on a wall screen and on a phone: languages declared, landmarks and headings,
contrast, names for every control, zoom allowed, scrolling regions reachable by keyboard.

axe-core is vendored in tests/vendor (the machines are offline); it runs in the page
with the page's CSP bypassed, since it is injected as an inline script.
"""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from browsing import MARKS
from pagesite import CODE, Site, served_site

pytestmark = MARKS
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with served_site(tmp_path_factory.mktemp("a11y")) as served:
        yield served


def _violations(page: Any) -> list[tuple[str, str, list[str]]]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
             .map(v => [v.id, v.impact, v.nodes.slice(0, 3).map(n => n.target.join(" "))])"""
    )
    return [(str(a), str(b), list(c)) for a, b, c in found]


def _pages(site: Site, role: str) -> list[str]:
    day = (site.today - timedelta(days=2)).isoformat()
    return {
        "admin": ["/", f"/operations/{CODE}/dashboard", f"/operations/{CODE}/map",
                  f"/operations/{CODE}/map/frame", f"/operations/{CODE}/setup",
                  "/operations/new", "/reports", "/audit",
                  f"/operations/{CODE}/returns?country=ES", f"/operations/{CODE}/returns/ES/{day}",
                  "/operations/NOPE/dashboard"],
        "maria": ["/", f"/operations/{CODE}/dashboard", f"/operations/{CODE}/returns",
                  f"/operations/{CODE}/returns/ES/{day}", f"/operations/{CODE}/map"],
        "unesco": ["/", "/reports", f"/operations/{CODE}/dashboard"],
    }[role]  # fmt: skip


def _context(site: Site, browser: Any, lang: str, width: int, height: int) -> Any:
    context = browser.new_context(
        viewport={"width": width, "height": height}, bypass_csp=True, reduced_motion="reduce"
    )
    host = site.base.split("//")[1].split(":")[0]
    context.add_cookies([{"name": "opcoord_lang", "value": lang, "domain": host, "path": "/"}])
    return context


@pytest.mark.parametrize("lang", ["en", "fr", "ru"])
@pytest.mark.parametrize("role", ["admin", "maria", "unesco"])
def test_axe_finds_nothing_on_any_page(site: Site, browser: Any, role: str, lang: str) -> None:
    context = _context(site, browser, lang, 1440, 900)
    page = context.new_page()
    page.goto(f"{site.base}/signin")
    assert _violations(page) == [], "/signin"
    site.sign_in(page, role)
    found = {}
    for path in _pages(site, role):
        page.goto(site.base + path)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)  # the dashboard's first snapshot
        problems = _violations(page)
        if problems:
            found[path] = problems
    assert found == {}
    context.close()


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_axe_finds_nothing_on_a_phone(site: Site, browser: Any, lang: str) -> None:
    context = _context(site, browser, lang, 390, 844)
    page = context.new_page()
    site.sign_in(page, "admin")
    found = {}
    for path in ("/", f"/operations/{CODE}/dashboard", f"/operations/{CODE}/map/frame",
                 f"/operations/{CODE}/returns?country=ES"):  # fmt: skip
        page.goto(site.base + path)
        page.wait_for_load_state("networkidle")
        problems = _violations(page)
        if problems:
            found[path] = problems
    assert found == {}
    context.close()
