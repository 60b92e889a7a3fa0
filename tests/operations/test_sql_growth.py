"""The SQL of one PUT and of one dashboard snapshot does not grow with what is stored.

Not timed: the statements are counted while one return is written, and while one
dashboard connects, on a small operation and on one with many times the returns. The
number of statements must be the same (no query per stored return, no N+1). On
PostgreSQL each statement's plan is read too: with sequential scans priced out, a plan
that still scans a whole table of returns, seizures, events or audit entries has no
index to use, and would read every operation's rows.
"""

import asyncio
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import event

from conftest import ADMIN_TOKEN, Api, seizure

BIG_TABLES = ("return_versions", "daily_returns", "seizures", "live_events", "audit_log")
COUNTRIES = ["ES", "FR", "IT", "PT", "DE", "NL", "BE", "AT", "GR", "CY", "MT", "HR"]


@contextmanager
def statements(client: TestClient[Any]) -> Iterator[list[tuple[str, Any]]]:
    """Every statement the app sends to its database inside the block to answer the
    request: those of the task that authenticated it (the guard, the handler and its
    writes run in one task), not those of the background workers (webhooks, watchlist
    and duplicate checks) that a commit wakes up meanwhile."""
    seen: list[tuple[str, Any]] = []
    by_task: list[tuple[Any, str, Any]] = []
    engine = client.app.state.db.engine.sync_engine

    def before(conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool) -> None:
        by_task.append((asyncio.current_task(), sql, params))

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)
        requests = {t for t, sql, _ in by_task if "WHERE users.token_hash" in sql}
        seen.extend((sql, params) for t, sql, params in by_task if t in requests)


def body(country: str, day: str, n: int = 5) -> dict[str, Any]:
    return {
        "counters": {"persons_checked": 10, "arrests": 1},
        "seizures": [seizure(f"{country}-{day}-{i}", quantity=i + 1) for i in range(n)],
    }


def put_days(api: Api, tokens: dict[str, dict[str, str]], countries: list[str], days: int) -> None:
    """``countries`` return every day from 1 June for ``days`` days (what is not yet in)."""
    for c in countries:
        for d in range(1, days + 1):
            day = f"2026-06-{d:02d}"
            r = api.put_return(c, day, body(c, day), tokens[c])
            assert r.status_code in (200, 201), r.text


def one_put(api: Api, token: dict[str, str], country: str) -> list[tuple[str, Any]]:
    """``country``'s return for 9 June, five seizures, first version."""
    with statements(api.client) as seen:
        r = api.put_return(country, "2026-06-09", body(country, "2026-06-09"), token)
    assert r.status_code == 201, r.text
    return seen


def one_snapshot(api: Api) -> tuple[list[tuple[str, Any]], dict[str, Any]]:
    with (
        statements(api.client) as seen,
        api.client.websocket_connect("/api/operations/PANDORA-X/live") as ws,
    ):
        ws.send_json({"type": "auth", "token": ADMIN_TOKEN})
        snapshot = dict(ws.receive_json(timeout=10))
    assert snapshot["type"] == "snapshot"
    return seen, snapshot


def shapes(seen: list[tuple[str, Any]]) -> list[str]:
    """The statements with their parameter lists folded (an IN list of five seizures
    and one of six are the same statement)."""
    return [re.sub(r"\(\s*(\$\d+|\?)(\s*,\s*(\$\d+|\?))*\s*\)", "(…)", sql) for sql, _ in seen]


def test_one_put_and_one_snapshot_send_as_many_statements_whatever_is_stored(
    api: Api, settings: Any
) -> None:
    api.operation()
    tokens = {}
    for c in COUNTRIES:
        api.participant(c)
        tokens[c] = api.user(c.lower(), "ncp", c)
    put_days(api, tokens, ["ES", "FR"], 2)
    small_put = one_put(api, tokens["ES"], "ES")
    small_snap, small = one_snapshot(api)

    put_days(api, tokens, COUNTRIES, 8)
    big_put = one_put(api, tokens["FR"], "FR")
    big_snap, big = one_snapshot(api)

    assert (small["totals"]["returns"], big["totals"]["returns"]) == (5, 12 * 8 + 2)
    assert small_put and small_snap
    assert shapes(big_put) == shapes(small_put)
    assert shapes(big_snap) == shapes(small_snap)
    if settings.database_url.startswith("postgresql"):
        _check_plans(settings.database_url, big_put + big_snap)


def _check_plans(url: str, seen: list[tuple[str, Any]]) -> None:
    import asyncio

    import asyncpg

    async def explain() -> list[str]:
        dsn = url.replace("postgresql+asyncpg://", "postgresql://")
        conn = await asyncpg.connect(dsn)
        found: list[str] = []
        try:
            await conn.execute("SET enable_seqscan = off")
            for sql, params in seen:
                if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                    continue
                args = list(params) if isinstance(params, (tuple, list)) else []
                rows = await conn.fetch(f"EXPLAIN {sql}", *args)
                plan = "\n".join(r[0] for r in rows)
                found.extend(
                    f"{table}: {sql[:160]}"
                    for table in BIG_TABLES
                    if re.search(rf"Seq Scan on {table}\b", plan)
                )
                explained.append(sql)
        finally:
            await conn.close()
        return found

    explained: list[str] = []
    assert asyncio.run(explain()) == []
    assert len(explained) >= 5  # the reads were explained, not skipped
