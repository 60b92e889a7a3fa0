"""The map through the API: GeoJSON (filters, streaming, access) and the map pages."""

import json
from typing import Any

import pytest

from conftest import ADMIN, Api, seizure

URL = "/api/operations/PANDORA-X/seizures.geojson"


@pytest.fixture
def filled(api: Api) -> dict[str, dict[str, str]]:
    api.operation()
    for c in ("ES", "IT"):
        api.participant(c)
    es, it = api.user("es", "ncp", "ES"), api.user("it", "ncp", "IT")
    api.put_return(
        "ES",
        "2026-06-03",
        {
            "seizures": [
                seizure(
                    "ES-1",
                    91,
                    category="coins",
                    lat=40.41,
                    lon=-3.70,
                    place_name="Madrid",
                    origin_country="IT",
                    destination_country="CH",
                ),
                seizure("ES-2", 4, category="paintings"),  # no coordinates
            ]
        },
        es,
    )
    api.put_return(
        "ES",
        "2026-06-05",
        {"seizures": [seizure("ES-3", 2, category="fossils", lat=41.38, lon=2.17)]},
        es,
    )
    api.put_return(
        "IT",
        "2026-06-05",
        {
            "seizures": [
                seizure(
                    "IT-1", 30, category="coins", lat=41.90, lon=12.49, description="<b>bronze</b>"
                )
            ]
        },
        it,
    )
    return {"ES": es, "IT": it}


def features(api: Api, **params: Any) -> list[dict[str, Any]]:
    r = api.client.get(URL, params=params, headers=ADMIN)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/geo+json")
    body = json.loads(r.content)
    assert body["type"] == "FeatureCollection"
    return list(body["features"])


def test_geojson_has_every_seizure_with_coordinates(api: Api, filled: Any) -> None:
    got = features(api)
    assert sorted(f["properties"]["ref"] for f in got) == ["ES-1", "ES-3", "IT-1"]
    es1 = next(f for f in got if f["properties"]["ref"] == "ES-1")
    assert es1["geometry"] == {"type": "Point", "coordinates": [-3.70, 40.41]}
    assert es1["properties"]["quantity"] == 91 and es1["properties"]["day"] == "2026-06-03"


def test_geojson_filters(api: Api, filled: Any) -> None:
    assert [f["properties"]["ref"] for f in features(api, category="coins", country="IT")] == [
        "IT-1"
    ]
    by_day = features(api, **{"from": "2026-06-04", "to": "2026-06-05"})
    assert sorted(f["properties"]["ref"] for f in by_day) == ["ES-3", "IT-1"]
    assert len(features(api, category="coins,fossils")) == 3
    bad = api.client.get(URL, params={"category": "jewels"}, headers=ADMIN)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "category"
    bad = api.client.get(URL, params={"country": "XX"}, headers=ADMIN)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "country"


def test_geojson_follows_amendments(api: Api, filled: dict[str, dict[str, str]]) -> None:
    api.put_return(
        "ES", "2026-06-05", {"seizures": [], "amendment_reason": "duplicate"}, filled["ES"]
    )
    assert sorted(f["properties"]["ref"] for f in features(api)) == ["ES-1", "IT-1"]


def test_ncp_cannot_fetch_geojson_or_map(api: Api, filled: dict[str, dict[str, str]]) -> None:
    assert api.client.get(URL, headers=filled["ES"]).status_code == 403
    frame = api.client.get("/operations/PANDORA-X/map/frame", headers=filled["ES"])
    assert frame.status_code == 403


def test_map_frame_and_page(api: Api, filled: Any) -> None:
    frame = api.client.get(
        "/operations/PANDORA-X/map/frame", params={"category": "coins"}, headers=ADMIN
    )
    assert frame.status_code == 200 and "opcoordMap" in frame.text
    assert "ES-1" in frame.text and "IT-1" in frame.text and "ES-3" not in frame.text
    assert "<b>bronze</b>" not in frame.text  # user text never becomes markup
    assert "https://" not in frame.text.split("<body")[0]
    page = api.client.get("/operations/PANDORA-X/map", params={"category": "coins"}, headers=ADMIN)
    assert page.status_code == 200
    assert 'src="/operations/PANDORA-X/map/frame?category=coins"' in page.text
