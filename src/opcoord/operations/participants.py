"""Actions on participants: the countries taking part in an operation."""

from datetime import datetime

import pycountry
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from opcoord.db import Database
from opcoord.errors import conflict, invalid
from opcoord.live.events import ChangeEvent, EventType
from opcoord.live.hub import Hub
from opcoord.live.outbox import record
from opcoord.operations import calendar, figures
from opcoord.operations.enums import Agency, OperationStatus
from opcoord.operations.models import Operation, Participant
from opcoord.operations.operations import load
from opcoord.operations.schemas import ParticipantCreate, ParticipantPublic


def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return getattr(country, "common_name", None) or (country.name if country else code)


def to_public(p: Participant) -> ParticipantPublic:
    return ParticipantPublic(
        country=p.country,
        name=country_name(p.country),
        agencies=[Agency(a) for a in p.agencies],
        joins_on=p.joins_on,
        leaves_on=p.leaves_on,
    )


async def add_participant(
    db: Database, hub: Hub, code: str, data: ParticipantCreate, now: datetime
) -> ParticipantPublic:
    async with db.write() as session:
        op = await load(session, code, for_update=True)
        assert op.id is not None
        if calendar.status(op, now) is OperationStatus.closed:
            raise conflict(f"operation {code} is closed")
        joins_on = data.joins_on or op.starts_on
        if not op.starts_on <= joins_on <= op.ends_on:
            raise invalid("joins_on", "joins_on must fall inside the operation's window")
        if data.leaves_on is not None and not joins_on <= data.leaves_on <= op.ends_on:
            raise invalid("leaves_on", "leaves_on must fall between joins_on and the window's end")
        taken = await session.scalar(
            sa.select(Participant.id).where(
                Participant.operation_id == op.id, Participant.country == data.country
            )
        )
        if taken is not None:
            raise conflict(f"{data.country} already takes part in {code}", "country")
        participant = Participant(
            operation_id=op.id,
            country=data.country,
            agencies=[str(a) for a in data.agencies],
            joins_on=joins_on,
            leaves_on=data.leaves_on,
            created_at=now,
        )
        session.add(participant)
        public = to_public(participant)
        last = participant.leaves_on or op.ends_on
        cells = {
            d.isoformat(): str(
                figures.day_status(
                    returned=False, first_late=False, nil=False, due=calendar.due_at(op, d), now=now
                )
            )
            for d in calendar.days(joins_on, last)
        }
        event = await record(
            session,
            ChangeEvent(
                type=EventType.participant_added,
                stream_id=op.id,
                payload={
                    "operation": op.code,
                    "participant": public.model_dump(mode="json"),
                    "completeness": cells,
                    "delta": {"countries_participating": 1},
                },
            ),
            now,
        )
    await hub.publish([event])
    return public


async def is_participant(session: AsyncSession, op: Operation, country: str | None) -> bool:
    found = await session.scalar(
        sa.select(Participant.id).where(
            Participant.operation_id == op.id, Participant.country == country
        )
    )
    return found is not None


async def list_participants(db: Database, code: str) -> list[ParticipantPublic]:
    async with db.read() as session:
        op = await load(session, code)
        rows = await session.scalars(
            sa.select(Participant)
            .where(Participant.operation_id == op.id)
            .order_by(Participant.country)
        )
        return [to_public(p) for p in rows]
