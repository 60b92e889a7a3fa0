"""Closing and the consolidated report over HTTP: thin handlers over ``editions``.

Who reads which edition is the access policy's: coordinators the full edition (or the
partner one with ``?edition=partner``), partners the partner edition once it is
published (403 before: the operation itself is no secret to them, its report is).
"""

import asyncio
from collections.abc import AsyncIterator, Coroutine
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, get, post
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody, QueryParameter
from litestar.response import Stream
from pydantic import BaseModel, Field, field_validator

from opcoord import i18n
from opcoord.accounts import access
from opcoord.accounts.access import Rule, needs
from opcoord.accounts.identity import Caller
from opcoord.operations import closing, operations
from opcoord.operations.routes import CallerDep, DbDep, NowDep
from opcoord.report import compare as comparing
from opcoord.report import editions as report_editions
from opcoord.report import redaction
from opcoord.report.models import ReportEdition
from opcoord.web import COMMON, WRITE, Code, err, error_example

_background: set[asyncio.Task[Any]] = set()
_CHUNK = 64 * 1024

Audience = Annotated[
    Literal["full", "partner"] | None,
    QueryParameter(
        description="Coordinators: `partner` to read what partners read. Partners always "
        "get the partner edition.",
        required=False,
    ),
]
Language = Annotated[
    Literal["en", "fr", "es", "ru"] | None,
    QueryParameter(
        description="Language of the HTML, PDF and XLSX files; default the reader's "
        "(cookie `opcoord_lang`, else Accept-Language, else English). The JSON and the CSV "
        "are the same in every language.",
        required=False,
    ),
]
Number = Annotated[
    int | None,
    QueryParameter(
        ge=1, le=2**31 - 1, required=False, description="Edition number; default the latest"
    ),
]
Compare = Annotated[
    str | None,
    QueryParameter(
        required=False,
        pattern="^[A-Za-z0-9-]{1,64}$",
        description="Code of an earlier operation (e.g. PANDORA-VIII): the report then "
        "carries `comparison`, this operation against that one (the body of "
        "`GET /api/compare` with `a` the earlier one and `b` this edition). JSON, HTML "
        "and PDF; a partner may compare only with a report published to partners too.",
    ),
]
COMPARED = ("html", "pdf")
READ = {
    **COMMON,
    404: err("No such operation or edition", 404),
    409: err(
        "The operation is not closed, or the edition is still being produced",
        example=error_example(
            409, "", "operation PANDORA-X has no report yet: close it first", "no_report"
        ),
    ),
    422: err("Invalid parameter", 422),
}


FILE_SUMMARIES = {
    "html": "The consolidated report as one self-contained HTML page",
    "pdf": "The consolidated report as PDF",
    "xlsx": "The consolidated report as an XLSX workbook",
    "csv": "The report's seizures as CSV",
}


class EditionPublic(BaseModel):
    edition: int
    status: str = Field(description="pending (being produced) | ready")
    changes: str | None
    data_cutoff: datetime
    requested_at: datetime
    generated_at: datetime | None
    published_at: datetime | None
    error: str | None = Field(description="Why the last build attempt failed (it is retried)")


class ReportStatus(BaseModel):
    operation: str
    closed_at: datetime | None
    status_url: str
    report_url: str
    latest: EditionPublic | None
    editions: list[EditionPublic]


class EditionCreate(BaseModel):
    changes: str = Field(
        min_length=1,
        max_length=5000,
        description="What changed since the previous edition, in words; printed in the report.",
    )

    @field_validator("changes")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("changes: say what changed since the previous edition")
        return value.strip()


def _public(e: ReportEdition) -> EditionPublic:
    return EditionPublic(
        edition=e.edition,
        status=e.status,
        changes=e.changes,
        data_cutoff=e.data_cutoff,
        requested_at=e.requested_at,
        generated_at=e.generated_at,
        published_at=e.published_at,
        error=e.error,
    )


def _status_url(code: str) -> str:
    return f"/api/operations/{code}/report/status"


def _spawn(request: Request[Any, Any, Any], coro: Coroutine[Any, Any, Any]) -> None:
    runner = getattr(request.app.state, "runner", None)
    if runner is not None:
        runner.spawn(coro)
        return
    task = asyncio.get_running_loop().create_task(coro)  # no scheduler lifespan: keep a ref
    _background.add(task)
    task.add_done_callback(_background.discard)


def _build(request: Request[Any, Any, Any], edition_id: int) -> Coroutine[Any, Any, Any]:
    state = request.app.state
    lease = timedelta(seconds=state.settings.report_build_lease_seconds)
    return report_editions.build_edition(state.db, edition_id, state.clock.now, lease=lease)


async def _status(db: Any, code: str, now: datetime, *, partner: bool) -> ReportStatus:
    editions = await report_editions.list_editions(db, code)
    if partner:
        editions = [e for e in editions if e.published_at is not None]
    public = [_public(e) for e in editions]
    op = await operations.get_operation(db, code, now)
    return ReportStatus(
        operation=code,
        closed_at=op.closed_at,
        status_url=_status_url(code),
        report_url=report_editions.report_path(code),
        latest=public[-1] if public else None,
        editions=public,
    )


def reader_lang(request: Request[Any, Any, Any], asked: str | None) -> str:
    """The language a report file is served in: ``?lang=``, else the reader's choice."""
    if asked in i18n.LANGUAGES:
        return str(asked)
    return i18n.choose(request.cookies.get(i18n.COOKIE), request.headers.get("accept-language"))


def _file_route(fmt: str) -> HTTPRouteHandler:
    """``GET report.<fmt>``: the report as HTML (self-contained), PDF, XLSX or the CSV of
    seizures."""

    async def report_file(
        self: Controller, request: Request[Any, Any, Any], caller: CallerDep, db: DbDep,
        now: NowDep, code: Code, edition: Audience = None, number: Number = None,
        lang: Language = None, compare: Compare = None,
    ) -> Stream:  # fmt: skip
        op, found, shown = await report_editions.readable(caller, db, code, edition, number)
        language = report_editions.file_lang(fmt, reader_lang(request, lang))
        if compare and fmt in COMPARED:
            extra = {"comparison": await _comparison(caller, db, op, found, compare, now)}
            data = await report_editions.render_once(db, found, shown, fmt, language, extra)
            content_type = report_editions.CONTENT_TYPES[fmt]
        else:
            stored = await report_editions.artefact(db, found, shown, fmt, now, language)
            data, content_type = stored.data, stored.content_type
        what = f"{fmt} compared with {compare.upper()}" if compare and fmt in COMPARED else fmt
        await report_editions.record_download(db, op, found, what, shown, now)
        name = report_editions.file_name(code, found.edition, shown, fmt, language)
        disposition = "inline" if fmt in ("html", "pdf") else "attachment"
        headers = {
            "Content-Disposition": f'{disposition}; filename="{name}"',
            "Content-Length": str(len(data)),
            "X-Report-Edition": str(found.edition),
        }
        if fmt not in report_editions.NEUTRAL_FORMATS:
            headers["Content-Language"] = language
            if lang is None:  # chosen from the request's cookie or Accept-Language
                headers["Vary"] = "Cookie, Accept-Language"
        return Stream(_chunks(data), media_type=content_type, headers=headers)

    return get(
        f"/{{code:str}}/report.{fmt}",
        name=f"report_{fmt}",
        media_type=report_editions.CONTENT_TYPES[fmt],
        summary=FILE_SUMMARIES[fmt],
        responses=READ,
    )(report_file)


class ReportController(Controller):
    path = "/api/operations"
    tags = ["report"]
    opt = needs(Rule.report)

    @post(
        "/{code:str}/close",
        status_code=202,
        summary="Close the operation now and produce its report in the background",
        description="202 with the status URL to poll (also in `Location`); the live channel "
        "gets `report_ready` when the files exist. Closing an operation that is already "
        "closed answers 200 with the same body. The scheduler closes operations by "
        "itself at the last day's cut-off through the same path.",
        responses={
            **WRITE,
            200: ResponseSpec(ReportStatus, generate_examples=False, description="Already closed"),
        },
        opt=needs(Rule.coordinate),
    )
    async def close(
        self, request: Request[Any, Any, Any], db: DbDep, now: NowDep, code: Code
    ) -> Response[ReportStatus]:
        closed = await closing.close_operation(db, code, now)
        await report_editions.ensure_first_editions(db, now)
        if closed.created:
            _, first = await report_editions.find_edition(db, code, 1, published_only=False)
            assert first.id is not None
            _spawn(request, _build(request, first.id))
        status = await _status(db, code, now, partner=False)
        return Response(
            status,
            status_code=202 if closed.created else 200,
            headers={"Location": _status_url(code)},
        )

    @get(
        "/{code:str}/report/status",
        summary="The report's editions and whether each is ready",
        responses={**COMMON, 404: err("No such operation", 404)},
    )
    async def status(self, caller: CallerDep, db: DbDep, now: NowDep, code: Code) -> ReportStatus:
        partner = access.report_audience(caller) == "partner"
        return await _status(db, code, now, partner=partner)

    @get("/{code:str}/report", summary="The consolidated report as JSON", responses=READ)
    async def report(
        self, caller: CallerDep, db: DbDep, now: NowDep, code: Code, edition: Audience = None,
        number: Number = None, compare: Compare = None,
    ) -> Response[dict[str, Any]]:  # fmt: skip
        op, found, shown = await report_editions.readable(caller, db, code, edition, number)
        assert found.report is not None
        body = found.report if shown == "full" else redaction.partner_report(found.report)
        what = "json"
        if compare:
            body = {**body, "comparison": await _comparison(caller, db, op, found, compare, now)}
            what = f"json compared with {compare.upper()}"
        await report_editions.record_download(db, op, found, what, shown, now)
        return Response(body, headers={"X-Report-Edition": str(found.edition)})

    # One route a format, so that the schema gives each file its own content type.
    report_html = _file_route("html")
    report_pdf = _file_route("pdf")
    report_xlsx = _file_route("xlsx")
    report_csv = _file_route("csv")

    @post(
        "/{code:str}/report/publish",
        status_code=200,
        summary="Publish the latest edition to partners",
        responses=WRITE,
        opt=needs(Rule.coordinate),
    )
    async def publish(
        self, request: Request[Any, Any, Any], db: DbDep, now: NowDep, code: Code
    ) -> EditionPublic:
        edition = await report_editions.publish(db, code, now)
        _spawn(request, _render_partner(db, edition, now))
        return _public(edition)

    @get(
        "/{code:str}/report/editions",
        summary="Every edition of the report",
        responses={**COMMON, 404: err("No such operation", 404)},
        opt=needs(Rule.coordinate),
    )
    async def editions(self, db: DbDep, code: Code) -> list[EditionPublic]:
        return [_public(e) for e in await report_editions.list_editions(db, code)]

    @post(
        "/{code:str}/report/editions",
        status_code=202,
        summary="Issue a new numbered edition that says what changed",
        description="Rebuilt from the frozen data with `changes` printed in it and the "
        "totals that differ from the previous edition listed under `differences`. "
        "The previous editions stay as they were. 409 while the operation is open or the "
        "latest edition is still being produced.",
        responses=WRITE,
        opt=needs(Rule.coordinate),
    )
    async def new_edition(
        self, request: Request[Any, Any, Any], caller: CallerDep, db: DbDep, now: NowDep,
        code: Code, data: JSONBody[EditionCreate],
    ) -> Response[EditionPublic]:  # fmt: skip
        edition = await report_editions.issue_edition(db, code, data.changes, now, by=caller.id)
        assert edition.id is not None
        _spawn(request, _build(request, edition.id))
        return Response(_public(edition), status_code=202, headers={"Location": _status_url(code)})


async def _comparison(
    caller: Caller, db: Any, op: Any, found: ReportEdition, other: str, now: datetime
) -> dict[str, Any]:
    """The report's comparison with ``other``; a partner compares only with a report
    published to partners (the same 403 as reading that report)."""
    published = None
    if access.published_only(caller) and other.upper() != op.code:
        _, published, _ = await report_editions.readable(caller, db, other.upper(), "partner", None)
    assert found.report is not None
    return await comparing.for_report(db, op, found, found.report, other, now, published)


async def _render_partner(db: Any, edition: ReportEdition, now: datetime) -> None:
    for fmt in report_editions.FORMATS:
        await report_editions.artefact(db, edition, "partner", fmt, now)


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    view = memoryview(data)
    for start in range(0, len(view), _CHUNK):
        yield bytes(view[start : start + _CHUNK])


ROUTES = [ReportController]
