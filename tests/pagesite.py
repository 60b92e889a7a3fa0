"""A served opcoord with one operation mid-window, for browser tests of the pages.

Countries around the eastern Mediterranean (Türkiye, Cyprus, Egypt: where a key drawn
over the map used to hide them), seizures with and without coordinates, routes, a nil
return; a coordinator, a contact point and a partner who can sign in with a password.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx

from serving import opcoord_server

from conftest import seizure

ADMIN_TOKEN = "pages-test-admin-token-0123456789"
PASSWORD = "correct horse battery"
CODE = "PANDORA-PAGES"
COUNTRIES = ("ES", "FR", "IT", "GR", "TR", "CY", "EG", "DE")
WAIT_MS = 15_000


@dataclass
class Site:
    base: str
    today: date

    def api(self, method: str, path: str, token: str = ADMIN_TOKEN, **kw: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"}
        r = httpx.request(method, f"{self.base}{path}", headers=headers, timeout=30, **kw)
        assert r.status_code < 400, f"{method} {path}: {r.status_code} {r.text}"
        return r

    def put_return(self, country: str, day: date, body: dict[str, Any]) -> httpx.Response:
        return self.api("PUT", f"/api/operations/{CODE}/returns/{country}/{day}", json=body)

    def sign_in(self, page: Any, username: str, target: str = "/") -> None:
        page.goto(f"{self.base}/signin?next={target}")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"**{target}")

    def context(self, browser: Any, lang: str, width: int = 1440, height: int = 900) -> Any:
        context = browser.new_context(viewport={"width": width, "height": height})
        host = urlparse(self.base).hostname
        context.add_cookies([{"name": "opcoord_lang", "value": lang, "domain": host, "path": "/"}])
        return context


def _seed(site: Site) -> None:
    today = site.today
    site.api("POST", "/api/operations", json={
        "code": CODE, "name": "Operation Pandora Pages", "lead": "Guardia Civil",
        "partners": ["Europol", "INTERPOL", "WCO"],
        "starts_on": (today - timedelta(days=6)).isoformat(),
        "ends_on": (today + timedelta(days=7)).isoformat(),
        "timezone": "UTC", "daily_cutoff": "23:59",
    })  # fmt: skip
    for cc in COUNTRIES:
        site.api("POST", f"/api/operations/{CODE}/participants",
                 json={"country": cc, "agencies": ["customs", "police"]})  # fmt: skip
    site.api("POST", "/api/users", json={"username": "maria", "role": "ncp", "country": "ES"})
    site.api("POST", "/api/users", json={"username": "unesco", "role": "partner"})
    for user in ("admin", "maria", "unesco"):
        site.api("PUT", f"/api/users/{user}/password", json={"password": PASSWORD})
    yesterday, before = today - timedelta(days=1), today - timedelta(days=2)
    site.put_return("ES", before, {"counters": {"arrests": 2}, "seizures": [
        seizure("ES-0001", 91, "coins", lat=40.42, lon=-3.70, place_name="Madrid",
                place_type="auction_house", origin_country="IT", destination_country="CH",
                estimated_value=500000, currency="EUR"),
        seizure("ES-0002", 4, "paintings", place_type="online", online=True),
    ]})  # fmt: skip
    site.put_return("IT", before, {"seizures": [
        seizure("IT-0001", 40, "ceramics", lat=41.8, lon=12.25, place_name="Roma Fiumicino",
                origin_country="IT", destination_country="US"),
    ]})  # fmt: skip
    site.put_return("TR", yesterday, {"seizures": [
        seizure("TR-0001", 120, "archaeological", lat=41.26, lon=28.74, place_name="İstanbul",
                origin_country="SY", destination_country="DE", conveyance="vehicle"),
    ]})  # fmt: skip
    site.put_return("CY", yesterday, {"seizures": [
        seizure("CY-0001", 14, "religious", lat=34.88, lon=33.63, place_name="Larnaca",
                origin_country="CY", destination_country="GB"),
    ]})  # fmt: skip
    site.put_return("EG", yesterday, {"seizures": [
        seizure("EG-0001", 300, "archaeological", lat=30.11, lon=31.41, place_name="Cairo",
                origin_country="EG", destination_country="FR"),
        seizure("EG-0002", 2, "weapons", lat=31.2, lon=29.92, place_name="Alexandria",
                place_type="seaport", origin_country="EG", destination_country="FR"),
    ]})  # fmt: skip
    site.put_return("FR", yesterday, {"seizures": [
        seizure("FR-0001", 3, "paintings", lat=43.3, lon=5.37, place_name="Marseille",
                place_type="seaport"),
    ]})  # fmt: skip
    site.put_return("GR", yesterday, {"nil_return": True})


@contextmanager
def served_site(tmp: Path) -> Iterator[Site]:
    env = {
        "OPCOORD_DATABASE_URL": f"sqlite:///{tmp}/opcoord.db",
        "OPCOORD_ADMIN_TOKEN": ADMIN_TOKEN,
    }
    with opcoord_server(env, tmp / "server.log") as base:
        site = Site(base, datetime.now(UTC).date())
        _seed(site)
        yield site
