"""Closing an operation and producing its consolidated report, exactly once.

Two steps, each guarded by the database rather than by any process's memory:

1. ``close_operation``: ``UPDATE operations SET closed_at = ... WHERE closed_at IS NULL``.
   Only the transaction whose update matches a row goes on, and in the same
   transaction it inserts edition 1 (``UNIQUE (operation_id, edition)``) in state
   ``pending``. From then on every write to the operation is refused (409), so the
   data are frozen at the cut-off.
2. ``build_edition``: claims the pending edition with a conditional update of
   ``build_started_at`` (a lease another instance may take over if the builder dies),
   assembles the report with SQL aggregates, renders the files and stores them with
   the report JSON, then records ``report_ready``. A ready edition is never rewritten.

The scheduler's closing job, ``POST .../close`` and ``opcoord report`` all call these.
"""

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from pydantic import TypeAdapter
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from opcoord.db import Database
from opcoord.errors import conflict, not_found
from opcoord.i18n import LANGUAGES
from opcoord.live.events import ChangeEvent, EventType, RecordedEvent
from opcoord.live.hub import Hub
from opcoord.live.outbox import record
from opcoord.operations import calendar, report_data
from opcoord.operations.models import Operation, ReportArtefact, ReportEdition
from opcoord.operations.operations import load

log = logging.getLogger(__name__)

FORMATS = ("html", "pdf", "xlsx", "csv")
AUDIENCES = ("full", "partner")
CONTENT_TYPES = {
    "json": "application/json",
    "html": "text/html",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}
Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Closed:
    operation: str
    edition: int
    edition_id: int
    closed_at: datetime
    created: bool  # this call closed the operation (False: it was closed already)


#: Formats whose content does not depend on the reader's language (one stored file).
NEUTRAL_FORMATS = ("csv", "json")


def file_lang(fmt: str, lang: str) -> str:
    """The language a stored file of ``fmt`` is kept under: CSV is language-neutral."""
    return "en" if fmt in NEUTRAL_FORMATS or lang not in LANGUAGES else lang


def file_name(code: str, edition: int, audience: str, fmt: str, lang: str = "en") -> str:
    suffix = "-partner" if audience == "partner" else ""
    if file_lang(fmt, lang) != "en":
        suffix += f"-{lang}"
    return f"{code}-report-edition-{edition}{suffix}.{fmt}"


def report_path(code: str) -> str:
    return f"/api/operations/{code}/report"


async def close_operation(
    db: Database, hub: Hub, code: str, now: datetime, *, by: int | None = None
) -> Closed:
    """Close the operation (idempotent): the one caller that closes it gets ``created``."""
    async with db.write() as session:
        op = await load(session, code, for_update=True)
        assert op.id is not None
        # Data stop being accepted at the last cut-off even if nobody closed it then.
        cutoff = min(now, calendar.final_due_at(op))
        claimed = await session.scalar(
            sa.update(Operation)
            .where(Operation.id == op.id, Operation.closed_at.is_(None))
            .values(closed_at=cutoff)
            .returning(Operation.id)
        )
        if claimed is None:
            edition = await _edition(session, op.id, 1)
            closed_at = op.closed_at or cutoff
            return Closed(code, 1, edition.id or 0, closed_at, created=False)
        edition = ReportEdition(
            operation_id=op.id,
            edition=1,
            status="pending",
            data_cutoff=cutoff,
            requested_at=now,
            requested_by=by,
        )
        session.add(edition)
        await session.flush()
        event = await record(
            session,
            ChangeEvent(
                EventType.operation_status_changed,
                op.id,
                {
                    "operation": code,
                    "status": "closed",
                    # Serialised as the operation's public model does, so a dashboard's
                    # snapshot with this applied equals a fresh one.
                    "closed_at": TypeAdapter(datetime).dump_python(cutoff, mode="json"),
                    "report": {"edition": 1, "status": "pending", "url": report_path(code)},
                },
            ),
            now,
        )
    await hub.publish([event])
    assert edition.id is not None
    return Closed(code, 1, edition.id, cutoff, created=True)


async def _edition(session: AsyncSession, operation_id: int, number: int) -> ReportEdition:
    found = await session.scalar(
        sa.select(ReportEdition).where(
            ReportEdition.operation_id == operation_id, ReportEdition.edition == number
        )
    )
    if found is None:  # closed by a version of opcoord that made no report: make one now
        raise LookupError(f"operation {operation_id} has no edition {number}")
    return found


async def issue_edition(
    db: Database, code: str, changes: str, now: datetime, *, by: int | None
) -> ReportEdition:
    """A new numbered edition of a closed operation's report, saying what changed."""
    async with db.write() as session:
        op = await load(session, code, for_update=True)
        if op.closed_at is None:
            raise conflict(f"operation {code} is not closed: there is no report to re-issue")
        latest = await latest_edition(session, op)
        if latest is None or latest.status != "ready":
            raise conflict(
                "the current edition is still being produced; issue a new one when it is ready"
            )
        edition = ReportEdition(
            operation_id=op.id,
            edition=latest.edition + 1,
            status="pending",
            changes=changes,
            data_cutoff=now,
            requested_at=now,
            requested_by=by,
        )
        session.add(edition)
        try:
            await session.flush()
        except IntegrityError:  # two coordinators at once: one edition number, one winner
            raise conflict("another edition was issued at the same time; reload") from None
    return edition


async def latest_edition(
    session: AsyncSession, op: Operation, *, published: bool = False
) -> ReportEdition | None:
    stmt = sa.select(ReportEdition).where(ReportEdition.operation_id == op.id)
    if published:
        stmt = stmt.where(ReportEdition.published_at.is_not(None))
    return await session.scalar(stmt.order_by(ReportEdition.edition.desc()).limit(1))


async def pending_editions(db: Database) -> list[int]:
    async with db.read() as session:
        ids = await session.scalars(
            sa.select(ReportEdition.id)
            .where(ReportEdition.status == "pending")
            .order_by(ReportEdition.id)
        )
        return [int(i) for i in ids]


async def _claim_build(db: Database, edition_id: int, now: datetime, lease: timedelta) -> bool:
    async with db.write() as session:
        got = await session.scalar(
            sa.update(ReportEdition)
            .where(
                ReportEdition.id == edition_id,
                ReportEdition.status == "pending",
                sa.or_(
                    ReportEdition.build_started_at.is_(None),
                    ReportEdition.build_started_at < now - lease,
                ),
            )
            .values(build_started_at=now)
            .returning(ReportEdition.id)
        )
    return got is not None


def _noop(_: str) -> None:
    pass


async def build_edition(
    db: Database,
    hub: Hub,
    edition_id: int,
    clock: Callable[[], datetime],
    *,
    lease: timedelta = timedelta(minutes=15),
    progress: Progress = _noop,
) -> bool:
    """Build a pending edition if no one else is; True when this call built it."""
    if not await _claim_build(db, edition_id, clock(), lease):
        return False
    try:
        await _build(db, hub, edition_id, clock, progress)
    except Exception as exc:
        log.exception("building report edition %s failed", edition_id)
        async with db.write() as session:  # release the claim: the next sync retries
            await session.execute(
                sa.update(ReportEdition)
                .where(ReportEdition.id == edition_id, ReportEdition.status == "pending")
                .values(build_started_at=None, error=f"{type(exc).__name__}: {exc}"[:2000])
            )
        raise
    return True


async def _build(
    db: Database, hub: Hub, edition_id: int, clock: Callable[[], datetime], progress: Progress
) -> None:
    generated_at = clock()
    progress("aggregates")
    async with db.read() as session:
        edition = await session.get(ReportEdition, edition_id)
        assert edition is not None
        op = await session.get(Operation, edition.operation_id)
        assert op is not None and op.id is not None
        previous = None
        if edition.edition > 1:
            previous = await _edition(session, op.id, edition.edition - 1)
        report = await report_data.assemble(
            session,
            op,
            edition=edition.edition,
            generated_at=generated_at,
            data_cutoff=edition.data_cutoff,
            changes=edition.changes,
        )
        if previous is not None and previous.report is not None:
            report["differences"] = report_data.total_differences(
                previous.report["totals"], report["totals"]
            )
        progress("seizures")
        rows = await report_data.seizure_tuples(session, op)
    files = await asyncio.to_thread(render_files, report, rows, "full", progress)
    progress("saving")
    now = clock()
    async with db.write() as session:
        done = await session.scalar(
            sa.update(ReportEdition)
            .where(ReportEdition.id == edition_id, ReportEdition.status == "pending")
            .values(status="ready", report=report, generated_at=generated_at, error=None)
            .returning(ReportEdition.id)
        )
        if done is None:  # a builder that outlived its lease lost to its successor
            return
        await _store(session, edition_id, "full", files, now)
        event = await _ready_event(session, op, edition.edition, "full", now)
    await hub.publish([event])


async def _ready_event(
    session: AsyncSession, op: Operation, edition: int, audience: str, now: datetime
) -> RecordedEvent:
    assert op.id is not None
    base = report_path(op.code)
    return await record(
        session,
        ChangeEvent(
            EventType.report_ready,
            op.id,
            {
                "operation": op.code,
                "edition": edition,
                "audience": audience,
                "url": base,
                "files": {fmt: f"{base}.{fmt}?number={edition}" for fmt in FORMATS},
            },
        ),
        now,
    )


async def _store(
    session: AsyncSession,
    edition_id: int,
    audience: str,
    files: dict[str, bytes],
    now: datetime,
    lang: str = "en",
) -> None:
    for fmt, data in files.items():
        session.add(
            ReportArtefact(
                edition_id=edition_id,
                audience=audience,
                format=fmt,
                lang=file_lang(fmt, lang),
                content_type=CONTENT_TYPES[fmt],
                size=len(data),
                data=data,
                created_at=now,
            )
        )


def render_files(
    report: dict[str, Any],
    rows: list[tuple[Any, ...]],
    audience: str,
    progress: Progress = _noop,
    formats: tuple[str, ...] = FORMATS,
    lang: str = "en",
) -> dict[str, bytes]:
    """Every file of one edition for one audience in one language (CPU-bound: run it in
    a thread). The CSV is the same in every language."""
    # Imported here: WeasyPrint and matplotlib are heavy, and only report builds need them.
    # (Submodules by name: the package's lazy attributes clash with same-named modules.)
    from opcoord.report.render_csv import iter_seizures_csv
    from opcoord.report.render_html import render_html
    from opcoord.report.render_pdf import render_pdf
    from opcoord.report.render_xlsx import render_xlsx

    shown = report if audience == "full" else report_data.partner_edition(report)
    out: dict[str, bytes] = {}
    if "html" in formats:
        progress("map")
        map_html = _map(shown, rows, partner=audience == "partner")
        progress("html")
        out["html"] = render_html(shown, map_html=map_html, lang=lang).encode()
    if "pdf" in formats:
        progress("pdf")
        out["pdf"] = render_pdf(shown, lang=lang)
    if "xlsx" in formats:
        progress("xlsx")
        out["xlsx"] = render_xlsx(shown, report_data.seizure_dicts(rows), lang=lang)
    if "csv" in formats:
        progress("csv")
        chunks = iter_seizures_csv(report_data.seizure_dicts(rows), audience=audience)
        out["csv"] = "".join(chunks).encode()
    return out


def _map(report: dict[str, Any], rows: list[tuple[Any, ...]], *, partner: bool) -> str | None:
    from opcoord.live.mapbuilder import build_map

    try:
        return build_map(
            report_data.seizure_points(rows, partner=partner),
            objects_by_country=report["totals"]["objects_by_country"],
            inline_assets=True,
            title=f"{report['operation']['code']}: seizures",
        )
    except FileNotFoundError:  # no vendored Leaflet in this installation: report without map
        log.warning("map assets missing: the HTML report is built without its map")
        return None


async def artefact(
    db: Database,
    edition: ReportEdition,
    audience: str,
    fmt: str,
    now: datetime,
    lang: str = "en",
) -> ReportArtefact:
    """A stored file of a ready edition in ``lang``, rendering (and keeping) it on first
    request. Each language is its own file; the CSV is one file for all."""
    assert edition.id is not None and edition.report is not None
    lang = file_lang(fmt, lang)
    async with db.read() as session:
        found = await _find(session, edition.id, audience, fmt, lang)
        if found is not None:
            return found
        op = await session.get(Operation, edition.operation_id)
        assert op is not None
        rows = await report_data.seizure_tuples(session, op) if fmt != "pdf" else []
    files = await asyncio.to_thread(
        render_files, edition.report, rows, audience, _noop, (fmt,), lang
    )
    try:
        async with db.write() as session:
            await _store(session, edition.id, audience, files, now, lang)
    except IntegrityError:
        pass  # rendered by someone else meanwhile: theirs is the one kept
    async with db.read() as session:
        stored = await _find(session, edition.id, audience, fmt, lang)
    assert stored is not None
    return stored


async def _find(
    session: AsyncSession, edition_id: int, audience: str, fmt: str, lang: str = "en"
) -> ReportArtefact | None:
    found: ReportArtefact | None = await session.scalar(
        sa.select(ReportArtefact).where(
            ReportArtefact.edition_id == edition_id,
            ReportArtefact.audience == audience,
            ReportArtefact.format == fmt,
            ReportArtefact.lang == lang,
        )
    )
    return found


async def publish(db: Database, hub: Hub, code: str, now: datetime) -> ReportEdition:
    """Publish the latest ready edition to partners (idempotent)."""
    async with db.write() as session:
        op = await load(session, code, for_update=True)
        latest = await latest_edition(session, op)
        if latest is None:
            raise conflict(f"operation {code} has no report yet: close it first")
        if latest.status != "ready":
            raise conflict(f"edition {latest.edition} is still being produced")
        events = []
        if latest.published_at is None:
            latest.published_at = now
            events.append(await _ready_event(session, op, latest.edition, "partner", now))
    await hub.publish(events)
    return latest


async def find_edition(
    db: Database, code: str, number: int | None, *, published_only: bool
) -> tuple[Operation, ReportEdition]:
    """The edition a reader asked for (default: the latest they may read)."""
    async with db.read() as session:
        op = await load(session, code)
        if number is None:
            edition = await latest_edition(session, op, published=published_only)
        else:
            edition = await session.scalar(
                sa.select(ReportEdition).where(
                    ReportEdition.operation_id == op.id, ReportEdition.edition == number
                )
            )
            if edition is not None and published_only and edition.published_at is None:
                edition = None
    if edition is None:
        if op.closed_at is None:
            raise conflict(f"operation {code} is not closed yet: its report does not exist")
        raise not_found("edition", f"no such report edition for {code}")
    return op, edition


async def list_editions(db: Database, code: str) -> list[ReportEdition]:
    async with db.read() as session:
        op = await load(session, code)
        found = await session.scalars(
            sa.select(ReportEdition)
            .where(ReportEdition.operation_id == op.id)
            .order_by(ReportEdition.edition)
        )
        return list(found)
