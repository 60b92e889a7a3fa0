"""The contact point's pages, in process: who may open them, what the calendar shows,
and what the day's form is prefilled with. (The browser flows are in
test_return_pages_browser.py.)"""

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from opcoord.clock import FrozenClock

from conftest import ADMIN, NOW, Api, seizure

CAL = "/operations/PANDORA-X/returns"


def states(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-day="([\d-]+)" data-state="(\w+)"', html))


def page_data(html: str) -> dict[str, Any]:
    found = re.search(r'<script id="page-data" type="application/json">(.*?)</script>', html, re.S)
    assert found, "the page has no data for its script"
    return dict(json.loads(found.group(1)))


@pytest.fixture
def scenario(api: Api, clock: FrozenClock) -> dict[str, dict[str, str]]:
    """ES reports on time, nil, late and not at all; FR joins on 5 June; DE is not in."""
    api.operation()
    api.participant("ES")
    api.participant("FR", joins_on="2026-06-05")
    users = {
        "es": api.user("maria", "ncp", "ES"),
        "fr": api.user("pierre", "ncp", "FR"),
        "de": api.user("hans", "ncp", "DE"),
        "partner": api.user("unesco", "partner"),
    }
    clock.set(datetime(2026, 6, 2, 7, 0, tzinfo=UTC))  # before 1 June's cut-off (10:00 Madrid)
    r = api.put_return("ES", "2026-06-01", {"seizures": [seizure("ES-1", 3)]}, users["es"])
    assert r.status_code == 201, r.text
    clock.set(datetime(2026, 6, 3, 7, 0, tzinfo=UTC))
    assert api.put_return("ES", "2026-06-02", {"nil_return": True}, users["es"]).status_code == 201
    clock.set(NOW)
    body = {
        "counters": {"persons_checked": 120, "arrests": 2},
        "facilitating_items": {"metal_detectors": 1},
        "seizures": [
            seizure("ES-0042", 91, place_name="Madrid", lat=40.4168, lon=-3.7038,
                    origin_country="IT", estimated_value=500000, currency="EUR",
                    hs_code="970531", description="Roman <b>gold</b> aurei"),
        ],
        "notes": "Checked at Barajas",
    }  # fmt: skip
    assert api.put_return("ES", "2026-06-03", body, users["es"]).status_code == 201
    return users


def test_signed_out_visitors_are_sent_to_sign_in(api: Api) -> None:
    api.operation()
    r = api.client.get(CAL, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/signin?next=")
    r = api.client.get(f"{CAL}/ES/2026-06-09", follow_redirects=False)
    assert r.status_code == 303 and "/signin" in r.headers["location"]


def test_access_own_country_only(api: Api, scenario: dict[str, dict[str, str]]) -> None:
    es, fr, de = scenario["es"], scenario["fr"], scenario["de"]
    get = api.client.get
    assert get(CAL, headers=es).status_code == 200
    assert get(CAL, headers=es, params={"country": "ES"}).status_code == 200
    assert get(CAL, headers=es, params={"country": "FR"}).status_code == 403
    assert get(f"{CAL}/FR/2026-06-09", headers=es).status_code == 403
    assert get(f"{CAL}/ES/2026-06-09", headers=fr).status_code == 403
    assert get(f"{CAL}/FR/2026-06-09", headers=fr).status_code == 200
    # A contact point of a country that does not take part, and a partner: refused.
    assert get(CAL, headers=de).status_code == 403
    assert get(f"{CAL}/DE/2026-06-09", headers=de).status_code == 403
    assert get(CAL, headers=scenario["partner"]).status_code == 403
    assert get(f"{CAL}/ES/2026-06-09", headers=scenario["partner"]).status_code == 403
    # The coordinator sees any participant, and nothing that is not one.
    page = get(CAL, headers=ADMIN, params={"country": "FR"})
    assert page.status_code == 200 and 'id="country-pick"' in page.text
    assert '<option value="FR" selected>' in page.text
    assert get(CAL, headers=ADMIN).status_code == 200  # the first participant by default
    assert get(CAL, headers=ADMIN, params={"country": "DE"}).status_code == 404
    assert get(f"{CAL}/DE/2026-06-09", headers=ADMIN).status_code == 404
    assert get(f"{CAL}/ES/2026-07-09", headers=ADMIN).status_code == 404  # outside the window
    assert get("/operations/NOPE/returns", headers=ADMIN).status_code == 404
    # The contact point has no country picker.
    assert 'id="country-pick"' not in get(CAL, headers=es).text


def test_calendar_shows_each_days_state(api: Api, scenario: dict[str, dict[str, str]]) -> None:
    page = api.client.get(CAL, headers=scenario["es"])
    assert page.status_code == 200
    got = states(page.text)
    assert got["2026-06-01"] == "submitted"
    assert got["2026-06-02"] == "nil"
    assert got["2026-06-03"] == "late"
    assert all(got[f"2026-06-0{d}"] == "missing" for d in range(4, 10))
    # 14:00 on 10 June: the 9th fell due at 10:00, so the 10th is being collected.
    assert got["2026-06-10"] == "collecting"
    assert got["2026-06-11"] == "upcoming" and got["2026-06-30"] == "upcoming"
    assert len(got) == 30
    # Today is highlighted; the page leads with the day being collected and its due time
    # in the operation's time zone.
    assert re.search(r'class="day st-collecting is-today" data-day="2026-06-10"', page.text)
    assert 'aria-current="date"' in page.text
    assert 'data-lead-day="2026-06-10"' in page.text
    assert "is due by 10:00 on 11 June, Europe/Madrid" in page.text  # day before month
    # Each state is spelt out, not only coloured; days to do are links.
    for label in ("Submitted", "Nil return", "Late", "Missing", "Being collected", "Not yet open"):
        assert f'<span class="lbl">{label}</span>' in page.text
    assert f'href="{CAL}/ES/2026-06-04"' in page.text  # a missing day, to be filled in
    assert f'href="{CAL}/ES/2026-06-11"' not in page.text  # the future cannot be reported
    assert "6 earlier days have no return yet" in page.text

    fr = states(api.client.get(CAL, headers=scenario["fr"]).text)
    assert fr["2026-06-01"] == "outside" and fr["2026-06-05"] == "missing"


def test_day_form_is_prefilled_with_the_current_version(
    api: Api, scenario: dict[str, dict[str, str]]
) -> None:
    page = api.client.get(f"{CAL}/ES/2026-06-03", headers=scenario["es"])
    assert page.status_code == 200
    data = page_data(page.text)
    assert data["version"] == 1 and data["country"] == "ES" and data["day"] == "2026-06-03"
    current = data["current"]
    assert current["counters"]["persons_checked"] == 120
    assert current["facilitating_items"]["metal_detectors"] == 1
    assert current["notes"] == "Checked at Barajas"
    [s] = data["seizures"]
    assert s["ref"] == "ES-0042" and s["quantity"] == 91 and s["hs_code"] == "970531"
    assert s["lat"] == 40.4168 and s["origin_country"] == "IT" and s["currency"] == "EUR"
    # Data in the page's JSON cannot close its script element.
    assert "<b>" not in page.text.split('id="page-data"')[1].split("</script>")[0]
    # Labelled inputs for every counter, lists of categories and ISO countries with names.
    assert "Persons checked" in page.text and ">persons_checked<" not in page.text
    assert 'for="c-persons_checked"' in page.text and 'id="c-persons_checked"' in page.text
    assert '<option value="coins">Coins (numismatics)</option>' in page.text
    assert '<option value="IT">Italy</option>' in page.text
    assert "/static/js/returns.js" in page.text and "/static/vendor/leaflet/leaflet.js" in page.text
    # Past its due time with a return in place: the form is an amendment, with a reason.
    assert re.search(r'id="amend-box" class="amend-box"\s*>', page.text)
    # The history lists the version, late, with a link to view it.
    assert f'href="{CAL}/ES/2026-06-03?version=1"' in page.text
    assert "maria" in page.text

    old = api.client.get(f"{CAL}/ES/2026-06-03?version=1", headers=scenario["es"])
    assert old.status_code == 200 and "ES-0042" in old.text and "Version 1" in old.text
    assert "Roman &lt;b&gt;gold&lt;/b&gt; aurei" in old.text  # escaped, never markup
    assert 'id="return-form"' not in old.text
    missing = api.client.get(f"{CAL}/ES/2026-06-03?version=9", headers=scenario["es"])
    assert missing.status_code == 404


def test_day_form_states(api: Api, scenario: dict[str, dict[str, str]]) -> None:
    es = scenario["es"]
    # A missing day past its due time: a late first return needs no reason.
    late = api.client.get(f"{CAL}/ES/2026-06-05", headers=es)
    assert page_data(late.text)["version"] is None and page_data(late.text)["current"] is None
    assert 'id="amend-box" class="amend-box" hidden' in late.text
    assert "This return is late" in late.text
    # Today: not due yet, an ordinary form.
    today = api.client.get(f"{CAL}/ES/2026-06-10", headers=es)
    assert 'id="return-form"' in today.text and "This return is late" not in today.text
    assert "Nil return — nothing to report" in today.text
    # Tomorrow: no form.
    tomorrow = api.client.get(f"{CAL}/ES/2026-06-11", headers=es)
    assert tomorrow.status_code == 200 and 'id="return-form"' not in tomorrow.text
    # Before FR joined: no form either.
    before = api.client.get(f"{CAL}/FR/2026-06-02", headers=scenario["fr"])
    assert before.status_code == 200 and 'id="return-form"' not in before.text
    # The upload form posts to the import API and links its templates.
    assert "/api/operations/PANDORA-X/import-template.csv" in today.text
    assert 'id="import-form"' in today.text


def test_french_browser_gets_a_french_page(api: Api, scenario: dict[str, dict[str, str]]) -> None:
    headers = {**scenario["es"], "Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}
    cal = api.client.get(CAL, headers=headers)
    assert cal.status_code == 200 and '<html lang="fr">' in cal.text
    assert "juin" in cal.text  # month names and dates come from the locale
    day = api.client.get(f"{CAL}/ES/2026-06-03", headers=headers)
    assert '<html lang="fr">' in day.text and page_data(day.text)["lang"] == "fr"
    assert '<option value="IT">Italie</option>' in day.text  # country names in French
