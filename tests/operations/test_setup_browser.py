"""The coordinator's set-up pages in a real browser: forms that say what is wrong, field
by field, in the reader's language; the time zone chosen from a list."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from browsing import MARKS, SHOTS, Offline
from pagesite import CODE, Site, served_site

pytestmark = MARKS


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with served_site(tmp_path_factory.mktemp("setup-browser")) as served:
        yield served


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
    page.select_option("#pw-user", "maria")
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


def test_a_new_account_shows_at_once_and_no_password_is_set_by_accident(
    site: Site, browser: Any
) -> None:
    from playwright.sync_api import expect

    context = site.context(browser, "en")
    page = context.new_page()
    site.sign_in(page, "admin", f"/operations/{CODE}/setup")
    password_list = page.locator("#pw-user")
    assert password_list.input_value() == ""  # not the coordinator's own account
    assert password_list.locator("option[data-self]").inner_text() == "admin (you)"
    page.click("#password-form button[type=submit]")
    expect(page.locator("[data-error-for=pw_user]")).to_have_text("Choose an account…")

    page.fill("#u-name", "lena")
    page.select_option("#u-role", "ncp")
    page.select_option("#u-country", "GR")
    page.click("#account-form button[type=submit]")
    row = page.locator("#accounts-body tr[data-username=lena]")
    expect(row).to_have_text("lenanational contact pointGR · Greece")
    expect(page.locator("#new-token code")).not_to_be_empty()  # still on screen: no reload
    assert password_list.input_value() == "lena"  # the next step is its password
    page.fill("#pw-new", "a long enough password")
    page.click("#password-form button[type=submit]")
    expect(page.locator("#password-form [data-form-status]")).to_have_text("Saved.")
    assert page.url.endswith(f"/operations/{CODE}/setup")  # still signed in
    context.close()


def test_closing_and_publishing_show_where_the_report_stands(site: Site, browser: Any) -> None:
    from playwright.sync_api import expect

    code = "PANDORA-CLOSE"
    site.api("POST", "/api/operations", json={
        "code": code, "name": "Closing soon", "lead": "WCO",
        "starts_on": (site.today - timedelta(days=3)).isoformat(),
        "ends_on": (site.today + timedelta(days=5)).isoformat(),
        "timezone": "Europe/Madrid", "daily_cutoff": "10:00",
    })  # fmt: skip
    site.api("POST", f"/api/operations/{code}/participants",
             json={"country": "ES", "agencies": ["customs"]})  # fmt: skip
    context = site.context(browser, "fr")
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    site.sign_in(page, "admin", f"/operations/{code}/setup")
    page.click("text=Clôturer l'opération maintenant")
    expect(page.locator("#closed-at")).to_contain_text("Europe/Madrid", timeout=15_000)
    status = page.locator("#report-status")
    expect(status).to_contain_text("Édition 1 prête depuis le", timeout=30_000)
    expect(page.locator("#published-at")).to_have_text("Pas encore publié pour les partenaires.")
    publish = page.locator("#publish-form button[type=submit]")
    expect(publish).to_be_enabled()
    publish.click()
    expect(page.locator("#published-at")).to_contain_text(
        "Publié pour les partenaires le", timeout=15_000
    )
    expect(publish).to_be_hidden()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "setup-closed-published-fr.png"), full_page=True)

    # Its dashboard says it is closed, not live, and asks for nothing more.
    page.goto(f"{site.base}/operations/{code}/dashboard")
    expect(page.locator("#conn-text")).to_have_text(
        "Clôturée : chiffres définitifs", timeout=15_000
    )
    expect(page.locator("#op-due")).to_be_hidden()
    expect(page.locator("#compl thead th[data-key=collecting]")).to_be_hidden()
    expect(page.locator("#compl-title")).to_have_text("Rapports à la clôture")
    assert page.locator("#compl-body td[data-col=collecting]").count() == 0
    main = page.locator("main").inner_text()
    for stale in ("En direct", "Rapports à transmettre", "En cours de collecte"):
        assert stale not in main, stale
    page.screenshot(path=str(SHOTS / "dashboard-closed-fr.png"), full_page=True)
    context.close()
