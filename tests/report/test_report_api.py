"""The report over HTTP: formats, file names, who reads which edition, publishing."""

import csv
import io
import subprocess
from typing import Any

import openpyxl
import pytest
from litestar.testing import TestClient

from opcoord.clock import FrozenClock
from opcoord.operations.operations import load
from opcoord.report import data as report_data
from opcoord.report import editions as closing

from conftest import ADMIN, Api, events, seizure, wait_ready

REF, TEXT, NOTE = "ES-GC-7731", "Visigothic brooch from the Ruiz hoard", "tip-off by informant K"
FILES = {
    "html": ("text/html; charset=utf-8", 'inline; filename="PANDORA-X-report-edition-1.html"'),
    "pdf": ("application/pdf", 'inline; filename="PANDORA-X-report-edition-1.pdf"'),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        'attachment; filename="PANDORA-X-report-edition-1.xlsx"',
    ),
    "csv": ("text/csv; charset=utf-8", 'attachment; filename="PANDORA-X-report-edition-1.csv"'),
}


def closed(api: Api, client: TestClient[Any]) -> dict[str, dict[str, str]]:
    api.operation()
    api.participant("ES")
    es = api.user("es-ncp", "ncp", "ES")
    partner = api.user("unesco", "partner")
    body = {
        "seizures": [seizure(REF, 91, description=TEXT, place_name="Toledo", lat=39.86,
                             lon=-4.02, estimated_value=1200, currency="EUR")],
        "notes": NOTE,
        "amendment_reason": "late",
    }  # fmt: skip
    assert api.put_return("ES", "2026-06-09", body, es).status_code == 201
    assert client.get("/api/operations/PANDORA-X/report", headers=ADMIN).status_code == 409
    assert client.post("/api/operations/PANDORA-X/close", headers=es).status_code == 403
    assert client.post("/api/operations/PANDORA-X/close", headers=ADMIN).status_code == 202
    wait_ready(client, "PANDORA-X")
    return {"es": es, "partner": partner}


def test_formats_content_types_and_file_names(
    client: TestClient[Any], api: Api, clock: FrozenClock
) -> None:
    closed(api, client)
    report = client.get("/api/operations/PANDORA-X/report", headers=ADMIN).json()
    for fmt, (ctype, disposition) in FILES.items():
        r = client.get(f"/api/operations/PANDORA-X/report.{fmt}", headers=ADMIN)
        assert r.status_code == 200, fmt
        assert (
            r.headers["content-type"] == ctype and r.headers["content-disposition"] == disposition
        )
    html = client.get("/api/operations/PANDORA-X/report.html", headers=ADMIN).text
    assert "leaflet" in html.lower() and 'src="http' not in html  # map inlined, offline
    with client.stream("GET", "/api/operations/PANDORA-X/report.csv", headers=ADMIN) as r:
        text = "".join(r.iter_text())
    assert text.splitlines()[0].startswith("country,day,ref,") and REF in text
    assert report["totals"]["objects_seized"] == 91
    (ready,) = events(client, "report_ready")
    assert ready["edition"] == 1 and ready["url"] == "/api/operations/PANDORA-X/report"


def test_partner_reads_only_the_published_partner_edition(
    client: TestClient[Any], api: Api, clock: FrozenClock
) -> None:
    who = closed(api, client)
    partner, es = who["partner"], who["es"]
    assert client.get("/api/operations/PANDORA-X/report", headers=es).status_code == 403
    for path in ("report", "report.pdf", "report.csv"):
        r = client.get(f"/api/operations/PANDORA-X/{path}", headers=partner)
        assert r.status_code == 403 and "published" in r.json()["detail"], path
    assert (
        client.post("/api/operations/PANDORA-X/report/publish", headers=partner).status_code == 403
    )
    r = client.post("/api/operations/PANDORA-X/report/publish", headers=ADMIN)
    assert r.status_code == 200 and r.json()["published_at"]
    outputs = {}
    for fmt in ("html", "csv", "xlsx", "pdf"):
        r = client.get(f"/api/operations/PANDORA-X/report.{fmt}?edition=full", headers=partner)
        assert r.status_code == 200
        assert r.headers["content-disposition"].endswith(f'edition-1-partner.{fmt}"')
        outputs[fmt] = r.content
    outputs["pdf"] = subprocess.run(
        ["pdftotext", "-", "-"], input=outputs["pdf"], capture_output=True, check=True
    ).stdout
    body = client.get("/api/operations/PANDORA-X/report", headers=partner)
    outputs["json"] = body.content
    assert body.json()["audience"] == "partner" and body.json()["totals"]["objects_seized"] == 91
    for fmt, data in outputs.items():
        if fmt == "xlsx":
            import io
            import zipfile

            with zipfile.ZipFile(io.BytesIO(data)) as z:
                data = b"".join(z.read(n) for n in z.namelist())
        # No free text of a return reaches a partner: not the case reference, the
        # description, the notes, nor the place name (which can name a person).
        for secret in (REF, "Visigothic", "informant", "Toledo"):
            assert secret.encode() not in data, (fmt, secret)
    full = client.get("/api/operations/PANDORA-X/report", headers=ADMIN).json()
    assert full["highlights"][0]["ref"] == REF and full["highlights"][0]["description"] == TEXT
    preview = client.get("/api/operations/PANDORA-X/report?edition=partner", headers=ADMIN).json()
    assert preview["highlights"][0]["ref"] is None


def test_partner_edition_names_no_one_and_hides_private_addresses(
    client: TestClient[Any], api: Api, clock: FrozenClock
) -> None:
    """A private address and its exact coordinates stay in the full edition; partners get
    the country's centre instead, in every format (one redaction policy)."""
    api.operation()
    api.participant("ES")
    home = "Calle Mayor 5, suspect J. Garcia"
    body = {
        "seizures": [
            seizure("ES-H1", 40, place_type="private_premises", place_name=home,
                    lat=40.41536, lon=-3.70739, description="found under the floor"),
            seizure("ES-A1", 7, place_type="airport", place_name="Madrid-Barajas",
                    lat=40.47219, lon=-3.56095),
        ]
    }  # fmt: skip
    assert api.put_return("ES", "2026-06-09", body, ADMIN).status_code == 201
    assert client.post("/api/operations/PANDORA-X/close", headers=ADMIN).status_code == 202
    wait_ready(client, "PANDORA-X")
    assert client.post("/api/operations/PANDORA-X/report/publish", headers=ADMIN).status_code == 200
    partner = api.user("unesco", "partner")
    full_csv = client.get("/api/operations/PANDORA-X/report.csv", headers=ADMIN).text
    assert home in full_csv and "40.41536" in full_csv  # coordinators see everything
    for fmt in ("json", "csv", "html", "xlsx"):
        path = "/api/operations/PANDORA-X/report" + ("" if fmt == "json" else f".{fmt}")
        r = client.get(path, headers=partner)
        assert r.status_code == 200, fmt
        data = r.content
        if fmt == "xlsx":
            import io
            import zipfile

            with zipfile.ZipFile(io.BytesIO(data)) as z:
                data = b"".join(z.read(n) for n in z.namelist())
        for secret in (b"Calle Mayor", b"Garcia", b"40.41536", b"-3.70739", b"under the floor"):
            assert secret not in data, (fmt, secret)
    highlights = client.get("/api/operations/PANDORA-X/report", headers=partner).json()
    assert all(h["place_name"] is None for h in highlights["highlights"])
    rows = list(csv.DictReader(io.StringIO(client.get(
        "/api/operations/PANDORA-X/report.csv", headers=partner).text)))  # fmt: skip
    by_qty = {int(r["quantity"]): r for r in rows}
    home_at = (round(float(by_qty[40]["lat"])), round(float(by_qty[40]["lon"])))
    assert home_at == (40, -4)  # moved to Spain's centre
    assert (by_qty[7]["lat"], by_qty[7]["lon"]) == ("40.47", "-3.56")  # an airport: ~1 km


@pytest.mark.parametrize("role", ["ncp", "partner"])
def test_only_coordinators_close_and_issue_editions(
    client: TestClient[Any], api: Api, role: str
) -> None:
    api.operation()
    headers = api.user("someone", role, "ES" if role == "ncp" else None)
    assert client.post("/api/operations/PANDORA-X/close", headers=headers).status_code == 403
    r = client.post(
        "/api/operations/PANDORA-X/report/editions", json={"changes": "x"}, headers=headers
    )
    assert r.status_code == 403
    assert client.post("/api/operations/NOPE/close", headers=ADMIN).status_code == 404
    r = client.post("/api/operations/PANDORA-X/report/editions", json={"changes": "x"},
                    headers=ADMIN)  # fmt: skip
    assert r.status_code == 409  # still open: nothing to re-issue


def test_report_files_in_the_readers_language(
    client: TestClient[Any], api: Api, clock: FrozenClock
) -> None:
    closed(api, client)
    base = "/api/operations/PANDORA-X/report"
    english = client.get(f"{base}.html", headers=ADMIN)
    assert english.status_code == 200 and '<html lang="en">' in english.text
    assert "Headline figures" in english.text and english.headers["content-language"] == "en"

    by_query = client.get(f"{base}.html?lang=fr", headers=ADMIN)
    assert by_query.status_code == 200 and '<html lang="fr">' in by_query.text
    assert "Chiffres clés" in by_query.text and "Headline figures" not in by_query.text
    assert by_query.headers["content-language"] == "fr"
    assert by_query.headers["content-disposition"].endswith('edition-1-fr.html"')

    client.cookies.set("opcoord_lang", "fr")
    by_cookie = client.get(f"{base}.html", headers=ADMIN)
    client.cookies.delete("opcoord_lang")
    assert by_cookie.content == by_query.content  # the stored French file, reused
    by_header = client.get(f"{base}.html", headers={**ADMIN, "Accept-Language": "fr-CH, en"})
    assert by_header.content == by_query.content
    assert client.get(f"{base}.html", headers=ADMIN).content == english.content
    assert client.get(f"{base}.html?lang=xx", headers=ADMIN).status_code == 422

    # The JSON and the CSV have no language: the same bytes whoever asks.
    for path in ("", ".csv"):
        fr = client.get(f"{base}{path}?lang=fr", headers=ADMIN).content
        assert fr == client.get(f"{base}{path}", headers=ADMIN).content, path

    r = client.get(f"{base}.pdf?lang=fr", headers=ADMIN)
    assert r.status_code == 200 and r.headers["content-disposition"].endswith('-fr.pdf"')


def test_stored_artefacts_are_reused_per_language(
    client: TestClient[Any], api: Api, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed(api, client)
    rendered: list[tuple[tuple[str, ...], str]] = []
    real = closing.draw

    async def counting(seizures: Any, report: Any, audience: str, formats: Any,
                       lang: str) -> dict[str, bytes]:  # fmt: skip
        rendered.append((formats, lang))
        return await real(seizures, report, audience, formats, lang)

    monkeypatch.setattr(closing, "draw", counting)
    base = "/api/operations/PANDORA-X/report"
    for _ in range(2):
        for query, cookies in (("", {}), ("?lang=fr", {}), ("", {"opcoord_lang": "es"})):
            for fmt in ("html", "xlsx", "csv"):
                client.cookies.clear()
                client.cookies.update(cookies)
                r = client.get(f"{base}.{fmt}{query}", headers=ADMIN)
                assert r.status_code == 200, (fmt, query, cookies)
    client.cookies.clear()
    # English was stored when the edition was built; French and Spanish once each on
    # first request; the CSV is one file for every language.
    assert sorted(rendered) == [(("html",), "es"), (("html",), "fr"), (("xlsx",), "es"),
                                (("xlsx",), "fr")]  # fmt: skip


def test_the_reports_map_speaks_the_reports_language(client: TestClient[Any], api: Api) -> None:
    closed(api, client)
    french = client.get("/api/operations/PANDORA-X/report.html?lang=fr", headers=ADMIN).text
    for words in ("Couches", "Saisies · PANDORA-X", "Objets saisis, par pays déclarant"):
        assert words in french, words
    # the map's key sits beside the map, never over it (the layer control used to cover it)
    assert "opcoord-panel" in french and "L.control.layers" not in french
    english = client.get("/api/operations/PANDORA-X/report.html", headers=ADMIN).text
    assert "Seizures · PANDORA-X" in english and "Couches" not in english
    assert '<link rel="icon" type="image/svg+xml" href="data:image/svg+xml,' in english


def test_the_rendering_process_reads_the_seizures_itself(
    client: TestClient[Any], api: Api, monkeypatch: Any
) -> None:
    """The server sends the rendering process the database's address, not the rows: a
    closing's seizures are never all held by the server, yet every file lists them, and
    a file rendered later (another language) too."""

    def not_here(*_: Any) -> None:
        raise AssertionError("the server read every seizure of the operation")

    monkeypatch.setattr(report_data, "seizure_tuples", not_here)
    monkeypatch.setattr(report_data, "seizure_tuples_of", not_here)
    closed(api, client)
    for path in ("report.csv", "report.csv?lang=fr", "report.html?lang=es"):
        r = client.get(f"/api/operations/PANDORA-X/{path}", headers=ADMIN)
        assert r.status_code == 200, (path, r.text)
        assert REF in r.text and "Toledo" in r.text, path
    xlsx = client.get("/api/operations/PANDORA-X/report.xlsx?lang=fr", headers=ADMIN)
    assert xlsx.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True)
    cells = {
        str(v)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for v in row
    }
    assert REF in cells and TEXT in cells


def test_the_rows_the_driver_reads_are_the_rows_sqlalchemy_reads(
    client: TestClient[Any], api: Api
) -> None:
    """On PostgreSQL the rendering process reads the seizures through asyncpg itself
    (``seizure_tuples_direct``): the same values, of the same types, in the same order,
    as the same statement run through SQLAlchemy."""
    db = client.app.state.db
    if db.engine.dialect.driver != "asyncpg":
        pytest.skip("the driver's own read is PostgreSQL's")
    api.operation()
    api.participant("ES")
    es = api.user("es-ncp", "ncp", "ES")
    first = {"seizures": [seizure(REF, 91, description=TEXT, place_name="Toledo", lat=39.86,
                                  lon=-4.02, estimated_value=1200.5, currency="EUR")]}  # fmt: skip
    second = {"seizures": [seizure("ES-2", 3), seizure("ES-3", 4, online=True, lat=None)]}
    assert api.put_return("ES", "2026-06-09", first, es).status_code == 201
    assert api.put_return("ES", "2026-06-08", second, es).status_code == 201

    async def both() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        async with db.read() as session:
            op = await load(session, "PANDORA-X")
            assert op.id is not None
            through_sqlalchemy = await report_data.seizure_tuples_of(session, op.id)
        async with db.engine.connect() as conn:
            return through_sqlalchemy, await report_data.seizure_tuples_direct(conn, op.id)

    through_sqlalchemy, direct = client.blocking_portal.call(both)
    assert len(direct) == 3 and direct == through_sqlalchemy
    assert [[type(v) for v in row] for row in direct] == [
        [type(v) for v in row] for row in through_sqlalchemy
    ]
    assert [row[2] for row in direct] == ["ES-2", "ES-3", REF]  # by day, country, ref
