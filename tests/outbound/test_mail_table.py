"""The e-mail table's words, in each language, for the events other features record
(alerts, queried returns), and the SMTP URL as the setting gives it."""

from datetime import UTC, date, datetime

import pytest

from opcoord.i18n import Lang
from opcoord.operations.models import Operation
from opcoord.outbound.mail import MAILS, SmtpServer

OP = Operation(
    id=1,
    code="PANDORA-X",
    name="Operation Pandora X",
    lead="Guardia Civil",
    starts_on=date(2026, 6, 1),
    ends_on=date(2026, 6, 30),
    timezone="Europe/Madrid",
    daily_cutoff="10:00",
    created_at=datetime(2026, 6, 1, tzinfo=UTC),
)


@pytest.mark.parametrize(
    ("lang", "subject"),
    [
        ("en", "PANDORA-X: your return for 9 Jun 2026 was queried"),
        ("fr", "PANDORA-X : votre compte rendu du 9 juin 2026 fait l'objet d'une question"),
        ("es", "PANDORA-X: hay una consulta sobre su informe del 9 jun 2026"),
        ("ru", "PANDORA-X: по вашему отчёту за 9 июн. 2026\u202fг. есть вопрос"),
    ],
)
def test_a_query_reads_in_the_recipients_language(lang: str, subject: str) -> None:
    payload = {"country": "ES", "day": "2026-06-09", "version": 2, "comment": "42 coins?",
               "by": "admin"}  # fmt: skip
    mail = MAILS["return_queried"]
    assert mail.subject(Lang(lang), OP, payload) == subject
    text = mail.text(Lang(lang), OP, payload)
    assert "admin" in text and "42 coins?" in text and "2" in text


def test_an_alert_carries_its_title_and_text() -> None:
    payload = {"id": 3, "title": "Stolen icons", "body": "Watch Irun.", "priority": "high",
               "countries": ["ES", "FR"]}  # fmt: skip
    mail = MAILS["alert"]
    assert mail.subject(Lang("en"), OP, payload) == "PANDORA-X: alert: Stolen icons"
    assert mail.text(Lang("en"), OP, payload) == "Watch Irun."


def test_smtp_urls() -> None:
    plain = SmtpServer.parse("smtp://mail.example.org:2525")
    assert (plain.host, plain.port, plain.tls, plain.username) == (
        "mail.example.org", 2525, False, None)  # fmt: skip
    secure = SmtpServer.parse("smtps://desk%40unit:p%3Ass@mail.example.org")
    assert (secure.port, secure.tls, secure.username, secure.password) == (
        465, True, "desk@unit", "p:ss")  # fmt: skip
