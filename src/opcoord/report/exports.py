"""Seizures for other systems: HXL-tagged CSV and seizure records in JSON.

Both are written as they are read: one streamed query in one snapshot of the data,
``BATCH`` rows at a time, so an operation of 100,000 seizures never sits in memory at
once. The partner edition goes through the one redaction policy
(``redaction.partner_seizure``): no free text from returns, sensitive places moved to
the country's centroid, others rounded. The layouts are documented field by field in
docs/exports.md.
"""

import csv
import io
import json
from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlmodel import col

from opcoord.db import Database, pk
from opcoord.operations import ledger
from opcoord.operations.figures import money
from opcoord.operations.models import Operation, Seizure
from opcoord.report import data as report_data
from opcoord.report import redaction
from opcoord.report.render.csv import neutralise

BATCH = 5000
RECORD_FORMAT = "opcoord.seizure-records"
RECORD_VERSION = 1

#: The report's seizure row, and what the exchange layouts carry besides (rows are read
#: by name, so the order is free).
_COLUMNS = (
    *report_data.ROW_COLUMNS,
    col(Seizure.agency),
    col(Seizure.detection),
    col(Seizure.offence),
    col(Seizure.export_certificate),
    col(Seizure.stolen_db_match),
)
_KEYS = tuple(sa.select(*_COLUMNS).selected_columns.keys())

#: The HXL file's columns: (row key, header text, HXL hashtag). Standard hashtags and
#: attributes of the HXL 1.1 dictionary; attributes are open, so ``+departure`` or
#: ``+conveyance`` extend a standard hashtag rather than invent one.
HXL_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("ref", "Reference", "#meta+id"),
    ("country", "Reporting country", "#country+code"),
    ("day", "Date", "#date"),
    ("agency", "Agency", "#org+type"),
    ("category", "Category", "#item+type"),
    ("hs_code", "HS code", "#item+code+hs"),
    ("quantity", "Quantity", "#item+num"),
    ("description", "Description", "#description"),
    ("place_type", "Place type", "#loc+type"),
    ("place_name", "Place name", "#loc+name"),
    ("lat", "Latitude", "#geo+lat"),
    ("lon", "Longitude", "#geo+lon"),
    ("conveyance", "Conveyance", "#meta+conveyance"),
    ("online", "Online", "#meta+online"),
    ("origin_country", "Country of origin", "#country+code+origin"),
    ("departure_country", "Country of departure", "#country+code+departure"),
    ("destination_country", "Country of destination", "#country+code+dest"),
    ("estimated_value", "Estimated value", "#value"),
    ("currency", "Currency", "#currency"),
    ("detection", "Detection", "#meta+detection"),
    ("offence", "Offence", "#meta+offence"),
)
#: Columns the partner edition leaves out: the free text of returns.
PARTNER_OMITTED = frozenset({"ref", "description", "place_name"})


def hxl_columns(audience: str) -> list[tuple[str, str, str]]:
    if audience == "full":
        return list(HXL_COLUMNS)
    return [c for c in HXL_COLUMNS if c[0] not in PARTNER_OMITTED]


def _plain(row: Mapping[str, Any], audience: str) -> dict[str, Any]:
    out = dict(row)
    value = out["estimated_value"]
    if isinstance(value, Decimal):
        out["estimated_value"] = money(value)
    return out if audience == "full" else redaction.partner_seizure(out)


async def _rows(db: Database, op: Operation, audience: str) -> AsyncIterator[list[dict[str, Any]]]:
    """The current seizures in batches of ``BATCH``, redacted for partners."""
    stmt = (
        sa.select(*_COLUMNS)
        .where(col(Seizure.operation_id) == op.id, col(Seizure.is_current))
        .order_by(col(Seizure.day), col(Seizure.country), col(Seizure.ref), pk(Seizure))
        .execution_options(yield_per=BATCH)
    )
    async with db.snapshot() as session:  # one state of the data for the whole download
        result = await session.stream(stmt)
        async for batch in result.partitions():
            yield [_plain(dict(zip(_KEYS, r, strict=True)), audience) for r in batch]


def _cell(value: Any) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return neutralise(str(value))


def _csv_text(rows: Iterable[Iterable[Any]]) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue()


async def hxl_chunks(db: Database, op: Operation, audience: str) -> AsyncIterator[bytes]:
    """The HXL CSV: a header row for people, the hashtag row, then one row a seizure."""
    columns = hxl_columns(audience)
    yield _csv_text([[c[1] for c in columns], [c[2] for c in columns]]).encode()
    async for batch in _rows(db, op, audience):
        yield _csv_text([_cell(row.get(c[0])) for c in columns] for row in batch).encode()


def record(row: Mapping[str, Any], audience: str, code: str) -> dict[str, Any]:
    """One seizure in the record layout (docs/exports.md)."""
    value = row.get("estimated_value")
    ref = row.get("ref")
    return {
        "record_id": f"{code}/{row['country']}/{ref}" if ref else None,
        "reference": ref,
        "reporting_country": row["country"],
        "agency": row.get("agency"),
        "date": row["day"].isoformat() if hasattr(row["day"], "isoformat") else row["day"],
        "place": {
            "type": row.get("place_type"),
            "name": row.get("place_name") or None,
            "lat": row.get("lat"),
            "lon": row.get("lon"),
            "coarsened": bool(row.get("location_coarsened", False)) or audience == "partner",
        },
        "conveyance": row.get("conveyance"),
        "online": bool(row.get("online")),
        "route": {
            "origin": row.get("origin_country"),
            "departure": row.get("departure_country"),
            "destination": row.get("destination_country"),
        },
        "goods": {
            "category": row.get("category"),
            "hs_code": row.get("hs_code"),
            "quantity": int(row["quantity"]),
            "description": row.get("description") or None,
        },
        "value": (
            {"amount": value, "currency": row.get("currency")} if value is not None else None
        ),
        "detection": row.get("detection"),
        "offence": row.get("offence"),
        "export_certificate": row.get("export_certificate"),
        "stolen_db_match": row.get("stolen_db_match"),
    }


_encode = msgspec.json.Encoder().encode


def _header(op: Operation, audience: str, now: datetime, edition: int | None) -> bytes:
    head = {
        "format": RECORD_FORMAT,
        "version": RECORD_VERSION,
        "edition": audience,
        "generated_at": now.astimezone(UTC).isoformat(),
        "report_edition": edition,
        "operation": {
            "code": op.code,
            "name": op.name,
            "lead": op.lead,
            "starts_on": op.starts_on.isoformat(),
            "ends_on": op.ends_on.isoformat(),
            "timezone": op.timezone,
            "status": str(ledger.status(op, now)),
        },
    }
    text = json.dumps(head, ensure_ascii=False, separators=(",", ":"))
    return text[:-1].encode() + b',"records":['


async def record_chunks(
    db: Database, op: Operation, audience: str, now: datetime, edition: int | None = None
) -> AsyncIterator[bytes]:
    """The records JSON: header fields, ``records`` streamed, then ``totals`` counted over
    exactly the records written (a reader checks the file against itself)."""
    yield _header(op, audience, now, edition)
    count = objects = online = 0
    by_category: dict[str, int] = {}
    first = True
    async for batch in _rows(db, op, audience):
        records = [record(r, audience, op.code) for r in batch]
        for r in records:
            quantity = r["goods"]["quantity"]
            count += 1
            objects += quantity
            if r["online"] or r["place"]["type"] == "online":
                online += quantity
            cat = r["goods"]["category"]
            by_category[cat] = by_category.get(cat, 0) + quantity
        body = _encode(records)[1:-1]
        if body:
            yield body if first else b"," + body
            first = False
    totals = {
        "seizures": count,
        "objects_seized": objects,
        "objects_seized_online": online,
        "objects_by_category": dict(sorted(by_category.items())),
    }
    yield b'],"totals":' + _encode(totals) + b"}"
