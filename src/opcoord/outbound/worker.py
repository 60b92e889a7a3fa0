"""Sends the deliveries: claimed with a lease, retried with exponential backoff.

Every instance runs one worker (``outbound_lifespan``). A turn (``run_once``) turns new
events into deliveries (``fanout``), then claims due deliveries and sends them:

- **Claim.** One transaction picks pending deliveries whose ``next_attempt_at`` has come
  and whose lease is free (``FOR UPDATE SKIP LOCKED`` on PostgreSQL: two instances never
  pick the same row; SQLite has one writer), writes this turn's lease token and
  ``lease_until``, counts the attempt and logs its start. It commits before anything is
  sent, so no transaction stays open across a network call.
- **Send.** A webhook gets a POST of the JSON body with ``X-Opcoord-Signature:
  sha256=<HMAC-SHA256 of the body>``, ``X-Opcoord-Delivery`` (the same id on every
  attempt), ``X-Opcoord-Event`` and ``X-Opcoord-Attempt``; any 2xx is success. An e-mail
  goes through ``OPCOORD_SMTP_URL``.
- **Record.** The attempt's outcome is logged; the delivery becomes ``delivered``, or
  waits ``backoff_seconds * 2**(attempts-1)`` (capped) for its next attempt, or becomes
  ``failed`` after ``max_attempts``, but only if this turn still holds its lease.

What is guaranteed: each delivery is sent once while its sender lives. A sender killed
after sending but before recording leaves its lease to run out; another instance then
sends it again with the same ``X-Opcoord-Delivery``: across a crash the guarantee is
at least once, with an id the receiver can deduplicate on. Nothing committed is lost:
the events wait in the log behind the cursor, the deliveries in their table.

Times (``next_attempt_at``, leases) come from the app's clock, so tests move it.
"""

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from opcoord.clock import Clock
from opcoord.config import Settings
from opcoord.db import STREAMS_TOUCHED, Database, pk
from opcoord.outbound import fanout, mail
from opcoord.outbound.models import Delivery, DeliveryAttempt, Webhook
from opcoord.outbound.webhooks import is_private
from opcoord.tasks import SETTLE_SECONDS, stop_tasks

log = logging.getLogger(__name__)
CLAIM_BATCH = 20
SIGNATURE = "X-Opcoord-Signature"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()


@dataclass(slots=True)
class Claimed:
    delivery: Delivery
    token: str
    attempt_id: int
    secret: str | None


@dataclass(slots=True)
class Outcome:
    ok: bool
    status_code: int | None = None
    error: str | None = None
    final: bool = False  # no point retrying (a refused address)


@dataclass(slots=True)
class Turn:
    """What one turn did (for tests and logs)."""

    made: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    ids: list[str] = field(default_factory=list)


class RefusedError(Exception):
    """The target may not be contacted from here."""


class Outbound:
    def __init__(self, db: Database, clock: Clock, settings: Settings) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.smtp = mail.SmtpServer.parse(settings.smtp_url) if settings.smtp_url else None
        self._client: httpx.AsyncClient | None = None
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        db.commit_hooks.append(self.on_commit)

    # --- the loop ------------------------------------------------------------------

    def on_commit(self, noted: dict[str, set[int]]) -> None:
        if noted.get(STREAMS_TOUCHED):
            self._wake.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbound")

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await stop_tasks([self._task], "outbound worker")
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _run(self) -> None:
        while not self._stopping:
            woken = False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.settings.outbound_poll_seconds)
                woken = True
            if woken and not self._stopping:
                await asyncio.sleep(SETTLE_SECONDS)  # the commits just behind join this turn
            self._wake.clear()
            if self._stopping:
                return
            try:
                await self.run_once()
            except Exception:  # the database may be briefly away; the next turn retries
                log.exception("outbound turn failed; retrying")
                await asyncio.sleep(1)

    async def run_once(self) -> Turn:
        """New events into deliveries, then every due delivery sent once."""
        async with self._lock:
            turn = Turn()
            turn.made = await fanout.fan_out(self.db, self.clock.now(), email=self.smtp is not None)
            while not self._stopping:
                claimed = await self.claim(self.clock.now())
                if not claimed:
                    break
                outcomes = await asyncio.gather(*(self.send(c) for c in claimed))
                statuses = await self.record(claimed, outcomes, self.clock.now())
                for c, status in zip(claimed, statuses, strict=True):
                    turn.ids.append(c.delivery.key)
                    if status == "delivered":
                        turn.delivered += 1
                    elif status == "failed":
                        turn.failed += 1
                    elif status == "pending":
                        turn.retrying += 1
            return turn

    # --- claim, send, record ----------------------------------------------------------

    async def claim(self, now: datetime) -> list[Claimed]:
        token = str(uuid.uuid4())
        lease = now + timedelta(seconds=self.settings.outbound_lease_seconds)
        async with self.db.write() as session:
            due = (
                sa.select(pk(Delivery))
                .where(
                    col(Delivery.status) == "pending",
                    col(Delivery.next_attempt_at) <= now,
                    sa.or_(col(Delivery.lease_until).is_(None), col(Delivery.lease_until) <= now),
                )
                .order_by(col(Delivery.next_attempt_at), pk(Delivery))
                .limit(CLAIM_BATCH)
                .with_for_update(skip_locked=True)
            )
            ids = list((await session.scalars(due)).all())
            if not ids:
                return []
            await session.execute(
                sa.update(Delivery)
                .where(pk(Delivery).in_(ids))
                .values(lease_token=token, lease_until=lease, attempts=col(Delivery.attempts) + 1)
            )
            rows = list(
                (
                    await session.scalars(
                        sa.select(Delivery)
                        .where(pk(Delivery).in_(ids))
                        .order_by(pk(Delivery))
                        .execution_options(populate_existing=True)
                    )
                ).all()
            )
            hook_ids = {r.webhook_id for r in rows if r.webhook_id is not None}
            secrets = {}
            if hook_ids:
                found = await session.execute(
                    sa.select(pk(Webhook), col(Webhook.secret)).where(pk(Webhook).in_(hook_ids))
                )
                secrets = {int(i): str(s) for i, s in found.all()}
            attempts = [
                DeliveryAttempt(delivery_id=r.id or 0, attempt=r.attempts, started_at=now)
                for r in rows
            ]
            session.add_all(attempts)
            await session.flush()
        return [
            Claimed(r, token, a.id or 0, secrets.get(r.webhook_id) if r.webhook_id else None)
            for r, a in zip(rows, attempts, strict=True)
        ]

    async def send(self, c: Claimed) -> Outcome:
        try:
            if c.delivery.channel == "webhook":
                return await self._post(c)
            return await self._mail(c)
        except RefusedError as e:
            return Outcome(False, error=str(e), final=True)
        except Exception as e:  # a network or protocol failure: retried
            return Outcome(False, error=f"{type(e).__name__}: {e}"[:500])

    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=self.settings.outbound_timeout_seconds,
                follow_redirects=False,
                trust_env=False,  # no proxy from the environment: the URL is the target
            )
        return self._client

    async def _check_target(self, url: str) -> None:
        """Refuse a host that resolves to a private address, unless allowed."""
        if self.settings.private_webhooks:
            return
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        if any(is_private(str(info[4][0])) for info in infos):
            raise RefusedError(f"{host} resolves to a private address, which this server refuses")

    async def _post(self, c: Claimed) -> Outcome:
        d = c.delivery
        if c.secret is None:
            return Outcome(False, error="the webhook was deleted", final=True)
        await self._check_target(d.target)
        body = encode(d.body)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "opcoord",
            SIGNATURE: sign(c.secret, body),
            "X-Opcoord-Delivery": d.key,
            "X-Opcoord-Event": d.event_type,
            "X-Opcoord-Attempt": str(d.attempts),
        }
        response = await self.client().post(d.target, content=body, headers=headers)
        if 200 <= response.status_code < 300:
            return Outcome(True, response.status_code)
        return Outcome(False, response.status_code, f"HTTP {response.status_code}")

    async def _mail(self, c: Claimed) -> Outcome:
        if self.smtp is None:
            return Outcome(False, error="no SMTP server is configured (OPCOORD_SMTP_URL)")
        msg = mail.message(c.delivery.body, self.settings.smtp_from, c.delivery.key)
        await mail.send(self.smtp, msg, self.settings.outbound_timeout_seconds)
        return Outcome(True)

    def backoff(self, attempts: int) -> timedelta:
        base = self.settings.outbound_backoff_seconds
        wait = min(base * 2 ** max(attempts - 1, 0), self.settings.outbound_backoff_max_seconds)
        return timedelta(seconds=wait)

    async def record(
        self, claimed: list[Claimed], outcomes: list[Outcome], now: datetime
    ) -> list[str | None]:
        """Log a batch's attempts (one transaction); move each delivery on if this turn
        still holds it. Their new statuses, None where the lease was lost (another
        instance took the delivery over)."""
        async with self.db.write() as session:
            return [
                await self._record(session, c, o, now)
                for c, o in zip(claimed, outcomes, strict=True)
            ]

    async def _record(
        self, session: AsyncSession, c: Claimed, outcome: Outcome, now: datetime
    ) -> str | None:
        await session.execute(
            sa.update(DeliveryAttempt)
            .where(pk(DeliveryAttempt) == c.attempt_id)
            .values(finished_at=now, status_code=outcome.status_code, error=outcome.error)
        )
        d = await session.scalar(
            sa.select(Delivery)
            .where(pk(Delivery) == c.delivery.id, col(Delivery.lease_token) == c.token)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if d is None:
            return None
        d.lease_token = None
        d.lease_until = None
        d.last_error = outcome.error
        if outcome.ok:
            d.status, d.finished_at = "delivered", now
        elif outcome.final or d.attempts >= self.settings.outbound_max_attempts:
            d.status, d.finished_at = "failed", now
            log.warning("delivery %s to %s failed: %s", d.key, d.target, outcome.error)
        else:
            d.next_attempt_at = now + self.backoff(d.attempts)
        return d.status


def outbound_lifespan() -> Any:
    """The app's lifespan that runs this instance's outbound worker."""

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        state = app.state
        worker = Outbound(state.db, state.clock, state.settings)
        state.outbound = worker
        if state.settings.outbound_enabled:
            await worker.start()
        try:
            yield
        finally:
            await worker.stop()

    return lifespan
