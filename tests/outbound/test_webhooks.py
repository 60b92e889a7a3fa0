"""Webhooks through the API: registered, validated, signed, retried with backoff on the
app's clock, logged, and delivered exactly once by two instances sharing PostgreSQL."""

import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from litestar.testing import TestClient
from sinks import Receiver, receiver

from opcoord.app import create_app
from opcoord.clock import FrozenClock
from opcoord.config import Settings
from opcoord.outbound.models import Delivery

from conftest import ADMIN, Api, seizure

SECRET = "a-long-shared-secret-0123"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The tests turn the worker themselves (run_once), on the frozen clock.
    return settings.model_copy(update={"outbound_enabled": False})


def turn(client: TestClient[Any]) -> Any:
    return client.blocking_portal.call(client.app.state.outbound.run_once)


def hook(client: TestClient[Any], url: str, events: list[str], **extra: Any) -> dict[str, Any]:
    r = client.post(
        "/api/webhooks", json={"url": url, "events": events, "secret": SECRET, **extra},
        headers=ADMIN,
    )  # fmt: skip
    assert r.status_code == 201, r.text
    return dict(r.json())


def setup(api: Api) -> dict[str, str]:
    api.operation()
    api.participant("ES")
    return api.user("es-ncp", "ncp", "ES")


@pytest.fixture
def box() -> Iterator[Receiver]:
    with receiver(SECRET) as b:
        yield b


def test_each_event_is_posted_signed_once(client: TestClient[Any], api: Api, box: Receiver) -> None:
    made = hook(client, box.url, ["return_submitted", "seizure_recorded"])
    assert made["events"] == ["return_submitted", "seizure_recorded"]
    assert "secret" not in made
    es = setup(api)
    r = api.put_return("ES", "2026-06-09", {"seizures": [seizure("ES-1", 3)]}, es)
    assert r.status_code == 201, r.text
    done = turn(client)
    assert done.delivered == 2
    assert turn(client).delivered == 0  # nothing is sent twice
    assert [r.signed for r in box.requests] == [True, True]
    kinds = sorted(r.json["type"] for r in box.requests)
    assert kinds == ["return_submitted", "seizure_recorded"]
    submitted = next(r for r in box.requests if r.json["type"] == "return_submitted")
    assert submitted.json["operation"] == "PANDORA-X" and submitted.json["country"] == "ES"
    assert submitted.headers["x-opcoord-event"] == "return_submitted"
    assert len({r.delivery for r in box.requests}) == 2
    # participant_added was not asked for: not sent.
    assert all(r.json["type"] != "participant_added" for r in box.requests)


def test_star_gets_every_type(client: TestClient[Any], api: Api, box: Receiver) -> None:
    hook(client, box.url, ["*"])
    api.operation()
    api.participant("ES")
    api.participant("FR")
    turn(client)
    assert [r.json["type"] for r in box.requests] == ["participant_added", "participant_added"]
    assert sorted(r.json["participant"]["country"] for r in box.requests) == ["ES", "FR"]


def test_events_before_the_webhook_are_not_sent(
    client: TestClient[Any], api: Api, box: Receiver, clock: FrozenClock
) -> None:
    api.operation()
    api.participant("ES")
    clock.set(clock.now() + timedelta(seconds=1))
    hook(client, box.url, ["*"])
    api.participant("FR")
    turn(client)
    assert [r.json["participant"]["country"] for r in box.requests] == ["FR"]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def deliveries(client: TestClient[Any], hook_id: int) -> list[dict[str, Any]]:
    r = client.get(f"/api/webhooks/{hook_id}/deliveries", headers=ADMIN)
    assert r.status_code == 200, r.text
    return list(r.json())


def test_failures_are_retried_with_backoff_on_the_apps_clock(
    client: TestClient[Any], api: Api, clock: FrozenClock
) -> None:
    with receiver(SECRET, script=[500, 503]) as box:
        made = hook(client, box.url, ["participant_added"])
        api.operation()
        api.participant("ES")
        start = clock.now()
        assert turn(client).retrying == 1
        (d,) = deliveries(client, made["id"])
        assert d["status"] == "pending" and len(d["attempts"]) == 1
        assert d["attempts"][0]["status_code"] == 500
        # The first retry waits 10 s: not before.
        assert at(d["next_attempt_at"]) == start + timedelta(seconds=10)
        clock.set(start + timedelta(seconds=9))
        assert turn(client).retrying == 0 and len(box.requests) == 1
        clock.set(start + timedelta(seconds=10))
        assert turn(client).retrying == 1
        (d,) = deliveries(client, made["id"])
        # The second waits twice as long.
        assert at(d["next_attempt_at"]) == start + timedelta(seconds=30)
        clock.set(start + timedelta(seconds=30))
        assert turn(client).delivered == 1
        (d,) = deliveries(client, made["id"])
        assert d["status"] == "delivered"
        assert [a["status_code"] for a in d["attempts"]] == [500, 503, 200]
        assert [a["attempt"] for a in d["attempts"]] == [1, 2, 3]
        assert d["attempts"][0]["error"] == "HTTP 500"
        # The same delivery id on every attempt, a fresh attempt number each time.
        assert {r.delivery for r in box.requests} == {d["id"]}
        assert [r.headers["x-opcoord-attempt"] for r in box.requests] == ["1", "2", "3"]
        assert len(box.accepted()) == 1


def test_gives_up_after_the_maximum_attempts(
    settings: Settings, clock: FrozenClock, api: Api
) -> None:
    del api  # the client below has its own settings
    capped = settings.model_copy(update={"outbound_max_attempts": 3})
    with receiver(SECRET, script=[500] * 10) as box, TestClient(
        create_app(capped, clock=clock)
    ) as client:  # fmt: skip
        made = hook(client, box.url, ["*"])
        Api(client).operation()
        Api(client).participant("ES")
        for _ in range(5):
            turn(client)
            clock.set(clock.now() + timedelta(hours=2))
        (d,) = deliveries(client, made["id"])
        assert d["status"] == "failed" and len(d["attempts"]) == 3
        assert len(box.requests) == 3


def test_a_bad_secret_at_the_receiver_is_logged_as_refused(
    client: TestClient[Any], api: Api
) -> None:
    with receiver("not-the-same-secret-at-all") as box:
        made = hook(client, box.url, ["*"])
        api.operation()
        api.participant("ES")
        turn(client)
        (d,) = deliveries(client, made["id"])
        assert d["attempts"][0]["status_code"] == 401 and d["status"] == "pending"
        assert box.requests[0].signed is False


def test_deleting_stops_deliveries(client: TestClient[Any], api: Api, clock: FrozenClock) -> None:
    with receiver(SECRET, script=[500]) as box:
        made = hook(client, box.url, ["*"])
        api.operation()
        api.participant("ES")
        turn(client)
        assert len(box.requests) == 1
        r = client.delete(f"/api/webhooks/{made['id']}", headers=ADMIN)
        assert r.status_code == 204
        clock.set(clock.now() + timedelta(hours=1))
        api.participant("FR")
        turn(client)
        assert len(box.requests) == 1  # neither the retry nor the new event
        assert client.get("/api/webhooks", headers=ADMIN).json() == []
        r = client.delete(f"/api/webhooks/{made['id']}", headers=ADMIN)
        assert r.status_code == 404 and r.json()["errors"][0]["field"] == "id"


def test_list_never_shows_the_secret_and_writes_are_audited(
    client: TestClient[Any], box: Receiver
) -> None:
    made = hook(client, box.url, ["day_closed"])
    listed = client.get("/api/webhooks", headers=ADMIN).json()
    assert listed == [made]
    assert SECRET not in client.get("/api/webhooks", headers=ADMIN).text
    client.delete(f"/api/webhooks/{made['id']}", headers=ADMIN)
    audit = client.get("/api/audit", params={"action": "webhook"}, headers=ADMIN).json()
    assert [e["action"] for e in audit["entries"]] == ["webhook.delete", "webhook.create"]
    assert SECRET not in str(audit)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://example.org/x"}, "url"),
        ({"url": "https://"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"url": "http://user:pw@example.org/"}, "url"),
        ({"url": "http://example.org:99999/"}, "url"),
        ({"secret": "short"}, "secret"),
        ({"secret": " " * 20}, "secret"),
        ({"secret": "a-long-secret-with-a-nul-\x00"}, "secret"),
        ({"url": "https://hooks.example.org/a b"}, "url"),
        ({"events": []}, "events"),
        ({"events": ["*", "day_closed"]}, "events"),
        ({"events": ["no_such_event"]}, "events[0]"),
        ({"events": "day_closed"}, "events"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    client: TestClient[Any], body: dict[str, Any], field: str
) -> None:
    full = {"url": "https://hooks.example.org/x", "events": ["*"], "secret": SECRET, **body}
    r = client.post("/api/webhooks", json=full, headers=ADMIN)
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == [field]
    assert client.get("/api/webhooks", headers=ADMIN).json() == []


def test_private_targets_are_refused_when_not_allowed(
    settings: Settings, clock: FrozenClock
) -> None:
    strict = settings.model_copy(update={"webhook_allow_private": False})
    with TestClient(create_app(strict, clock=clock)) as client:
        for url in ("http://127.0.0.1:8080/", "http://localhost/", "http://10.1.2.3/",
                    "http://[::1]/", "http://169.254.169.254/latest"):  # fmt: skip
            body = {"url": url, "events": ["*"], "secret": SECRET}
            r = client.post("/api/webhooks", json=body, headers=ADMIN)
            assert r.status_code == 422, url
            assert r.json()["errors"][0]["field"] == "url"
            assert r.json()["errors"][0]["type"] == "url_private"
        body = {"url": "https://hooks.example.org/x", "events": ["*"], "secret": SECRET}
        assert client.post("/api/webhooks", json=body, headers=ADMIN).status_code == 201


def test_the_worker_runs_by_itself(settings: Settings, clock: FrozenClock, box: Receiver) -> None:
    live = settings.model_copy(update={"outbound_enabled": True, "outbound_poll_seconds": 0.2})
    with TestClient(create_app(live, clock=clock)) as client:
        hook(client, box.url, ["*"])
        Api(client).operation()
        Api(client).participant("ES")
        deadline = time.monotonic() + 30
        while not box.requests:
            assert time.monotonic() < deadline, "nothing was delivered"
            time.sleep(0.05)
        assert box.requests[0].signed and box.requests[0].json["operation"] == "PANDORA-X"


def _statuses(client: TestClient[Any]) -> list[str]:
    async def read() -> list[str]:
        async with client.app.state.db.read() as session:
            return list(await session.scalars(sa.select(Delivery.status)))

    return list(client.blocking_portal.call(read))


def test_two_instances_send_each_event_once(
    db_url: str, settings: Settings, clock: FrozenClock
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("two instances share PostgreSQL (SQLite runs one process)")
    live = settings.model_copy(update={"outbound_enabled": True, "outbound_poll_seconds": 0.05})
    with receiver(SECRET) as box, TestClient(create_app(live, clock=clock)) as one, TestClient(
        create_app(live, clock=clock)
    ) as two:  # fmt: skip
        hook(one, box.url, ["participant_added"])
        hook(two, box.url, ["participant_added"])
        countries = ["AT", "BE", "DE", "ES", "FR", "IT", "NL", "PL", "PT", "SE"]
        Api(one).operation()
        writers = [
            threading.Thread(target=Api(c).participant, args=(cc,))
            for i, cc in enumerate(countries)
            for c in [(one, two)[i % 2]]
        ]
        for w in writers:
            w.start()
        for w in writers:
            w.join()
        # Both workers, and the tests' own turns on both, race for the same rows.
        racers = [threading.Thread(target=turn, args=(c,)) for c in (one, two, one, two)]
        for r in racers:
            r.start()
        for r in racers:
            r.join()
        deadline = time.monotonic() + 30
        while _statuses(one).count("delivered") < 2 * len(countries):
            assert time.monotonic() < deadline, _statuses(one)
            time.sleep(0.05)
        assert len(box.requests) == 2 * len(countries)  # two webhooks, ten events
        assert len({r.delivery for r in box.requests}) == 2 * len(countries)
        got = sorted(r.json["participant"]["country"] for r in box.requests)
        assert got == sorted(countries * 2)
