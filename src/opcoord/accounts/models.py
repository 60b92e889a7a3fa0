"""Accounts: users, browser sessions, failed sign-ins.

No ``from __future__ import annotations`` here (sqlmodel #196).
"""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from opcoord.db import JSONType


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    role: str = Field(max_length=16)
    country: str | None = Field(default=None, max_length=2)
    # A regional coordinator's countries (ISO alpha-2, sorted); None for other roles.
    countries: list[str] | None = Field(default=None, sa_type=JSONType)
    # SHA-256 of the API token: tokens are 256-bit random, so a fast hash is enough,
    # and it keeps the per-request lookup a single indexed equality.
    token_hash: str = Field(max_length=64, unique=True)
    # None: the token does not expire (the environment's admin token).
    token_expires_at: datetime | None = None
    password_hash: str | None = Field(default=None, max_length=255)
    # A disabled account's token, sessions and websockets stop working at once.
    disabled: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    email: str | None = Field(default=None, max_length=254)
    created_at: datetime
    # Updated at most every few minutes (a write per request would cost every reader).
    last_seen_at: datetime | None = None


class BrowserSession(SQLModel, table=True):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is kept."""

    __tablename__ = "browser_sessions"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    # Sent back by the page with every write (X-CSRF-Token): a cross-site form cannot know it.
    csrf_token: str = Field(max_length=64)
    created_at: datetime
    expires_at: datetime


class RateCount(SQLModel, table=True):
    """How many times a key (an account's writes, an address's sign-ins) was counted in
    one window. In the database, so every instance shares the same limits."""

    __tablename__ = "rate_counts"

    key: str = Field(primary_key=True, max_length=120)
    window: datetime = Field(primary_key=True)
    count: int = 0


class LiveConnection(SQLModel, table=True):
    """An open websocket, so the limit on an account's sockets holds across instances.

    Removed when the socket closes; a process that dies leaves rows whose ``seen_at``
    stops moving, and those no longer count."""

    __tablename__ = "live_connections"
    __table_args__ = (sa.Index("ix_live_connections_user_seen", "user_id", "seen_at"),)

    id: str = Field(primary_key=True, max_length=36)
    user_id: int = Field(foreign_key="users.id")
    opened_at: datetime
    seen_at: datetime


class SignInFailure(SQLModel, table=True):
    """A failed browser sign-in, kept for a while: too many for one name from one address
    lock that pair out (a stranger elsewhere cannot lock the owner out).

    In the database, not in a process, so the limit holds across every instance.
    """

    __tablename__ = "signin_failures"
    __table_args__ = (sa.Index("ix_signin_failures_username_at", "username", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64)
    ip: str | None = Field(default=None, max_length=64)
    at: datetime
