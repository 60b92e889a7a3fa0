"""The live channel: ``WS /api/operations/{code}/live``.

Protocol (see docs/live.md): authenticate (session cookie, or a first message
``{"type": "auth", "token": ...}``), then a ``snapshot`` or, with ``?since=N``, the
events after N; then one message per change, each with a greater ``seq``. Who may watch
is the access policy's ``watch`` rule, the same as for the dashboard page and the
summary; a socket refused is closed with 1008 before it receives any data.
"""

import asyncio
import contextlib
import json
import logging
from datetime import datetime
from typing import Annotated, Any

from litestar import WebSocket, websocket
from litestar.exceptions import WebSocketDisconnect
from litestar.params import PathParameter, QueryParameter
from prometheus_client import Gauge

from opcoord.accounts import access, limits, sessions, tokens
from opcoord.accounts.access import Rule, needs
from opcoord.accounts.guard import same_origin
from opcoord.accounts.identity import Caller
from opcoord.db import Database
from opcoord.errors import DomainError, TooManyRequests
from opcoord.live import feed
from opcoord.live.hub import Ended, Hub, Subscription
from opcoord.live.pump import LivePump
from opcoord.operations.operations import load, load_facts

log = logging.getLogger(__name__)

POLICY_VIOLATION = 1008
TRY_AGAIN_LATER = 1013
AUTH_TIMEOUT_SECONDS = 10
REPLAY_LIMIT = 5000
MAX_MESSAGE = 4096  # characters: an auth message or a ping is far shorter
Socket = WebSocket[Any, Any, Any]
LIVE_CONNECTIONS = Gauge(
    "opcoord_live_connections",
    "Live-channel websockets open on this process (signed in and allowed to watch).",
)


async def _caller(socket: Socket, db: Database, now: datetime) -> Caller | None:
    cookie = socket.cookies.get(sessions.COOKIE)
    if cookie:
        if not same_origin(socket):
            return None
        found = await sessions.session_caller(db, cookie, now)
        return found[0] if found else None
    try:
        first = await asyncio.wait_for(socket.receive_text(), AUTH_TIMEOUT_SECONDS)
        if len(first) > MAX_MESSAGE:
            return None
        message = json.loads(first)
    except (TimeoutError, ValueError, RecursionError, WebSocketDisconnect):
        return None
    if not isinstance(message, dict) or message.get("type") != "auth":
        return None
    token = message.get("token")
    return await tokens.caller_for_token(db, token, now) if isinstance(token, str) else None


async def _refusal(db: Database, caller: Caller | None, code: str) -> str | None:
    """Why ``caller`` may not watch ``code`` (None: it may)."""
    if caller is None:
        return "authentication required"
    try:
        access.check(Rule.watch, caller, await load_facts(db, code), code=code)
    except DomainError as exc:
        return exc.message
    return None


@websocket("/api/operations/{code:str}/live", name="live", opt=needs(Rule.socket))
async def live(
    socket: Socket,
    code: Annotated[str, PathParameter()],
    since: Annotated[int | None, QueryParameter(ge=0, le=2**62, required=False)] = None,
) -> None:
    state = socket.app.state
    db: Database = state.db
    hub: Hub = state.hub
    pump: LivePump = state.pump
    await socket.accept()
    caller = await _caller(socket, db, state.clock.now())
    reason = await _refusal(db, caller, code)
    if reason is not None or caller is None:
        await socket.close(code=POLICY_VIOLATION, reason=(reason or "not allowed")[:120])
        return
    async with db.read() as session:
        op = await load(session, code)
    assert op.id is not None
    await pump.prepare(op.id)
    sub = hub.subscribe(op.id, caller.id)
    try:
        allowed = state.settings.live_max_per_account
        await pump.release_closed()
        await limits.open_socket(db, sub.id, caller.id, allowed, state.clock.now())
    except TooManyRequests as exc:
        sub.close()
        await socket.close(code=POLICY_VIOLATION, reason=exc.message[:120])
        return
    LIVE_CONNECTIONS.inc()
    try:
        cursor = await _start(socket, db, caller, op.code, op.id, since, state.clock.now())
        await _forward(socket, sub, caller, cursor, hub)
    except WebSocketDisconnect:
        pass
    finally:
        LIVE_CONNECTIONS.dec()
        sub.close()
        pump.forget_socket(sub.id)


async def _start(
    socket: Socket,
    db: Database,
    caller: Caller,
    code: str,
    stream_id: int,
    since: int | None,
    now: datetime,
) -> int:
    """Send the snapshot, or the replay after ``since``; return the last seq covered."""
    async with db.snapshot() as session:
        op = await load(session, code)
        events = None
        if since is not None:
            events = await feed.replay(session, stream_id, since, REPLAY_LIMIT)
            if events is not None and since > await feed.last_seq(session, stream_id):
                events = None  # a cursor from another database: start afresh
        snapshot = (
            None if events is not None else await feed.build_snapshot(session, op, caller, now)
        )
    if snapshot is not None:
        await socket.send_text(json.dumps(snapshot))
        return int(snapshot["seq"])
    cursor = since or 0
    for event in events or []:
        await socket.send_text(json.dumps(feed.message_for(caller, event)))
        cursor = event.seq
    return cursor


async def _forward(
    socket: Socket, sub: Subscription, caller: Caller, cursor: int, hub: Hub
) -> None:
    """Send events until the client goes away or falls behind (two tasks per socket)."""
    sender = asyncio.create_task(_send(socket, sub, caller, cursor, hub))
    receiver = asyncio.create_task(_receive(socket))
    try:
        done, _ = await asyncio.wait({sender, receiver}, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            exc = None if task.cancelled() else task.exception()
            if isinstance(exc, Exception) and not isinstance(exc, WebSocketDisconnect):
                raise exc
    finally:
        for task in (sender, receiver):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect):
                await task


async def _send(socket: Socket, sub: Subscription, caller: Caller, cursor: int, hub: Hub) -> None:
    while True:
        event = await sub.get()
        if event is Ended.fell_behind:
            await socket.close(
                code=TRY_AGAIN_LATER, reason=f"fell behind: reconnect with ?since={cursor}"
            )
            return
        if isinstance(event, Ended):  # revoked: the account may no longer watch
            await socket.close(code=POLICY_VIOLATION, reason=event.value[:120])
            return
        if event.seq <= cursor:
            continue  # already covered by the snapshot or the replay
        await socket.send_text(feed.message_text(caller, event, hub.encoded))
        cursor = event.seq


async def _receive(socket: Socket) -> None:
    """Read what the client sends (pings) until it goes away."""
    while True:
        try:
            text = await socket.receive_text()
        except WebSocketDisconnect:
            return
        if len(text) > MAX_MESSAGE:
            continue  # nothing a client sends is that long
        with contextlib.suppress(ValueError, AttributeError, RecursionError):
            if json.loads(text).get("type") == "ping":
                await socket.send_text('{"type":"pong"}')


LIVE_ROUTES = [live]
