"""Request and response shapes of accounts."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from opcoord.accounts.identity import Role
from opcoord.accounts.sessions import MIN_PASSWORD
from opcoord.codes import CountryCode


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")]
    role: Role
    country: CountryCode | None = None

    @model_validator(mode="after")
    def _country_for_ncp(self) -> "UserCreate":
        if self.role is Role.ncp and self.country is None:
            raise ValueError("country: a national contact point needs a country")
        if self.role is not Role.ncp and self.country is not None:
            raise ValueError("country: only a national contact point has a country")
        return self


class PasswordSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: Annotated[str, StringConstraints(min_length=MIN_PASSWORD, max_length=200)] = Field(
        description=f"At least {MIN_PASSWORD} characters."
    )


class UserPublic(BaseModel):
    username: str
    role: Role
    country: str | None
    created_at: datetime


class UserCreated(UserPublic):
    token: str = Field(description="The API token. Shown once; only its hash is stored.")
