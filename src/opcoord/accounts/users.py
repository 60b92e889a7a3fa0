"""Actions on accounts: create, list, rotate a token, disable and enable, the admin.

Each writes its audit entry (with the account's vouched state) in its own transaction.
Rotating, disabling and setting a password revoke the account's credentials at once:
its old token stops working on the next request, its browser sessions are deleted,
and its open websockets on every instance are closed (``note_revoked``).
"""

import hmac
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from opcoord.accounts.identity import Role
from opcoord.accounts.integrity import user_key, user_state
from opcoord.accounts.models import BrowserSession, User
from opcoord.accounts.tokens import hash_token, new_token
from opcoord.audit import log as audit
from opcoord.db import REVOKED_USERS, Database, dialect_of, pk
from opcoord.errors import Conflict, conflict, not_found

ADMIN = "admin"
#: NOTIFY channel that tells every instance to close an account's websockets.
REVOKED_CHANNEL = "opcoord_revoked"


def expiry(now: datetime, days: int) -> datetime | None:
    return now + timedelta(days=days) if days else None


async def note_revoked(session: AsyncSession, user_id: int) -> None:
    """On commit, every instance closes the account's websockets: this one through the
    commit hook, the others through PostgreSQL's NOTIFY."""
    session.info.setdefault(REVOKED_USERS, set()).add(user_id)
    if dialect_of(session) == "postgresql":
        await session.execute(sa.select(sa.func.pg_notify(REVOKED_CHANNEL, str(user_id))))


async def _audit(session: AsyncSession, action: str, user: User, now: datetime) -> None:
    await session.flush()
    await audit.record(
        session,
        action,
        now,
        object=f"{user.username} ({user.role}{_where(user)})",
        object_key=user_key(user),
        state=user_state(user),
    )


def _where(user: User) -> str:
    if user.countries:
        return ", " + " ".join(user.countries)
    return ", " + user.country if user.country else ""


async def _get(session: AsyncSession, username: str, *, lock: bool = False) -> User:
    stmt = sa.select(User).where(col(User.username) == username)
    user = await session.scalar(stmt.with_for_update() if lock else stmt)
    if user is None:
        raise not_found("username", f"no account {username!r}")
    return user


async def create_user(
    db: Database,
    *,
    username: str,
    role: Role,
    country: str | None,
    now: datetime,
    countries: list[str] | None = None,
    token_days: int = 0,
    token: str | None = None,
    email: str | None = None,
) -> tuple[User, str]:
    """Create an account; returns it with its token (the only time the token exists)."""
    token = token or new_token()
    async with db.write() as session:
        taken = await session.scalar(sa.select(pk(User)).where(col(User.username) == username))
        if taken is not None:
            raise conflict(f"username {username!r} is taken", "username", "username_taken")
        user = User(
            username=username,
            role=str(role),
            country=country,
            countries=sorted(set(countries)) if countries is not None else None,
            token_hash=hash_token(token),
            token_expires_at=expiry(now, token_days),
            email=email,
            created_at=now,
        )
        session.add(user)
        await _audit(session, "user.create", user, now)
    return user, token


async def list_users(db: Database) -> list[User]:
    async with db.read() as session:
        stmt = sa.select(User).order_by(col(User.role), col(User.username))
        return list((await session.scalars(stmt)).all())


async def rotate_token(db: Database, username: str, now: datetime, days: int) -> tuple[User, str]:
    """A new token for the account; the old one stops working at once."""
    token = new_token()
    async with db.write() as session:
        user = await _get(session, username, lock=True)
        user.token_hash = hash_token(token)
        user.token_expires_at = expiry(now, days)
        assert user.id is not None
        await note_revoked(session, user.id)
        await _audit(session, "user.token", user, now)
    return user, token


async def set_disabled(db: Database, username: str, disabled: bool, now: datetime) -> User:
    """Disable (or enable) an account. The last coordinator who can act stays enabled."""
    async with db.write() as session:
        user = await _get(session, username, lock=True)
        assert user.id is not None
        if disabled and user.role == Role.coordinator and not user.disabled:
            others = await session.scalar(
                sa.select(sa.func.count()).where(
                    col(User.role) == str(Role.coordinator),
                    col(User.disabled).is_(False),
                    col(User.id) != user.id,
                )
            )
            if not others:
                raise conflict(
                    "this is the last enabled coordinator: enable or create another first",
                    "disabled",
                    "last_coordinator",
                )
        if user.disabled == disabled:
            return user
        user.disabled = disabled
        if disabled:
            await session.execute(
                sa.delete(BrowserSession).where(col(BrowserSession.user_id) == user.id)
            )
            await note_revoked(session, user.id)
        await _audit(session, "user.disable" if disabled else "user.enable", user, now)
    return user


async def set_email(db: Database, username: str, email: str | None, now: datetime) -> User:
    """Set (or, with None, remove) the address the account's e-mails go to."""
    async with db.write() as session:
        user = await _get(session, username, lock=True)
        if user.email == email:
            return user
        user.email = email
        await _audit(session, "user.email", user, now)
    return user


async def ensure_admin(db: Database, token: str, now: datetime) -> None:
    """Make sure the coordinator ``admin`` exists, is enabled and answers to ``token``
    (``OPCOORD_ADMIN_TOKEN``: the deployment manages it, so it does not expire).

    Several instances starting at once may all find no admin and insert one: the
    losers' inserts fail on the unique name, and their second look finds the winner's.
    """
    try:
        await _ensure_admin(db, token, now)
    except IntegrityError:
        await _ensure_admin(db, token, now)


async def _ensure_admin(db: Database, token: str, now: datetime) -> None:
    digest = hash_token(token)
    async with db.write() as session:
        user = await session.scalar(
            sa.select(User).where(col(User.username) == ADMIN).with_for_update()
        )
        if user is None:
            user = User(
                username=ADMIN, role=str(Role.coordinator), token_hash=digest, created_at=now
            )
            session.add(user)
            await _audit(session, "user.create", user, now)
            return
        same = hmac.compare_digest(user.token_hash, digest)
        if same and user.role == Role.coordinator and not user.disabled:
            return
        user.token_hash = digest
        user.role = str(Role.coordinator)
        user.country = None
        user.countries = None
        user.disabled = False
        user.token_expires_at = None
        await _audit(session, "user.admin_token", user, now)


async def bootstrap_admin(db: Database, now: datetime, token_days: int) -> str | None:
    """On a database with no coordinator yet, create ``admin`` and return its token."""
    async with db.read() as session:
        exists = await session.scalar(
            sa.select(pk(User))
            .where(sa.or_(col(User.role) == str(Role.coordinator), col(User.username) == ADMIN))
            .limit(1)
        )
    if exists is not None:
        return None
    try:
        _, token = await create_user(
            db, username=ADMIN, role=Role.coordinator, country=None, now=now, token_days=token_days
        )
    except (IntegrityError, Conflict):  # another instance made it at the same moment
        return None
    return token
