"""The accounts API: create accounts, set passwords, read one's own account."""

from datetime import datetime
from typing import Annotated

from litestar import Controller, get, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter

from opcoord.accounts import sessions, tokens
from opcoord.accounts.access import Rule, needs
from opcoord.accounts.identity import Caller
from opcoord.accounts.models import User
from opcoord.accounts.schemas import PasswordSet, UserCreate, UserCreated, UserPublic
from opcoord.db import Database
from opcoord.web import COMMON, WRITE, err

CallerDep = NamedDependency[Caller]
DbDep = NamedDependency[Database]
NowDep = NamedDependency[datetime]


class UserController(Controller):
    path = "/api/users"
    tags = ["accounts"]

    @post(
        "/",
        responses={**WRITE, 409: err("The username is taken")},
        summary="Create an account; the token is shown once",
        opt=needs(Rule.coordinate),
    )
    async def create(self, db: DbDep, now: NowDep, data: JSONBody[UserCreate]) -> UserCreated:
        user, token = await tokens.create_user(
            db, username=data.username, role=data.role, country=data.country, now=now
        )
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
        responses={**WRITE, 404: err("No such account")},
        summary="Set or reset an account's password (signs out its browsers)",
        opt=needs(Rule.coordinate),
    )
    async def set_password(
        self, db: DbDep, username: Annotated[str, PathParameter()], data: JSONBody[PasswordSet]
    ) -> None:
        await sessions.set_password(db, username, data.password)

    @get("/me", responses=COMMON, summary="The signed-in account", opt=needs(Rule.signed_in))
    async def me(self, caller: CallerDep, db: DbDep) -> UserPublic:
        async with db.read() as session:
            user = await session.get(User, caller.id)
        assert user is not None
        return UserPublic(
            username=user.username, role=user.role, country=user.country, created_at=user.created_at
        )


ROUTES = [UserController]
