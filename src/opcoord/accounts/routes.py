"""The accounts API: create and list accounts, rotate tokens, disable, set passwords."""

from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, get, patch, post, put
from litestar.di import NamedDependency
from litestar.openapi.spec import Example
from litestar.params import JSONBody, PathParameter

from opcoord.accounts import sessions, users
from opcoord.accounts.access import Rule, needs
from opcoord.accounts.identity import Caller, Role
from opcoord.accounts.models import User
from opcoord.accounts.schemas import (
    PasswordSet,
    TokenIssued,
    UserCreate,
    UserCreated,
    UserPatch,
    UserPublic,
)
from opcoord.db import Database
from opcoord.web import COMMON, READ, WRITE, err, error_example

CallerDep = NamedDependency[Caller]
DbDep = NamedDependency[Database]
NowDep = NamedDependency[datetime]
Username = Annotated[
    str,
    PathParameter(
        description="The account's name", max_length=64, examples=[Example(value="es-ncp")]
    ),
]

NO_ACCOUNT = error_example(404, "username", "no account 'nobody'", "not_found")
LAST_COORDINATOR = error_example(
    409,
    "disabled",
    "this is the last enabled coordinator: enable or create another first",
    "last_coordinator",
)


def public(user: User) -> UserPublic:
    return UserPublic(
        username=user.username,
        role=Role(user.role),
        country=user.country,
        countries=user.countries,
        created_at=user.created_at,
        disabled=user.disabled,
        token_expires_at=user.token_expires_at,
        last_seen_at=user.last_seen_at,
        email=user.email,
    )


def _token_days(request: Request[Any, Any, Any]) -> int:
    return int(request.app.state.settings.token_days)


class UserController(Controller):
    path = "/api/users"
    tags = ["accounts"]

    @post(
        "/",
        responses={
            **WRITE,
            409: err(
                "The username is taken",
                example=error_example(
                    409, "username", "username 'es-ncp' is taken", "username_taken"
                ),
            ),
        },
        summary="Create an account; the token is shown once",
        opt=needs(Rule.coordinate),
    )
    async def create(
        self,
        request: Request[Any, Any, Any],
        db: DbDep,
        now: NowDep,
        data: JSONBody[UserCreate],
    ) -> UserCreated:
        user, token = await users.create_user(
            db,
            username=data.username,
            role=data.role,
            country=data.country,
            countries=data.countries,
            email=data.email,
            now=now,
            token_days=_token_days(request),
        )
        return UserCreated(**public(user).model_dump(), token=token)

    @get("/", responses=COMMON, summary="Every account (never a token)", opt=needs(Rule.coordinate))
    async def list_all(self, db: DbDep) -> list[UserPublic]:
        return [public(u) for u in await users.list_users(db)]

    @post(
        "/{username:str}/token",
        status_code=201,
        responses={**WRITE, 404: err("No such account", example=NO_ACCOUNT)},
        summary="Issue a new API token; the old one stops working at once",
        opt=needs(Rule.coordinate),
    )
    async def rotate(
        self,
        request: Request[Any, Any, Any],
        db: DbDep,
        now: NowDep,
        username: Username,
    ) -> TokenIssued:
        user, token = await users.rotate_token(db, username, now, _token_days(request))
        return TokenIssued(
            username=user.username, token=token, token_expires_at=user.token_expires_at
        )

    @patch(
        "/{username:str}",
        responses={
            **WRITE,
            404: err("No such account", example=NO_ACCOUNT),
            409: err("The last coordinator", example=LAST_COORDINATOR),
        },
        summary="Disable or enable an account, or set its e-mail address",
        opt=needs(Rule.coordinate),
    )
    async def update(
        self, db: DbDep, now: NowDep, username: Username, data: JSONBody[UserPatch]
    ) -> UserPublic:
        user = None
        if "email" in data.model_fields_set:
            user = await users.set_email(db, username, data.email, now)
        if data.disabled is not None:
            user = await users.set_disabled(db, username, data.disabled, now)
        assert user is not None  # the schema asks for one of them
        return public(user)

    @put(
        "/{username:str}/password",
        status_code=204,
        responses={**WRITE, 404: err("No such account", example=NO_ACCOUNT)},
        summary="Set or reset an account's password (signs out its browsers and sockets)",
        opt=needs(Rule.coordinate),
    )
    async def set_password(
        self, db: DbDep, now: NowDep, username: Username, data: JSONBody[PasswordSet]
    ) -> None:
        await sessions.set_password(db, username, data.password, now)

    @get("/me", responses=READ, summary="The signed-in account", opt=needs(Rule.signed_in))
    async def me(self, caller: CallerDep, db: DbDep) -> UserPublic:
        async with db.read() as session:
            user = await session.get(User, caller.id)
        assert user is not None
        return public(user)


ROUTES = [UserController]
