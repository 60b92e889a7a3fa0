"""The reports portal: partners read only published reports, in the partner edition."""

import time

from conftest import ADMIN, Api, seizure

PASSWORD = "a long enough password"


def sign_in_as(api: Api, username: str) -> None:
    api.client.cookies.clear()
    api.client.put(f"/api/users/{username}/password", json={"password": PASSWORD}, headers=ADMIN)
    r = api.client.post(
        "/signin", data={"username": username, "password": PASSWORD}, follow_redirects=False
    )
    assert r.status_code == 303


def wait_ready(api: Api) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = api.client.get("/api/operations/PANDORA-X/report/status", headers=ADMIN).json()
        if status["editions"] and status["editions"][-1]["status"] == "ready":
            return
        time.sleep(0.2)
    raise AssertionError(f"report not ready: {status}")


def test_partner_reads_the_published_partner_edition(api: Api) -> None:
    api.operation()
    api.participant("ES")
    es = api.user("es", "ncp", "ES")
    api.user("unesco", "partner")
    api.put_return(
        "ES",
        "2026-06-09",
        {"seizures": [seizure("ES-SECRET-REF", 40, description="Case of suspect Juan Nadie")]},
        es,
    )
    assert api.client.post("/api/operations/PANDORA-X/close", headers=ADMIN).status_code == 202
    wait_ready(api)

    sign_in_as(api, "unesco")
    listing = api.client.get("/reports")
    assert listing.status_code == 200 and "PANDORA-X" not in listing.text  # not published yet
    assert api.client.get("/operations/PANDORA-X/report").status_code in (403, 404)

    assert (
        api.client.post("/api/operations/PANDORA-X/report/publish", headers=ADMIN).status_code
        == 200
    )
    listing = api.client.get("/reports")
    assert "Operation Pandora X" in listing.text
    page = api.client.get("/operations/PANDORA-X/report")
    assert page.status_code == 200
    assert 'src="/api/operations/PANDORA-X/report.html"' in page.text
    html = api.client.get("/api/operations/PANDORA-X/report.html")
    assert html.status_code == 200 and "40" in html.text
    assert "ES-SECRET-REF" not in html.text and "Juan Nadie" not in html.text
    pdf = api.client.get("/api/operations/PANDORA-X/report.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_coordinator_sees_editions_and_the_partner_preview(api: Api) -> None:
    api.operation()
    api.participant("ES")
    api.user("olga", "coordinator")
    api.client.post("/api/operations/PANDORA-X/close", headers=ADMIN)
    wait_ready(api)
    sign_in_as(api, "olga")
    page = api.client.get("/operations/PANDORA-X/report")
    assert page.status_code == 200 and "Publish the partner edition" in page.text
    preview = api.client.get("/operations/PANDORA-X/report?edition=partner")
    assert 'src="/api/operations/PANDORA-X/report.html?edition=partner"' in preview.text
    api.user("es-ncp", "ncp", "ES")
    sign_in_as(api, "es-ncp")
    assert api.client.get("/reports").status_code == 403
