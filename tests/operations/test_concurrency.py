"""Concurrent submissions: no lost version number, never two current versions.

Requests go through httpx's ASGI transport on the test's own event loop, so they really
run at once (Litestar's AsyncTestClient hands each request to a portal thread and waits
for it: one request at a time).
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from opcoord.app import create_app
from opcoord.clock import FrozenClock
from opcoord.config import Settings

from conftest import ADMIN, OPERATION, bearer, seizure

URL = "/api/operations/PANDORA-X/returns/ES/2026-06-10"
Client = httpx.AsyncClient


@asynccontextmanager
async def concurrent_client(settings: Settings, clock: FrozenClock) -> AsyncIterator[Client]:
    app = create_app(settings, clock=clock)
    async with app.lifespan():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


async def _join(client: Client, country: str) -> dict[str, str]:
    """``country`` takes part in the operation; its contact point's headers."""
    r = await client.post(
        "/api/operations/PANDORA-X/participants",
        json={"country": country, "agencies": ["customs"]},
        headers=ADMIN,
    )
    assert r.status_code == 201
    r = await client.post(
        "/api/users",
        json={"username": country.lower(), "role": "ncp", "country": country},
        headers=ADMIN,
    )
    return bearer(r.json()["token"])


async def _setup(client: Client) -> dict[str, str]:
    assert (await client.post("/api/operations", json=OPERATION, headers=ADMIN)).status_code == 201
    return await _join(client, "ES")


async def test_concurrent_puts_for_one_day(settings: Settings, clock: FrozenClock) -> None:
    async with concurrent_client(settings, clock) as client:
        es = await _setup(client)
        n = 24
        bodies = [{"counters": {"persons_checked": i}} for i in range(n)]
        responses = await asyncio.gather(*(client.put(URL, json=b, headers=es) for b in bodies))
        assert sorted(r.status_code for r in responses).count(201) == 1
        assert all(r.status_code in (200, 201) for r in responses), [r.text for r in responses]
        versions = sorted(r.json()["version"] for r in responses)
        assert versions == list(range(1, n + 1))  # every write got its own number, none lost
        history = (await client.get(URL + "/versions", headers=es)).json()
        assert [v["version"] for v in history] == list(range(1, n + 1))
        current = (await client.get(URL, headers=es)).json()
        assert current["version"] == n
        winner = next(r for r in responses if r.json()["version"] == n)
        summary = (await client.get("/api/operations/PANDORA-X/summary", headers=ADMIN)).json()
        assert summary["totals"]["persons_checked"] == winner.json()["counters"]["persons_checked"]
        assert summary["totals"]["returns"] == 1


async def test_concurrent_if_match_lets_exactly_one_win(
    settings: Settings, clock: FrozenClock
) -> None:
    async with concurrent_client(settings, clock) as client:
        es = await _setup(client)
        await client.put(URL, json={}, headers=es)
        responses = await asyncio.gather(
            *(
                client.put(
                    URL, json={"counters": {"arrests": i + 1}}, headers={**es, "If-Match": '"1"'}
                )
                for i in range(10)
            )
        )
        codes = sorted(r.status_code for r in responses)
        assert codes == [200] + [412] * 9


async def test_same_reference_on_two_days_at_once(settings: Settings, clock: FrozenClock) -> None:
    async with concurrent_client(settings, clock) as client:
        es = await _setup(client)
        seizure = {"ref": "ES-1", "category": "coins", "quantity": 5, "place_type": "airport"}
        days = ["2026-06-07", "2026-06-08", "2026-06-09"]
        responses = await asyncio.gather(
            *(
                client.put(
                    f"/api/operations/PANDORA-X/returns/ES/{d}",
                    json={"seizures": [seizure], "amendment_reason": None},
                    headers=es,
                )
                for d in days
            )
        )
        assert sorted(r.status_code for r in responses) == [201, 422, 422]
        summary = (await client.get("/api/operations/PANDORA-X/summary", headers=ADMIN)).json()
        assert summary["totals"]["objects_seized"] == 5


async def _two_countries(client: Client) -> tuple[dict[str, str], dict[str, str]]:
    es = await _setup(client)
    return es, await _join(client, "FR")


async def test_countries_write_side_by_side_and_a_close_waits_for_them(
    settings: Settings, clock: FrozenClock
) -> None:
    """What the locks of a PUT are (PostgreSQL): another transaction holding France's
    row, as France's own write in progress does, holds up France's next write and not
    Spain's; one holding the operation's row as closing does holds up both."""
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("row locks are PostgreSQL's; SQLite has one writer at a time")
    dsn = make_url(settings.database_url).set(drivername="postgresql")
    holder = await asyncpg.connect(dsn.render_as_string(hide_password=False))
    try:
        async with concurrent_client(settings, clock) as client:
            es, fr = await _two_countries(client)
            day = "/api/operations/PANDORA-X/returns/{}/2026-06-10"
            locked = holder.transaction()
            await locked.start()
            await holder.execute("SELECT 1 FROM participants WHERE country = 'FR' FOR UPDATE")
            france = asyncio.ensure_future(client.put(day.format("FR"), json={}, headers=fr))
            spain = await asyncio.wait_for(
                client.put(day.format("ES"), json={}, headers=es), timeout=15
            )
            assert spain.status_code == 201  # Spain did not wait for France
            await asyncio.sleep(0.3)
            assert not france.done()  # France's second writer waits for its first
            await locked.rollback()
            assert (await asyncio.wait_for(france, timeout=15)).status_code == 201

            closing = holder.transaction()
            await closing.start()
            await holder.execute("SELECT 1 FROM operations WHERE code = 'PANDORA-X' FOR UPDATE")
            again = asyncio.ensure_future(
                client.put(day.format("ES"), json={"counters": {"arrests": 1}}, headers=es)
            )
            await asyncio.sleep(0.3)
            assert not again.done()  # a write waits while the operation changes
            await closing.rollback()
            assert (await asyncio.wait_for(again, timeout=15)).status_code == 200
            summary = await client.get("/api/operations/PANDORA-X/summary", headers=ADMIN)
            assert summary.json()["totals"]["returns"] == 2
            assert summary.json()["totals"]["arrests"] == 1
    finally:
        await holder.close()


async def test_countries_writing_at_once_keep_their_chains_and_one_numbering(
    settings: Settings, clock: FrozenClock
) -> None:
    """Eight countries' returns of two days sent all at once: each PUT acknowledged has
    its audit entry, in its country's own chain, and its event. Every chain verifies and
    is numbered from 1 with no gap; the operation's events are numbered from 1 with no
    gap and no number twice, in the order of their writes' commits (PostgreSQL numbers
    them as each write commits)."""
    from opcoord.audit.log import country_stream
    from opcoord.audit.models import AuditEntry
    from opcoord.cli import verify_everything
    from opcoord.operations.models import Participant
    from opcoord.outbox.models import LiveEvent

    countries = ("ES", "FR", "IT", "PT", "DE", "NL", "BE", "AT")
    days = ("09", "10")
    async with concurrent_client(settings, clock) as client:
        assert (await client.post("/api/operations", json=OPERATION, headers=ADMIN)).is_success
        tokens = {c: await _join(client, c) for c in countries}
        answers = await asyncio.gather(
            *(
                client.put(
                    f"/api/operations/PANDORA-X/returns/{c}/2026-06-{day}",
                    json={"seizures": [seizure(f"{c}-{day}-{i}", i + 1) for i in range(3)]},
                    headers=tokens[c],
                )
                for c in countries
                for day in days
            )
        )
        assert [a.status_code for a in answers] == [201] * 16
        summary = await client.get("/api/operations/PANDORA-X/summary", headers=ADMIN)
        assert summary.json()["totals"]["returns"] == 16
        assert summary.json()["totals"]["seizures"] == 48

        db = client._transport.app.state.db  # type: ignore[attr-defined]
        problem, checked = await verify_everything(db)
        assert problem is None and checked >= 16
        async with db.read() as session:
            chain_of = {
                country_stream(p.id): p.country
                for p in (await session.scalars(sa.select(Participant))).all()
            }
            entries = (
                await session.execute(
                    sa.select(AuditEntry.stream_id, AuditEntry.seq, AuditEntry.object)
                    .where(AuditEntry.action == "return.submit")
                    .order_by(AuditEntry.stream_id, AuditEntry.seq)
                )
            ).all()
            logged = (
                await session.execute(
                    sa.select(LiveEvent.seq, LiveEvent.type, LiveEvent.country).order_by(
                        LiveEvent.seq
                    )
                )
            ).all()
    chains: dict[str, list[tuple[int, str]]] = {}
    for e in entries:
        chains.setdefault(chain_of[e.stream_id], []).append((e.seq, e.object))
    assert sorted(chains) == sorted(countries)
    for c, chain in chains.items():
        assert [seq for seq, _ in chain] == [1, 2]
        assert sorted(o for _, o in chain) == [f"{c} 2026-06-{d} version 1" for d in days]
    assert [e.seq for e in logged] == list(range(1, len(logged) + 1))
    returned = [e.country for e in logged if e.type == "return_submitted"]
    assert sorted(returned) == sorted(countries * 2)


async def test_a_return_waits_for_other_writers_only_at_its_commit(
    settings: Settings, clock: FrozenClock
) -> None:
    """What another country's write can hold up in a PUT (PostgreSQL): the operation's
    audit chain held changes nothing (a country's returns chain apart), and the event
    stream's row held makes the PUT wait in its COMMIT alone, where its events are
    numbered; once the row is free the PUT is acknowledged with its event numbered."""
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("row locks are PostgreSQL's; SQLite has one writer at a time")
    dsn = make_url(settings.database_url).set(drivername="postgresql")
    holder = await asyncpg.connect(dsn.render_as_string(hide_password=False))
    watcher = await asyncpg.connect(dsn.render_as_string(hide_password=False))
    day = "/api/operations/PANDORA-X/returns/ES/2026-06-{}"
    try:
        async with concurrent_client(settings, clock) as client:
            es = await _setup(client)
            op_id = await holder.fetchval("SELECT id FROM operations")
            held = holder.transaction()
            await held.start()
            await holder.execute("SELECT 1 FROM audit_heads WHERE stream_id = $1 FOR UPDATE", op_id)
            first = await asyncio.wait_for(client.put(day.format("09"), json={}, headers=es), 15)
            assert first.status_code == 201  # the operation's chain is not the country's
            await held.rollback()

            held = holder.transaction()
            await held.start()
            await holder.execute(
                "SELECT 1 FROM live_streams WHERE stream_id = $1 FOR UPDATE", op_id
            )
            second = asyncio.ensure_future(client.put(day.format("10"), json={}, headers=es))
            waiting: list[str] = []
            for _ in range(100):
                waiting = [
                    r["query"]
                    for r in await watcher.fetch(
                        "SELECT query FROM pg_stat_activity "
                        "WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                    )
                ]
                if waiting:
                    break
                await asyncio.sleep(0.05)
            assert [q.strip().rstrip(";").upper() for q in waiting] == ["COMMIT"]
            assert not second.done()
            await held.rollback()
            assert (await asyncio.wait_for(second, timeout=15)).status_code == 201
            numbers = await holder.fetch(
                "SELECT seq, type FROM live_events WHERE stream_id = $1 ORDER BY seq", op_id
            )
            assert [r["seq"] for r in numbers] == list(range(1, len(numbers) + 1))
            assert [r["type"] for r in numbers][-2:] == ["return_submitted"] * 2
    finally:
        await holder.close()
        await watcher.close()
