"""Seizures as the map and GeoJSON see them: current versions, with the map's filters."""

import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from opcoord.db import Database
from opcoord.errors import invalid
from opcoord.live.mapbuilder import SeizurePoint
from opcoord.operations.enums import Category
from opcoord.operations.models import Operation, Seizure
from opcoord.operations.schemas import _country

BATCH = 5000
_POINT_COLUMNS = (
    Seizure.id,
    Seizure.ref,
    Seizure.category,
    Seizure.quantity,
    Seizure.place_type,
    Seizure.place_name,
    Seizure.day,
    Seizure.country,
    Seizure.conveyance,
    Seizure.origin_country,
    Seizure.destination_country,
    Seizure.lat,
    Seizure.lon,
    Seizure.description,
    Seizure.online,
    Seizure.hs_code,
)


@dataclass(frozen=True, slots=True)
class MapFilter:
    """Which seizures a map or GeoJSON shows: a day range, categories, countries."""

    day_from: date | None = None
    day_to: date | None = None
    categories: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()

    @classmethod
    def parse(
        cls,
        day_from: date | None,
        day_to: date | None,
        category: Sequence[str] | None,
        country: Sequence[str] | None,
    ) -> "MapFilter":
        cats = tuple(c for raw in category or () for c in raw.split(",") if c)
        for c in cats:
            if c not in Category.__members__:
                raise invalid("category", f"unknown category {c!r}")
        codes = []
        for code in (c for raw in country or () for c in raw.split(",") if c):
            try:
                codes.append(_country(code))
            except ValueError as exc:
                raise invalid("country", str(exc)) from None
        if day_from and day_to and day_to < day_from:
            raise invalid("to", "the day range ends before it starts")
        return cls(day_from, day_to, cats, tuple(codes))

    def where(self, op: Operation) -> list[Any]:
        clauses: list[Any] = [Seizure.operation_id == op.id, Seizure.is_current]
        if self.day_from:
            clauses.append(Seizure.day >= self.day_from)
        if self.day_to:
            clauses.append(Seizure.day <= self.day_to)
        if self.categories:
            clauses.append(Seizure.category.in_(self.categories))
        if self.countries:
            clauses.append(Seizure.country.in_(self.countries))
        return clauses


async def points(db: Database, op: Operation, filt: MapFilter) -> list[SeizurePoint]:
    async with db.read() as session:
        rows = (await session.execute(sa.select(*_POINT_COLUMNS).where(*filt.where(op)))).all()
    return [
        SeizurePoint(
            ref=r.ref,
            category=r.category,
            quantity=r.quantity,
            place_type=r.place_type,
            place_name=r.place_name or None,
            day=r.day,
            country=r.country,
            conveyance=r.conveyance,
            origin_country=r.origin_country,
            destination_country=r.destination_country,
            lat=r.lat,
            lon=r.lon,
            description=r.description or None,
        )
        for r in rows
    ]


async def objects_by_country(db: Database, op: Operation, filt: MapFilter) -> dict[str, int]:
    async with db.read() as session:
        rows = await session.execute(
            sa.select(Seizure.country, sa.func.sum(Seizure.quantity))
            .where(*filt.where(op))
            .group_by(Seizure.country)
        )
        return {c: int(n) for c, n in rows.all()}


async def geojson_chunks(db: Database, op: Operation, filt: MapFilter) -> AsyncIterator[bytes]:
    """A FeatureCollection, written in batches read by id: memory stays flat at any size."""
    yield b'{"type":"FeatureCollection","features":['
    last_id, first = 0, True
    while True:
        async with db.read() as session:
            rows = (
                await session.execute(
                    sa.select(*_POINT_COLUMNS)
                    .where(*filt.where(op), Seizure.lat.is_not(None), Seizure.id > last_id)
                    .order_by(Seizure.id)
                    .limit(BATCH)
                )
            ).all()
        if not rows:
            break
        parts = []
        for r in rows:
            feature = {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [r.lon, r.lat]},
                "properties": {
                    "ref": r.ref,
                    "category": r.category,
                    "quantity": r.quantity,
                    "place_type": r.place_type,
                    "place_name": r.place_name,
                    "day": r.day.isoformat(),
                    "country": r.country,
                    "conveyance": r.conveyance,
                    "origin_country": r.origin_country,
                    "destination_country": r.destination_country,
                    "online": r.online,
                    "hs_code": r.hs_code,
                },
            }
            parts.append(("" if first else ",") + json.dumps(feature, separators=(",", ":")))
            first = False
        last_id = rows[-1].id
        yield "".join(parts).encode()
    yield b"]}"
