"""Every SQL statement of the harness that names opcoord's tables or columns.

Only bulk work lives here: seeding an operation created through the API with COPY,
the report's aggregates written directly (the baseline of the report), the scratch
tables of the same shape that the bare PUT endpoint writes, and a few counts that
check what the API said. Should a table or column be renamed, this is the one file.
"""

import asyncio
import json
import random
import re
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg

from opcoord.bench.scratch import Scratch


def _cols(names: str) -> tuple[str, ...]:
    return tuple(names.split())


COUNTERS = _cols(
    "persons_checked vehicles_checked vessels_checked premises_checked online_checks arrests"
    " investigations_criminal investigations_administrative metal_detectors excavation_tools"
)
RETURN_COLS = _cols(
    "id operation_id country day current_version first_submitted_at first_late updated_at"
)
VERSION_COLS = (
    *_cols("id return_id operation_id country day version is_current nil_return"),
    *COUNTERS,
    *_cols("notes late submitted_at submitted_by content_hash"),
)
SEIZURE_COLS = _cols(
    "version_id operation_id country day is_current position ref category quantity description"
    " place_type place_name lat lon online origin_country destination_country estimated_value"
    " currency"
)
EVENT_COLS = _cols("stream_id seq type country payload created_at")
CATEGORIES = ("coins", "archaeological", "paintings", "sculptures", "religious", "manuscripts")
PLACES = ("airport", "seaport", "land_border", "postal_centre", "inland", "online")
Row = tuple[Any, ...]


@dataclass(frozen=True)
class Seeded:
    operation_id: int
    returns: int
    seizures: int
    seconds: float  # the COPY (or inserts) and commit, without making the rows in Python


def _row(cols: Sequence[str], values: dict[str, Any]) -> Row:
    """A row in the column order of ``cols``, from values named like the columns."""
    return tuple(values.get(c) for c in cols)


# --- seeding ---------------------------------------------------------------------------


# fmt: off
def _rows(
    op_id: int, user: int, countries: Sequence[str], days: Sequence[date], n: int, first: int
) -> tuple[list[Row], list[Row], list[Row]]:
    rng = random.Random(n)  # noqa: S311 - made-up data, not secrets
    now = datetime.now(UTC)
    keys = [(c, d) for c in countries for d in days]
    returns, versions = [], []
    for i, (c, d) in enumerate(keys):
        common = {"id": first + i, "operation_id": op_id, "country": c, "day": d}
        late = rng.random() < 0.1
        returns.append(_row(RETURN_COLS, {**common, "current_version": 1, "first_late": late,
                                          "first_submitted_at": now, "updated_at": now}))
        counts = {k: rng.randint(0, 3) for k in COUNTERS} | {"persons_checked": rng.randint(0, 900)}
        versions.append(_row(VERSION_COLS, {
            **common, **counts, "return_id": first + i, "version": 1, "is_current": True,
            "nil_return": False, "notes": "seeded", "late": late, "submitted_at": now,
            "submitted_by": user, "content_hash": "seeded",
        }))
    seizures = []
    for i in range(n):
        k = rng.randrange(len(keys))
        c, d = keys[k]
        seizures.append(_row(SEIZURE_COLS, {
            "version_id": first + k, "operation_id": op_id, "country": c, "day": d,
            "is_current": True, "position": i, "ref": f"S-{op_id}-{i}",
            "category": rng.choice(CATEGORIES), "quantity": rng.randint(1, 50),
            "description": "seeded object", "place_type": rng.choice(PLACES),
            "place_name": f"Checkpoint {i % 700}", "lat": rng.uniform(-50, 60),
            "lon": rng.uniform(-120, 140), "online": rng.random() < 0.1,
            "origin_country": rng.choice(countries), "destination_country": rng.choice(countries),
            "estimated_value": Decimal(rng.randint(10, 10_000)), "currency": "EUR",
        }))
    return returns, versions, seizures
# fmt: on


async def _seed_pg(dsn: str, code: str, n: int) -> Seeded:
    conn = await asyncpg.connect(dsn)
    try:
        op = await conn.fetchrow(
            "SELECT id, starts_on, ends_on FROM operations WHERE code = $1", code
        )
        assert op is not None  # created through the API before seeding
        countries = [
            r[0]
            for r in await conn.fetch(
                "SELECT country FROM participants WHERE operation_id = $1 ORDER BY country",
                op["id"],
            )
        ]
        user = await conn.fetchval("SELECT id FROM users WHERE username = 'admin'")
        first = 1 + await conn.fetchval("SELECT coalesce(max(id), 0) FROM daily_returns")
        first = max(
            first, 1 + await conn.fetchval("SELECT coalesce(max(id), 0) FROM return_versions")
        )
        days = _days(op["starts_on"], op["ends_on"])
        returns, versions, seizures = _rows(op["id"], user, countries, days, n, first)
        started = time.perf_counter()
        async with conn.transaction():
            await conn.copy_records_to_table("daily_returns", records=returns, columns=RETURN_COLS)
            await conn.copy_records_to_table(
                "return_versions", records=versions, columns=VERSION_COLS
            )
            await conn.copy_records_to_table("seizures", records=seizures, columns=SEIZURE_COLS)
            for table in ("daily_returns", "return_versions"):  # ids were given: move on
                await conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT max(id) FROM {table}))"
                )
        seconds = time.perf_counter() - started
        # Checked for duplicates, as each version of a real operation was at its commit
        # (otherwise the server's detector would check them all during the measurement).
        await conn.execute(
            "INSERT INTO duplicate_checks (version_id, operation_id, checked_at) "
            "SELECT id, operation_id, now() FROM return_versions "
            "WHERE operation_id = $1 AND id >= $2",
            op["id"],
            first,
        )
        await conn.execute("ANALYZE daily_returns, return_versions, seizures")
        return Seeded(op["id"], len(returns), len(seizures), seconds)
    finally:
        await conn.close()


def _sqlite_value(v: Any) -> Any:
    if isinstance(v, datetime):  # SQLAlchemy's own text form for DateTime on SQLite
        return v.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, Decimal):
        return float(v)
    return v


def _insert_sqlite(
    conn: sqlite3.Connection, table: str, cols: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"  # noqa: S608
    conn.executemany(sql, ([_sqlite_value(v) for v in r] for r in rows))


def _seed_sqlite(path: str, code: str, n: int) -> Seeded:
    conn = sqlite3.connect(path, timeout=60)
    try:
        op_id, starts, ends = conn.execute(
            "SELECT id, starts_on, ends_on FROM operations WHERE code = ?", (code,)
        ).fetchone()
        countries = [
            r[0]
            for r in conn.execute(
                "SELECT country FROM participants WHERE operation_id = ? ORDER BY country", (op_id,)
            )
        ]
        user = conn.execute("SELECT id FROM users WHERE username = 'admin'").fetchone()[0]
        first = 1 + max(
            conn.execute("SELECT coalesce(max(id), 0) FROM daily_returns").fetchone()[0],
            conn.execute("SELECT coalesce(max(id), 0) FROM return_versions").fetchone()[0],
        )
        days = _days(date.fromisoformat(starts), date.fromisoformat(ends))
        returns, versions, seizures = _rows(op_id, user, countries, days, n, first)
        started = time.perf_counter()
        with conn:
            _insert_sqlite(conn, "daily_returns", RETURN_COLS, returns)
            _insert_sqlite(conn, "return_versions", VERSION_COLS, versions)
            _insert_sqlite(conn, "seizures", SEIZURE_COLS, seizures)
        seconds = time.perf_counter() - started
        with conn:  # checked for duplicates, as each version of a real operation was
            conn.execute(
                "INSERT INTO duplicate_checks (version_id, operation_id, checked_at) "
                "SELECT id, operation_id, ? FROM return_versions "
                "WHERE operation_id = ? AND id >= ?",
                (_sqlite_value(datetime.now(UTC)), op_id, first),
            )
        conn.execute("ANALYZE")
        return Seeded(op_id, len(returns), len(seizures), seconds)
    finally:
        conn.close()


def _days(starts: date, ends: date) -> list[date]:
    last = min(ends, datetime.now(UTC).date())
    return [starts + timedelta(d) for d in range((last - starts).days + 1)]


def seed_operation(db: Scratch, code: str, seizures: int) -> Seeded:
    """One current version for every (country, day) of the window up to today, and
    ``seizures`` seizures spread at random over them, in one transaction."""
    if db.is_postgres:
        return asyncio.run(_seed_pg(db.dsn, code, seizures))
    return _seed_sqlite(db.dsn, code, seizures)


# --- the report's aggregates, written directly: the baseline of the report --------------

# Written out in full, as a person would write them against these tables.
_SUMS = """coalesce(sum(persons_checked), 0), coalesce(sum(vehicles_checked), 0),
    coalesce(sum(vessels_checked), 0), coalesce(sum(premises_checked), 0),
    coalesce(sum(online_checks), 0), coalesce(sum(arrests), 0),
    coalesce(sum(investigations_criminal), 0), coalesce(sum(investigations_administrative), 0),
    coalesce(sum(metal_detectors), 0), coalesce(sum(excavation_tools), 0)"""
_QUERIES = (
    """SELECT country, agencies, joins_on, leaves_on FROM participants
    WHERE operation_id = $1 ORDER BY country""",
    """SELECT v.country, count(*), sum(CASE WHEN v.day <= $2 THEN 1 ELSE 0 END),
    sum(CASE WHEN r.first_late THEN 1 ELSE 0 END), sum(CASE WHEN v.nil_return THEN 1 ELSE 0 END),
    SUMS FROM return_versions v JOIN daily_returns r ON r.id = v.return_id
    WHERE v.operation_id = $1 AND v.is_current GROUP BY v.country""",
    """SELECT country, count(*), sum(quantity),
    sum(CASE WHEN online OR place_type = 'online' THEN quantity ELSE 0 END)
    FROM seizures WHERE operation_id = $1 AND is_current GROUP BY country""",
    """SELECT country, currency, sum(estimated_value) FROM seizures
    WHERE operation_id = $1 AND is_current AND estimated_value IS NOT NULL
    GROUP BY country, currency""",
    """SELECT count(*), count(DISTINCT country), SUMS FROM return_versions
    WHERE operation_id = $1 AND is_current""",
    """SELECT count(*), coalesce(sum(quantity), 0),
    coalesce(sum(CASE WHEN online OR place_type = 'online' THEN quantity ELSE 0 END), 0)
    FROM seizures WHERE operation_id = $1 AND is_current""",
    """SELECT currency, sum(estimated_value) FROM seizures
    WHERE operation_id = $1 AND is_current AND estimated_value IS NOT NULL GROUP BY currency""",
    """SELECT category, count(*), sum(quantity) FROM seizures
    WHERE operation_id = $1 AND is_current GROUP BY category""",
    """SELECT category, count(*), sum(quantity) FROM seizures
    WHERE operation_id = $1 AND is_current AND (online OR place_type = 'online')
    GROUP BY category""",
    """SELECT origin_country, destination_country, count(*), sum(quantity) AS q FROM seizures
    WHERE operation_id = $1 AND is_current
      AND origin_country IS NOT NULL AND destination_country IS NOT NULL
    GROUP BY origin_country, destination_country ORDER BY q DESC, 3 DESC, 1, 2 LIMIT 20""",
    """SELECT ref, country, day, category, quantity, place_type, place_name, description,
    estimated_value, currency FROM seizures WHERE operation_id = $1 AND is_current
    ORDER BY quantity DESC, day, country, ref LIMIT 10""",
    """SELECT day, count(*) FROM return_versions
    WHERE operation_id = $1 AND is_current GROUP BY day""",
    """SELECT day, count(*), sum(quantity) FROM seizures
    WHERE operation_id = $1 AND is_current GROUP BY day""",
)
AGGREGATES = tuple(q.replace("SUMS", _SUMS) for q in _QUERIES)


async def _aggregates_pg(dsn: str, op_id: int, last_due: date) -> tuple[int, float]:
    conn = await asyncpg.connect(dsn)
    try:
        started, rows = time.perf_counter(), 0
        for sql in AGGREGATES:
            args = (op_id, last_due) if "$2" in sql else (op_id,)
            rows += len(await conn.fetch(sql, *args))
        return rows, time.perf_counter() - started
    finally:
        await conn.close()


def _aggregates_sqlite(path: str, op_id: int, last_due: date) -> tuple[int, float]:
    conn = sqlite3.connect(path, timeout=60)
    try:
        started, rows = time.perf_counter(), 0
        for sql in AGGREGATES:
            params = {"1": op_id, "2": last_due.isoformat()}
            rows += len(conn.execute(re.sub(r"\$(\d)", r":\1", sql), params).fetchall())
        return rows, time.perf_counter() - started
    finally:
        conn.close()


def bare_aggregates(db: Scratch, op_id: int, last_due: date) -> tuple[int, float]:
    """Every GROUP BY the report needs: the rows read and the seconds taken (once
    connected, as the report's own session is)."""
    if db.is_postgres:
        return asyncio.run(_aggregates_pg(db.dsn, op_id, last_due))
    return _aggregates_sqlite(db.dsn, op_id, last_due)


def operation_id(db: Scratch, code: str) -> int:
    sql = "SELECT id FROM operations WHERE code = $1"
    if db.is_postgres:
        return int(asyncio.run(_fetchval(db.dsn, sql, code)))
    with sqlite3.connect(db.dsn, timeout=60) as conn:
        return int(conn.execute(sql.replace("$1", "?"), (code,)).fetchone()[0])


async def _fetchval(dsn: str, sql: str, *args: Any) -> Any:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


def counts(db: Scratch, code: str) -> dict[str, int]:
    """What the database holds for an operation: checks the API's acknowledgements."""
    sql = {
        "versions": "SELECT count(*) FROM return_versions v JOIN operations o"
        " ON o.id = v.operation_id WHERE o.code = $1",
        "current_seizures": "SELECT count(*) FROM seizures s JOIN operations o"
        " ON o.id = s.operation_id WHERE o.code = $1 AND s.is_current",
    }
    if db.is_postgres:
        return {k: int(asyncio.run(_fetchval(db.dsn, q, code))) for k, q in sql.items()}
    with sqlite3.connect(db.dsn, timeout=60) as conn:
        return {
            k: int(conn.execute(q.replace("$1", "?"), (code,)).fetchone()[0])
            for k, q in sql.items()
        }


# --- scratch tables of the same shape, for the bare PUT endpoint ------------------------

BARE_TABLES = ("return_versions", "seizures", "live_events")


async def _bare_tables_pg(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        for t in BARE_TABLES:  # indexes included: they are part of what an insert costs
            await conn.execute(f"CREATE TABLE bench_{t} (LIKE {t} INCLUDING INDEXES)")
            await conn.execute(
                f"ALTER TABLE bench_{t} ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY"
            )
    finally:
        await conn.close()


def _bare_tables_sqlite(path: str) -> None:
    with sqlite3.connect(path, timeout=60) as conn:
        for t in BARE_TABLES:
            found = conn.execute(
                "SELECT type, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL"
                " ORDER BY type DESC",
                (t,),
            ).fetchall()
            for kind, sql in found:  # the table first ("table" > "index"), then its indexes
                if kind == "table":
                    sql = re.sub(rf'^CREATE TABLE "?{t}"?', f"CREATE TABLE bench_{t}", sql)
                else:
                    sql = re.sub(
                        rf'INDEX "?(\w+)"? ON "?{t}"?', rf"INDEX bench_\1 ON bench_{t}", sql
                    )
                conn.execute(sql)


def create_bare_tables(db: Scratch) -> None:
    """Copies of the version, seizure and event tables (columns and indexes, no data)."""
    if db.is_postgres:
        asyncio.run(_bare_tables_pg(db.dsn))
    else:
        _bare_tables_sqlite(db.dsn)


def _sql(table: str, cols: Sequence[str], pg: bool, returning: bool = False) -> str:
    marks = [f"${i + 1}" for i in range(len(cols))] if pg else ["?"] * len(cols)
    tail = " RETURNING id" if returning else ""
    return f"INSERT INTO bench_{table} ({', '.join(cols)}) VALUES ({', '.join(marks)}){tail}"  # noqa: S608


_V_COLS = VERSION_COLS[1:]
_BARE = {
    pg: (
        _sql("return_versions", _V_COLS, pg, True),
        _sql("seizures", SEIZURE_COLS, pg),
        _sql("live_events", EVENT_COLS, pg),
    )
    for pg in (True, False)
}


# fmt: off
def bare_rows(
    n: int, country: str, day: date, body: dict[str, Any]
) -> tuple[Row, list[Row], Row]:
    """The version, seizure and event rows that one return PUT writes (the seizures'
    first value, the version id, is filled in once known); request ``n`` of the run
    gives unique return ids and sequence numbers."""
    now = datetime.now(UTC)
    counters = {**body.get("counters", {}), **body.get("facilitating_items", {})}
    common = {"operation_id": 1, "country": country, "day": day, "is_current": True}
    version = _row(_V_COLS, {
        **common, **{c: int(counters.get(c, 0)) for c in COUNTERS}, "return_id": n, "version": 1,
        "nil_return": bool(body.get("nil_return")), "notes": body.get("notes", ""),
        "late": False, "submitted_at": now, "submitted_by": 1, "content_hash": "bare",
    })
    seizures = [_row(SEIZURE_COLS, {
        "description": "", "place_name": "", **common, **s, "position": i,
        "online": bool(s.get("online")), "estimated_value": Decimal(s["estimated_value"]),
    }) for i, s in enumerate(body.get("seizures", []))]
    payload = {"operation": "BARE", "country": country, "day": day.isoformat(), "version": 1,
               "delta": counters}
    event = _row(EVENT_COLS, {"stream_id": 1, "seq": n, "type": "return_submitted",
                              "country": country, "payload": json.dumps(payload),
                              "created_at": now})
    return version, seizures, event
# fmt: on


async def bare_put_pg(
    conn: asyncpg.Connection, n: int, country: str, day: date, body: dict[str, Any]
) -> None:
    version, seizures, event = bare_rows(n, country, day, body)
    insert_version, insert_seizure, insert_event = _BARE[True]
    async with conn.transaction():
        vid = await conn.fetchval(insert_version, *version)
        await conn.executemany(insert_seizure, [(vid, *r[1:]) for r in seizures])
        await conn.execute(insert_event, *event)


async def bare_put_sqlite(conn: Any, n: int, country: str, day: date, body: dict[str, Any]) -> None:
    """The same on an aiosqlite connection (one writer: the caller holds a lock)."""
    version, seizures, event = bare_rows(n, country, day, body)
    insert_version, insert_seizure, insert_event = _BARE[False]
    cursor = await conn.execute(insert_version, [_sqlite_value(v) for v in version])
    vid = (await cursor.fetchall())[0][0]
    rows = [[vid, *(_sqlite_value(v) for v in r[1:])] for r in seizures]
    await conn.executemany(insert_seizure, rows)
    await conn.execute(insert_event, [_sqlite_value(v) for v in event])
    await conn.commit()
