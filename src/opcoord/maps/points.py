"""Seizures as the map and GeoJSON see them: current versions, with the map's filters."""

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlmodel import col

from opcoord import codes
from opcoord.db import Database, pk
from opcoord.errors import invalid
from opcoord.maps.builder import SeizurePoint
from opcoord.operations.enums import Category
from opcoord.operations.models import Operation, Seizure

BATCH = 5000
# msgspec (already under Litestar) encodes a batch of features several times faster than json.
_encode = msgspec.json.Encoder().encode
_POINT_COLUMNS = (
    pk(Seizure),
    col(Seizure.ref),
    col(Seizure.category),
    col(Seizure.quantity),
    col(Seizure.place_type),
    col(Seizure.place_name),
    col(Seizure.day),
    col(Seizure.country),
    col(Seizure.conveyance),
    col(Seizure.origin_country),
    col(Seizure.destination_country),
    col(Seizure.lat),
    col(Seizure.lon),
    col(Seizure.description),
    col(Seizure.online),
    col(Seizure.hs_code),
)


@dataclass(frozen=True, slots=True)
class MapFilter:
    """Which seizures a map or GeoJSON shows: a day range, categories, countries."""

    day_from: date | None = None
    day_to: date | None = None
    categories: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    #: The countries the caller may see (None: all): asked-for others show nothing.
    within: frozenset[str] | None = None

    def seen_by(self, countries: frozenset[str] | None) -> "MapFilter":
        """The filter narrowed to what a caller sees (``access.scope``)."""
        return MapFilter(self.day_from, self.day_to, self.categories, self.countries, countries)

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
        found: list[str] = []
        for code in (c for raw in country or () for c in raw.split(",") if c):
            try:
                found.append(codes.country(code))
            except ValueError as exc:
                raise invalid("country", str(exc)) from None
        if day_from and day_to and day_to < day_from:
            raise invalid("to", "the day range ends before it starts")
        return cls(day_from, day_to, cats, tuple(found))

    def where(self, op: Operation) -> list[Any]:
        clauses: list[Any] = [col(Seizure.operation_id) == op.id, col(Seizure.is_current)]
        if self.day_from:
            clauses.append(col(Seizure.day) >= self.day_from)
        if self.day_to:
            clauses.append(col(Seizure.day) <= self.day_to)
        if self.categories:
            clauses.append(col(Seizure.category).in_(self.categories))
        if self.countries:
            clauses.append(col(Seizure.country).in_(self.countries))
        if self.within is not None:
            clauses.append(col(Seizure.country).in_(sorted(self.within)))
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
            sa.select(col(Seizure.country), sa.func.sum(col(Seizure.quantity)))
            .where(*filt.where(op))
            .group_by(col(Seizure.country))
        )
        return {c: int(n) for c, n in rows.all()}


async def geojson_chunks(db: Database, op: Operation, filt: MapFilter) -> AsyncIterator[bytes]:
    """A FeatureCollection written as it is read: one streamed query, encoded in batches,
    so memory stays flat at any size."""
    stmt = (
        sa.select(
            col(Seizure.lon),
            col(Seizure.lat),
            col(Seizure.ref),
            col(Seizure.category),
            col(Seizure.quantity),
            col(Seizure.place_type),
            col(Seizure.place_name),
            # Text already: no date object per row only to print it again.
            sa.cast(col(Seizure.day), sa.String),
            col(Seizure.country),
            col(Seizure.conveyance),
            col(Seizure.origin_country),
            col(Seizure.destination_country),
            col(Seizure.online),
            col(Seizure.hs_code),
        )
        .where(*filt.where(op), col(Seizure.lat).is_not(None))
        .order_by(pk(Seizure))
        .execution_options(yield_per=BATCH)
    )
    yield b'{"type":"FeatureCollection","features":['
    first = True
    async with db.snapshot() as session:  # one state of the data for the whole download
        result = await session.stream(stmt)
        async for rows in result.partitions():
            features = [
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [lon, lat]},
                    "properties": {
                        "ref": ref,
                        "category": cat,
                        "quantity": qty,
                        "place_type": place,
                        "place_name": name,
                        "day": day,
                        "country": country,
                        "conveyance": conv,
                        "origin_country": origin,
                        "destination_country": dest,
                        "online": online,
                        "hs_code": hs,
                    },
                }
                for (
                    lon,
                    lat,
                    ref,
                    cat,
                    qty,
                    place,
                    name,
                    day,
                    country,
                    conv,
                    origin,
                    dest,
                    online,
                    hs,
                ) in rows
            ]
            body = _encode(features)[1:-1]  # the list's items, without its brackets
            yield body if first else b"," + body
            first = False
    yield b"]}"
