"""The consolidated report's editions: produced once per closing, frozen once built.

Each step is guarded by the database rather than by any process's memory:

1. ``ensure_first_editions``: every closed operation gets edition 1 in state ``pending``
   (``INSERT ... ON CONFLICT DO NOTHING`` on ``UNIQUE (operation_id, edition)``), so
   exactly one exists whichever instance closed the operation and whichever asks.
2. ``build_edition``: claims a pending edition with a conditional update of
   ``build_started_at`` (a lease another instance may take over if the builder dies),
   assembles the report, renders the files and stores them with the report JSON, then
   records ``report_ready``. A ready edition is never rewritten.

The scheduler runs both after each batch of day-cycle jobs (``build_pending``);
``POST .../close`` and ``opcoord report`` call them at once.
"""

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from opcoord.accounts import access
from opcoord.accounts.identity import Caller
from opcoord.audit import log as audit
from opcoord.db import Database, make_engine, pk
from opcoord.errors import Conflict, NotFound, conflict, not_found
from opcoord.i18n import LANGUAGES, Lang
from opcoord.operations.models import Operation
from opcoord.operations.operations import load
from opcoord.operations.scheduled import Context
from opcoord.outbox.events import ChangeEvent, EventType
from opcoord.outbox.record import record
from opcoord.report import data as report_data
from opcoord.report import redaction, renderer
from opcoord.report.models import ReportArtefact, ReportEdition

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


async def ensure_first_editions(db: Database, now: datetime) -> int:
    """Give every closed operation that has none its edition 1 (pending); how many were
    created."""
    has_one = sa.exists().where(col(ReportEdition.operation_id) == pk(Operation))
    async with db.read() as session:
        closed = (
            await session.execute(
                sa.select(pk(Operation), col(Operation.closed_at)).where(
                    col(Operation.closed_at).is_not(None), ~has_one
                )
            )
        ).all()
    created = 0
    for operation_id, closed_at in closed:
        async with db.write() as session:
            insert = postgresql.insert if db.is_postgres else sqlite.insert
            stmt = (
                insert(ReportEdition)
                .values(
                    operation_id=operation_id,
                    edition=1,
                    status="pending",
                    data_cutoff=closed_at,
                    requested_at=now,
                )
                .on_conflict_do_nothing(index_elements=["operation_id", "edition"])
                .returning(pk(ReportEdition))
            )
            created += (await session.scalar(stmt)) is not None
    return created


async def _edition(session: AsyncSession, operation_id: int, number: int) -> ReportEdition:
    found = await session.scalar(
        sa.select(ReportEdition).where(
            col(ReportEdition.operation_id) == operation_id, col(ReportEdition.edition) == number
        )
    )
    if found is None:
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
        assert op.id is not None
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
        assert op.id is not None
        await audit.record(
            session,
            "report.edition",
            now,
            stream_id=op.id,
            operation=op.code,
            object=f"edition {edition.edition}",
            detail={"changes": changes},
        )
    return edition


async def latest_edition(
    session: AsyncSession, op: Operation, *, published: bool = False
) -> ReportEdition | None:
    stmt = sa.select(ReportEdition).where(col(ReportEdition.operation_id) == op.id)
    if published:
        stmt = stmt.where(col(ReportEdition.published_at).is_not(None))
    return await session.scalar(stmt.order_by(col(ReportEdition.edition).desc()).limit(1))


async def pending_editions(db: Database) -> list[int]:
    async with db.read() as session:
        ids = await session.scalars(
            sa.select(pk(ReportEdition))
            .where(col(ReportEdition.status) == "pending")
            .order_by(pk(ReportEdition))
        )
        return [int(i) for i in ids]


async def _claim_build(db: Database, edition_id: int, now: datetime, lease: timedelta) -> bool:
    async with db.write() as session:
        got = await session.scalar(
            sa.update(ReportEdition)
            .where(
                pk(ReportEdition) == edition_id,
                col(ReportEdition.status) == "pending",
                sa.or_(
                    col(ReportEdition.build_started_at).is_(None),
                    col(ReportEdition.build_started_at) < now - lease,
                ),
            )
            .values(build_started_at=now)
            .returning(pk(ReportEdition))
        )
    return got is not None


def _noop(_: str) -> None:
    pass


async def build_edition(
    db: Database,
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
        await _build(db, edition_id, clock, progress)
    except Exception as exc:
        log.exception("building report edition %s failed", edition_id)
        async with db.write() as session:  # release the claim: the next sync retries
            await session.execute(
                sa.update(ReportEdition)
                .where(pk(ReportEdition) == edition_id, col(ReportEdition.status) == "pending")
                .values(build_started_at=None, error=f"{type(exc).__name__}: {exc}"[:2000])
            )
        raise
    return True


async def _build(
    db: Database, edition_id: int, clock: Callable[[], datetime], progress: Progress
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
        # The server's build renders in the rendering process, which reads the seizures
        # itself; the command line's here, showing each step as it goes.
        server = progress is _noop
        seizures = await _seizures(db, session, op, FORMATS, server)
        rows = [] if server else await report_data.seizure_tuples(session, op)
    if server:
        files = await draw(seizures, report, "full", FORMATS, "en")
    else:
        files = await asyncio.to_thread(render_files, report, rows, "full", progress)
    progress("saving")
    now = clock()
    async with db.write() as session:
        done = await session.scalar(
            sa.update(ReportEdition)
            .where(pk(ReportEdition) == edition_id, col(ReportEdition.status) == "pending")
            .values(status="ready", report=report, generated_at=generated_at, error=None)
            .returning(pk(ReportEdition))
        )
        if done is None:  # a builder that outlived its lease lost to its successor
            return
        await _store(session, edition_id, "full", files, now)
        await _ready_event(session, op, edition.edition, "full", now)


async def _ready_event(
    session: AsyncSession, op: Operation, edition: int, audience: str, now: datetime
) -> None:
    assert op.id is not None
    base = report_path(op.code)
    await record(
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
    """Every file of one edition for one audience in one language. CPU-bound: the server
    runs it in its rendering process (``renderer``). The CSV is the same in every
    language."""
    # Imported here: WeasyPrint and matplotlib are heavy, and only report builds need them.
    # (Submodules by name: the package's lazy attributes clash with same-named modules.)
    from opcoord.report.render.csv import iter_seizures_csv
    from opcoord.report.render.html import chart_svgs, render_html
    from opcoord.report.render.pdf import render_pdf
    from opcoord.report.render.xlsx import render_xlsx

    # One redaction for every format: the partner edition's JSON and rows come redacted.
    shown = report if audience == "full" else redaction.partner_report(report)
    out: dict[str, bytes] = {}
    # Both media draw the same charts: drawn once when both are rendered.
    svgs = chart_svgs(shown, lang) if "html" in formats and "pdf" in formats else None
    if "html" in formats:
        progress("map")
        map_html = _map(shown, rows, audience, lang)
        progress("html")
        out["html"] = render_html(shown, map_html=map_html, lang=lang, svgs=svgs).encode()
        del map_html
    if "pdf" in formats:
        progress("pdf")
        out["pdf"] = render_pdf(shown, lang=lang, svgs=svgs)
    # The workbook and the CSV read the seizures a column at a time, from one table.
    table = (
        report_data.seizure_table(rows, audience) if "xlsx" in formats or "csv" in formats else None
    )
    if "xlsx" in formats:
        progress("xlsx")
        assert table is not None
        out["xlsx"] = render_xlsx(shown, table, lang=lang)
    if "csv" in formats:
        progress("csv")
        assert table is not None
        out["csv"] = "".join(iter_seizures_csv(table, audience=audience)).encode()
    return out


#: The formats that draw the seizures one by one (the PDF prints figures only).
_WITH_SEIZURES = ("html", "xlsx", "csv")


@dataclass(frozen=True, slots=True)
class RowSource:
    """Where the rendering process reads an operation's seizures itself: the server
    sends it the database's address, not the rows (100,000 of them were the server's
    largest allocation of a closing, and its longest pause while they were sent)."""

    url: str
    operation_id: int


@dataclass(frozen=True, slots=True)
class Seizures:
    """What a render gets of the seizures: read by the rendering process (``source``),
    or read here (``rows``); ``count`` of them either way."""

    source: RowSource | None
    rows: list[tuple[Any, ...]]
    count: int


async def _seizures(
    db: Database, session: AsyncSession, op: Operation, formats: tuple[str, ...], wanted: bool
) -> Seizures:
    """In the caller's read (where it read the aggregates): how the render will get the
    seizures. The rendering process reads them itself when it can reach the database
    (not an in-memory SQLite)."""
    assert op.id is not None
    if not (wanted and _draws_seizures(formats)):
        return Seizures(None, [], 0)
    source = _source(db, op.id)
    if source is None:
        rows = await report_data.seizure_tuples(session, op)
        return Seizures(None, rows, len(rows))
    return Seizures(source, [], await report_data.seizure_count(session, op))


async def draw(
    seizures: Seizures,
    report: dict[str, Any],
    audience: str,
    formats: tuple[str, ...],
    lang: str,
) -> dict[str, bytes]:
    """``formats`` of ``report`` drawn in the rendering processes (no connection held).
    The PDF, which prints figures only, is drawn beside the files that list the seizures:
    the two take about as long, on two cores (docs/performance.md)."""
    parts = [formats]
    if renderer.WORKERS > 1 and "pdf" in formats and len(formats) > 1:
        parts = [("pdf",), tuple(f for f in formats if f != "pdf")]
    calls = [
        _call(seizures if _draws_seizures(p) else _NONE, report, audience, p, lang) for p in parts
    ]
    drawn: dict[str, bytes] = {}
    for files in await renderer.render_parts(calls, rows=seizures.count):
        drawn.update(files)
    return {fmt: drawn[fmt] for fmt in formats}


_NONE = Seizures(None, [], 0)


def _draws_seizures(formats: tuple[str, ...]) -> bool:
    return any(f in _WITH_SEIZURES for f in formats)


def _call(
    seizures: Seizures,
    report: dict[str, Any],
    audience: str,
    formats: tuple[str, ...],
    lang: str,
) -> renderer.Call:
    if seizures.source is None:
        return render_files, (report, seizures.rows, audience, _noop, formats, lang)
    return render_from, (seizures.source, report, audience, formats, lang)


def _source(db: Database, operation_id: int) -> RowSource | None:
    url = db.engine.url
    memory = url.database in (None, "", ":memory:") or "mode=memory" in str(url)
    if url.get_backend_name() == "sqlite" and memory:
        return None  # only this process sees it
    return RowSource(url.render_as_string(hide_password=False), operation_id)


def render_from(
    source: RowSource,
    report: dict[str, Any],
    audience: str,
    formats: tuple[str, ...],
    lang: str,
) -> dict[str, bytes]:
    """``render_files`` with the seizures read here, in the rendering process."""
    rows = asyncio.run(_read_rows(source))
    return render_files(report, rows, audience, _noop, formats, lang)


async def _read_rows(source: RowSource) -> list[tuple[Any, ...]]:
    engine = make_engine(source.url, pool_size=1)
    try:
        if engine.dialect.driver == "asyncpg":
            async with engine.connect() as conn:
                return await report_data.seizure_tuples_direct(conn, source.operation_id)
        async with AsyncSession(engine) as session:
            return await report_data.seizure_tuples_of(session, source.operation_id)
    finally:
        await engine.dispose()


def _map(
    report: dict[str, Any], rows: list[tuple[Any, ...]], audience: str, lang: str = "en"
) -> str | None:
    from opcoord.maps.builder import build_map

    code = report["operation"]["code"]
    try:
        return build_map(
            report_data.seizure_points(rows, audience),
            objects_by_country=report["totals"]["objects_by_country"],
            inline_assets=True,
            title=Lang(lang).gettext("Seizures · %(code)s", code=code),
            lang=lang,
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
        seizures = await _seizures(db, session, op, (fmt,), True)
    files = await draw(seizures, edition.report, audience, (fmt,), lang)
    try:
        async with db.write() as session:
            await _store(session, edition.id, audience, files, now, lang)
    except IntegrityError:
        pass  # rendered by someone else meanwhile: theirs is the one kept
    async with db.read() as session:
        stored = await _find(session, edition.id, audience, fmt, lang)
    assert stored is not None
    return stored


async def render_once(
    db: Database, edition: ReportEdition, audience: str, fmt: str, lang: str, extra: dict[str, Any]
) -> bytes:
    """One file of a ready edition with ``extra`` sections (a comparison), rendered for
    this request and not kept: the stored files stay what the edition was."""
    assert edition.report is not None
    async with db.read() as session:
        op = await session.get(Operation, edition.operation_id)
        assert op is not None
        # Only the HTML's map draws the seizures here: the extra sections are figures.
        seizures = await _seizures(db, session, op, (fmt,), fmt == "html")
    files = await draw(seizures, {**edition.report, **extra}, audience, (fmt,), lang)
    return files[fmt]


async def _find(
    session: AsyncSession, edition_id: int, audience: str, fmt: str, lang: str = "en"
) -> ReportArtefact | None:
    found: ReportArtefact | None = await session.scalar(
        sa.select(ReportArtefact).where(
            col(ReportArtefact.edition_id) == edition_id,
            col(ReportArtefact.audience) == audience,
            col(ReportArtefact.format) == fmt,
            col(ReportArtefact.lang) == lang,
        )
    )
    return found


async def publish(db: Database, code: str, now: datetime) -> ReportEdition:
    """Publish the latest ready edition to partners (idempotent)."""
    async with db.write() as session:
        op = await load(session, code, for_update=True)
        latest = await latest_edition(session, op)
        if latest is None:
            raise conflict(f"operation {code} has no report yet: close it first", kind="no_report")
        if latest.status != "ready":
            raise conflict(f"edition {latest.edition} is still being produced", kind="pending")
        if latest.published_at is None:
            latest.published_at = now
            await _ready_event(session, op, latest.edition, "partner", now)
            assert op.id is not None
            await audit.record(
                session,
                "report.publish",
                now,
                stream_id=op.id,
                operation=op.code,
                object=f"edition {latest.edition}",
            )
    return latest


async def record_download(
    db: Database, op: Operation, edition: ReportEdition, what: str, audience: str, now: datetime
) -> None:
    """Who downloaded which edition of the report, in which format and edition."""
    assert op.id is not None
    await audit.record_alone(
        db,
        "report.download",
        now,
        stream_id=op.id,
        operation=op.code,
        object=f"edition {edition.edition} {what} ({audience})",
        detail={"format": what, "audience": audience, "edition": edition.edition},
    )


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
                    col(ReportEdition.operation_id) == op.id, col(ReportEdition.edition) == number
                )
            )
            if edition is not None and published_only and edition.published_at is None:
                edition = None
    if edition is None:
        if op.closed_at is None:
            raise conflict(
                f"operation {code} is not closed yet: its report does not exist", kind="no_report"
            )
        if number is None and not published_only:
            # Closed a moment ago: its first edition is arranged by the next scheduler
            # run, on whichever instance. Not missing, only not there yet.
            raise conflict(
                f"operation {code} has closed: its report is being prepared", kind="no_report"
            )
        raise not_found("edition", f"no such report edition for {code}")
    return op, edition


async def list_editions(db: Database, code: str) -> list[ReportEdition]:
    async with db.read() as session:
        op = await load(session, code)
        found = await session.scalars(
            sa.select(ReportEdition)
            .where(col(ReportEdition.operation_id) == op.id)
            .order_by(col(ReportEdition.edition))
        )
        return list(found)


async def build_pending(ctx: Context, now: datetime) -> list[str]:
    """The scheduler's after-run work: edition 1 for every closed operation, then every
    pending edition built (each claimed by one instance at a time)."""
    await ensure_first_editions(ctx.db, now)
    lease = timedelta(seconds=ctx.settings.report_build_lease_seconds)
    built = []
    for edition_id in await pending_editions(ctx.db):
        try:
            if await build_edition(ctx.db, edition_id, ctx.clock.now, lease=lease):
                built.append(f"report-edition:{edition_id}")
        except Exception:
            log.exception("report edition %s failed; it will be retried", edition_id)
    return built


async def readable(
    caller: Caller, db: Database, code: str, audience: str | None, number: int | None
) -> tuple[Operation, ReportEdition, str]:
    """The ready edition ``caller`` asked for, and which audience's edition it reads:
    403 for a partner until one is published, 409 while it is being produced."""
    shown = access.report_audience(caller, audience)
    published_only = access.published_only(caller)
    try:
        op, edition = await find_edition(db, code, number, published_only=published_only)
    except (NotFound, Conflict) as exc:
        if published_only and exc.field != "code":
            access.require_published(caller, published=False)
        raise
    if edition.status != "ready" or edition.report is None:
        raise conflict(
            f"edition {edition.edition} is still being produced; poll {report_path(code)}/status",
            kind="pending",
        )
    return op, edition, shown
