"""Reading the audit trail: ``GET /api/audit`` and the coordinators' page ``/audit``.

Newest first, filtered by operation, actor, action (``report`` matches every report
action) and time, in pages linked by a cursor. There is no path that changes or
deletes an entry.
"""

from datetime import datetime
from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.params import QueryParameter
from litestar.response import Template
from pydantic import BaseModel, Field

from opcoord.accounts.access import Rule, needs
from opcoord.audit.log import Filter, entries
from opcoord.audit.models import AuditEntry
from opcoord.db import Database
from opcoord.web import READ, page_context

PAGE_SIZE = 100


class AuditEntryPublic(BaseModel):
    at: datetime
    actor: str
    role: str | None
    action: str
    operation: str | None
    object: str | None
    ip: str | None
    request_id: str | None
    detail: dict[str, Any] | None = None


class AuditPage(BaseModel):
    entries: list[AuditEntryPublic]
    next: str | None = Field(
        description="Pass as `cursor` for the next (older) page; null at the end."
    )


Text = Annotated[str | None, QueryParameter(required=False, max_length=64)]
Cursor = Annotated[  # an entry's id: a 32-bit integer on PostgreSQL
    int | None, QueryParameter(required=False, ge=1, le=2**31 - 1, description="From `next`")
]
Limit = Annotated[int, QueryParameter(required=False, ge=1, le=500)]
Since = Annotated[datetime | None, QueryParameter(required=False, description="ISO 8601")]


async def _page(db: Database, f: Filter, limit: int) -> AuditPage:
    async with db.read() as session:
        found = await entries(session, f, limit + 1)
    more = len(found) > limit
    shown = found[:limit]
    return AuditPage(
        entries=[_public(e) for e in shown],
        next=str(shown[-1].id) if more and shown else None,
    )


def _public(e: AuditEntry) -> AuditEntryPublic:
    return AuditEntryPublic(
        at=e.at,
        actor=e.actor,
        role=e.role,
        action=e.action,
        operation=e.operation,
        object=e.object,
        ip=e.ip,
        request_id=e.request_id,
        detail=e.detail,
    )


@get(
    "/api/audit",
    tags=["accounts"],
    summary="The audit log, newest first",
    responses=READ,
    opt=needs(Rule.coordinate),
)
async def audit_log(
    request: Request[Any, Any, Any],
    operation: Text = None,
    actor: Text = None,
    action: Text = None,
    since: Since = None,
    cursor: Cursor = None,
    limit: Limit = PAGE_SIZE,
) -> AuditPage:
    f = Filter(operation=operation, actor=actor, action=action, since=since, before_id=cursor)
    return await _page(request.app.state.db, f, limit)


@get("/audit", include_in_schema=False, opt=needs(Rule.coordinate, page=True))
async def audit_page(
    request: Request[Any, Any, Any],
    operation: Text = None,
    actor: Text = None,
    action: Text = None,
    since: Since = None,
    cursor: Cursor = None,
) -> Response[Any]:
    f = Filter(operation=operation, actor=actor, action=action, since=since, before_id=cursor)
    page = await _page(request.app.state.db, f, PAGE_SIZE)
    query = {"operation": operation, "actor": actor, "action": action}
    return Template(
        "audit.html",
        context=page_context(
            request,
            page=page,
            filters={k: v or "" for k, v in query.items()},
            since=since.isoformat() if since else "",
        ),
    )


AUDIT_ROUTES = [audit_log, audit_page]
