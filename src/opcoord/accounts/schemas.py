"""Request and response shapes of accounts."""

from datetime import datetime
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from opcoord.accounts.identity import Role
from opcoord.accounts.sessions import MIN_PASSWORD
from opcoord.codes import CountryCode, JsonBool

Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, max_length=254, pattern=r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$"
    ),
]


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")]
    role: Role
    country: CountryCode | None = None
    countries: list[CountryCode] | None = Field(
        default=None,
        max_length=250,
        description="A regional coordinator's countries (ISO 3166-1 alpha-2, at least one): "
        "it reads the operations' figures, completeness and map of these countries only.",
        examples=[["ES", "PT"]],
    )
    email: Email | None = Field(
        default=None, description="Where reminders, queries and alerts go, if e-mail is set up."
    )

    @model_validator(mode="after")
    def _country_for_ncp(self) -> "UserCreate":
        if self.role is Role.ncp and self.country is None:
            raise ValueError("country: a national contact point needs a country")
        if self.role is not Role.ncp and self.country is not None:
            raise ValueError("country: only a national contact point has a country")
        if self.role is Role.regional and not self.countries:
            raise ValueError("countries: a regional coordinator needs at least one country")
        if self.role is not Role.regional and self.countries is not None:
            raise ValueError("countries: only a regional coordinator has a list of countries")
        if self.countries is not None:
            self.countries = sorted(set(self.countries))
        return self


class PasswordSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: Annotated[str, StringConstraints(min_length=MIN_PASSWORD, max_length=200)] = Field(
        description=f"At least {MIN_PASSWORD} characters."
    )


class UserPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    disabled: JsonBool | None = Field(
        default=None,
        description="true: the account's token, sessions and open websockets stop at once.",
    )
    email: Email | None = Field(
        default=None,
        description="Where e-mails go (reminders, queries, alerts, report ready); null removes it.",
    )

    @model_validator(mode="after")
    def _something(self) -> "UserPatch":
        if self.disabled is None and "email" not in self.model_fields_set:
            raise ValueError("body: give disabled (true or false), email or both")
        return self


class UserPublic(BaseModel):
    username: str
    role: Role
    country: str | None
    countries: list[str] | None = Field(
        default=None, description="A regional coordinator's countries (null for other roles)."
    )
    created_at: datetime
    disabled: bool = False
    token_expires_at: datetime | None = Field(
        default=None, description="When the API token stops working (null: never)."
    )
    last_seen_at: datetime | None = Field(
        default=None, description="The last request the account made, to a few minutes."
    )
    email: str | None = None


class UserCreated(UserPublic):
    token: str = Field(description="The API token. Shown once; only its hash is stored.")


class TokenIssued(BaseModel):
    username: str
    token: str = Field(description="The new API token, shown once; the old one no longer works.")
    token_expires_at: datetime | None
