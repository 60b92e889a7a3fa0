"""Pages speak the user's language: browser preference, then the switch on the page."""

from conftest import Api


def test_pages_speak_the_users_language(api: Api) -> None:
    api.client.cookies.clear()
    fr = api.client.get("/signin", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})
    assert '<html lang="fr">' in fr.text and "Se connecter" in fr.text
    api.client.post("/language", data={"lang": "es", "next": "/signin"})
    es = api.client.get("/signin", headers={"Accept-Language": "fr"})
    assert '<html lang="es">' in es.text and "Iniciar sesión" in es.text
    api.client.cookies.set("opcoord_lang", "ru")
    ru = api.client.get("/signin")
    assert "Войти" in ru.text


def test_catalogues_are_complete_and_keep_placeholders() -> None:
    import re

    from babel.messages.pofile import read_po

    from opcoord.i18n import LOCALE_DIR

    for lang in ("fr", "es", "ru"):
        with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
            catalog = read_po(f)
        for message in catalog:
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            assert all(strings), (lang, message.id)
            wanted = set(re.findall(r"%\(\w+\)s", ids[-1]))
            for text in strings:
                assert set(re.findall(r"%\(\w+\)s", text)) <= wanted | set(
                    re.findall(r"%\(\w+\)s", ids[0])
                ), (lang, message.id, text)


def test_numbers_and_dates_follow_the_locale() -> None:
    from datetime import date

    from opcoord.i18n import Lang

    assert Lang("fr").number(9408) == "9\u202f408"
    assert Lang("es").date(date(2026, 6, 1), "long") == "1 de junio de 2026"
    assert Lang("ru").gettext("Sign in") == "Войти"
