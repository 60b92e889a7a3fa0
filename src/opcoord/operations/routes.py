"""Thin HTTP handlers: parse -> access -> action -> public model."""

from datetime import date, datetime
from typing import Annotated, Any

import pycountry
from litestar import Controller, Request, Response, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import HeaderParameter, JSONBody, PathParameter, QueryParameter
from pydantic import BaseModel

from opcoord import auth, sessions
from opcoord.auth import Caller
from opcoord.db import Database
from opcoord.errors import conflict, invalid, not_found
from opcoord.live.hub import Hub
from opcoord.operations import access, calendar, figures, operations, participants, returns
from opcoord.operations.models import User
from opcoord.operations.operations import load
from opcoord.operations.schemas import (
    Completeness,
    OperationCreate,
    OperationPublic,
    ParticipantCreate,
    ParticipantPublic,
    PasswordSet,
    ReturnIn,
    ReturnPublic,
    Summary,
    Totals,
    UserCreate,
    UserCreated,
    UserPublic,
)


class FieldError(BaseModel):
    field: str
    message: str


class ErrorBody(BaseModel):
    status_code: int
    detail: str
    errors: list[FieldError]


def _err(description: str) -> ResponseSpec:
    return ResponseSpec(data_container=ErrorBody, description=description)


COMMON = {
    401: _err("No valid API token"),
    403: _err("The caller's role or country does not allow this"),
    413: _err("Request body too large"),
}
WRITE = {
    **COMMON,
    400: _err("Malformed request"),
    409: _err("State conflict"),
    422: _err("Invalid content; `errors` names each offending field"),
}


async def provide_db(request: Request[Any, Any, Any]) -> Database:
    db: Database = request.app.state.db
    return db


async def provide_hub(request: Request[Any, Any, Any]) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


async def provide_now(request: Request[Any, Any, Any]) -> datetime:
    now: datetime = request.app.state.clock.now()
    return now


async def provide_caller(request: Request[Any, Any, Any]) -> Caller:
    return await sessions.authenticate(request, request.app.state.db, request.app.state.clock.now())


DEPENDENCIES = {
    "db": Provide(provide_db),
    "hub": Provide(provide_hub),
    "now": Provide(provide_now),
    "caller": Provide(provide_caller),
}

CallerDep = NamedDependency[Caller]
DbDep = NamedDependency[Database]
HubDep = NamedDependency[Hub]
NowDep = NamedDependency[datetime]
Code = Annotated[str, PathParameter(description="Operation code, e.g. PANDORA-X")]
Country = Annotated[str, PathParameter(description="ISO 3166-1 alpha-2 code")]
Day = Annotated[date, PathParameter(description="The operation day (local date)")]


def _country(value: str) -> str:
    code = value.upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise invalid("country", f"'{value}' is not an ISO 3166-1 alpha-2 country code")
    return code


class OperationController(Controller):
    path = "/api/operations"
    tags = ["operations"]

    @post("/", responses=WRITE, summary="Create an operation")
    async def create(
        self, caller: CallerDep, db: DbDep, now: NowDep, data: JSONBody[OperationCreate]
    ) -> OperationPublic:
        access.require_coordinator(caller)
        return await operations.create_operation(db, data, now)

    @get("/", responses=COMMON, summary="List operations")
    async def list_all(self, caller: CallerDep, db: DbDep, now: NowDep) -> list[OperationPublic]:
        access.require_operations_reader(caller)
        return await operations.list_operations(db, now)

    @get(
        "/{code:str}", responses={**COMMON, 404: _err("No such operation")}, summary="One operation"
    )
    async def one(self, caller: CallerDep, db: DbDep, now: NowDep, code: Code) -> OperationPublic:
        access.require_operations_reader(caller)
        return await operations.get_operation(db, code, now)

    @post(
        "/{code:str}/participants",
        responses={**WRITE, 404: _err("No such operation")},
        summary="Add a participating country",
    )
    async def add_participant(
        self,
        caller: CallerDep,
        db: DbDep,
        hub: HubDep,
        now: NowDep,
        code: Code,
        data: JSONBody[ParticipantCreate],
    ) -> ParticipantPublic:
        access.require_coordinator(caller)
        return await participants.add_participant(db, hub, code, data, now)

    @get(
        "/{code:str}/participants",
        responses={**COMMON, 404: _err("No such operation")},
        summary="Participating countries",
    )
    async def list_participants(
        self, caller: CallerDep, db: DbDep, code: Code
    ) -> list[ParticipantPublic]:
        access.require_figures_reader(caller)
        return await participants.list_participants(db, code)

    @get(
        "/{code:str}/summary",
        responses={**COMMON, 404: _err("No such operation")},
        summary="Running totals over the current version of every return",
    )
    async def summary(self, caller: CallerDep, db: DbDep, now: NowDep, code: Code) -> Summary:
        access.require_figures_reader(caller)
        async with db.read() as session:
            op = await load(session, code)
            totals = await figures.totals(session, op)
        return Summary(
            operation=op.code,
            status=calendar.status(op, now),
            as_of=now,
            totals=Totals(**totals),
        )

    @get(
        "/{code:str}/completeness",
        responses={**COMMON, 404: _err("No such operation")},
        summary="Per country per day: submitted, nil, late, missing or not_due",
    )
    async def completeness(
        self, caller: CallerDep, db: DbDep, now: NowDep, code: Code
    ) -> Completeness:
        access.require_coordinator(caller)
        async with db.read() as session:
            op = await load(session, code)
            grid = await figures.completeness(session, op, now)
        return Completeness.model_validate(grid)


RETURN_PATH = "/api/operations/{code:str}/returns/{country:str}/{day:date}"


class ReturnController(Controller):
    path = RETURN_PATH
    tags = ["daily returns"]

    @put(
        "/",
        status_code=200,
        summary="Submit or replace a daily return",
        description="201 for the first version, 200 for a new version or an identical "
        "resubmission (which creates no version). After the due time a new version needs "
        '`amendment_reason`. `If-Match: "N"` refuses the write with 412 unless N is current.',
        responses={
            **WRITE,
            201: ResponseSpec(ReturnPublic, description="First version created"),
            404: _err("No such operation, or the country does not take part"),
            412: _err("If-Match names a version that is no longer current"),
        },
    )
    async def submit(
        self,
        caller: CallerDep,
        db: DbDep,
        hub: HubDep,
        now: NowDep,
        code: Code,
        country: Country,
        day: Day,
        data: JSONBody[ReturnIn],
        if_match: Annotated[str | None, HeaderParameter(name="If-Match", required=False)] = None,
        if_none_match: Annotated[
            str | None, HeaderParameter(name="If-None-Match", required=False)
        ] = None,
    ) -> Response[ReturnPublic]:
        country = _country(country)
        access.require_country_access(caller, country)
        result = await returns.submit_return(
            db,
            hub,
            caller,
            code,
            country,
            day,
            data,
            returns.parse_if_match(if_match, if_none_match),
            now,
        )
        return Response(
            result.ret,
            status_code=201 if result.created else 200,
            headers={"ETag": f'"{result.ret.version}"'},
        )

    @get(
        "/",
        summary="The current version of a daily return (or ?version=N)",
        responses={**COMMON, 404: _err("No such return or version")},
    )
    async def read(
        self,
        caller: CallerDep,
        db: DbDep,
        code: Code,
        country: Country,
        day: Day,
        version: Annotated[int | None, QueryParameter(ge=1, required=False)] = None,
    ) -> Response[ReturnPublic]:
        country = _country(country)
        access.require_country_access(caller, country)
        ret = await returns.get_return(db, code, country, day, version)
        return Response(ret, headers={"ETag": f'"{ret.version}"'})

    @get(
        "/versions",
        summary="Every version of a daily return",
        responses={**COMMON, 404: _err("No such operation")},
    )
    async def versions(
        self, caller: CallerDep, db: DbDep, code: Code, country: Country, day: Day
    ) -> list[dict[str, Any]]:
        country = _country(country)
        access.require_country_access(caller, country)
        return await returns.list_versions(db, code, country, day)


class UserController(Controller):
    path = "/api/users"
    tags = ["accounts"]

    @post("/", responses=WRITE, summary="Create an account; the token is shown once")
    async def create(
        self, caller: CallerDep, db: DbDep, now: NowDep, data: JSONBody[UserCreate]
    ) -> UserCreated:
        access.require_coordinator(caller)
        try:
            user, token = await auth.create_user(
                db, username=data.username, role=data.role, country=data.country, now=now
            )
        except auth.UsernameTakenError:
            raise conflict(f"username {data.username!r} is taken", "username") from None
        return UserCreated(
            username=user.username,
            role=data.role,
            country=user.country,
            created_at=user.created_at,
            token=token,
        )

    @put(
        "/{username:str}/password",
        status_code=204,
        responses={**WRITE, 404: _err("No such account")},
        summary="Set or reset an account's password (signs out its browsers)",
    )
    async def set_password(
        self,
        caller: CallerDep,
        db: DbDep,
        username: Annotated[str, PathParameter()],
        data: JSONBody[PasswordSet],
    ) -> None:
        access.require_coordinator(caller)
        try:
            await sessions.set_password(db, username, data.password)
        except sessions.UnknownUserError:
            raise not_found("username", f"no account {username!r}") from None

    @get("/me", responses=COMMON, summary="The signed-in account")
    async def me(self, caller: CallerDep, db: DbDep) -> UserPublic:
        async with db.read() as session:
            user = await session.get(User, caller.id)
        assert user is not None
        return UserPublic(
            username=user.username, role=user.role, country=user.country, created_at=user.created_at
        )


ROUTES = [OperationController, ReturnController, UserController]
