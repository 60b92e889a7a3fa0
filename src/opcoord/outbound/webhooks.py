"""Actions on webhooks: create, list, delete, and read a webhook's deliveries.

Each create and delete is one transaction with its audit entry. The secret is kept (it
signs every delivery) and never returned.
"""

import contextlib
import ipaddress
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlmodel import col

from opcoord.audit import log as audit
from opcoord.db import Database, pk
from opcoord.errors import invalid, not_found
from opcoord.outbound.models import Delivery, DeliveryAttempt, Webhook
from opcoord.outbound.schemas import MIN_SECRET, WebhookCreate
from opcoord.outbox.events import EventType

EVERY = "*"
PRIVATE_NAMES = ("localhost", "localhost.localdomain")


def is_private(address: str) -> bool:
    """Whether an address is not on the public internet (loopback, private, link-local,
    unspecified, reserved, multicast)."""
    ip = ipaddress.ip_address(address)
    return not ip.is_global or ip.is_multicast


def check_url(url: str, *, allow_private: bool) -> str:
    """The URL if a webhook may target it; else ``Invalid`` naming ``url``."""
    if _controls(url) or any(c.isspace() for c in url):
        raise invalid("url", "the URL may not contain spaces or control characters", "url_invalid")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 -- raises ValueError on a bad port
    except ValueError:
        raise invalid("url", "not a valid URL", "url_invalid") from None
    if parts.scheme not in ("http", "https") or not host:
        raise invalid("url", "the URL must be http:// or https:// with a host", "url_scheme")
    if parts.username or parts.password:
        raise invalid("url", "the URL may not carry a user or password", "url_credentials")
    if not allow_private:
        literal = None
        with contextlib.suppress(ValueError):
            literal = ipaddress.ip_address(host)
        if host.lower().rstrip(".") in PRIVATE_NAMES or (
            literal is not None and is_private(str(literal))
        ):
            raise invalid(
                "url",
                "this server does not send webhooks to loopback or private addresses",
                "url_private",
            )
    return url


def check_events(events: list[str]) -> list[str]:
    if not events:
        raise invalid("events", "name at least one event type, or *", "events_empty")
    if EVERY in events:
        if len(events) > 1:
            raise invalid("events", "* stands alone: it already means every type", "events_star")
        return [EVERY]
    known = {str(t) for t in EventType}
    for i, name in enumerate(events):
        if name not in known:
            raise invalid(
                f"events[{i}]",
                f"unknown event type {name!r}; known: {', '.join(sorted(known))}",
                "events_unknown",
            )
    return sorted(set(events))


def _controls(text: str) -> bool:
    return any(ord(c) < 32 or ord(c) == 127 for c in text)


def check_secret(secret: str) -> str:
    if _controls(secret):
        raise invalid("secret", "the secret may not contain control characters", "secret_invalid")
    if len(secret) < MIN_SECRET or not secret.strip():
        raise invalid(
            "secret", f"the secret must be at least {MIN_SECRET} characters", "secret_short"
        )
    return secret


def state(hook: Webhook) -> dict[str, Any]:
    """What the audit entry vouches for (a digest of the secret, never the secret)."""
    return {
        "id": hook.id,
        "url": hook.url,
        "events": hook.events,
        "secret": audit.digest(hook.secret),
        "deleted_at": audit.plain(hook.deleted_at),
    }


async def create(
    db: Database, data: WebhookCreate, by: str, now: datetime, *, allow_private: bool
) -> Webhook:
    url = check_url(data.url, allow_private=allow_private)
    events = check_events(data.events)
    secret = check_secret(data.secret)
    async with db.write() as session:
        hook = Webhook(url=url, events=events, secret=secret, created_by=by, created_at=now)
        session.add(hook)
        await session.flush()
        await audit.record(
            session,
            "webhook.create",
            now,
            object=url,
            object_key=f"webhook:{hook.id}",
            state=state(hook),
            detail={"events": events},
        )
    return hook


async def list_active(db: Database) -> list[Webhook]:
    async with db.read() as session:
        stmt = sa.select(Webhook).where(col(Webhook.deleted_at).is_(None)).order_by(pk(Webhook))
        return list((await session.scalars(stmt)).all())


def _missing(webhook_id: int) -> Exception:
    return not_found("id", f"no webhook {webhook_id}")


async def delete(db: Database, webhook_id: int, now: datetime) -> None:
    """Stop the webhook: nothing more is sent to it, pending deliveries included."""
    async with db.write() as session:
        hook = await session.get(Webhook, webhook_id, with_for_update=True)
        if hook is None or hook.deleted_at is not None:
            raise _missing(webhook_id)
        hook.deleted_at = now
        await session.execute(
            sa.update(Delivery)
            .where(col(Delivery.webhook_id) == webhook_id, col(Delivery.status) == "pending")
            .values(status="cancelled", finished_at=now)
        )
        await session.flush()
        await audit.record(
            session,
            "webhook.delete",
            now,
            object=hook.url,
            object_key=f"webhook:{hook.id}",
            state=state(hook),
        )


async def deliveries(
    db: Database, webhook_id: int, limit: int
) -> list[tuple[Delivery, list[DeliveryAttempt]]]:
    """The webhook's latest deliveries, newest first, each with its attempts in order."""
    async with db.read() as session:
        hook = await session.get(Webhook, webhook_id)
        if hook is None or hook.deleted_at is not None:
            raise _missing(webhook_id)
        rows = list(
            (
                await session.scalars(
                    sa.select(Delivery)
                    .where(col(Delivery.webhook_id) == webhook_id)
                    .order_by(pk(Delivery).desc())
                    .limit(limit)
                )
            ).all()
        )
        tries: dict[int, list[DeliveryAttempt]] = {}
        if rows:
            found = await session.scalars(
                sa.select(DeliveryAttempt)
                .where(col(DeliveryAttempt.delivery_id).in_([r.id for r in rows]))
                .order_by(col(DeliveryAttempt.delivery_id), col(DeliveryAttempt.attempt))
            )
            for a in found:
                tries.setdefault(a.delivery_id, []).append(a)
    return [(r, tries.get(r.id or 0, [])) for r in rows]
