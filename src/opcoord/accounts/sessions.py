"""Browser sign-in: passwords (argon2), session cookies, CSRF tokens.

Machines use API tokens (``auth.py``); people sign in with a password and get an
HttpOnly, SameSite=Lax cookie. A request authenticated by the cookie that writes must
also carry the session's CSRF token, which a page of another site cannot read.
"""

import hmac
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from opcoord.accounts.identity import Caller
from opcoord.accounts.models import BrowserSession, SignInFailure, User
from opcoord.accounts.tokens import caller_of, hash_token
from opcoord.db import Database
from opcoord.errors import TooManyRequests, invalid, not_found

COOKIE = "opcoord_session"
SESSION_HOURS = 12
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD = 10
_hasher = PasswordHasher()
# Verifying against this keeps the time of a sign-in with an unknown name like a known one.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


async def set_password(db: Database, username: str, password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise invalid(
            "password", f"a password has at least {MIN_PASSWORD} characters", "password_short"
        )
    async with db.write() as session:
        user = await session.scalar(sa.select(User).where(User.username == username))
        if user is None:
            raise not_found("username", f"no account {username!r}")
        user.password_hash = hash_password(password)
        # A new password signs out every browser of the account.
        await session.execute(sa.delete(BrowserSession).where(BrowserSession.user_id == user.id))


async def sign_in(
    db: Database, username: str, password: str, now: datetime
) -> tuple[str, str] | None:
    """Check the password; on success open a session and return (cookie value, CSRF token).

    After MAX_FAILURES failures for a name within LOCKOUT, further attempts are refused
    without checking the password until the oldest of them ages out.
    """
    since = now - LOCKOUT
    async with db.read() as session:
        recent = (
            await session.scalars(
                sa.select(SignInFailure.at)
                .where(SignInFailure.username == username, SignInFailure.at > since)
                .order_by(SignInFailure.at.desc())
                .limit(MAX_FAILURES)
            )
        ).all()
        user = await session.scalar(sa.select(User).where(User.username == username))
    if len(recent) >= MAX_FAILURES:
        wait = recent[-1] + LOCKOUT - now
        raise TooManyRequests(
            "too many failed sign-ins for this name", max(1, int(wait.total_seconds()))
        )
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
        ok = user is not None and bool(user.password_hash)
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None:
        async with db.write() as session:
            session.add(SignInFailure(username=username[:64], at=now))
            await session.execute(
                sa.delete(SignInFailure).where(SignInFailure.at < now - 4 * LOCKOUT)
            )
        return None
    async with db.write() as session:
        await session.execute(sa.delete(SignInFailure).where(SignInFailure.username == username))
    return await open_session(db, user, now)


async def open_session(db: Database, user: User, now: datetime) -> tuple[str, str]:
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    async with db.write() as session:
        session.add(
            BrowserSession(
                token_hash=hash_token(token),
                user_id=user.id,
                csrf_token=csrf,
                created_at=now,
                expires_at=now + timedelta(hours=SESSION_HOURS),
            )
        )
    return token, csrf


async def session_caller(db: Database, token: str, now: datetime) -> tuple[Caller, str] | None:
    """The caller and CSRF token of a live session cookie, or None."""
    if not token or len(token) > 256:
        return None
    async with db.read() as session:
        row = (
            await session.execute(
                sa.select(User, BrowserSession.csrf_token)
                .join(BrowserSession, BrowserSession.user_id == User.id)
                .where(
                    BrowserSession.token_hash == hash_token(token), BrowserSession.expires_at > now
                )
            )
        ).first()
    if row is None:
        return None
    user, csrf = row
    return caller_of(user), csrf


async def sign_out(db: Database, token: str) -> None:
    async with db.write() as session:
        await session.execute(
            sa.delete(BrowserSession).where(BrowserSession.token_hash == hash_token(token))
        )


def csrf_matches(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())
