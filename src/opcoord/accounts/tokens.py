"""Accounts and API tokens.

A token is shown once, at creation; the database keeps only its SHA-256. Tokens carry
256 bits of randomness, so a slow password hash would add nothing but latency.
"""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col

from opcoord.accounts.identity import Caller, Role, countries_of
from opcoord.accounts.models import User
from opcoord.db import Database

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


def usable(user: User | None, now: datetime) -> bool:
    """An account whose credentials may be used now: enabled, its token not expired."""
    if user is None or user.disabled:
        return False
    expires = user.token_expires_at
    if expires is not None and expires.tzinfo is None:  # SQLite gives naive UTC back
        expires = expires.replace(tzinfo=UTC)
    return expires is None or now < expires


async def account_for_token(db: Database, token: str, now: datetime) -> User | None:
    """The enabled, unexpired account whose API token this is."""
    if not token or len(token) > 256:
        return None
    async with db.read() as session:
        user = await session.scalar(
            sa.select(User).where(col(User.token_hash) == hash_token(token))
        )
    return user if usable(user, now) else None


async def caller_for_token(db: Database, token: str, now: datetime) -> Caller | None:
    user = await account_for_token(db, token, now)
    return caller_of(user) if user is not None else None


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
