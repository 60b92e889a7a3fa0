"""Review of daily returns and exceptions to day locks.

A review belongs to one version of a return: coordinators approve, query (with a
comment) or put on hold the version they read. A return's review is its latest
``return_reviews`` row when that row is about the current version; a newer version puts
the return back to ``pending`` (and, after an approval, shows ``modified_since``). The
rows are never changed, so they are the review history; the audit log has each too.

Exceptions to day locks are in ``locks.py``.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from opcoord.accounts.identity import Caller
from opcoord.accounts.models import User
from opcoord.audit import log as audit
from opcoord.db import Database, Query, pk, run
from opcoord.errors import conflict, invalid, not_found
from opcoord.operations.models import (
    DailyReturn,
    Operation,
    Participant,
    ReturnReview,
    ReturnVersion,
    Seizure,
)
from opcoord.operations.operations import load
from opcoord.operations.schemas import (
    ReviewDecision,
    ReviewIn,
    ReviewPublic,
    ReviewQueue,
    ReviewRow,
    ReviewStatus,
)
from opcoord.outbox.events import ChangeEvent, EventType
from opcoord.outbox.record import record_all

#: What the queue lists when no state is asked for: every return not yet approved.
OPEN = "open"
QUEUE_FILTERS = (*(str(s) for s in ReviewStatus), OPEN, "all")
QUEUE_LIMIT = 1000


# --- what a return's review is ------------------------------------------------------------


def _latest(
    operation_id: int | sa.BindParameter[int],
    at: datetime | None,
    *,
    approved: bool = False,
    where: Any = (),
) -> Any:
    """Per return, the id of its latest review (or latest approval) made by ``at``
    (``where``: conditions on ``return_reviews`` that narrow it)."""
    stmt: Any = sa.select(
        col(ReturnReview.return_id).label("return_id"), sa.func.max(pk(ReturnReview)).label("rid")
    ).where(col(ReturnReview.operation_id) == operation_id)
    if at is not None:
        stmt = stmt.where(col(ReturnReview.reviewed_at) <= at)
    if approved:
        stmt = stmt.where(col(ReturnReview.status) == str(ReviewDecision.approved))
    for condition in where:
        stmt = stmt.where(condition)
    return stmt.group_by(col(ReturnReview.return_id)).subquery()


@dataclass(frozen=True, slots=True)
class _Joined:
    """The review columns joined to ``daily_returns``: latest review ``r``, latest
    approval ``a``, and the status expression."""

    latest: Any
    approval: Any
    r: Any
    a: Any
    status: Any

    def join(self, stmt: Any) -> Any:
        return (
            stmt.outerjoin(self.latest, self.latest.c.return_id == pk(DailyReturn))
            .outerjoin(self.r, self.r.id == self.latest.c.rid)
            .outerjoin(self.approval, self.approval.c.return_id == pk(DailyReturn))
            .outerjoin(self.a, self.a.id == self.approval.c.rid)
        )


def _joined(
    operation_id: int | sa.BindParameter[int], at: datetime | None = None, where: Any = ()
) -> _Joined:
    r: Any = aliased(ReturnReview, name="r")
    a: Any = aliased(ReturnReview, name="a")
    status = sa.case(
        (r.version == col(DailyReturn.current_version), r.status),
        else_=str(ReviewStatus.pending),
    )
    approval = _latest(operation_id, at, approved=True, where=where)
    return _Joined(_latest(operation_id, at, where=where), approval, r, a, status)


def _public(row: Sequence[Any], current: int) -> ReviewPublic:
    """A review from the ``_review_columns`` of a return whose current version is
    ``current``."""
    status, comment, by, at, version, approved_version, approved_at = row
    modified = approved_at if approved_version is not None and approved_version < current else None
    return ReviewPublic(
        status=ReviewStatus(status),
        comment=comment,
        by=by,
        at=at,
        version=version,
        modified_since=modified,
    )


def _review_columns(j: _Joined) -> list[Any]:
    reviewer = sa.select(col(User.username)).where(pk(User) == j.r.reviewed_by).scalar_subquery()
    return [
        j.status,
        j.r.comment,
        reviewer,
        j.r.reviewed_at,
        j.r.version,
        j.a.version,
        j.a.reviewed_at,
    ]


async def review_of(session: AsyncSession, ret: DailyReturn) -> ReviewPublic:
    """The review of ``ret``'s current version."""
    assert ret.id is not None
    (row,) = await run(session, _review_of(), operation_id=ret.operation_id, return_id=ret.id)
    return _public(row, ret.current_version)


@cache
def _review_of() -> Query:
    """``review_of``'s statement, built once (every PUT answers with its review)."""
    return_id: sa.BindParameter[int] = sa.bindparam("return_id")
    j = _joined(sa.bindparam("operation_id"), where=[col(ReturnReview.return_id) == return_id])
    return Query(
        j.join(sa.select(*_review_columns(j)).select_from(DailyReturn)).where(
            pk(DailyReturn) == return_id
        )
    )


async def counts(
    session: AsyncSession, operation_id: int, at: datetime | None = None
) -> dict[str, int]:
    """Every return of the operation by review state (as reviewed by ``at``)."""
    j = _joined(operation_id, at)
    stmt = j.join(sa.select(j.status, sa.func.count()).select_from(DailyReturn)).where(
        col(DailyReturn.operation_id) == operation_id
    )
    found = dict((await session.execute(stmt.group_by(j.status))).all())
    return {str(s): int(found.get(str(s), 0)) for s in ReviewStatus}


async def states(session: AsyncSession, op: Operation) -> dict[str, dict[str, str]]:
    """Per country per day returned, its review state (the dashboard's snapshot)."""
    assert op.id is not None
    j = _joined(op.id)
    stmt = j.join(
        sa.select(col(DailyReturn.country), col(DailyReturn.day), j.status).select_from(DailyReturn)
    ).where(col(DailyReturn.operation_id) == op.id)
    out: dict[str, dict[str, str]] = {}
    for country, day, status in (await session.execute(stmt)).all():
        out.setdefault(country, {})[day.isoformat()] = str(status)
    return out


async def queue(
    db: Database,
    code: str,
    *,
    status: str = OPEN,
    country: str | None = None,
    day: date | None = None,
) -> ReviewQueue:
    """The returns a coordinator reviews, oldest day first, with the counts by state."""
    if status not in QUEUE_FILTERS:
        raise invalid("status", f"{status!r} is not one of {', '.join(QUEUE_FILTERS)}", "enum")
    async with db.read() as session:
        op = await load(session, code)
        assert op.id is not None
        narrow = []
        if country is not None:
            narrow.append(col(ReturnReview.country) == country)
        if day is not None:
            narrow.append(col(ReturnReview.day) == day)
        j = _joined(op.id, where=narrow)
        stmt = j.join(
            sa.select(
                col(DailyReturn.country),
                col(DailyReturn.day),
                col(ReturnVersion.version),
                col(ReturnVersion.submitted_at),
                col(ReturnVersion.late),
                col(ReturnVersion.nil_return),
                col(ReturnVersion.amendment_reason),
                pk(ReturnVersion),
                *_review_columns(j),
            )
            .select_from(DailyReturn)
            .join(
                ReturnVersion,
                sa.and_(
                    col(ReturnVersion.return_id) == pk(DailyReturn), col(ReturnVersion.is_current)
                ),
            )
        ).where(col(DailyReturn.operation_id) == op.id)
        if country is not None:
            stmt = stmt.where(col(DailyReturn.country) == country)
        if day is not None:
            stmt = stmt.where(col(DailyReturn.day) == day)
        if status == OPEN:
            stmt = stmt.where(j.status != str(ReviewStatus.approved))
        elif status != "all":
            stmt = stmt.where(j.status == status)
        stmt = stmt.order_by(col(DailyReturn.day), col(DailyReturn.country)).limit(QUEUE_LIMIT)
        rows = (await session.execute(stmt)).all()
        contents = await _contents(session, [row[7] for row in rows])
        total = await counts(session, op.id)
    return ReviewQueue(
        operation=op.code,
        counts={ReviewStatus(k): v for k, v in total.items()},
        returns=[
            ReviewRow(
                country=c,
                day=d,
                version=v,
                submitted_at=at,
                late=late,
                nil_return=nil,
                amendment_reason=reason,
                seizures=contents.get(vid, (0, 0))[0],
                objects=contents.get(vid, (0, 0))[1],
                review=_public(review, v),
            )
            for c, d, v, at, late, nil, reason, vid, *review in rows
        ],
    )


async def _contents(session: AsyncSession, version_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per version, its number of seizures and of objects (for the queue's rows only)."""
    if not version_ids:
        return {}
    rows = await session.execute(
        sa.select(
            col(Seizure.version_id),
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(col(Seizure.quantity)), 0),
        )
        .where(col(Seizure.version_id).in_(version_ids))
        .group_by(col(Seizure.version_id))
    )
    return {vid: (int(n), int(q)) for vid, n, q in rows.all()}


# --- reviewing ------------------------------------------------------------------------------


async def _the_return(session: AsyncSession, op: Operation, country: str, day: date) -> DailyReturn:
    ret = await session.scalar(
        sa.select(DailyReturn).where(
            col(DailyReturn.operation_id) == op.id,
            col(DailyReturn.country) == country,
            col(DailyReturn.day) == day,
        )
    )
    if ret is None:
        raise not_found("day", f"no return from {country} for {day} in {op.code}")
    return ret


async def _participant(session: AsyncSession, op: Operation, country: str) -> Participant:
    p = await session.scalar(
        sa.select(Participant).where(
            col(Participant.operation_id) == op.id, col(Participant.country) == country
        )
    )
    if p is None:
        raise not_found("country", f"{country} does not take part in operation {op.code}")
    return p


async def review_return(
    db: Database,
    caller: Caller,
    code: str,
    country: str,
    day: date,
    data: ReviewIn,
    now: datetime,
) -> ReviewPublic:
    """Record a coordinator's review of the current version of a day's return."""
    async with db.write() as session:
        op = await load(session, code, for_share=True)
        assert op.id is not None
        await _participant(session, op, country)
        # The return's row is locked: a new version waits for the review, or the other way.
        ret = await session.scalar(
            sa.select(DailyReturn)
            .where(
                col(DailyReturn.operation_id) == op.id,
                col(DailyReturn.country) == country,
                col(DailyReturn.day) == day,
            )
            .with_for_update()
        )
        if ret is None:
            raise not_found("day", f"no return from {country} for {day} in {op.code}")
        assert ret.id is not None
        if data.version is not None and data.version != ret.current_version:
            raise conflict(
                f"version {data.version} is no longer current: version {ret.current_version} "
                "arrived since; read it before reviewing",
                "version",
                "stale_review",
                current_version=str(ret.current_version),
            )
        row = ReturnReview(
            return_id=ret.id,
            operation_id=op.id,
            country=country,
            day=day,
            version=ret.current_version,
            status=str(data.status),
            comment=data.comment,
            reviewed_by=caller.id,
            reviewed_at=now,
        )
        session.add(row)
        await session.flush()
        review = await review_of(session, ret)
        await record_all(session, _review_events(op, row, review, caller), now)
        await audit.record(
            session,
            "return.review",
            now,
            stream_id=op.id,
            operation=op.code,
            object=f"{country} {day} version {row.version}",
            detail={"status": row.status, "comment": row.comment},
        )
    return review


def _review_events(
    op: Operation, row: ReturnReview, review: ReviewPublic, caller: Caller
) -> list[ChangeEvent]:
    assert op.id is not None
    base = {
        "operation": op.code,
        "country": row.country,
        "day": row.day.isoformat(),
        "version": row.version,
    }
    events = [
        ChangeEvent(
            EventType.return_reviewed,
            op.id,
            {**base, "review": review.model_dump(mode="json")},
            row.country,
        )
    ]
    if row.status == ReviewDecision.query:
        # Self-contained: the contact point's page and the e-mail need nothing else.
        payload = {**base, "comment": row.comment, "by": caller.username}
        events.append(ChangeEvent(EventType.return_queried, op.id, payload, row.country))
    return events


async def history(db: Database, code: str, country: str, day: date) -> list[dict[str, Any]]:
    """Every review of a day's return, oldest first."""
    async with db.read() as session:
        op = await load(session, code)
        ret = await _the_return(session, op, country, day)
        rows = await session.execute(
            sa.select(
                col(ReturnReview.version),
                col(ReturnReview.status),
                col(ReturnReview.comment),
                col(User.username),
                col(ReturnReview.reviewed_at),
            )
            .join(User, pk(User) == col(ReturnReview.reviewed_by))
            .where(col(ReturnReview.return_id) == ret.id)
            .order_by(pk(ReturnReview))
        )
        return [
            {"version": v, "status": s, "comment": c, "by": by, "at": at}
            for v, s, c, by, at in rows.all()
        ]
