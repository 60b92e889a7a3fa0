"""Alerts: the coordination unit's messages to the contact points of an operation (a
modus operandi, a wanted object, a route to watch), and their acknowledgements.

An alert names its countries, or none for every participating country; "every" is
decided when it is read, so a country that joins later sees the alerts sent to all.
Sending one records a live event ``alert`` that only the named countries' contact points
(and coordinators) can read; acknowledging records ``alert_acknowledged`` for the
coordinators and that country. Who may send to which countries is the access policy's
(``access.may_send_alert``); a contact point never learns that an alert for others
exists: for it, such an alert is a 404 like one that does not exist.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from opcoord.accounts import access
from opcoord.accounts.identity import Caller, Role
from opcoord.audit import log as audit
from opcoord.audit.log import plain
from opcoord.db import Database, pk
from opcoord.errors import Forbidden, conflict, invalid, not_found
from opcoord.operations import ledger
from opcoord.operations.enums import OperationStatus
from opcoord.operations.models import Alert, AlertAck, Operation, Participant
from opcoord.operations.operations import load
from opcoord.operations.schemas import (
    AlertAckPublic,
    AlertCreate,
    AlertPriority,
    AlertPublic,
)
from opcoord.outbox.events import ChangeEvent, EventType
from opcoord.outbox.record import record


def parse_id(value: str) -> int:
    """An alert id from the path: a 422 naming ``id`` when it is not a number."""
    if not (value.isascii() and value.isdigit()) or len(value) > 12:
        raise invalid("id", f"'{value[:20]}' is not an alert id (a whole number)", "int_type")
    return int(value)


async def _countries_of(session: AsyncSession, op: Operation) -> list[str]:
    rows = await session.scalars(
        sa.select(col(Participant.country))
        .where(col(Participant.operation_id) == op.id)
        .order_by(col(Participant.country))
    )
    return list(rows.all())


def addressees(alert: Alert, participants: Sequence[str]) -> list[str]:
    """The countries an alert is for now: every participant for an alert to all."""
    return sorted(participants) if alert.to_all else list(alert.countries)


def _state(alert: Alert) -> dict[str, Any]:
    table = alert.__table__  # type: ignore[attr-defined]
    return {c.name: plain(getattr(alert, c.name)) for c in table.columns if c.name != "id"}


def _public(
    caller: Caller, op: Operation, alert: Alert, to: list[str], acks: Sequence[AlertAck]
) -> AlertPublic:
    assert alert.id is not None
    by_country = {a.country: a for a in acks}
    common: dict[str, Any] = {
        "id": alert.id,
        "operation": op.code,
        "title": alert.title,
        "body": alert.body,
        "priority": AlertPriority(alert.priority),
        "to_all": alert.to_all,
        "sent_by": alert.sent_by,
        "sent_at": alert.sent_at,
    }
    if caller.role is Role.regional:  # the coordinators' view, of its own countries
        to = access.own(caller, to)
    if caller.role is Role.ncp:
        mine = by_country.get(caller.country or "")
        return AlertPublic(
            **common,
            countries=[caller.country or ""],
            acknowledged=mine is not None,
            acknowledged_at=mine.acknowledged_at if mine else None,
        )
    done = [
        AlertAckPublic(
            country=a.country, acknowledged_by=a.acknowledged_by, acknowledged_at=a.acknowledged_at
        )
        for a in sorted(acks, key=lambda a: a.country)
        if a.country in to
    ]
    pending = [c for c in to if c not in by_country]
    return AlertPublic(
        **common,
        countries=to,
        acknowledged=not pending,
        acknowledgements=done,
        pending=pending,
    )


async def send_alert(
    db: Database, code: str, caller: Caller, data: AlertCreate, now: datetime
) -> AlertPublic:
    async with db.write() as session:
        op = await load(session, code, for_update=True)
        assert op.id is not None
        if ledger.status(op, now) is OperationStatus.closed:
            raise conflict(
                f"operation {code} is closed: it sends no more alerts", kind="operation_closed"
            )
        participants = await _countries_of(session, op)
        strangers = [c for c in data.countries if c not in participants]
        if strangers:
            raise invalid(
                "countries",
                f"{', '.join(strangers)} {'does' if len(strangers) == 1 else 'do'} not take "
                f"part in {op.code}",
                "not_participating",
            )
        # "All" for a regional coordinator: every one of its countries taking part.
        everyone = (
            participants if caller.role is Role.coordinator else access.own(caller, participants)
        )
        to = list(data.countries) or everyone
        if not to:
            raise invalid("countries", f"no country takes part in {op.code} yet", "too_short")
        access.check_alert_senders(caller, to)
        alert = Alert(
            operation_id=op.id,
            title=data.title,
            body=data.body,
            priority=str(data.priority),
            to_all=not data.countries and caller.role is Role.coordinator,
            countries=to,
            sent_by=caller.username,
            sent_at=now,
        )
        session.add(alert)
        await session.flush()
        assert alert.id is not None
        # Self-contained: a mailer or a webhook needs nothing else to tell its readers.
        payload = {
            "operation": op.code,
            "id": alert.id,
            "title": alert.title,
            "body": alert.body,
            "priority": alert.priority,
            "countries": to,
            "to_all": alert.to_all,
            "sent_by": alert.sent_by,
            "sent_at": now.isoformat(),
        }
        await record(session, ChangeEvent(EventType.alert, op.id, payload, audience=tuple(to)), now)
        await audit.record(
            session,
            "alert.send",
            now,
            stream_id=op.id,
            operation=op.code,
            object=f"alert {alert.id}",
            object_key=f"alerts:{alert.id}",
            state=_state(alert),
            detail={"countries": to, "priority": alert.priority, "to_all": alert.to_all},
        )
        return _public(caller, op, alert, to, [])


async def list_alerts(db: Database, code: str, caller: Caller) -> list[AlertPublic]:
    """The operation's alerts the caller may read, newest first."""
    async with db.read() as session:
        op = await load(session, code)
        participants = await _countries_of(session, op)
        alerts = (
            await session.scalars(
                sa.select(Alert)
                .where(col(Alert.operation_id) == op.id)
                .order_by(col(Alert.sent_at).desc(), pk(Alert).desc())
            )
        ).all()
        readable = [
            (a, to) for a in alerts if access.reads_alert(caller, to := addressees(a, participants))
        ]
        ids = [a.id for a, _ in readable]
        acks: dict[int, list[AlertAck]] = {}
        if ids:
            for ack in await session.scalars(
                sa.select(AlertAck).where(col(AlertAck.alert_id).in_(ids))
            ):
                acks.setdefault(ack.alert_id, []).append(ack)
        return [_public(caller, op, a, to, acks.get(a.id or 0, [])) for a, to in readable]


async def unacknowledged(db: Database, code: str, caller: Caller) -> list[AlertPublic]:
    """What a contact point's banner shows: its alerts not yet acknowledged, oldest first."""
    if caller.role is not Role.ncp:
        return []
    return [a for a in reversed(await list_alerts(db, code, caller)) if not a.acknowledged]


async def acknowledge(
    db: Database, code: str, alert_id: int, caller: Caller, now: datetime
) -> AlertPublic:
    """The caller's country acknowledges the alert; again is harmless (the first counts)."""
    if caller.role is not Role.ncp or caller.country is None:
        raise Forbidden(
            "alerts are acknowledged by the contact points they were sent to", "ncp_only"
        )
    country = caller.country
    async with db.write() as session:
        # The operation's lock serialises two acknowledgements of one country.
        op = await load(session, code, for_update=True)
        assert op.id is not None
        alert = await session.scalar(
            sa.select(Alert).where(pk(Alert) == alert_id, col(Alert.operation_id) == op.id)
        )
        participants = await _countries_of(session, op)
        to = addressees(alert, participants) if alert is not None else []
        if alert is None or not access.alert_addressee(caller, to):
            raise not_found("id", f"no alert {alert_id} in {op.code}")
        acks = list(
            (
                await session.scalars(sa.select(AlertAck).where(col(AlertAck.alert_id) == alert_id))
            ).all()
        )
        if any(a.country == country for a in acks):
            return _public(caller, op, alert, to, acks)
        ack = AlertAck(
            alert_id=alert_id, country=country, acknowledged_by=caller.username, acknowledged_at=now
        )
        session.add(ack)
        await session.flush()
        payload = {
            "operation": op.code,
            "id": alert_id,
            "country": country,
            "acknowledged_by": caller.username,
            "acknowledged_at": now.isoformat(),
        }
        event = ChangeEvent(
            EventType.alert_acknowledged, op.id, payload, country=country, audience=(country,)
        )
        await record(session, event, now)
        await audit.record(
            session,
            "alert.acknowledge",
            now,
            stream_id=op.id,
            operation=op.code,
            object=f"alert {alert_id} {country}",
            object_key=f"alert_acks:{ack.id}",
            detail={"alert": alert_id, "country": country},
        )
        return _public(caller, op, alert, to, [*acks, ack])
