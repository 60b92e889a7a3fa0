"""The review on the pages, in process: the coordinators' queue, the query and the lock
on the contact point's calendar and day form, the dashboard's review tile. (The
keyboard flow is in test_review_browser.py.)"""

import re

from conftest import ADMIN, Api

OP = "/api/operations/PANDORA-X"
DAY = "2026-06-09"
OLD = "2026-06-05"


def setup(api: Api) -> dict[str, str]:
    api.operation()
    api.participant("ES")
    api.participant("FR")
    es = api.user("maria", "ncp", "ES")
    api.put_return("ES", DAY, {"nil_return": True}, es)
    api.put_return("ES", OLD, {"nil_return": True}, es)
    api.put_return("FR", DAY, {"nil_return": True}, ADMIN)
    return es


def review(api: Api, country: str, day: str, body: dict[str, str]) -> None:
    r = api.client.post(f"{OP}/returns/{country}/{day}/review", json=body, headers=ADMIN)
    assert r.status_code == 200, r.text


def rows(html: str) -> list[tuple[str, str, str]]:
    return re.findall(
        r'class="rq-row"[^>]*data-country="(\w+)" data-day="([\d-]+)"[^>]*data-status="(\w+)"',
        html,
    )


def test_the_queue_lists_what_needs_review_with_filters(api: Api) -> None:
    es = setup(api)
    review(api, "FR", DAY, {"status": "approved"})
    r = api.client.get("/operations/PANDORA-X/review", headers=ADMIN)
    assert r.status_code == 200
    assert rows(r.text) == [("ES", OLD, "pending"), ("ES", DAY, "pending")]
    assert '<b data-count="approved">1</b>' in r.text
    assert '<b data-count="pending">2</b>' in r.text
    r = api.client.get("/operations/PANDORA-X/review?status=approved", headers=ADMIN)
    assert rows(r.text) == [("FR", DAY, "approved")]
    r = api.client.get(f"/operations/PANDORA-X/review?status=all&day={DAY}", headers=ADMIN)
    assert rows(r.text) == [("ES", DAY, "pending"), ("FR", DAY, "approved")]
    r = api.client.get("/operations/PANDORA-X/review", headers={**ADMIN, "Accept-Language": "fr"})
    assert "File de revue" in r.text
    assert api.client.get("/operations/PANDORA-X/review", headers=es).status_code == 403


def test_the_calendar_and_the_day_show_the_query_to_answer(api: Api) -> None:
    es = setup(api)
    review(api, "ES", DAY, {"status": "query", "comment": "Which border post?"})
    cal = api.client.get("/operations/PANDORA-X/returns", headers=es).text
    assert f'data-day="{DAY}" data-state="late" data-review="query"' in cal
    assert "Which border post?" in cal and f'data-query-day="{DAY}"' in cal
    page = api.client.get(f"/operations/PANDORA-X/returns/ES/{DAY}", headers=es).text
    assert 'id="review-notice" data-review="query"' in page
    assert "Which border post?" in page and "admin" in page
    # Answered by a new version: the query is gone from the calendar.
    body = {"nil_return": True, "notes": "Irun", "amendment_reason": "answer to the query"}
    assert api.put_return("ES", DAY, body, es).status_code == 200
    cal = api.client.get("/operations/PANDORA-X/returns", headers=es).text
    assert "Which border post?" not in cal
    assert f'data-day="{DAY}" data-state="late" data-review="pending"' in cal


def test_a_locked_day_shows_its_lock_and_offers_no_form(api: Api) -> None:
    es = setup(api)
    api.client.patch(OP, json={"lock_after_days": 2}, headers=ADMIN)
    cal = api.client.get("/operations/PANDORA-X/returns", headers=es).text
    assert re.search(rf'data-day="{OLD}" data-state="\w+"[^>]*data-locked', cal)
    assert not re.search(rf'data-day="{DAY}" data-state="\w+"[^>]*data-locked', cal)
    page = api.client.get(f"/operations/PANDORA-X/returns/ES/{OLD}", headers=es).text
    assert 'id="lock-notice"' in page and "A coordinator can grant an exception" in page
    assert 'id="return-form"' not in page
    missing = api.client.get("/operations/PANDORA-X/returns/ES/2026-06-02", headers=es).text
    assert 'id="lock-notice"' in missing


def test_the_dashboard_has_the_review_tile_for_coordinators(api: Api) -> None:
    es = setup(api)
    page = api.client.get("/operations/PANDORA-X/dashboard", headers=ADMIN).text
    assert 'data-review="pending"' in page and "/operations/PANDORA-X/review" in page
    assert (
        'data-review="pending"'
        not in api.client.get("/operations/PANDORA-X/dashboard", headers=es).text
    )
