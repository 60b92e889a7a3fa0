"""Every page on a phone (390 × 844), for each role, in English, French and Russian:
nothing wider than the screen, "Sign out" whole on screen, calendar days that never break
a word, category labels that never run under their bars."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from browsing import MARKS, SHOTS
from pagesite import CODE, WAIT_MS, Site, served_site

pytestmark = MARKS
PHONE = (390, 844)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with served_site(tmp_path_factory.mktemp("phones")) as served:
        yield served


def _pages(site: Site, role: str) -> list[str]:
    history_day = (site.today - timedelta(days=2)).isoformat()  # ES sent a return then
    ncp_day = f"/operations/{CODE}/returns/ES/{history_day}"
    return {
        "admin": ["/", f"/operations/{CODE}/dashboard", f"/operations/{CODE}/map",
                  f"/operations/{CODE}/setup", "/operations/new", "/reports", "/audit",
                  f"/operations/{CODE}/returns?country=ES", ncp_day],
        "maria": ["/", f"/operations/{CODE}/dashboard", f"/operations/{CODE}/returns", ncp_day],
        "unesco": ["/", "/reports"],
    }[role]  # fmt: skip


def _fits(page: Any) -> None:
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE[0], (page.url, width)
    out = page.locator(".signout button").bounding_box()
    assert out is not None and out["x"] >= 0 and out["x"] + out["width"] <= PHONE[0], page.url


@pytest.mark.parametrize("lang", ["en", "fr", "ru"])
@pytest.mark.parametrize("role", ["admin", "maria", "unesco"])
def test_every_page_fits_a_phone(site: Site, browser: Any, role: str, lang: str) -> None:
    context = site.context(browser, lang, *PHONE)
    page = context.new_page()
    site.sign_in(page, role)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for path in _pages(site, role):
        response = page.goto(site.base + path)
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("networkidle")
        _fits(page)
        name = path.strip("/").replace("/", "_").replace("?", "_") or "home"
        page.screenshot(path=str(SHOTS / f"phone-{role}-{lang}-{name}.png"), full_page=True)
    context.close()


@pytest.mark.parametrize("lang", ["en", "fr", "ru"])
def test_calendar_days_show_a_sign_not_a_broken_word(site: Site, browser: Any, lang: str) -> None:
    context = site.context(browser, lang, *PHONE)
    page = context.new_page()
    site.sign_in(page, "maria", f"/operations/{CODE}/returns")
    days = page.locator("table.month td.day")
    assert days.count() > 0
    for cell in days.all():
        sign = cell.locator(".sign")
        if cell.get_attribute("data-state") != "outside":
            assert sign.is_visible() and len(sign.inner_text()) == 1
        hidden = cell.locator(".lbl").bounding_box()  # kept, 1 px, for screen readers
        assert hidden is not None and hidden["width"] <= 1
        box, inner = cell.bounding_box(), cell.locator(".num").bounding_box()
        assert box and inner and inner["x"] + inner["width"] <= box["x"] + box["width"] + 0.5
    # The legend explains each sign in words.
    legend = page.locator(".rt-legend li")
    assert legend.count() == 8 and legend.first.locator(".swatch").inner_text() == "◷"
    # A wide screen shows the words themselves, unbroken.
    page.set_viewport_size({"width": 1280, "height": 900})
    for label in page.locator("table.month td.day .lbl").all()[:10]:
        assert label.is_visible()
        height = label.evaluate("e => e.getClientRects().length")
        words = len(label.inner_text().split())
        assert height <= max(1, words), label.inner_text()  # lines break between words only
    context.close()


@pytest.mark.parametrize(("lang", "width"), [("en", 390), ("ru", 390), ("fr", 1440), ("ru", 1440)])
def test_category_labels_never_run_under_their_bars(
    site: Site, browser: Any, lang: str, width: int
) -> None:
    context = site.context(browser, lang, width, 900)
    page = context.new_page()
    site.sign_in(page, "admin", f"/operations/{CODE}/dashboard")
    page.wait_for_selector("#categories svg g.cat", timeout=WAIT_MS)
    boxes = page.evaluate("""() => [...document.querySelectorAll('#categories g.cat')].map(g => {
        const box = e => { const r = e.getBoundingClientRect();
          return {x: r.left, y: r.top, r: r.right, b: r.bottom}; };
        const svg = g.ownerSVGElement.getBoundingClientRect();
        return {label: box(g.querySelector('.lbl')), bar: box(g.querySelector('.track')),
                value: box(g.querySelector('.val')), right: svg.right,
                text: g.querySelector('.lbl').textContent};
    })""")
    assert boxes
    for b in boxes:
        label, bar, value = b["label"], b["bar"], b["value"]
        overlaps = (
            label["r"] > bar["x"] + 1 and label["b"] > bar["y"] + 1 and label["y"] < bar["b"] - 1
        )
        assert not overlaps, b["text"]
        assert label["r"] <= b["right"] + 0.5 and value["r"] <= b["right"] + 0.5, b["text"]
    context.close()
