"""Bulk import of seizures over HTTP, and the downloadable templates.

Thin handlers: the upload is read and applied (or refused as a whole) by
``apply.import_seizures``, which writes only through ``returns.submit_return``, the
action behind the PUT. The access guard has checked the caller before the upload is read.
"""

from dataclasses import dataclass
from typing import Annotated

from litestar import Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import Body, HeaderParameter
from pydantic import BaseModel, Field

from opcoord.accounts.access import Rule, needs
from opcoord.codes import country_field
from opcoord.operations import returns
from opcoord.operations.imports import apply, template
from opcoord.operations.imports.parse import MAX_BYTES, RowError, refused
from opcoord.operations.routes import RETURN_PATH, CallerDep, DbDep, NowDep
from opcoord.operations.schemas import ReturnPublic
from opcoord.web import READ, WRITE, Code, CountryPath, DayPath, err, parse_day

# Multipart framing around a file of up to MAX_BYTES; a larger file gets 413 from the
# handler itself, naming `file`, and a body far larger from the framework.
_BODY_LIMIT = MAX_BYTES + 256 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportRowError(BaseModel):
    row: int | None = Field(
        default=None,
        description="Spreadsheet row (the header is row 1); absent or null when "
        "the problem is not in a row (the form itself, or its `amendment_reason`).",
    )
    field: str
    message: str
    type: str | None = None


class ImportErrorBody(BaseModel):
    status_code: int
    detail: str
    errors: list[ImportRowError]


@dataclass
class ImportForm:
    """multipart/form-data: the file, and the reason when it amends a return after its due
    time."""

    file: UploadFile | None = None
    amendment_reason: str | None = None


_ROW_ERROR = Example(
    summary="a row is refused",
    value={
        "status_code": 422,
        "detail": "the file has 1 error; nothing was imported",
        "errors": [
            {"field": "quantity", "message": "Input should be greater than or equal to 1", "row": 3}
        ],
    },
)


def _import_err(description: str) -> ResponseSpec:
    return ResponseSpec(
        data_container=ImportErrorBody,
        description=description,
        generate_examples=False,
        examples=[_ROW_ERROR] if description.startswith("The file is refused") else None,
    )


@post(
    RETURN_PATH + "/import",
    status_code=200,
    tags=["daily returns"],
    summary="Import a day's seizures from a CSV or XLSX file",
    description="multipart/form-data with `file` (CSV in UTF-8, comma, semicolon or tab "
    "separated, or XLSX; the template's columns; at most 5 MB and 5000 rows) and, after the "
    "due time, `amendment_reason`. The whole file is validated: with any error nothing is "
    "applied and `errors` lists each one with its spreadsheet `row` (the header is row 1). "
    "Otherwise the file's rows become the seizures of one new version of the day's return, "
    "keeping the current version's counters, facilitating items and notes. 201 for the "
    "first version, 200 for a new version or a re-upload of the same file (no new version).",
    request_max_body_size=_BODY_LIMIT,
    opt=needs(Rule.submit),
    responses={
        **WRITE,
        201: ResponseSpec(
            ReturnPublic, generate_examples=False, description="First version created"
        ),
        404: err("No such operation, or the country does not take part", 404),
        409: _import_err("The operation is closed, or the return changed during the import"),
        412: err("If-Match names a version that is no longer current", 412),
        413: _import_err("The file is larger than 5 MB"),
        422: _import_err("The file is refused; `errors` gives row, field and message"),
    },
)
async def import_seizures(
    caller: CallerDep,
    db: DbDep,
    now: NowDep,
    code: Code,
    country: CountryPath,
    day: DayPath,
    data: Annotated[ImportForm | None, Body(media_type=RequestEncodingType.MULTI_PART)] = None,
    if_match: Annotated[str | None, HeaderParameter(name="If-Match", required=False)] = None,
) -> Response[ReturnPublic]:
    upload = data.file if data is not None else None
    if upload is None:
        raise refused(
            "file: choose a CSV or XLSX file to upload",
            [RowError(None, "file", "choose a CSV or XLSX file to upload")],
        )
    try:
        content = await upload.read(MAX_BYTES + 1)
    finally:
        await upload.close()
    result = await apply.import_seizures(
        db,
        caller,
        code,
        country_field(country),
        parse_day(day),
        content,
        data.amendment_reason if data is not None else None,
        now,
        if_match=returns.parse_if_match(if_match),
    )
    ret = result.submitted.ret
    return Response(
        ret,
        status_code=201 if result.submitted.created else 200,
        headers={"ETag": f'"{ret.version}"'},
    )


def _template_response(body: bytes, media_type: str, code: str, ext: str) -> Response[bytes]:
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{code}-seizures-template.{ext}"',
            "Cache-Control": "no-store",
        },
    )


@get(
    "/api/operations/{code:str}/import-template.csv",
    tags=["daily returns"],
    summary="The seizure import template as CSV (header row and one example row)",
    responses=READ,
    media_type="text/csv; charset=utf-8",
    opt=needs(Rule.watch),
)
async def template_csv(code: Code) -> Response[bytes]:
    return _template_response(template.template_csv(), "text/csv; charset=utf-8", code, "csv")


@get(
    "/api/operations/{code:str}/import-template.xlsx",
    tags=["daily returns"],
    summary="The seizure import template as XLSX (drop-down lists; allowed values on sheet "
    "'values')",
    responses=READ,
    media_type=XLSX,
    opt=needs(Rule.watch),
)
async def template_xlsx(code: Code) -> Response[bytes]:
    return _template_response(template.template_xlsx(), XLSX, code, "xlsx")


ROUTES = [import_seizures, template_csv, template_xlsx]
