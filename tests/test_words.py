"""The words on the pages: country names and the breadcrumb in the reader's language,
dates from Babel's formats (no weekday declined wrong, English day before month), one
name per category everywhere, versions called what they are, a header that does not
repeat itself."""

import re
from datetime import timedelta
from typing import Any

import pytest

from conftest import ADMIN, NOW, Api, seizure

FR = {"Accept-Language": "fr"}
RU = {"Accept-Language": "ru"}


@pytest.fixture
def op(api: Api) -> dict[str, dict[str, str]]:
    api.operation()
    api.participant("ES")
    api.participant("DE")
    es = api.user("es-ncp", "ncp", "ES")
    api.put_return("ES", "2026-06-03", {"seizures": [seizure("ES-1", 2, category="weapons",
                                                             lat=40.4, lon=-3.7)]}, es)  # fmt: skip
    return {"es": es}


def text(r: Any) -> str:
    main = re.search(r"<main.*?</main>", r.text, re.S)
    assert main, r.text[:300]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main.group(0)))


def test_set_up_pages_name_countries_in_the_readers_language(
    api: Api, op: dict[str, dict[str, str]]
) -> None:
    fr = api.client.get("/operations/PANDORA-X/setup", headers={**ADMIN, **FR})
    assert "ES · Espagne" in fr.text and "DE · Allemagne" in fr.text
    assert '<option value="SE">Suède (SE)</option>' in fr.text  # the countries to add
    assert "Spain" not in fr.text and "Germany" not in fr.text
    ru = api.client.get("/operations/PANDORA-X/setup", headers={**ADMIN, **RU})
    assert "ES · Испания" in ru.text and '<option value="ES" data-name="Испания">' in ru.text
    names = re.findall(r'<option value="[A-Z]{2}">([^<]+) \([A-Z]{2}\)</option>', ru.text)
    assert names[:3] == sorted(names[:3], key=str.casefold)  # sorted as the reader reads


def test_the_breadcrumb_is_named_in_the_readers_language(
    api: Api, op: dict[str, dict[str, str]]
) -> None:
    for path in ("/operations/PANDORA-X/dashboard", "/operations/PANDORA-X/map",
                 "/operations/PANDORA-X/setup", "/operations/PANDORA-X/returns"):  # fmt: skip
        page = api.client.get(path, headers={**ADMIN, **FR})
        assert 'aria-label="Fil d&#39;Ariane"' in page.text, path
        assert 'aria-label="Breadcrumb"' not in page.text, path


def test_a_days_title_takes_babels_date_not_a_declined_weekday(
    api: Api, op: dict[str, dict[str, str]]
) -> None:
    ru = api.client.get("/operations/PANDORA-X/returns/ES/2026-06-03", headers={**ADMIN, **RU})
    assert "Отчёт за 3 июня 2026\u202fг. (среда)" in ru.text
    assert "за среда" not in ru.text
    fr = api.client.get("/operations/PANDORA-X/returns/ES/2026-06-03", headers={**ADMIN, **FR})
    assert "Rapport du 3 juin 2026 (mercredi)" in fr.text
    calendar = api.client.get("/operations/PANDORA-X/returns", headers={**op["es"], **RU})
    assert "за ср," not in calendar.text and "за чт," not in calendar.text


def test_english_dates_put_the_day_first_everywhere(
    api: Api, op: dict[str, dict[str, str]]
) -> None:
    setup = text(api.client.get("/operations/PANDORA-X/setup", headers=ADMIN))
    assert "1 Jun 2026 – 30 Jun 2026" in setup
    months = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
    assert not re.search(rf"\b({months}) \d{{1,2}},", setup)  # no "Jun 1, 2026"
    home = text(api.client.get("/", headers=ADMIN))
    assert "1 Jun 2026" in home and "Jun 1, 2026" not in home


def test_a_category_has_one_name_on_every_page(api: Api, op: dict[str, dict[str, str]]) -> None:
    frame = api.client.get("/operations/PANDORA-X/map/frame", headers=ADMIN).text
    form = api.client.get("/operations/PANDORA-X/returns/ES/2026-06-03", headers=ADMIN).text
    dashboard = api.client.get("/operations/PANDORA-X/dashboard", headers=ADMIN).text
    assert ">Historical weapons<" in frame  # the map's key
    assert '<option value="weapons">Historical weapons</option>' in form
    assert '"weapons": "historical weapons"' in dashboard  # capitalised by dashboard.js
    for page in (frame, form):
        assert ">weapons<" not in page and "Books, manuscripts, archives" not in page


def test_the_history_calls_an_amendment_an_amendment(
    api: Api, op: dict[str, dict[str, str]], clock: Any
) -> None:
    day = "2026-06-10"  # being collected at NOW: replaced before its cut-off, then amended
    assert api.put_return("ES", day, {"nil_return": True}, op["es"]).status_code == 201
    replaced = api.put_return("ES", day, {"seizures": [seizure("ES-2", 1)]}, op["es"])
    assert replaced.status_code == 200
    clock.set(NOW + timedelta(days=1))  # past 11 June 10:00 in Madrid
    body = {"seizures": [seizure("ES-2", 3)], "amendment_reason": "recount"}
    assert api.put_return("ES", day, body, op["es"]).status_code == 200
    page = api.client.get(f"/operations/PANDORA-X/returns/ES/{day}", headers=op["es"])
    history = page.text.split('id="history"')[1].split("</table>")[0]
    kinds = re.findall(r"<td>(Nil return|Return|Replacement|Amendment)</td>", history)
    assert kinds == ["Amendment", "Replacement", "Nil return"]  # newest first


def test_the_header_does_not_repeat_a_name(api: Api) -> None:
    page = api.client.get("/", headers=ADMIN)
    who = re.search(r'<span class="who">(.*?)</span></span>', page.text)
    assert who and re.sub(r"<[^>]+>", "", who.group(1)) == "admin · coordinator"
    api.user("coordinator", "coordinator")  # the demo's account is named for its role
    password = {"password": "a long password 1"}
    api.client.put("/api/users/coordinator/password", json=password, headers=ADMIN)
    api.client.post("/signin", data={"username": "coordinator", **password})
    mine = api.client.get("/")
    who = re.search(r'<span class="who">(.*?)</span></span>', mine.text)
    assert who, mine.text[:400]
    assert re.sub(r"<[^>]+>", "", who.group(1)) == "coordinator"  # not "coordinator · coordinator"
