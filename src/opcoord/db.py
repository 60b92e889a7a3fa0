"""Engine, sessions, metadata naming convention and the migrations runner."""

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Protocol, cast

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Mapped
from sqlalchemy.pool import AsyncAdaptedQueuePool
from sqlalchemy.util.concurrency import await_
from sqlalchemy.util.queue import AsyncAdaptedQueue, Empty, Full
from sqlmodel import SQLModel, col

from opcoord.config import Settings, audit_key, normalise_database_url

# Constraint names are stable across SQLite and PostgreSQL, so migrations can name them.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# JSON that is JSONB on PostgreSQL.
JSONType = sa.JSON().with_variant(JSONB(), "postgresql")

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# session.info keys: the event streams a transaction wrote to (see opcoord.outbox), the
# accounts whose credentials it revoked (see opcoord.accounts), and the audit chain's key
# (see opcoord.audit), which every session carries and no table holds.
STREAMS_TOUCHED = "opcoord.streams"
REVOKED_USERS = "opcoord.revoked"
AUDIT_KEY = "opcoord.audit_key"
#: A commit hook gets what the committed transaction noted: {STREAMS_TOUCHED: {...}, ...}.
CommitHook = Callable[[dict[str, set[int]]], None]
_NOTED = (STREAMS_TOUCHED, REVOKED_USERS)
# Any fixed number: the key of the advisory lock that serialises concurrent migrators.
_MIGRATION_LOCK_KEY = 7_340_211


class FairQueue(AsyncAdaptedQueue[Any]):
    """The pool's idle connections, handed to the waiting requests in the order they
    came.

    SQLAlchemy's asyncio queue lets a newcomer take a connection just given back ahead
    of the request woken for it; the woken one finds the queue empty and waits again, at
    the back. At 100 concurrent requests on 20 connections some waited many turns: a
    PUT's time in the app read p50 459 ms and p99 3.6 s. Here a connection given back
    goes straight to the longest waiter, and a newcomer queues behind the waiters.
    """

    def __init__(self, maxsize: int = 0, use_lifo: bool = False) -> None:
        super().__init__(maxsize, use_lifo)
        self._idle: deque[Any] = deque()
        self._waiters: deque[asyncio.Future[Any]] = deque()

    def empty(self) -> bool:
        return not self._idle

    def full(self) -> bool:
        return 0 < self.maxsize <= len(self._idle)

    def qsize(self) -> int:
        return len(self._idle)

    def put_nowait(self, item: Any) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():  # not given up (timed out, cancelled)
                waiter.set_result(item)
                return
        if self.full():
            raise Full()
        if self.use_lifo:
            self._idle.appendleft(item)
        else:
            self._idle.append(item)

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        self.put_nowait(item)  # the pool never holds more than its size: no wait

    def get_nowait(self) -> Any:
        if not self._idle:
            raise Empty()
        return self._idle.popleft()

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        if self._idle:  # idle connections and waiters never coexist: take it
            return self._idle.popleft()
        if not block:
            raise Empty()
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[Any] = loop.create_future()
        self._waiters.append(waiter)
        timer = loop.call_later(timeout, _expire, waiter) if timeout is not None else None
        try:
            return await_(waiter)
        except _ExpiredError as exc:
            raise Empty() from exc
        except BaseException:  # the request was cancelled while it waited
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self.put_nowait(waiter.result())  # given to it as it left: pass it on
            else:
                waiter.cancel()
            raise
        finally:
            if timer is not None:
                timer.cancel()


class _ExpiredError(Exception):
    """A wait for a connection that lasted the pool's timeout."""


def _expire(waiter: "asyncio.Future[Any]") -> None:
    if not waiter.done():
        waiter.set_exception(_ExpiredError())


class FairPool(AsyncAdaptedQueuePool):
    """SQLAlchemy's asyncio pool on ``FairQueue``."""

    _queue_class = FairQueue


def make_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    url = normalise_database_url(url)
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(
        url,
        # Up to twice ``pool_size`` connections, and each kept once opened: with an
        # overflow, a busy pool closes connections given back while its queue is full
        # and opens new ones for the requests queued behind (a connection per request
        # under load, as a profile of 100 clients showed).
        poolclass=FairPool,
        pool_size=2 * pool_size,
        max_overflow=0,
        # No pre-ping: asyncpg's costs three round trips per checkout (BEGIN, a query,
        # ROLLBACK), more than the cheapest request's own queries. After a database
        # restart the first request to meet a dead connection gets a 503 (its client
        # retries) and SQLAlchemy discards the connections older than the failure.
        pool_pre_ping=False,
        pool_recycle=1800,
        connect_args={"server_settings": SERVER_SETTINGS},
    )


#: Bounds on what one stuck instance can do to the others: a transaction left open by a
#: frozen process is ended after a minute, and no statement waits for a lock forever
#: (the request gets a 503 and its client retries).
SERVER_SETTINGS = {
    "application_name": "opcoord",
    "lock_timeout": "20s",
    "idle_in_transaction_session_timeout": "60s",
}


#: What a ``Query`` holds: a read, or a statement of a write (with or without RETURNING).
Statement = sa.Select[*tuple[Any, ...]] | sa.TextualSelect | sa.Insert | sa.Update | sa.Delete


class Query:
    """A statement built once (at import) and compiled once per database, for what every
    request runs: the token lookup and an operation's row (``Database.fetch``), and the
    statements of a return's write (``run``, inside its transaction).

    On PostgreSQL the text SQLAlchemy compiled is sent straight to the driver's
    connection (asyncpg), with the dialect's own processing of parameters and values: an
    ORM or Core execution costs several times the round trip itself in Python. On SQLite
    it is an ordinary Core execution. Parameters are ``sa.bindparam`` names; ``IN`` lists
    are not supported (use ``= ANY`` of an array); a text statement names its result
    columns with ``.columns()``.
    """

    __slots__ = ("_compiled", "stmt")

    def __init__(self, stmt: Statement) -> None:
        self.stmt = stmt
        self._compiled: tuple[Any, ...] | None = None

    def compiled(self, dialect: Any) -> tuple[str, list[tuple[str, Any, Any]], list[Any]]:
        """The statement's text, its parameters in order (name, processor, and the value
        of one given in the statement itself) and its columns' processors, for
        ``dialect`` (PostgreSQL's: one per process)."""
        if self._compiled is None or self._compiled[0] is not dialect:
            compiled = self.stmt.compile(dialect=dialect)
            binds = []
            for name in compiled.positiontup or ():
                bind = compiled.binds[name]
                if bind.expanding:
                    raise ValueError("a Query takes no IN list")
                processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
                binds.append((bind.key, processor, _REQUIRED if bind.required else bind.value))
            columns: Iterable[sa.ColumnElement[Any]] = (
                self.stmt.selected_columns
                if isinstance(self.stmt, sa.Select | sa.TextualSelect)
                else self.stmt.exported_columns  # DML: its RETURNING columns, if any
            )
            results = [
                c.type.dialect_impl(dialect).result_processor(dialect, _oid(c.type))
                for c in columns
            ]
            self._compiled = (dialect, compiled.string, binds, results)
        _, text, binds, results = self._compiled
        return text, binds, results


_REQUIRED = object()


def _oid(kind: Any) -> int | None:
    """The driver's type of a column, where its result processor asks for it: asyncpg
    returns ``numeric`` as ``Decimal`` and ``double precision`` as ``float``."""
    if isinstance(kind, sa.Float):
        return 701
    if isinstance(kind, sa.Numeric):
        return 1700
    return None


def _args(binds: list[tuple[str, Any, Any]], params: dict[str, Any]) -> list[Any]:
    args = []
    for key, proc, given in binds:
        value = params[key] if given is _REQUIRED or key in params else given
        args.append(value if proc is None else proc(value))
    return args


def _rows(result: sa.CursorResult[Any]) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in result] if result.returns_rows else []


async def _fetch_on(
    conn: AsyncConnection, query: Query, params: dict[str, Any], *, write: bool = False
) -> list[tuple[Any, ...]]:
    """``query``'s rows on ``conn``: PostgreSQL, on the driver's connection. ``write``:
    a statement of a write transaction, whose errors are SQLAlchemy's as they would have
    been (an aborted transaction cannot run it again)."""
    if conn.dialect.name != "postgresql":
        return _rows(await conn.execute(query.stmt, params))
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    autocommit = bool(getattr(raw.dbapi_connection, "autocommit", False))
    if driver is None or not (autocommit or driver.is_in_transaction()):
        # A transaction SQLAlchemy has not begun yet on the server: let it begin it.
        return _rows(await conn.execute(query.stmt, params))
    text, binds, results = query.compiled(conn.dialect)
    args = _args(binds, params)
    sync = conn.sync_connection
    if sync is not None and sync.dispatch.before_cursor_execute:
        # What SQLAlchemy tells its listeners before a statement (tests count them).
        sync.dispatch.before_cursor_execute(sync, None, text, tuple(args), None, False)
    try:
        records = await driver.fetch(text, *args)
    except Exception as exc:
        if write:
            err = _translated(conn, raw.dbapi_connection, text, args, exc)
            if isinstance(err, sa.exc.DBAPIError) and err.connection_invalidated:
                # Lost: let SQLAlchemy meet it itself (a probe, not the statement again),
                # so it discards this connection and the pool's older ones, as on its own
                # path; a dead connection must not go back to the pool.
                try:
                    await conn.execute(sa.text("SELECT 1"))
                except Exception as probe:
                    raise probe from exc
            raise err from exc
        # Run again the ordinary way (it is a read): SQLAlchemy's own errors, and its
        # handling of a lost connection (the pool discards those older than the loss).
        return _rows(await conn.execute(query.stmt, params))
    if not any(results):
        return [tuple(r) for r in records]
    return [
        tuple(v if proc is None else proc(v) for v, proc in zip(r, results, strict=True))
        for r in records
    ]


def _translated(
    conn: AsyncConnection, adapted: Any, text: str, args: list[Any], exc: Exception
) -> Exception:
    """The error SQLAlchemy would have raised for the driver's ``exc`` (an
    ``IntegrityError`` for a unique violation, a lost connection marked invalidated)."""
    dbapi = conn.dialect.loaded_dbapi
    try:
        adapted._handle_exception(exc)  # raises the driver error as its DBAPI error
    except dbapi.Error as err:
        closed = bool(getattr(adapted, "_connection", None) and adapted._connection.is_closed())
        return sa.exc.DBAPIError.instance(
            text, tuple(args), err, dbapi.Error, connection_invalidated=closed
        )
    except Exception as other:  # not the driver's: as it is
        return other
    return exc


async def run(session: AsyncSession, query: Query, **params: Any) -> list[tuple[Any, ...]]:
    """``query`` inside ``session``'s transaction (a write's own statements), its rows as
    tuples (``RETURNING``; none for a plain change)."""
    conn = await session.connection()
    return await _fetch_on(conn, query, params, write=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class _RequestConnection:
    """One request's read connection (PostgreSQL, autocommit), opened at its first read.

    Every ``Database.read`` of the request's own task runs on it, one after another: the
    guard's token and operation lookups and the handler's reads then cost one pool
    checkout (and one pre-ping) instead of three, and no BEGIN or ROLLBACK at all. A read
    from another task (a build the request started), or one begun while another is still
    open (``gather``), takes a connection of its own from the pool as before. A write or
    a snapshot gives the shared connection back first, so a request never holds one
    connection while it waits for another (a pool full of such requests would wait
    forever).
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.owner = asyncio.current_task()
        self.connection: AsyncConnection | None = None
        self.busy = False
        self.closed = False

    def usable_by(self, engine: AsyncEngine) -> bool:
        return (
            not self.busy
            and not self.closed
            and self.engine is engine
            and asyncio.current_task() is self.owner
        )

    async def connect(self) -> AsyncConnection:
        if self.connection is None:
            self.connection = await self.engine.connect()
        return self.connection

    async def release(self) -> None:
        """Give the connection back to the pool (the next read takes one again)."""
        if self.connection is not None and not self.busy:
            connection, self.connection = self.connection, None
            await connection.close()

    async def close(self) -> None:
        self.closed = True
        await self.release()


_request_connection: ContextVar[_RequestConnection | None] = ContextVar(
    "opcoord_request_connection", default=None
)


async def _release_shared() -> None:
    shared = _request_connection.get()
    if shared is not None and asyncio.current_task() is shared.owner:
        await shared.release()


class Database:
    """The engine and its sessions.

    SQLite has one writer at a time and opcoord runs it in one process, so writes are
    serialised by an in-process lock, which keeps a deferred transaction from failing
    when it upgrades to a write lock. PostgreSQL relies on row locks taken by the actions.

    ``commit_hooks`` run after a write transaction commits, with what it noted (the
    event streams it wrote to, the accounts it revoked): that is how the live channel of
    this process hears of a change at once (other processes hear of it through
    PostgreSQL's NOTIFY, or their poll).

    ``audit_key`` is the secret the audit log's chain is computed with; every session
    carries it in ``info`` so that actions can record entries.

    Reads on PostgreSQL run in autocommit (each statement sees the committed state, as
    under READ COMMITTED, without a BEGIN and a ROLLBACK around it); within one HTTP
    request they share one connection (``request_scope``).
    """

    def __init__(self, engine: AsyncEngine, audit_key: bytes | None = None) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self.audit_key = audit_key
        info = {AUDIT_KEY: audit_key} if audit_key else {}
        self.sessionmaker = async_sessionmaker(engine, expire_on_commit=False, info=info)
        self._read_engine = (
            engine.execution_options(isolation_level="AUTOCOMMIT")
            if self.dialect == "postgresql"
            else engine
        )
        self._reads = async_sessionmaker(self._read_engine, expire_on_commit=False, info=info)
        self._write_lock = asyncio.Lock() if self.dialect == "sqlite" else None
        self.commit_hooks: list[CommitHook] = []

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reads; it must not write (``write`` is for that)."""
        shared = _request_connection.get()
        if shared is None or not shared.usable_by(self._read_engine):
            async with self._reads() as session:
                yield session
            return
        shared.busy = True
        try:
            async with self._reads(bind=await shared.connect()) as session:
                yield session
        finally:
            shared.busy = False

    async def fetch(self, query: Query, **params: Any) -> list[tuple[Any, ...]]:
        """The rows of ``query`` (a read), on the request's shared connection when there
        is one, as tuples of the selected columns' values."""
        shared = _request_connection.get()
        if shared is None or not shared.usable_by(self._read_engine):
            async with self._read_engine.connect() as conn:
                return await _fetch_on(conn, query, params)
        shared.busy = True
        try:
            return await _fetch_on(await shared.connect(), query, params)
        finally:
            shared.busy = False

    async def write_alone(self, query: Query, **params: Any) -> list[tuple[Any, ...]]:
        """Run one statement that is a transaction by itself and return its rows
        (``RETURNING``). On PostgreSQL it runs in autocommit on the request's shared
        connection, sent straight to the driver: one round trip, no BEGIN or COMMIT, no
        second connection. On SQLite, a write like any other."""
        if self._write_lock is not None:
            async with self.write() as session:
                return await run(session, query, **params)
        shared = _request_connection.get()
        if shared is None or not shared.usable_by(self._read_engine):
            async with self._read_engine.connect() as conn:
                return await _fetch_on(conn, query, params, write=True)
        shared.busy = True
        try:
            return await _fetch_on(await shared.connect(), query, params, write=True)
        finally:
            shared.busy = False

    async def fetch_one(self, query: Query, **params: Any) -> tuple[Any, ...] | None:
        rows = await self.fetch(query, **params)
        return rows[0] if rows else None

    @asynccontextmanager
    async def request_scope(self) -> AsyncIterator[None]:
        """Let the reads of the current task share one connection until the end of the
        block (one HTTP request). SQLite's connections are local files: nothing to
        share."""
        if self.dialect != "postgresql":
            yield
            return
        shared = _RequestConnection(self._read_engine)
        token = _request_connection.set(shared)
        try:
            yield
        finally:
            _request_connection.reset(token)
            await shared.close()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction that commits on exit and rolls back on error."""
        await _release_shared()
        if self._write_lock is None:
            async with self.sessionmaker() as session:
                async with session.begin():
                    yield session
                self._committed(session)
            return
        async with self._write_lock, self.sessionmaker() as session:
            async with session.begin():
                yield session
            self._committed(session)

    def _committed(self, session: AsyncSession) -> None:
        noted = {k: session.info.pop(k) for k in _NOTED if session.info.get(k)}
        if not noted:
            return
        for hook in self.commit_hooks:
            try:
                hook(noted)
            except Exception:  # a hook must never turn a committed write into an error
                log.exception("commit hook failed")

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[AsyncSession]:
        """A session whose reads all see one state of the database, without blocking
        writers: PostgreSQL, a REPEATABLE READ read-only transaction; SQLite (in WAL
        mode), one read transaction, whose snapshot starts at its first read. Hundreds
        of dashboards taking snapshots never hold the write lock."""
        await _release_shared()
        async with self.sessionmaker() as session, session.begin():
            if self._write_lock is None:
                await session.connection(
                    execution_options={
                        "isolation_level": "REPEATABLE READ",
                        "postgresql_readonly": True,
                    }
                )
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()


def open_database(settings: Settings, *, pool_size: int | None = None) -> Database:
    """The database of ``settings``, with the audit key its sessions record entries with."""
    engine = make_engine(settings.database_url, pool_size=pool_size or settings.db_pool_size)
    return Database(engine, audit_key(settings))


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    return cfg


def _alembic(connection: sa.Connection, revision: str, down: bool) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    (command.downgrade if down else command.upgrade)(cfg, revision)


async def migrate(engine: AsyncEngine, revision: str = "heads", *, down: bool = False) -> None:
    """Bring the schema to ``revision``. Safe when several servers start at once."""
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(
                sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK_KEY}
            )
        await conn.run_sync(_alembic, revision, down)


async def migrate_url(url: str) -> None:
    engine = make_engine(url)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()


class _Keyed(Protocol):
    id: int | None


def pk(model: type[_Keyed]) -> Mapped[int]:
    """The primary-key column of a table model, for queries: an ``int`` there, whereas
    the attribute is ``int | None`` because an instance has no id until it is flushed."""
    return cast("Mapped[int]", col(model.id))


def dialect_of(session: AsyncSession) -> str:
    """The name of the dialect ``session`` talks to: "postgresql" or "sqlite"."""
    bind = session.bind
    assert bind is not None  # every session comes from a sessionmaker bound to an engine
    return bind.dialect.name


async def ping(conn: AsyncConnection) -> None:
    await conn.execute(sa.text("SELECT 1"))
