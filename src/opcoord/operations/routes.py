"""The operations API: thin handlers, parse -> action -> public model.

Who may call each route is its ``opt`` rule, checked by the access guard before the
body is read (``opcoord.accounts.access``); handlers never decide it themselves.
"""

from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Response, get, post, put
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import HeaderParameter, JSONBody, QueryParameter

from opcoord.accounts import access
from opcoord.accounts.access import Rule, needs
from opcoord.accounts.identity import Caller
from opcoord.codes import country_field
from opcoord.db import Database
from opcoord.operations import figures, ledger, operations, participants, returns
from opcoord.operations.operations import load
from opcoord.operations.schemas import (
    Completeness,
    OperationCreate,
    OperationPublic,
    ParticipantCreate,
    ParticipantPublic,
    ReturnIn,
    ReturnPublic,
    Summary,
    Totals,
)
from opcoord.web import (
    COMMON,
    READ,
    WRITE,
    Code,
    CountryPath,
    DayPath,
    err,
    error_example,
    parse_day,
)

CallerDep = NamedDependency[Caller]
DbDep = NamedDependency[Database]
NowDep = NamedDependency[datetime]


class OperationController(Controller):
    path = "/api/operations"
    tags = ["operations"]

    @post(
        "/",
        responses={
            **WRITE,
            409: err(
                "An operation with this code exists",
                example=error_example(
                    409, "code", "an operation with code 'PANDORA-X' already exists", "conflict"
                ),
            ),
        },
        summary="Create an operation",
        opt=needs(Rule.coordinate),
    )
    async def create(
        self, db: DbDep, now: NowDep, data: JSONBody[OperationCreate]
    ) -> OperationPublic:
        return await operations.create_operation(db, data, now)

    @get("/", responses=COMMON, summary="List operations", opt=needs(Rule.signed_in))
    async def list_all(self, db: DbDep, now: NowDep) -> list[OperationPublic]:
        return await operations.list_operations(db, now)

    @get("/{code:str}", responses=READ, summary="One operation", opt=needs(Rule.signed_in))
    async def one(self, db: DbDep, now: NowDep, code: Code) -> OperationPublic:
        return await operations.get_operation(db, code, now)

    @post(
        "/{code:str}/participants",
        responses=WRITE,
        summary="Add a participating country",
        opt=needs(Rule.coordinate),
    )
    async def add_participant(
        self, db: DbDep, now: NowDep, code: Code, data: JSONBody[ParticipantCreate]
    ) -> ParticipantPublic:
        return await participants.add_participant(db, code, data, now)

    @get(
        "/{code:str}/participants",
        responses=READ,
        summary="Participating countries",
        opt=needs(Rule.watch),
    )
    async def list_participants(self, db: DbDep, code: Code) -> list[ParticipantPublic]:
        return await participants.list_participants(db, code)

    @get(
        "/{code:str}/summary",
        responses=READ,
        summary="Running totals over the current version of every return",
        description="Contact points read the operation-wide totals and their own "
        "country's share of `objects_by_country`.",
        opt=needs(Rule.watch),
    )
    async def summary(self, caller: CallerDep, db: DbDep, now: NowDep, code: Code) -> Summary:
        async with db.read() as session:
            op = await load(session, code)
            totals = await figures.totals(session, op)
        return Summary(
            operation=op.code,
            status=ledger.status(op, now),
            as_of=now,
            totals=Totals(**access.totals_view(caller, totals)),
        )

    @get(
        "/{code:str}/completeness",
        responses=READ,
        summary="Per country per day: submitted, nil, late, missing or not_due",
        opt=needs(Rule.coordinate),
    )
    async def completeness(self, db: DbDep, now: NowDep, code: Code) -> Completeness:
        async with db.read() as session:
            op = await load(session, code)
            grid = await figures.completeness(session, op, now)
        return Completeness.model_validate(grid)


RETURN_PATH = "/api/operations/{code:str}/returns/{country:str}/{day:str}"
IfMatch = Annotated[str | None, HeaderParameter(name="If-Match", required=False)]
IfNoneMatch = Annotated[str | None, HeaderParameter(name="If-None-Match", required=False)]


class ReturnController(Controller):
    path = RETURN_PATH
    tags = ["daily returns"]
    opt = needs(Rule.country)

    @put(
        "/",
        status_code=200,
        summary="Submit or replace a daily return",
        description="201 for the first version, 200 for a new version or an identical "
        "resubmission (which creates no version, so a retry is safe). After the due time a "
        "new version needs `amendment_reason`. The ETag of a return is its version number "
        '(`"N"`). `If-Match: "N"` refuses the write with 412 unless N is current; '
        "`If-None-Match: *` unless no return exists yet. A 412 names the version now "
        "current in `errors[0].current_version` and in its `ETag`: GET the return to see it.",
        responses={
            **WRITE,
            201: ResponseSpec(
                ReturnPublic, generate_examples=False, description="First version created"
            ),
            412: err(
                "If-Match names a version that is no longer current, or If-None-Match: * "
                "meets an existing return; `current_version` and the ETag give the current one",
                412,
            ),
        },
    )
    async def submit(
        self,
        caller: CallerDep,
        db: DbDep,
        now: NowDep,
        code: Code,
        country: CountryPath,
        day: DayPath,
        data: JSONBody[ReturnIn],
        if_match: IfMatch = None,
        if_none_match: IfNoneMatch = None,
    ) -> Response[ReturnPublic]:
        result = await returns.submit_return(
            db,
            caller,
            code,
            country_field(country),
            parse_day(day),
            data,
            returns.parse_if_match(if_match, if_none_match),
            now,
        )
        return Response(
            result.ret,
            status_code=201 if result.created else 200,
            headers={"ETag": f'"{result.ret.version}"'},
        )

    @get("/", summary="The current version of a daily return (or ?version=N)", responses=READ)
    async def read(
        self,
        db: DbDep,
        code: Code,
        country: CountryPath,
        day: DayPath,
        version: Annotated[int | None, QueryParameter(ge=1, le=2**31 - 1, required=False)] = None,
    ) -> Response[ReturnPublic]:
        ret = await returns.get_return(db, code, country_field(country), parse_day(day), version)
        return Response(ret, headers={"ETag": f'"{ret.version}"'})

    @get("/versions", summary="Every version of a daily return", responses=READ)
    async def versions(
        self, db: DbDep, code: Code, country: CountryPath, day: DayPath
    ) -> list[dict[str, Any]]:
        return await returns.list_versions(db, code, country_field(country), parse_day(day))


ROUTES = [OperationController, ReturnController]
