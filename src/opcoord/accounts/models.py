"""Accounts: users, browser sessions, failed sign-ins.

No ``from __future__ import annotations`` here (sqlmodel #196).
"""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    role: str = Field(max_length=16)
    country: str | None = Field(default=None, max_length=2)
    # SHA-256 of the API token: tokens are 256-bit random, so a fast hash is enough,
    # and it keeps the per-request lookup a single indexed equality.
    token_hash: str = Field(max_length=64, unique=True)
    password_hash: str | None = Field(default=None, max_length=255)
    created_at: datetime


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


class SignInFailure(SQLModel, table=True):
    """A failed browser sign-in, kept for a while: too many in a row lock the name out.

    In the database, not in a process, so the limit holds across every instance.
    """

    __tablename__ = "signin_failures"
    __table_args__ = (sa.Index("ix_signin_failures_username_at", "username", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64)
    at: datetime
