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


def test_every_marked_message_is_in_the_catalogues() -> None:
    """A word added to a page or the code without a translation fails here, not in front
    of a French reader (scripts/update-catalogs.sh merges new ones in)."""
    from pathlib import Path

    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg
    from babel.messages.pofile import read_po

    from opcoord.i18n import LOCALE_DIR

    root = Path(__file__).resolve().parents[1]
    with (root / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = {"_": None, "N_": None, "ngettext": (1, 2)}
    marked = {
        msg if isinstance(msg, str) else msg[0]
        for _, _, msg, _, _ in extract_from_dir(
            str(root), method_map, options_map, keywords=keywords
        )
    }
    assert "Being collected" in marked  # the extraction sees the templates
    for lang in ("fr", "es", "ru"):
        with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
            catalog = read_po(f)
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
        assert sorted(marked - known) == [], lang
