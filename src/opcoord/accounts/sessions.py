"""Browser sign-in: passwords (argon2), session cookies, CSRF tokens.

Machines use API tokens (``auth.py``); people sign in with a password and get an
HttpOnly, SameSite=Lax cookie. A request authenticated by the cookie that writes must
also carry the session's CSRF token, which a page of another site cannot read.
"""

import hmac
import secrets
from datetime import datetime, timedelta

import anyio.to_thread
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import col

from opcoord.accounts import limits, users
from opcoord.accounts.identity import Caller
from opcoord.accounts.integrity import user_key, user_state
from opcoord.accounts.limits import Limit
from opcoord.accounts.models import BrowserSession, SignInFailure, User
from opcoord.accounts.tokens import caller_of, hash_token
from opcoord.audit import log as audit
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


#: Password hashing runs in threads, at most this many at once: a burst of sign-ins
#: waits its turn instead of freezing the event loop (and every dashboard with it).
_HASHING = anyio.CapacityLimiter(2)


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(_hasher.hash, password, limiter=_HASHING)


async def _verify(stored: str, password: str) -> bool:
    def check() -> bool:
        try:
            return bool(_hasher.verify(stored, password))
        except (VerificationError, InvalidHashError):
            return False

    return await anyio.to_thread.run_sync(check, limiter=_HASHING)


async def set_password(db: Database, username: str, password: str, now: datetime) -> None:
    """Set or reset an account's password: every browser of the account is signed out
    and its open websockets closed."""
    if len(password) < MIN_PASSWORD:
        raise invalid(
            "password", f"a password has at least {MIN_PASSWORD} characters", "password_short"
        )
    hashed = await hash_password(password)
    async with db.write() as session:
        user = await session.scalar(
            sa.select(User).where(col(User.username) == username).with_for_update()
        )
        if user is None:
            raise not_found("username", f"no account {username!r}")
        user.password_hash = hashed
        await session.execute(
            sa.delete(BrowserSession).where(col(BrowserSession.user_id) == user.id)
        )
        assert user.id is not None
        await users.note_revoked(session, user.id)
        await session.flush()
        await audit.record(
            session,
            "user.password",
            now,
            object=user.username,
            object_key=user_key(user),
            state=user_state(user),
        )


SIGNINS_PER_ADDRESS = Limit("sign-in attempts from this address", 30, timedelta(minutes=1))


async def sign_in(
    db: Database,
    username: str,
    password: str,
    now: datetime,
    ip: str | None = None,
    hours: int = SESSION_HOURS,
) -> tuple[str, str] | None:
    """Check the password; on success open a session and return (cookie value, CSRF token).

    An address may try so many times a minute (429 beyond). After MAX_FAILURES failures
    for a name from one address within LOCKOUT, that address's attempts for that name are
    refused without checking the password until the oldest ages out: whoever guesses
    from elsewhere cannot lock the owner out of their own account.
    """
    await limits.hit(db, SIGNINS_PER_ADDRESS, f"signin:{ip}", now)
    since = now - LOCKOUT
    async with db.read() as session:
        recent = (
            await session.scalars(
                sa.select(col(SignInFailure.at))
                .where(
                    col(SignInFailure.username) == username,
                    col(SignInFailure.ip) == ip if ip else col(SignInFailure.ip).is_(None),
                    col(SignInFailure.at) > since,
                )
                .order_by(col(SignInFailure.at).desc())
                .limit(MAX_FAILURES)
            )
        ).all()
        user = await session.scalar(sa.select(User).where(col(User.username) == username))
    if len(recent) >= MAX_FAILURES:
        wait = recent[-1] + LOCKOUT - now
        raise TooManyRequests(
            "too many failed sign-ins for this name", max(1, int(wait.total_seconds()))
        )
    usable = user is not None and bool(user.password_hash) and not user.disabled
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    ok = await _verify(stored, password) and usable
    if not ok or user is None:
        async with db.write() as session:
            session.add(SignInFailure(username=username[:64], ip=ip, at=now))
            await session.execute(
                sa.delete(SignInFailure).where(col(SignInFailure.at) < now - 4 * LOCKOUT)
            )
        return None
    async with db.write() as session:
        await session.execute(
            sa.delete(SignInFailure).where(
                col(SignInFailure.username) == username, col(SignInFailure.ip) == ip
            )
        )
        await audit.record(session, "signin", now, object=user.username)
    return await open_session(db, user, now, hours)


async def open_session(
    db: Database, user: User, now: datetime, hours: int = SESSION_HOURS
) -> tuple[str, str]:
    assert user.id is not None
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    async with db.write() as session:
        session.add(
            BrowserSession(
                token_hash=hash_token(token),
                user_id=user.id,
                csrf_token=csrf,
                created_at=now,
                expires_at=now + timedelta(hours=hours),
            )
        )
    return token, csrf


async def session_account(db: Database, token: str, now: datetime) -> tuple[User, str] | None:
    """The enabled account and CSRF token of a live session cookie, or None."""
    if not token or len(token) > 256:
        return None
    async with db.read() as session:
        row = (
            await session.execute(
                sa.select(User, col(BrowserSession.csrf_token))
                .join(BrowserSession, col(BrowserSession.user_id) == col(User.id))
                .where(
                    col(BrowserSession.token_hash) == hash_token(token),
                    col(BrowserSession.expires_at) > now,
                    col(User.disabled).is_(False),
                )
            )
        ).first()
    if row is None:
        return None
    user, csrf = row
    return user, str(csrf)


async def session_caller(db: Database, token: str, now: datetime) -> tuple[Caller, str] | None:
    """The caller and CSRF token of a live session cookie, or None."""
    found = await session_account(db, token, now)
    return (caller_of(found[0]), found[1]) if found else None


async def sign_out(db: Database, token: str) -> None:
    async with db.write() as session:
        await session.execute(
            sa.delete(BrowserSession).where(col(BrowserSession.token_hash) == hash_token(token))
        )


def csrf_matches(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())
