"""Seizure exports for other systems: HXL-tagged CSV and seizure records in JSON, per
role, redacted for partners, audited, and read back to the summary's figures."""

import csv
import io
import json
from typing import Any

import hxl
from litestar.testing import TestClient

from opcoord.maps.outlines import country_centroid

from conftest import ADMIN, Api, seizure, wait_ready

HXL_PATH = "/api/operations/PANDORA-X/seizures.hxl.csv"
JSON_PATH = "/api/operations/PANDORA-X/seizure-records.json"
SECRET, PLACE = "Visigothic brooch from the Ruiz hoard", "Finca Los Olivos"


def filled(api: Api) -> dict[str, dict[str, str]]:
    api.operation()
    api.participant("ES")
    api.participant("FR")
    es, fr = api.user("es-ncp", "ncp", "ES"), api.user("fr-ncp", "ncp", "FR")
    es_body = {"seizures": [
        seizure("ES-1", 91, "coins", hs_code="970531", description="Roman aurei",
                place_type="airport", place_name="Madrid-Barajas", lat=40.4722, lon=-3.5608,
                conveyance="air_passenger", origin_country="IT", departure_country="ES",
                destination_country="CH", estimated_value=500000.5, currency="EUR",
                agency="customs", detection="x_ray", offence="smuggling"),
        seizure("ES-2", 4, "archaeological", description=SECRET, place_type="private_premises",
                place_name=PLACE, lat=37.3891, lon=-5.9845, agency="police",
                offence="illicit_excavation"),
        seizure("=HYPERLINK(1)", 2, "paintings", place_type="online", online=True),
    ]}  # fmt: skip
    assert api.put_return("ES", "2026-06-09", es_body, es).status_code == 201
    fr_body = {"seizures": [seizure("FR-1", 7, "manuscripts", estimated_value=90, currency="USD")]}
    assert api.put_return("FR", "2026-06-08", fr_body, fr).status_code == 201
    return {"es": es, "fr": fr, "partner": api.user("unesco", "partner")}


def _hxl_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_hxl_csv_has_the_hashtag_row_and_the_summarys_figures(
    client: TestClient[Any], api: Api
) -> None:
    filled(api)
    r = client.get(HXL_PATH, headers=ADMIN)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert 'filename="PANDORA-X-seizures.hxl.csv"' in r.headers["content-disposition"]
    rows = _hxl_rows(r.text)
    head, tags, data = rows[0], rows[1], rows[2:]
    for tag in ("#country+code", "#date", "#item+type", "#item+num", "#geo+lat", "#geo+lon",
                "#loc+name", "#loc+type", "#value", "#currency", "#meta+id"):  # fmt: skip
        assert tag in tags, tag
    assert head[tags.index("#item+num")] == "Quantity"
    totals = api.summary()
    num = tags.index("#item+num")
    assert len(data) == totals["seizures"] == 4
    assert sum(int(row[num]) for row in data) == totals["objects_seized"] == 104
    by_ref = {row[tags.index("#meta+id")]: row for row in data}
    assert "'=HYPERLINK(1)" in by_ref  # a spreadsheet would run it: neutralised
    es1 = by_ref["ES-1"]
    assert es1[tags.index("#country+code+origin")] == "IT"
    assert es1[tags.index("#value")] == "500000.5" and es1[tags.index("#date")] == "2026-06-09"

    # A well-kept HXL reader finds the same columns and figures.
    dataset = hxl.data(io.BytesIO(r.content), hxl.InputOptions(allow_local=True))
    assert "#item+num" in [c.display_tag for c in dataset.columns]
    parsed = list(dataset)
    assert sum(int(row.get("#item+num")) for row in parsed) == 104
    assert {row.get("#country+code") for row in parsed} == {"ES", "FR"}
    assert (
        float(next(row for row in parsed if row.get("#meta+id") == "ES-1").get("#geo+lat"))
        == 40.4722
    )


def test_records_json_round_trips_to_the_summary(client: TestClient[Any], api: Api) -> None:
    filled(api)
    r = client.get(JSON_PATH, headers=ADMIN)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    doc = json.loads(r.content)
    assert doc["format"] == "opcoord.seizure-records" and doc["version"] == 1
    assert doc["edition"] == "full" and doc["operation"]["code"] == "PANDORA-X"
    totals = api.summary()
    records = doc["records"]
    assert len(records) == totals["seizures"] == doc["totals"]["seizures"]
    assert sum(x["goods"]["quantity"] for x in records) == totals["objects_seized"]
    by_category: dict[str, int] = {}
    for x in records:
        by_category[x["goods"]["category"]] = (
            by_category.get(x["goods"]["category"], 0) + x["goods"]["quantity"]
        )
    assert by_category == totals["objects_by_category"] == doc["totals"]["objects_by_category"]
    assert doc["totals"]["objects_seized_online"] == totals["objects_seized_online"] == 2
    values: dict[str, float] = {}
    for x in records:
        if x["value"]:
            values[x["value"]["currency"]] = (
                values.get(x["value"]["currency"], 0) + x["value"]["amount"]
            )
    assert values == totals["estimated_value"]
    es1 = next(x for x in records if x["reference"] == "ES-1")
    assert es1 == {
        "record_id": "PANDORA-X/ES/ES-1",
        "reference": "ES-1",
        "reporting_country": "ES",
        "agency": "customs",
        "date": "2026-06-09",
        "place": {"type": "airport", "name": "Madrid-Barajas", "lat": 40.4722, "lon": -3.5608,
                  "coarsened": False},
        "conveyance": "air_passenger",
        "online": False,
        "route": {"origin": "IT", "departure": "ES", "destination": "CH"},
        "goods": {"category": "coins", "hs_code": "970531", "quantity": 91,
                  "description": "Roman aurei"},
        "value": {"amount": 500000.5, "currency": "EUR"},
        "detection": "x_ray",
        "offence": "smuggling",
        "export_certificate": None,
        "stolen_db_match": None,
    }  # fmt: skip


def test_exports_per_role_and_partners_get_the_redacted_edition_once_published(
    client: TestClient[Any], api: Api
) -> None:
    who = filled(api)
    for path in (HXL_PATH, JSON_PATH):
        assert client.get(path, headers=who["es"]).status_code == 403, path
        assert client.get(path).status_code == 401, path
        assert client.get(path.replace("PANDORA-X", "NOPE"), headers=ADMIN).status_code == 404
        r = client.get(path, headers=who["partner"])
        assert r.status_code == 403 and "published" in r.text, path
    assert client.post("/api/operations/PANDORA-X/close", headers=ADMIN).status_code == 202
    wait_ready(client, "PANDORA-X")
    assert client.get(JSON_PATH, headers=who["partner"]).status_code == 403  # not yet published
    assert client.post("/api/operations/PANDORA-X/report/publish", headers=ADMIN).status_code == 200

    full = client.get(JSON_PATH, headers=ADMIN).json()
    for headers, params in ((who["partner"], {}), (ADMIN, {"edition": "partner"})):
        r = client.get(JSON_PATH, headers=headers, params=params)
        assert r.status_code == 200
        assert "partner" in r.headers["content-disposition"]
        doc = r.json()
        assert doc["edition"] == "partner" and doc["totals"] == full["totals"]
        text = r.text
        for secret in (SECRET, PLACE, "ES-1", "Roman aurei", "Madrid-Barajas"):
            assert secret not in text, secret
        hidden = next(x for x in doc["records"] if x["place"]["type"] == "private_premises")
        assert (hidden["place"]["lat"], hidden["place"]["lon"]) == country_centroid("ES")
        airport = next(x for x in doc["records"] if x["goods"]["quantity"] == 91)
        assert (airport["place"]["lat"], airport["place"]["lon"]) == (40.47, -3.56)
        assert all(x["reference"] is None and x["goods"]["description"] is None
                   for x in doc["records"])  # fmt: skip
    assert r.json()["report_edition"] is None  # a coordinator's reads the live data
    r = client.get(HXL_PATH, headers=who["partner"])
    assert r.status_code == 200
    tags = _hxl_rows(r.text)[1]
    assert "#meta+id" not in tags and "#description" not in tags and "#loc+name" not in tags
    assert SECRET not in r.text and PLACE not in r.text
    assert client.get(HXL_PATH, headers=ADMIN, params={"edition": "bogus"}).status_code == 422


def test_every_export_download_is_in_the_audit_log(client: TestClient[Any], api: Api) -> None:
    filled(api)
    client.get(HXL_PATH, headers=ADMIN)
    client.get(JSON_PATH, headers=ADMIN, params={"edition": "partner"})
    r = client.get("/api/audit", params={"action": "export.download"}, headers=ADMIN)
    entries = r.json()["entries"]
    assert [(e["object"], e["actor"], e["operation"]) for e in entries] == [
        ("seizure-records.json (partner)", "admin", "PANDORA-X"),
        ("seizures.hxl.csv (full)", "admin", "PANDORA-X"),
    ]
