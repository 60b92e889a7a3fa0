"""Accounts and API tokens.

A token is shown once, at creation; the database keeps only its SHA-256. Tokens carry
256 bits of randomness, so a slow password hash would add nothing but latency.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col

from opcoord.accounts.identity import Caller, Role, countries_of
from opcoord.accounts.models import User
from opcoord.db import Database, Query

TOKEN_BYTES = 32


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def caller_of(user: User) -> Caller:
    assert user.id is not None
    role = Role(user.role)
    return Caller(
        id=user.id,
        username=user.username,
        role=role,
        country=user.country,
        countries=countries_of(role, user.country, user.countries),
    )


@dataclass(frozen=True, slots=True)
class Account:
    """An account as a request sees it: the caller, and when it was last seen."""

    caller: Caller
    last_seen_at: datetime | None


def account_of(user: User) -> Account:
    return Account(caller_of(user), user.last_seen_at)


def usable(user: User | None, now: datetime) -> bool:
    """An account whose credentials may be used now: enabled, its token not expired."""
    if user is None:
        return False
    return _usable(user.disabled, user.token_expires_at, now)


def _usable(disabled: bool, expires: datetime | None, now: datetime) -> bool:
    if disabled:
        return False
    if expires is not None and expires.tzinfo is None:  # SQLite gives naive UTC back
        expires = expires.replace(tzinfo=UTC)
    return expires is None or now < expires


#: Every authenticated request's first read: one indexed row, no ORM object.
_BY_TOKEN = Query(
    sa.select(
        col(User.id),
        col(User.username),
        col(User.role),
        col(User.country),
        col(User.countries),
        col(User.disabled),
        col(User.token_expires_at),
        col(User.last_seen_at),
    ).where(col(User.token_hash) == sa.bindparam("token_hash"))
)


async def account_for_token(db: Database, token: str, now: datetime) -> Account | None:
    """The enabled, unexpired account whose API token this is (read afresh each time:
    a disabled account stops at once, on every instance)."""
    if not token or len(token) > 256:
        return None
    row = await db.fetch_one(_BY_TOKEN, token_hash=hash_token(token))
    if row is None:
        return None
    user_id, username, role, country, countries, disabled, expires, seen = row
    if not _usable(disabled, expires, now):
        return None
    kind = Role(role)
    caller = Caller(
        id=user_id,
        username=username,
        role=kind,
        country=country,
        countries=countries_of(kind, country, countries),
    )
    return Account(caller, seen)


async def caller_for_token(db: Database, token: str, now: datetime) -> Caller | None:
    account = await account_for_token(db, token, now)
    return account.caller if account is not None else None


SEEN_EVERY = timedelta(minutes=5)


async def touch(db: Database, user_id: int, now: datetime) -> None:
    """Record that the account was seen, at most every few minutes."""
    async with db.write() as session:
        await session.execute(
            sa.update(User)
            .where(
                col(User.id) == user_id,
                sa.or_(col(User.last_seen_at).is_(None), col(User.last_seen_at) < now - SEEN_EVERY),
            )
            .values(last_seen_at=now)
        )


def bearer_token(authorization: str) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or None."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
