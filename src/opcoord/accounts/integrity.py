"""What the audit log vouches for in accounts: each user's role, country, credentials
and state, as a digest in the entry of the change that made it. A role raised or a
token hash swapped in the database is found by ``opcoord audit verify``."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from opcoord.accounts.models import User
from opcoord.audit.log import digest, plain
from opcoord.audit.verify import Problem, latest_digests

#: Columns whose change matters to access; ``last_seen_at`` moves on its own.
VOUCHED = ("username", "role", "country", "token_hash", "password_hash", "disabled",
           "token_expires_at")  # fmt: skip


def user_key(user: User) -> str:
    return f"users:{user.id}"


#: Vouched too, once set (accounts written before they existed keep their digest).
VOUCHED_IF_SET = ("countries",)


def user_state(user: User) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in VOUCHED:
        out[name] = plain(getattr(user, name, None))
    for name in VOUCHED_IF_SET:
        if getattr(user, name, None) is not None:
            out[name] = plain(getattr(user, name))
    return out


async def verify(session: AsyncSession) -> Problem | None:
    recorded = await latest_digests(session, "users:")
    for user in (await session.scalars(sa.select(User).order_by(col(User.id)))).all():
        found = recorded.get(user_key(user))
        if found is None:
            return Problem("users", user.id or 0, f"({user.username}) has no audit entry")
        if digest(user_state(user)) != found[1]:
            return Problem(
                "users", user.id or 0, f"({user.username}) does not match audit entry {found[0]}"
            )
    return None
