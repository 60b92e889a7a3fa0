"""The live channel: ``WS /api/operations/{code}/live``, and the dashboard page.

Protocol (see docs/live.md): authenticate (session cookie, or a first message
``{"type": "auth", "token": ...}``), then a ``snapshot`` or, with ``?since=N``, the
events after N; then one message per change, each with a greater ``seq``.
"""

import asyncio
import contextlib
import json
import logging
from datetime import datetime
from typing import Annotated, Any

from litestar import WebSocket, websocket
from litestar.exceptions import HTTPException, WebSocketDisconnect
from litestar.params import PathParameter, QueryParameter

from opcoord import auth, sessions
from opcoord.auth import Caller
from opcoord.db import Database
from opcoord.live.hub import Hub
from opcoord.live.pump import LivePump
from opcoord.operations import access, live_feed
from opcoord.operations.enums import Role
from opcoord.operations.operations import load
from opcoord.operations.participants import is_participant

log = logging.getLogger(__name__)

POLICY_VIOLATION = 1008
TRY_AGAIN_LATER = 1013
AUTH_TIMEOUT_SECONDS = 10
REPLAY_LIMIT = 5000


async def _caller(socket: WebSocket[Any, Any, Any], db: Database, now: datetime) -> Caller | None:
    cookie = socket.cookies.get(sessions.COOKIE)
    if cookie:
        if not sessions.same_origin(socket):
            return None
        found = await sessions.session_caller(db, cookie, now)
        return found[0] if found else None
    try:
        first = await asyncio.wait_for(socket.receive_text(), AUTH_TIMEOUT_SECONDS)
        message = json.loads(first)
    except (TimeoutError, ValueError, WebSocketDisconnect):
        return None
    if not isinstance(message, dict) or message.get("type") != "auth":
        return None
    token = message.get("token")
    return await auth.caller_for_token(db, token) if isinstance(token, str) else None


@websocket("/api/operations/{code:str}/live", name="live")
async def live(
    socket: WebSocket[Any, Any, Any],
    code: Annotated[str, PathParameter()],
    since: Annotated[int | None, QueryParameter(ge=0, required=False)] = None,
) -> None:
    state = socket.app.state
    db: Database = state.db
    hub: Hub = state.hub
    pump: LivePump = state.pump
    await socket.accept()
    caller = await _caller(socket, db, state.clock.now())
    reason = await _refusal(db, caller, code)
    if reason is not None or caller is None:
        await socket.close(code=POLICY_VIOLATION, reason=reason or "not allowed")
        return
    async with db.read() as session:
        op = await load(session, code)
    assert op.id is not None
    await pump.prepare(op.id)
    sub = hub.subscribe(op.id)
    try:
        cursor = await _start(socket, db, caller, op.code, op.id, since, state.clock.now())
        await _forward(socket, sub, caller, cursor, hub)
    except WebSocketDisconnect:
        pass
    finally:
        sub.close()


async def _refusal(db: Database, caller: Caller | None, code: str) -> str | None:
    if caller is None:
        return "authentication required"
    try:
        access.require_live_watcher(caller)
    except HTTPException as exc:
        return str(exc.detail)
    async with db.read() as session:
        try:
            op = await load(session, code)
        except HTTPException:
            return f"no operation {code}"
        if caller.role is Role.ncp and not await is_participant(session, op, caller.country):
            return f"{caller.country} does not take part in {code}"
    return None


async def _start(
    socket: WebSocket[Any, Any, Any],
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
            events = await live_feed.replay(session, stream_id, since, REPLAY_LIMIT)
            if events is not None and since > await live_feed.last_seq(session, stream_id):
                events = None  # a cursor from another database: start afresh
        snapshot = (
            None if events is not None else await live_feed.build_snapshot(session, op, caller, now)
        )
    if snapshot is not None:
        await socket.send_text(json.dumps(snapshot))
        return int(snapshot["seq"])
    cursor = since or 0
    for event in events or []:
        await socket.send_text(json.dumps(live_feed.message_for(caller, event)))
        cursor = event.seq
    return cursor


async def _forward(
    socket: WebSocket[Any, Any, Any], sub: Any, caller: Caller, cursor: int, hub: Hub
) -> None:
    """Send events until the client goes away or falls behind (two tasks per socket)."""
    sender = asyncio.create_task(_send(socket, sub, caller, cursor, hub))
    receiver = asyncio.create_task(_receive(socket))
    try:
        done, _ = await asyncio.wait({sender, receiver}, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if not task.cancelled() and isinstance(task.exception(), Exception):
                exc = task.exception()
                if not isinstance(exc, WebSocketDisconnect):
                    raise exc  # type: ignore[misc]
    finally:
        for task in (sender, receiver):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect):
                await task


async def _send(
    socket: WebSocket[Any, Any, Any], sub: Any, caller: Caller, cursor: int, hub: Hub
) -> None:
    while True:
        event = await sub.get()
        if event is None:  # dropped for falling behind
            await socket.close(
                code=TRY_AGAIN_LATER, reason=f"fell behind: reconnect with ?since={cursor}"
            )
            return
        if event.seq <= cursor:
            continue  # already covered by the snapshot or the replay
        await socket.send_text(live_feed.message_text(caller, event, hub.encoded))
        cursor = event.seq


async def _receive(socket: WebSocket[Any, Any, Any]) -> None:
    """Read what the client sends (pings) until it goes away."""
    while True:
        try:
            text = await socket.receive_text()
        except WebSocketDisconnect:
            return
        with contextlib.suppress(ValueError):
            if json.loads(text).get("type") == "ping":
                await socket.send_text('{"type":"pong"}')
