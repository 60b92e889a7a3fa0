"""Comparing two operations: the API per role, its figures against the two reports (or
summaries), the page, and the report that carries a comparison."""

from typing import Any

from litestar.testing import TestClient

from conftest import ADMIN, Api, seizure, wait_ready

EARLIER, LATER, OPEN = "PANDORA-VIII", "PANDORA-IX", "PANDORA-X"


def _fill(api: Api, code: str, ncps: dict[str, dict[str, str]], returns: list[Any]) -> None:
    for country, day, body in returns:
        r = api.put_return(country, day, body, ncps[country], code=code)
        assert r.status_code == 201, r.text


def operations(api: Api, client: TestClient[Any]) -> dict[str, dict[str, str]]:
    """Two closed editions (VIII: ES, IT; IX: ES, FR) and an open one (X: ES)."""
    ncps = {c: api.user(f"{c.lower()}-ncp", "ncp", c) for c in ("ES", "IT", "FR")}
    for code, countries in ((EARLIER, ("ES", "IT")), (LATER, ("ES", "FR")), (OPEN, ("ES",))):
        api.operation(code=code, name=f"Operation {code}")
        for c in countries:
            api.participant(c, code=code)
    _fill(api, EARLIER, ncps, [
        ("ES", "2026-06-09", {"counters": {"arrests": 2, "online_checks": 10}, "seizures": [
            seizure("ES-1", 40, "coins", estimated_value=1000, currency="EUR"),
            seizure("ES-2", 5, "paintings", place_type="online", online=True)]}),
        ("IT", "2026-06-09", {"counters": {"arrests": 1}, "seizures": [
            seizure("IT-1", 7, "archaeological", estimated_value=300, currency="USD")]}),
    ])  # fmt: skip
    _fill(api, LATER, ncps, [
        ("ES", "2026-06-09", {"counters": {"arrests": 5, "online_checks": 4}, "seizures": [
            seizure("ES-1", 100, "coins", estimated_value=2500, currency="EUR")]}),
        ("FR", "2026-06-08", {"nil_return": True}),
        ("FR", "2026-06-09", {"seizures": [seizure("FR-1", 3, "manuscripts")]}),
    ])  # fmt: skip
    _fill(api, OPEN, ncps, [("ES", "2026-06-09", {"seizures": [seizure("ES-9", 12)]})])
    for code in (EARLIER, LATER):
        assert client.post(f"/api/operations/{code}/close", headers=ADMIN).status_code == 202
        wait_ready(client, code)
    return ncps


def test_comparison_of_two_closed_operations_equals_their_reports(
    client: TestClient[Any], api: Api
) -> None:
    operations(api, client)
    r = client.get("/api/compare", params={"a": EARLIER, "b": LATER}, headers=ADMIN)
    assert r.status_code == 200, r.text
    body = r.json()
    ra = client.get(f"/api/operations/{EARLIER}/report", headers=ADMIN).json()
    rb = client.get(f"/api/operations/{LATER}/report", headers=ADMIN).json()
    assert body["a"] == ra["totals"] and body["b"] == rb["totals"]
    assert body["a"] == api.summary(EARLIER) and body["b"] == api.summary(LATER)
    assert body["a_source"] == body["b_source"] == "report"
    assert body["operations"]["b"]["report_edition"] == 1
    delta = body["delta"]
    assert delta["objects_seized"] == 103 - 52 and delta["arrests"] == 5 - 3
    assert delta["seizures"] == 2 - 3 and delta["online_checks"] == 4 - 10
    assert delta["objects_by_category"] == {
        "archaeological": -7, "coins": 60, "manuscripts": 3, "paintings": -5,
    }  # fmt: skip
    assert delta["estimated_value"] == {"EUR": 1500, "USD": -300}  # never converted
    assert body["change_pct"]["arrests"] == round(100 * 2 / 3, 1)
    by_country = {c["country"]: c for c in body["countries"]}
    assert set(by_country) == {"ES", "FR", "IT"}
    assert by_country["IT"]["b"] is None and by_country["FR"]["a"] is None
    assert by_country["ES"]["delta"]["objects_seized"] == 100 - 45
    assert by_country["FR"]["delta"]["nil_returns"] == 1
    assert body["online"]["a"]["objects"] == 5 and body["online"]["delta"]["objects"] == -5
    assert body["completeness"]["a"] == ra["completeness"] | {}  # same figures as the report
    assert body["completeness"]["b"]["rate"] == rb["completeness"]["rate"]
    assert body["completeness"]["delta"]["received"] == 3 - 2


def test_an_open_operation_is_compared_live_with_its_summary(
    client: TestClient[Any], api: Api
) -> None:
    operations(api, client)
    body = client.get("/api/compare", params={"a": LATER, "b": OPEN}, headers=ADMIN).json()
    assert body["b_source"] == "live" and body["a_source"] == "report"
    assert body["b"] == api.summary(OPEN)
    assert body["operations"]["b"]["report_edition"] is None
    assert body["delta"]["objects_seized"] == 12 - 103


def test_compare_refuses_missing_same_or_unknown_codes_and_other_roles(
    client: TestClient[Any], api: Api
) -> None:
    ncps = operations(api, client)
    partner = api.user("unesco", "partner")
    cases = [
        ({"a": EARLIER}, 422, "b"),
        ({"b": EARLIER}, 422, "a"),
        ({"a": LATER, "b": LATER}, 422, "b"),
        ({"a": "NOPE", "b": LATER}, 404, "a"),
        ({"a": LATER, "b": "NOPE"}, 404, "b"),
    ]
    for params, status, field in cases:
        r = client.get("/api/compare", params=params, headers=ADMIN)
        assert r.status_code == status, (params, r.text)
        assert field in r.text and ("NOPE" in r.text or status == 422), r.text
    for who in (ncps["ES"], partner):
        r = client.get("/api/compare", params={"a": EARLIER, "b": LATER}, headers=who)
        assert r.status_code == 403
    assert client.get("/api/compare", params={"a": EARLIER, "b": LATER}).status_code == 401


def test_the_comparison_page_shows_both_sides_the_direction_and_a_chart(
    client: TestClient[Any], api: Api
) -> None:
    operations(api, client)
    r = client.get("/compare", params={"a": EARLIER, "b": LATER}, headers=ADMIN)
    assert r.status_code == 200
    page = r.text
    assert EARLIER in page and LATER in page
    assert 'data-field="objects_seized"' in page and "▲ +51" in page  # 52 -> 103
    assert "▼ -1" in page  # seizures 3 -> 2
    assert "<svg" in page and "compare-chart" in page and 'src="http' not in page
    fr = client.get(
        "/compare", params={"a": EARLIER, "b": LATER}, headers={**ADMIN, "Accept-Language": "fr"}
    ).text
    assert "Comparer des opérations" in fr
    assert (
        client.get("/compare", params={"a": "NOPE", "b": LATER}, headers=ADMIN).status_code == 422
    )
    assert client.get("/compare", headers=ADMIN).status_code == 200  # the form alone


def test_the_report_carries_a_comparison_with_a_chosen_earlier_edition(
    client: TestClient[Any], api: Api
) -> None:
    operations(api, client)
    base = f"/api/operations/{LATER}/report"
    plain = client.get(base, headers=ADMIN).json()
    assert "comparison" not in plain
    report = client.get(base, params={"compare": EARLIER}, headers=ADMIN).json()
    comparison = report["comparison"]
    assert (
        comparison["a"]
        == client.get(f"/api/operations/{EARLIER}/report", headers=ADMIN).json()["totals"]
    )
    assert comparison["b"] == report["totals"]
    assert comparison["operations"]["a"]["code"] == EARLIER
    html = client.get(f"{base}.html", params={"compare": EARLIER}, headers=ADMIN).text
    assert 'id="comparison"' in html and f"Comparison with {EARLIER}" in html
    assert 'data-direction="up"' in html and "compare-chart" in html
    assert 'id="comparison"' not in client.get(f"{base}.html", headers=ADMIN).text  # kept file
    r = client.get(base, params={"compare": "NOPE"}, headers=ADMIN)
    assert r.status_code == 404 and "compare" in r.text
    r = client.get(base, params={"compare": LATER}, headers=ADMIN)
    assert r.status_code == 422 and "compare" in r.text


def test_a_partner_compares_only_with_published_reports(client: TestClient[Any], api: Api) -> None:
    operations(api, client)
    partner = api.user("unesco", "partner")
    base = f"/api/operations/{LATER}/report"
    assert client.post(f"{base}/publish", headers=ADMIN).status_code == 200
    r = client.get(base, params={"compare": EARLIER}, headers=partner)
    assert r.status_code == 403 and "published" in r.text
    assert (
        client.post(f"/api/operations/{EARLIER}/report/publish", headers=ADMIN).status_code == 200
    )
    r = client.get(base, params={"compare": EARLIER}, headers=partner)
    assert r.status_code == 200 and r.json()["comparison"]["delta"]["objects_seized"] == 51
