"""The coordinator's set-up pages in a real browser: forms that say what is wrong, field
by field, in the reader's language; the time zone chosen from a list."""

from collections.abc import Iterator
from typing import Any

import pytest

from browsing import MARKS, SHOTS, Offline, launched_browser
from pagesite import CODE, Site, served_site

pytestmark = MARKS


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with served_site(tmp_path_factory.mktemp("setup-browser")) as served:
        yield served


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched_browser()


def _no_codes(text: str) -> None:
    for code in ("error.", "value_error", "String should", "is not an IANA", "Required."):
        assert code not in text, (code, text)


def test_new_operation_form_names_what_is_wrong_in_french(site: Site, browser: Any) -> None:
    from playwright.sync_api import expect

    context = site.context(browser, "fr")
    page = context.new_page()
    offline = Offline(page)
    site.sign_in(page, "admin", "/operations/new")
    zone = page.locator("#timezone")
    assert zone.evaluate("el => el.tagName") == "SELECT"  # chosen, not typed
    assert zone.input_value() == "Europe/Madrid"
    assert zone.locator("option:checked").inner_text() == "Espagne — Madrid"
    assert zone.locator("option").count() > 300
    page.fill("#code", "pandora x")
    page.fill("#name", "Pandora X")
    page.fill("#lead", "Guardia Civil")
    page.fill("#starts_on", "2026-06-10")
    page.fill("#ends_on", "2026-06-01")
    page.click("main form button[type=submit]")
    status = page.locator("[data-form-status]")
    expect(page.locator("[data-error-for=code]")).to_contain_text("majuscules, des chiffres")
    expect(status).to_have_text("Veuillez corriger : Code.")
    page.fill("#code", "PANDORA-NEW")
    page.click("main form button[type=submit]")
    ends = page.locator("[data-error-for=ends_on]")
    expect(ends).to_have_text(
        "Le dernier jour ne peut précéder le premier, et une période dure au plus 400 jours."
    )
    expect(status).to_have_text("Veuillez corriger : Dernier jour.")
    expect(page.locator("[data-error-for=code]")).to_have_text("")
    assert page.locator("#ends_on").get_attribute("aria-invalid") == "true"
    _no_codes(page.locator("main form").inner_text())
    # Corrected, it goes through, with the zone picked from the list.
    page.fill("#ends_on", "2026-06-20")
    zone.select_option("Asia/Tokyo")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/operations/PANDORA-NEW/setup")
    assert "Asia/Tokyo" in page.locator("main").inner_text()
    assert offline.attempted == []
    context.close()


def test_set_up_forms_explain_in_russian(site: Site, browser: Any) -> None:
    from playwright.sync_api import expect

    context = site.context(browser, "ru")
    page = context.new_page()
    site.sign_in(page, "admin", f"/operations/{CODE}/setup")
    page.fill("#pw-new", "short")
    page.locator("#password-form button[type=submit]").click()
    expect(page.locator("#password-form [data-error-for=password]")).to_have_text(
        "Не менее 10 символов."
    )
    form = page.locator("form[data-api$='/participants']")
    form.locator("#p-country").select_option("SE")
    form.locator("#p-joins").fill(site.today.isoformat())
    form.locator("#p-leaves").fill(site.today.replace(day=1).isoformat()
                                   if site.today.day > 1 else site.today.isoformat())  # fmt: skip
    for box in form.locator("input[type=checkbox]").all():
        box.uncheck()
    form.locator("button[type=submit]").click()
    expect(form.locator("[data-error-for=agencies]")).to_have_text(
        "Выберите хотя бы одно ведомство."
    )
    _no_codes(form.inner_text())
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "setup-coordinator-ru-errors.png"), full_page=True)
    context.close()
