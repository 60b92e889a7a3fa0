"""The watchlists and hits API. Thin handlers over ``watchlists`` and ``hits``."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import Body, JSONBody, PathParameter, QueryParameter
from pydantic import BaseModel, Field

from opcoord.accounts.access import Rule, needs
from opcoord.errors import invalid
from opcoord.intel import hits, watchlists
from opcoord.operations.operations import load
from opcoord.operations.routes import CallerDep, DbDep, NowDep
from opcoord.web import COMMON, READ, WRITE, Code, err

HitPath = Annotated[
    str, PathParameter(description="A hit's id (from GET .../hits)", examples=[Example(value="1")])
]


class WatchlistCreated(BaseModel):
    id: int
    name: str
    objects: int
    version: int
    created: bool = Field(description="False when the file held the same objects again")
    ignored_columns: list[str]


class WatchlistVersionOut(BaseModel):
    version: int
    objects: int
    uploaded_at: datetime
    current: bool
    filename: str


class WatchlistOut(BaseModel):
    id: int
    name: str
    objects: int
    version: int
    updated_at: datetime
    versions: list[WatchlistVersionOut]


class SeizureKey(BaseModel):
    country: str
    day: date
    ref: str


class HitOut(BaseModel):
    id: int
    seizure: SeizureKey
    watchlist: str
    watchlist_id: int
    object_id: str
    score: float
    fields: list[str]
    status: Literal["pending", "confirmed", "rejected"]
    found_at: datetime
    decided_at: datetime | None
    note: str


class Hits(BaseModel):
    hits: list[HitOut]


class HitDecision(BaseModel):
    status: Literal["confirmed", "rejected", "pending"]
    note: str = Field(default="", max_length=1000)


@dataclass
class WatchlistForm:
    """multipart/form-data: the list's file and its name."""

    file: UploadFile | None = None
    name: str | None = None


_ROW_ERROR = Example(
    summary="a row is refused",
    value={
        "status_code": 422,
        "detail": "the file has 1 error; nothing was stored",
        "errors": [{"field": "object_id", "message": "every object needs its object_id", "row": 3}],
    },
)


@post(
    "/api/watchlists",
    status_code=201,
    tags=["watchlists"],
    summary="Upload a list of stolen or wanted objects (CSV or XLSX)",
    description="multipart/form-data with `file` and `name`. Columns: `object_id` (required), "
    "`category`, `title`, `description`, `materials`, `period`, `inscriptions`, "
    "`dimensions`, `country_of_theft`, `date_of_theft` (others are ignored and listed in "
    "`ignored_columns`). The whole file is validated: with any error nothing is stored and "
    "`errors` gives each row and column. An upload under an existing name replaces the "
    "list with a new version (the old one is kept); the same objects again change nothing "
    "(200). Every seizure already saved is then checked against the new list.",
    request_max_body_size=64 * 1024 * 1024,
    opt=needs(Rule.coordinate),
    responses={
        **WRITE,
        200: ResponseSpec(
            WatchlistCreated, generate_examples=False, description="The same objects again"
        ),
        413: err("The file is larger than the limit (40 MB by default)", 413),
        422: ResponseSpec(
            data_container=dict[str, Any],
            description="The file is refused; `errors` gives row, field and message",
            generate_examples=False,
            examples=[_ROW_ERROR],
        ),
    },
)
async def upload(
    request: Request[Any, Any, Any],
    caller: CallerDep,
    db: DbDep,
    now: NowDep,
    data: Annotated[WatchlistForm | None, Body(media_type=RequestEncodingType.MULTI_PART)] = None,
) -> Response[WatchlistCreated]:
    settings = request.app.state.settings
    file = data.file if data is not None else None
    if file is None or not isinstance(file, UploadFile):
        raise invalid("file", "choose a CSV or XLSX file to upload")
    try:
        content = await file.read(settings.watchlist_max_bytes + 1)
    finally:
        await file.close()
    done = await watchlists.upload(
        db,
        caller,
        data.name if data is not None and isinstance(data.name, str) else None,
        file.filename,
        content,
        now,
        max_bytes=settings.watchlist_max_bytes,
        max_objects=settings.watchlist_max_objects,
    )
    checker = getattr(request.app.state, "watchlist_checker", None)
    if done.created and checker is not None:
        checker.kick()  # every seizure already saved, against the new version
    assert done.watchlist.id is not None
    return Response(
        WatchlistCreated(
            id=done.watchlist.id,
            name=done.watchlist.name,
            objects=done.version.objects,
            version=done.version.version,
            created=done.created,
            ignored_columns=done.ignored_columns,
        ),
        status_code=201 if done.created else 200,
    )


@get(
    "/api/watchlists",
    tags=["watchlists"],
    summary="The watchlists, with their sizes and versions",
    responses=COMMON,
    opt=needs(Rule.coordinate),
)
async def list_watchlists(db: DbDep) -> list[WatchlistOut]:
    return [WatchlistOut.model_validate(w) for w in await watchlists.listing(db)]


@get(
    "/api/operations/{code:str}/hits",
    tags=["watchlists"],
    summary="Seizures that match a listed object, best score first",
    responses=READ,
    opt=needs(Rule.coordinate),
)
async def list_hits(
    db: DbDep,
    code: Code,
    status: Annotated[
        Literal["pending", "confirmed", "rejected"] | None,
        QueryParameter(description="Only hits in this state"),
    ] = None,
) -> Hits:
    async with db.read() as session:
        op = await load(session, code)
        found = await hits.listing(session, op, status)
    return Hits(hits=[HitOut.model_validate(h) for h in found])


def _hit_id(value: str) -> int:
    if not value.isdigit() or len(value) > 12:
        raise invalid("id", f"'{value[:20]}' is not a hit id")
    return int(value)


@post(
    "/api/operations/{code:str}/hits/{id:str}",
    status_code=200,
    tags=["watchlists"],
    summary="Confirm or reject a hit",
    description='`{"status": "confirmed" | "rejected"}` (or `pending` to reopen it), '
    "with an optional `note`. A confirmed hit counts in `totals.database_hits`.",
    responses=WRITE,
    opt=needs(Rule.coordinate),
)
async def decide(
    caller: CallerDep,
    db: DbDep,
    now: NowDep,
    code: Code,
    id: HitPath,
    data: JSONBody[HitDecision],
) -> HitOut:
    hit_id = _hit_id(id)
    async with db.read() as session:
        op = await load(session, code)
    done = await hits.review(db, caller, op, hit_id, data.status, data.note, now)
    return HitOut.model_validate(done.hit)


ROUTES = [upload, list_watchlists, list_hits, decide]
