"""Accounts and API tokens.

A token is shown once, at creation; the database keeps only its SHA-256. Tokens carry
256 bits of randomness, so a slow password hash would add nothing but latency.
"""

import hashlib
import hmac
import secrets
from datetime import datetime

import sqlalchemy as sa

from opcoord.accounts.identity import Caller, Role
from opcoord.accounts.models import User
from opcoord.db import Database
from opcoord.errors import conflict

TOKEN_BYTES = 32


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def caller_of(user: User) -> Caller:
    assert user.id is not None
    return Caller(id=user.id, username=user.username, role=Role(user.role), country=user.country)


async def create_user(
    db: Database,
    *,
    username: str,
    role: Role,
    country: str | None,
    now: datetime,
    token: str | None = None,
) -> tuple[User, str]:
    """Create an account; returns it with its token (the only time the token exists)."""
    token = token or new_token()
    async with db.write() as session:
        taken = await session.scalar(sa.select(User.id).where(User.username == username))
        if taken is not None:
            raise conflict(f"username {username!r} is taken", "username", "username_taken")
        user = User(
            username=username,
            role=str(role),
            country=country,
            token_hash=hash_token(token),
            created_at=now,
        )
        session.add(user)
    return user, token


async def ensure_admin(db: Database, token: str, now: datetime) -> None:
    """Make sure the coordinator ``admin`` exists and answers to ``token``."""
    digest = hash_token(token)
    async with db.write() as session:
        user = await session.scalar(sa.select(User).where(User.username == "admin"))
        if user is None:
            session.add(
                User(
                    username="admin", role=str(Role.coordinator), token_hash=digest, created_at=now
                )
            )
        elif not hmac.compare_digest(user.token_hash, digest) or user.role != Role.coordinator:
            user.token_hash = digest
            user.role = str(Role.coordinator)
            user.country = None


async def bootstrap_admin(db: Database, now: datetime) -> str | None:
    """On a database with no coordinator yet, create ``admin`` and return its token."""
    async with db.read() as session:
        exists = await session.scalar(
            sa.select(User.id).where(User.role == str(Role.coordinator)).limit(1)
        )
    if exists is not None:
        return None
    async with db.read() as session:
        if await session.scalar(sa.select(User.id).where(User.username == "admin")) is not None:
            return None
    _, token = await create_user(db, username="admin", role=Role.coordinator, country=None, now=now)
    return token


async def caller_for_token(db: Database, token: str) -> Caller | None:
    if not token or len(token) > 256:
        return None
    async with db.read() as session:
        user = await session.scalar(sa.select(User).where(User.token_hash == hash_token(token)))
    return caller_of(user) if user is not None else None


def bearer_token(authorization: str) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or None."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
