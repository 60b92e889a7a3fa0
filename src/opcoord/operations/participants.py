"""Actions on participants: the countries taking part in an operation."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col

from opcoord.audit import log as audit
from opcoord.codes import country_name
from opcoord.db import Database, pk
from opcoord.errors import conflict, invalid, not_found
from opcoord.operations import figures, integrity, ledger
from opcoord.operations.enums import Agency, OperationStatus
from opcoord.operations.models import Participant
from opcoord.operations.operations import load
from opcoord.operations.schemas import ParticipantCreate, ParticipantPatch, ParticipantPublic
from opcoord.outbox.events import ChangeEvent, EventType
from opcoord.outbox.record import record


def to_public(p: Participant) -> ParticipantPublic:
    return ParticipantPublic(
        country=p.country,
        name=country_name(p.country),
        agencies=[Agency(a) for a in p.agencies],
        joins_on=p.joins_on,
        leaves_on=p.leaves_on,
        region=p.region,
    )


async def add_participant(
    db: Database, code: str, data: ParticipantCreate, now: datetime
) -> ParticipantPublic:
    async with db.write() as session:
        op = await load(session, code, for_update=True)
        assert op.id is not None
        if ledger.status(op, now) is OperationStatus.closed:
            raise conflict(f"operation {code} is closed", kind="operation_closed")
        joins_on = data.joins_on or op.starts_on
        if not op.starts_on <= joins_on <= op.ends_on:
            raise invalid("joins_on", "joins_on must fall inside the operation's window")
        if data.leaves_on is not None and not joins_on <= data.leaves_on <= op.ends_on:
            raise invalid("leaves_on", "leaves_on must fall between joins_on and the window's end")
        taken = await session.scalar(
            sa.select(pk(Participant)).where(
                col(Participant.operation_id) == op.id, col(Participant.country) == data.country
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
            region=data.region,
            created_at=now,
        )
        session.add(participant)
        public = to_public(participant)
        # A new country has no returns yet: its cells follow from the ledger alone.
        cells = ledger.grid(op, [participant], {}, now).cells
        payload = {
            "operation": op.code,
            "participant": public.model_dump(mode="json"),
            "completeness": figures.cells_json(cells),
            "delta": {"countries_participating": 1},
        }
        await record(session, ChangeEvent(EventType.participant_added, op.id, payload), now)
        await session.flush()
        await audit.record(
            session,
            "participant.add",
            now,
            stream_id=op.id,
            operation=op.code,
            object=participant.country,
            object_key=integrity.key("participants", participant.id),
            state=integrity.participant_state(participant),
        )
    return public


async def set_region(
    db: Database, code: str, country: str, data: ParticipantPatch, now: datetime
) -> ParticipantPublic:
    """Put a participating country in a region (or in none), closed operations too: the
    grouping is the coordinators' reading of the figures, not a figure."""
    async with db.write() as session:
        op = await load(session, code)
        participant = await session.scalar(
            sa.select(Participant)
            .where(col(Participant.operation_id) == op.id, col(Participant.country) == country)
            .with_for_update()
        )
        if participant is None:
            raise not_found("country", f"{country} does not take part in {op.code}")
        assert op.id is not None
        if participant.region != data.region:
            participant.region = data.region
            public = to_public(participant)
            payload = {"operation": op.code, "participant": public.model_dump(mode="json")}
            await record(
                session,
                ChangeEvent(EventType.participant_changed, op.id, payload, country),
                now,
            )
            await session.flush()
            await audit.record(
                session,
                "participant.region",
                now,
                stream_id=op.id,
                operation=op.code,
                object=f"{country}: {data.region or '-'}",
                object_key=integrity.key("participants", participant.id),
                state=integrity.participant_state(participant),
            )
        return to_public(participant)


async def list_participants(
    db: Database, code: str, countries: figures.Countries = None
) -> list[ParticipantPublic]:
    """The participants (those of ``countries`` only, when given)."""
    async with db.read() as session:
        op = await load(session, code)
        return [to_public(p) for p in await figures.participants_of(session, op, countries)]
