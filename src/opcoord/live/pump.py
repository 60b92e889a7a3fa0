"""Moves committed events from the event log to this process's subscribers.

Every instance runs one pump. It reads the log (not the notification) so delivery is
in sequence order with no gap, whichever instance wrote the event:

- a local write nudges it directly (a commit hook of ``Database.write``);
- on PostgreSQL, a write on any instance sends ``NOTIFY opcoord_live, '<stream>'`` on
  commit, and the pump's LISTEN connection nudges it;
- a slow poll catches anything a lost connection missed.

One query per event batch per instance, however many websocket clients watch.
"""

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import Any

import asyncpg

from opcoord.accounts import limits
from opcoord.accounts.users import REVOKED_CHANNEL
from opcoord.db import REVOKED_USERS, STREAMS_TOUCHED, Database
from opcoord.live.hub import Hub
from opcoord.outbox.record import CHANNEL, last_seq, read_after
from opcoord.tasks import finish, stop_tasks

log = logging.getLogger(__name__)
BATCH = 500
KEEP_ALIVE_SECONDS = 60.0


class LivePump:
    def __init__(
        self, db: Database, hub: Hub, *, listen_dsn: str | None = None, poll_seconds: float = 2.0
    ) -> None:
        self.db = db
        self.hub = hub
        self.listen_dsn = listen_dsn
        self.poll_seconds = poll_seconds
        self.cursors: dict[int, int] = {}
        self._pending: set[int] = set()
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        self._closed_sockets: set[str] = set()
        self._housekeeping = asyncio.Event()
        self._listening: Any = None  # the LISTEN connection while it is up
        db.commit_hooks.append(self.on_commit)

    @property
    def listening(self) -> bool | None:
        """Whether the LISTEN connection is up (None: this pump has none to keep)."""
        if not self.listen_dsn:
            return None
        return self._listening is not None and not self._listening.is_closed()

    async def start(self) -> None:
        self._tasks.append(asyncio.create_task(self._run(), name="live-pump"))
        self._tasks.append(asyncio.create_task(self._keep_alive(), name="live-keepalive"))
        if self.listen_dsn:
            self._tasks.append(asyncio.create_task(self._listen(), name="live-listen"))

    async def stop(self) -> None:
        # A flag, not only a cancel: a cancel that lands while the loop is between awaits
        # can be swallowed, and the process would then never exit.
        self._stopping = True
        self._wake.set()
        await stop_tasks(self._tasks, "live pump")
        self._tasks.clear()
        # This process holds no socket any more: none of its rows should count.
        self._closed_sockets |= set(self.hub.socket_ids())
        await finish(self._flush_closed(), "live pump's last flush", 5)

    async def prepare(self, stream_id: int) -> None:
        """Call before subscribing a client's first snapshot: start the stream's cursor."""
        async with self._lock:
            if stream_id not in self.cursors:
                async with self.db.read() as session:
                    self.cursors[stream_id] = await last_seq(session, stream_id)

    def nudge(self, stream_id: int) -> None:
        self._pending.add(stream_id)
        self._wake.set()

    def on_commit(self, noted: dict[str, set[int]]) -> None:
        """A commit hook: wake up for the streams the transaction wrote to, and close
        the sockets of accounts it revoked."""
        streams = noted.get(STREAMS_TOUCHED, set())
        if streams:
            self._pending |= streams
            self._wake.set()
        for user_id in noted.get(REVOKED_USERS, set()):
            self.hub.revoke(user_id)

    async def _run(self) -> None:
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
            self._wake.clear()
            if self._stopping:
                return
            streams = self._pending or set(self.cursors)
            self._pending = set()
            try:
                await self.pump(streams)
            except Exception:  # the database may be briefly away; retry on the next turn
                log.exception("live pump failed; retrying")
                self._pending |= streams
                await asyncio.sleep(1)

    async def pump(self, streams: set[int]) -> None:
        async with self._lock:
            for stream_id in streams:
                if not self.hub.subscribers(stream_id):
                    self.cursors.pop(stream_id, None)  # nobody here watches it
                    continue
                if stream_id in self.cursors:
                    await self._drain(stream_id)

    async def _drain(self, stream_id: int) -> None:
        while True:
            async with self.db.read() as session:
                events = await read_after(session, stream_id, self.cursors[stream_id], BATCH)
            for event in events:
                self.hub.deliver(event)
                self.cursors[stream_id] = event.seq
            if len(events) < BATCH:
                return

    async def _listen(self) -> None:
        assert self.listen_dsn is not None
        while not self._stopping:
            conn: Any = None
            try:
                conn = await asyncpg.connect(self.listen_dsn)
                await conn.add_listener(CHANNEL, self._notified)
                await conn.add_listener(REVOKED_CHANNEL, self._revoked)
                self._listening = conn
                for stream_id in list(self.cursors):  # catch up on what passed while away
                    self.nudge(stream_id)
                while not conn.is_closed() and not self._stopping:
                    await asyncio.sleep(self.poll_seconds)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("LISTEN connection lost; reconnecting", exc_info=True)
                await asyncio.sleep(1)
            finally:
                self._listening = None
                if conn is not None and not conn.is_closed():
                    with contextlib.suppress(Exception):
                        await conn.close()

    def forget_socket(self, socket_id: str) -> None:
        """A socket closed: its row goes at the next housekeeping turn (soon), never in
        the socket's own teardown, which may be cancelled halfway."""
        self._closed_sockets.add(socket_id)
        self._housekeeping.set()

    async def _keep_alive(self) -> None:
        """Remove the rows of closed sockets, and say every minute which sockets this
        process still holds: the rows of a process that died stop moving, and stop
        counting against their account."""
        last_kept = 0.0
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._housekeeping.wait(), 1.0)
            self._housekeeping.clear()
            try:
                await self._flush_closed()
                now = asyncio.get_running_loop().time()
                if now - last_kept >= KEEP_ALIVE_SECONDS:
                    await limits.keep_sockets(self.db, self.hub.socket_ids(), datetime.now(UTC))
                    last_kept = now
            except Exception:
                log.warning("could not keep the live connections' rows", exc_info=True)
                await asyncio.sleep(1)

    async def release_closed(self) -> None:
        """Remove now the rows of the sockets this process has seen close since the last
        housekeeping turn: a dashboard reloaded at its account's limit opens its new
        socket as the old one goes, rather than being refused for the old one."""
        await self._flush_closed()

    async def _flush_closed(self) -> None:
        gone, self._closed_sockets = self._closed_sockets, set()
        if gone:
            await limits.forget_sockets(self.db, sorted(gone))

    def _revoked(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        with contextlib.suppress(ValueError):
            self.hub.revoke(int(payload))

    def _notified(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        with contextlib.suppress(ValueError):
            self.nudge(int(payload))
