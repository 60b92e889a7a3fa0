"""A page that cannot be shown answers with a page: in the reader's language, saying why
in words (never the API's English detail nor a JSON body), with the right status and a
way back. The API keeps answering in JSON."""

import re
from typing import Any

import pytest

from conftest import ADMIN, Api, seizure

FR = {"Accept-Language": "fr-FR,fr;q=0.9", "Accept": "text/html"}
RU = {"Accept-Language": "ru", "Accept": "text/html"}


@pytest.fixture
def people(api: Api) -> dict[str, dict[str, str]]:
    api.operation()
    api.participant("ES")
    es = api.user("es-ncp", "ncp", "ES")
    se = api.user("se-ncp", "ncp", "SE")  # a country that does not take part
    partner = api.user("unesco", "partner")
    api.put_return("ES", "2026-06-03", {"seizures": [seizure("ES-1", 3)]}, es)
    return {"ncp": es, "outsider": se, "partner": partner, "coordinator": ADMIN}


def page(api: Api, path: str, who: dict[str, str], lang: dict[str, str] = FR, **kw: Any) -> Any:
    r = api.client.get(path, headers={**who, **lang, **kw.pop("headers", {})}, **kw)
    assert r.headers["content-type"].startswith("text/html"), (path, r.text[:200])
    return r


def main(r: Any) -> str:
    found = re.search(r"<main.*?</main>", r.text, re.S)
    assert found, r.text[:300]
    return found.group(0)


def links(r: Any) -> list[str]:
    return re.findall(r'<a [^>]*href="([^"]+)"', main(r))


CASES = [
    # who, path, status, the reason in French
    ("ncp", "/operations/PANDORA-X/map", 403, "Cette page est réservée aux coordinateurs"),
    ("ncp", "/operations/PANDORA-X/setup", 403, "Cette page est réservée aux coordinateurs"),
    ("ncp", "/operations/new", 403, "Cette page est réservée aux coordinateurs"),
    ("ncp", "/reports/PANDORA-X", 403, "Le rapport consolidé est destiné aux coordinateurs"),
    ("partner", "/operations/PANDORA-X/dashboard", 403, "destinée aux coordinateurs et aux points"),
    ("partner", "/operations/PANDORA-X/map", 403, "Cette page est réservée aux coordinateurs"),
    ("partner", "/operations/PANDORA-X/returns", 403, "destinée aux coordinateurs et aux"),
    ("outsider", "/operations/PANDORA-X/dashboard", 403, "Votre pays ne participe pas"),
    ("ncp", "/operations/PANDORA-X/returns/IT/2026-06-03", 403,
     "ne voit que les rapports de son propre pays"),
    ("coordinator", "/operations/NOPE/dashboard", 404, "Aucune opération ne porte ce code."),
    ("coordinator", "/operations/PANDORA-X/map?country=ZZ", 422,
     "Une valeur de l'adresse n'est pas valide : Pays."),
    ("coordinator", "/operations/PANDORA-X/map?from=2026-13-01", 422,
     "Une valeur de l'adresse n'est pas valide : Du."),
    ("coordinator", "/operations/PANDORA-X/map?category=jewels", 422,
     "Une valeur de l'adresse n'est pas valide : Catégorie."),
    ("coordinator", "/operations/PANDORA-X/map/frame?country=ZZ", 422, "Pays"),
    ("coordinator", "/reports/PANDORA-X", 409, "Il n'y a pas encore de rapport"),
    ("coordinator", "/no/such/page", 404, "Il n'y a rien à cette adresse."),
]  # fmt: skip


@pytest.mark.parametrize(("who", "path", "status", "reason"), CASES)
def test_a_refused_page_is_a_page_in_the_readers_language(
    api: Api, people: dict[str, dict[str, str]], who: str, path: str, status: int, reason: str
) -> None:
    r = page(api, path, people[who])
    assert r.status_code == status
    assert '<html lang="fr">' in r.text
    body = main(r)
    assert reason.replace("'", "&#39;") in body, body
    assert f"Erreur {status}" in body
    assert "/" in links(r) and "Retour à l&#39;accueil" in body  # a way back, always
    # Nothing of the API's English reaches the reader.
    for english in ("only an operation coordinator", "is not an ISO", "no operation with",
                    "running figures", "Not Found", "Invalid RFC", '"status_code"'):  # fmt: skip
        assert english not in r.text


def test_a_filter_that_is_not_valid_offers_the_page_without_it(
    api: Api, people: dict[str, dict[str, str]]
) -> None:
    r = page(api, "/operations/PANDORA-X/map?country=ZZ&category=coins", ADMIN)
    assert links(r)[0] == "/operations/PANDORA-X/map"
    assert "Ouvrir la page sans ces filtres" in main(r)


def test_the_way_back_leads_to_the_page_the_reader_came_from(
    api: Api, people: dict[str, dict[str, str]]
) -> None:
    came_from = "http://testserver.local/operations/PANDORA-X/dashboard"
    r = page(api, "/operations/PANDORA-X/map", people["ncp"], headers={"Referer": came_from})
    assert links(r) == ["/operations/PANDORA-X/dashboard", "/"]
    assert "Retour à la page précédente" in main(r)
    elsewhere = page(api, "/operations/PANDORA-X/map", people["ncp"],
                     headers={"Referer": "https://evil.example/x"})  # fmt: skip
    assert links(elsewhere) == ["/"]  # never a link to another site


def test_russian_readers_read_russian(api: Api, people: dict[str, dict[str, str]]) -> None:
    r = page(api, "/operations/PANDORA-X/map", people["partner"], RU)
    assert r.status_code == 403
    assert "Эта страница для координаторов операции." in main(r)
    assert "Вернуться на главную" in main(r) or "/" in links(r)


def test_nobody_signed_in_is_sent_to_sign_in(api: Api, people: dict[str, dict[str, str]]) -> None:
    r = api.client.get("/operations/PANDORA-X/map", headers=FR, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/signin?next=")


def test_the_api_still_answers_in_json(api: Api, people: dict[str, dict[str, str]]) -> None:
    r = api.client.get("/api/operations/PANDORA-X/seizures.geojson?country=ZZ", headers=ADMIN)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "country"
    r = api.client.get("/api/operations/PANDORA-X/completeness", headers=people["ncp"])
    assert r.status_code == 403 and r.headers["content-type"].startswith("application/json")
