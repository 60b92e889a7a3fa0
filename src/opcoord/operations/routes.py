"""The operations API: thin handlers, parse -> action -> public model.

Who may call each route is its ``opt`` rule, checked by the access guard before the
body is read (``opcoord.accounts.access``); handlers never decide it themselves.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Response, get, patch, post, put
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import HeaderParameter, JSONBody, QueryParameter

from opcoord.accounts import access
from opcoord.accounts.access import Rule, needs
from opcoord.accounts.identity import Caller
from opcoord.codes import country_field
from opcoord.db import Database
from opcoord.operations import (
    figures,
    ledger,
    locks,
    operations,
    participants,
    returns,
    reviews,
)
from opcoord.operations.operations import load
from opcoord.operations.schemas import (
    Completeness,
    LockExceptionPublic,
    OperationCreate,
    OperationPublic,
    OperationUpdate,
    ParticipantCreate,
    ParticipantPatch,
    ParticipantPublic,
    RegionFigures,
    ReturnIn,
    ReturnPublic,
    ReviewIn,
    ReviewPublic,
    ReviewQueue,
    Summary,
    Totals,
    UnlockIn,
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
#: What packages above operations/ add to the totals, wired in by the composition root.
MoreTotalsDep = NamedDependency[Sequence[figures.MoreTotals]]


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

    @patch(
        "/{code:str}",
        responses=WRITE,
        summary="Change an operation's editable fields (name, lead, partners, lock_after_days)",
        description="Fields left out keep their value. `lock_after_days`: a day's return "
        "locks that many days after it was due (null: never); a locked day refuses changes "
        "with 409 until a coordinator grants an exception.",
        opt=needs(Rule.coordinate),
    )
    async def update(
        self, db: DbDep, now: NowDep, code: Code, data: JSONBody[OperationUpdate]
    ) -> OperationPublic:
        return await operations.update_operation(db, code, data, now)

    @get(
        "/{code:str}/reviews",
        responses=READ,
        summary="The review queue: returns by review state",
        description="`status`: pending, approved, query, on_hold, `open` (every state but "
        "approved; the default) or `all`; `country` and `day` narrow it. Oldest day first, "
        "at most 1000 returns; `counts` covers every return of the operation.",
        opt=needs(Rule.coordinate),
    )
    async def review_queue(
        self,
        db: DbDep,
        code: Code,
        status: Annotated[str, QueryParameter(required=False, max_length=16)] = reviews.OPEN,
        country: Annotated[str | None, QueryParameter(required=False, max_length=8)] = None,
        day: Annotated[str | None, QueryParameter(required=False, max_length=16)] = None,
    ) -> ReviewQueue:
        return await reviews.queue(
            db,
            code,
            status=status,
            country=country_field(country) if country else None,
            day=parse_day(day) if day else None,
        )

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

    @patch(
        "/{code:str}/participants/{country:str}",
        responses=WRITE,
        summary="Change a participating country's region",
        description='`{"region": "Western Europe"}` (or null for none): the summary, '
        "completeness, dashboard and report break figures down by region.",
        opt=needs(Rule.coordinate),
    )
    async def set_region(
        self,
        db: DbDep,
        now: NowDep,
        code: Code,
        country: CountryPath,
        data: JSONBody[ParticipantPatch],
    ) -> ParticipantPublic:
        return await participants.set_region(db, code, country_field(country), data, now)

    @get(
        "/{code:str}/participants",
        responses=READ,
        summary="Participating countries",
        description="A regional coordinator reads its own countries only.",
        opt=needs(Rule.watch),
    )
    async def list_participants(
        self, caller: CallerDep, db: DbDep, code: Code
    ) -> list[ParticipantPublic]:
        return await participants.list_participants(db, code, access.scope(caller))

    @get(
        "/{code:str}/summary",
        responses=READ,
        summary="Running totals over the current version of every return",
        description="Contact points read the operation-wide totals and their own "
        "country's share of `objects_by_country`; a regional coordinator reads totals "
        "computed over its own countries only. Coordinators (and regional coordinators, "
        "over their countries) also get `regions` when participants have a region.",
        opt=needs(Rule.watch),
    )
    async def summary(
        self,
        caller: CallerDep,
        db: DbDep,
        now: NowDep,
        code: Code,
        more_totals: MoreTotalsDep,
    ) -> Summary:
        countries = access.scope(caller)
        async with db.read() as session:
            op = await load(session, code)
            totals = await figures.totals(session, op, countries, more_totals)
            regions = []
            if access.reads_regions(caller):
                people = await figures.participants_of(session, op, countries)
                regions = await figures.by_region(session, op, now, people)
        return Summary(
            operation=op.code,
            status=ledger.status(op, now),
            as_of=now,
            totals=Totals(**access.totals_view(caller, totals)),
            regions=[RegionFigures.model_validate(r) for r in regions],
        )

    @get(
        "/{code:str}/completeness",
        responses=READ,
        summary="Per country per day: submitted, nil, late, missing or not_due",
        description="A regional coordinator reads its own countries only; `regions` "
        "groups the countries by the region the coordinators gave them.",
        opt=needs(Rule.oversee),
    )
    async def completeness(
        self, caller: CallerDep, db: DbDep, now: NowDep, code: Code
    ) -> Completeness:
        async with db.read() as session:
            op = await load(session, code)
            grid = await figures.completeness(session, op, now, access.scope(caller))
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
        opt=needs(Rule.submit),
        summary="Submit or replace a daily return",
        description="201 for the first version, 200 for a new version or an identical "
        "resubmission (which creates no version, so a retry is safe). After the due time a "
        "new version needs `amendment_reason`. The ETag of a return is its version number "
        '(`"N"`). `If-Match: "N"` refuses the write with 412 unless N is current; '
        "`If-None-Match: *` unless no return exists yet. A 412 names the version now "
        "current in `errors[0].current_version` and in its `ETag`: GET the return to see it. "
        "A locked day (see `lock_after_days`) refuses with 409 naming the lock, until a "
        "coordinator grants an exception.",
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
        now: NowDep,
        code: Code,
        country: CountryPath,
        day: DayPath,
        version: Annotated[int | None, QueryParameter(ge=1, le=2**31 - 1, required=False)] = None,
    ) -> Response[ReturnPublic]:
        ret = await returns.get_return(
            db, code, country_field(country), parse_day(day), version, now
        )
        return Response(ret, headers={"ETag": f'"{ret.version}"'})

    @get("/versions", summary="Every version of a daily return", responses=READ)
    async def versions(
        self, db: DbDep, code: Code, country: CountryPath, day: DayPath
    ) -> list[dict[str, Any]]:
        return await returns.list_versions(db, code, country_field(country), parse_day(day))

    @post(
        "/review",
        status_code=200,
        opt=needs(Rule.coordinate),
        summary="Approve, query or put on hold the current version of a daily return",
        description="A query needs a `comment`; it reaches the country's contact point live "
        "(`return_queried`). `version` (optional) is the version the coordinator read: 409 "
        "when a newer one has arrived since. A new version puts the review back to pending.",
        responses={
            **WRITE,
            409: err(
                "A newer version arrived since the one named by `version`",
                example=error_example(
                    409, "version", "version 1 is no longer current", "stale_review"
                ),
            ),
        },
    )
    async def review(
        self,
        caller: CallerDep,
        db: DbDep,
        now: NowDep,
        code: Code,
        country: CountryPath,
        day: DayPath,
        data: JSONBody[ReviewIn],
    ) -> ReviewPublic:
        return await reviews.review_return(
            db, caller, code, country_field(country), parse_day(day), data, now
        )

    @get(
        "/reviews",
        opt=needs(Rule.country),
        summary="Every review of a daily return, oldest first",
        responses=READ,
    )
    async def review_history(
        self, db: DbDep, code: Code, country: CountryPath, day: DayPath
    ) -> list[dict[str, Any]]:
        return await reviews.history(db, code, country_field(country), parse_day(day))

    @post(
        "/unlock",
        status_code=201,
        opt=needs(Rule.coordinate),
        summary="Grant an exception to a day's lock",
        description="`until` (a datetime with its offset, in the future) and `reason`: the "
        "day accepts changes until then. Audited.",
        responses=WRITE,
    )
    async def unlock(
        self,
        caller: CallerDep,
        db: DbDep,
        now: NowDep,
        code: Code,
        country: CountryPath,
        day: DayPath,
        data: JSONBody[UnlockIn],
    ) -> LockExceptionPublic:
        return await locks.unlock_day(
            db, caller, code, country_field(country), parse_day(day), data, now
        )


ROUTES = [OperationController, ReturnController]
