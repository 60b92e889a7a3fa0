"""E-mail through OPCOORD_SMTP_URL, to an SMTP sink the test starts on 127.0.0.1:
reminders only to contact points whose day the ledger still has due, report ready to
coordinators; accounts' addresses set and checked through the API."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from sinks import Mailbox, smtp_sink, text_of

from opcoord.app import create_app
from opcoord.clock import FrozenClock
from opcoord.config import Settings
from opcoord.operations.scheduled import Context, run_due_jobs

from conftest import ADMIN, Api, bearer, wait_ready


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_sink() as box:
        yield box


@pytest.fixture
def client(settings: Settings, clock: FrozenClock, mailbox: Mailbox) -> Iterator[TestClient[Any]]:
    mailing = settings.model_copy(update={"outbound_enabled": False, "smtp_url": mailbox.url,
                                          "smtp_from": "opcoord@unit.test"})  # fmt: skip
    with TestClient(create_app(mailing, clock=clock)) as c:
        yield c


def turn(client: TestClient[Any]) -> Any:
    return client.blocking_portal.call(client.app.state.outbound.run_once)


def account(client: TestClient[Any], name: str, role: str, country: str | None = None,
            email: str | None = None) -> dict[str, str]:  # fmt: skip
    body = {"username": name, "role": role, "country": country, "email": email}
    r = client.post("/api/users", json={k: v for k, v in body.items() if v}, headers=ADMIN)
    assert r.status_code == 201, r.text
    return bearer(r.json()["token"])


def test_reminder_goes_only_to_contact_points_still_due(
    client: TestClient[Any], api: Api, clock: FrozenClock, mailbox: Mailbox
) -> None:
    api.operation()
    ncps = {}
    for cc in ("ES", "FR", "IT", "PT"):
        api.participant(cc)
        ncps[cc] = account(client, f"{cc.lower()}-ncp", "ncp", cc, f"ncp@{cc.lower()}.test")
    account(client, "pt-deputy", "ncp", "PT")  # no address: nothing to send
    account(client, "boss", "coordinator", email="boss@unit.test")
    # ES reports the 10th before the reminder; FR after it, before the mail goes out.
    assert api.put_return("ES", "2026-06-10", {"nil_return": True}, ncps["ES"]).status_code == 201
    reminder_at = datetime(2026, 6, 11, 7, tzinfo=UTC)  # the 10th is due at 10:00 in Madrid
    clock.set(reminder_at)
    ctx = Context.of(client.app.state)
    ran = client.blocking_portal.call(run_due_jobs, ctx, reminder_at)
    assert "PANDORA-X:reminder:2026-06-10" in ran
    clock.set(reminder_at + timedelta(minutes=5))
    assert api.put_return("FR", "2026-06-10", {"nil_return": True}, ncps["FR"]).status_code == 201
    turn(client)
    assert sorted(m["To"] for m in mailbox.messages) == ["ncp@it.test", "ncp@pt.test"]
    (it,) = mailbox.to("ncp@it.test")
    assert it["From"] == "opcoord@unit.test"
    assert it["Subject"] == "PANDORA-X: your return for 10 Jun 2026 is due"
    text = text_of(it)
    assert "has not been received yet" in text and "11 Jun 2026, 10:00:00" in text
    assert it["X-Opcoord-Delivery"] and it["Message-ID"].startswith("<")
    # Another turn sends nothing again.
    turn(client)
    assert len(mailbox.messages) == 2


def test_an_alert_goes_to_the_contact_points_it_names_only(
    client: TestClient[Any], api: Api, mailbox: Mailbox
) -> None:
    api.operation()
    for cc in ("ES", "FR", "PT"):
        api.participant(cc)
        account(client, f"{cc.lower()}-ncp", "ncp", cc, f"ncp@{cc.lower()}.test")
    account(client, "boss", "coordinator", email="boss@unit.test")
    alert = {
        "title": "Roman aurei via Algeciras",
        "body": "Check vans from Tangier.",
        "countries": ["ES", "PT"],
        "priority": "urgent",
    }
    r = client.post("/api/operations/PANDORA-X/alerts", json=alert, headers=ADMIN)
    assert r.status_code == 201, r.text
    turn(client)
    assert sorted(m["To"] for m in mailbox.messages) == ["ncp@es.test", "ncp@pt.test"]
    (es,) = mailbox.to("ncp@es.test")
    assert es["Subject"] == "PANDORA-X: alert: Roman aurei via Algeciras"
    assert "Check vans from Tangier." in text_of(es)
    # An alert to every country reaches France too; acknowledging sends nothing.
    everyone = {**alert, "title": "Icons on the move", "countries": []}
    r = client.post("/api/operations/PANDORA-X/alerts", json=everyone, headers=ADMIN)
    assert r.status_code == 201, r.text
    turn(client)
    icons = sorted(m["To"] for m in mailbox.messages if "Icons" in m["Subject"])
    assert icons == ["ncp@es.test", "ncp@fr.test", "ncp@pt.test"]


def test_a_query_goes_to_the_contact_point_of_the_queried_return(
    client: TestClient[Any], api: Api, mailbox: Mailbox
) -> None:
    api.operation()
    ncps = {}
    for cc in ("ES", "FR"):
        api.participant(cc)
        ncps[cc] = account(client, f"{cc.lower()}-ncp", "ncp", cc, f"ncp@{cc.lower()}.test")
    body = {"counters": {"arrests": 2}}
    assert api.put_return("ES", "2026-06-08", body, ncps["ES"]).status_code == 201
    assert api.put_return("FR", "2026-06-08", body, ncps["FR"]).status_code == 201
    review = {"status": "query", "comment": "Two arrests but no seizure?", "version": 1}
    r = client.post(
        "/api/operations/PANDORA-X/returns/ES/2026-06-08/review", json=review, headers=ADMIN
    )
    assert r.status_code == 200, r.text
    approve = {"status": "approved"}
    r = client.post(
        "/api/operations/PANDORA-X/returns/FR/2026-06-08/review", json=approve, headers=ADMIN
    )
    assert r.status_code == 200, r.text
    turn(client)
    (mail,) = mailbox.messages  # an approval sends nothing
    assert mail["To"] == "ncp@es.test"
    assert mail["Subject"] == "PANDORA-X: your return for 8 Jun 2026 was queried"
    assert "Two arrests but no seizure?" in text_of(mail) and "version 1" in text_of(mail)


def test_report_ready_goes_to_coordinators(
    client: TestClient[Any], api: Api, mailbox: Mailbox
) -> None:
    api.operation()
    api.participant("ES")
    account(client, "boss", "coordinator", email="boss@unit.test")
    account(client, "es-ncp", "ncp", "ES", "ncp@es.test")
    account(client, "europol", "partner", email="desk@europol.test")
    assert client.post("/api/operations/PANDORA-X/close", headers=ADMIN).status_code == 202
    wait_ready(client, "PANDORA-X")
    turn(client)
    assert [m["To"] for m in mailbox.messages] == ["boss@unit.test"]
    (ready,) = mailbox.messages
    assert ready["Subject"] == "PANDORA-X: report edition 1 is ready"
    assert "/api/operations/PANDORA-X/report" in text_of(ready)


def test_no_mail_without_an_smtp_server(
    settings: Settings, clock: FrozenClock, mailbox: Mailbox
) -> None:
    quiet = settings.model_copy(update={"outbound_enabled": False})
    with TestClient(create_app(quiet, clock=clock)) as client:
        api = Api(client)
        api.operation()
        api.participant("ES")
        account(client, "boss", "coordinator", email="boss@unit.test")
        client.post("/api/operations/PANDORA-X/close", headers=ADMIN)
        wait_ready(client, "PANDORA-X")
        assert turn(client).made == 0
    assert mailbox.messages == []


def test_an_accounts_address_is_set_shown_and_checked(client: TestClient[Any]) -> None:
    account(client, "es-ncp", "ncp", "ES", "first@es.test")
    r = client.patch("/api/users/es-ncp", json={"email": "second@es.test"}, headers=ADMIN)
    assert r.status_code == 200 and r.json()["email"] == "second@es.test"
    users = {u["username"]: u for u in client.get("/api/users", headers=ADMIN).json()}
    assert users["es-ncp"]["email"] == "second@es.test"
    for bad in ("not-an-address", "a@b", "two@@es.test", "x" * 250 + "@es.test"):
        r = client.patch("/api/users/es-ncp", json={"email": bad}, headers=ADMIN)
        assert r.status_code == 422, bad
        assert [e["field"] for e in r.json()["errors"]] == ["email"]
        body = {"username": "other", "role": "partner", "email": bad}
        r = client.post("/api/users", json=body, headers=ADMIN)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "email"
    r = client.patch("/api/users/es-ncp", json={"email": None}, headers=ADMIN)
    assert r.status_code == 200 and r.json()["email"] is None
    for nothing in ({}, {"disabled": None}):
        r = client.patch("/api/users/es-ncp", json=nothing, headers=ADMIN)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body"
    audit = client.get("/api/audit", params={"action": "user.email"}, headers=ADMIN).json()
    assert len(audit["entries"]) == 2


def test_a_refused_mail_is_retried(
    client: TestClient[Any], api: Api, clock: FrozenClock, mailbox: Mailbox
) -> None:
    api.operation()
    api.participant("ES")
    account(client, "boss", "coordinator", email="boss@unit.test")
    # The server is away for the first attempt.
    client.app.state.outbound.smtp = type(client.app.state.outbound.smtp)(
        "127.0.0.1", 1, False, None, None
    )
    client.post("/api/operations/PANDORA-X/close", headers=ADMIN)
    wait_ready(client, "PANDORA-X")
    assert turn(client).retrying == 1
    client.app.state.outbound.smtp = type(client.app.state.outbound.smtp).parse(mailbox.url)
    clock.set(clock.now() + timedelta(seconds=10))
    assert turn(client).delivered == 1
    assert [m["To"] for m in mailbox.messages] == ["boss@unit.test"]
