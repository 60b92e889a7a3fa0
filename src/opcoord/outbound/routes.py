"""The webhooks API: register, list, delete, and read a webhook's deliveries."""

from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, delete, get, post
from litestar.di import NamedDependency
from litestar.openapi.spec import Example
from litestar.params import JSONBody, PathParameter, QueryParameter

from opcoord.accounts.access import Rule, needs
from opcoord.accounts.identity import Caller
from opcoord.db import Database
from opcoord.errors import invalid
from opcoord.outbound import webhooks
from opcoord.outbound.models import Delivery, DeliveryAttempt, Webhook
from opcoord.outbound.schemas import AttemptPublic, DeliveryPublic, WebhookCreate, WebhookPublic
from opcoord.web import COMMON, READ, WRITE, err, error_example

CallerDep = NamedDependency[Caller]
DbDep = NamedDependency[Database]
NowDep = NamedDependency[datetime]
WebhookId = Annotated[
    str, PathParameter(description="The webhook's id", max_length=12, examples=[Example(value="1")])
]
Limit = Annotated[int, QueryParameter(required=False, ge=1, le=500, description="Newest first")]

NO_WEBHOOK = error_example(404, "id", "no webhook 7", "not_found")
BAD_URL = error_example(422, "url", "the URL must be http:// or https:// with a host", "url_scheme")


def _id(value: str) -> int:
    if not (value.isascii() and value.isdigit()) or len(value) > 9:
        raise invalid("id", f"{value!r} is not a webhook id", "int_parsing")
    return int(value)


def public(hook: Webhook) -> WebhookPublic:
    assert hook.id is not None
    return WebhookPublic(
        id=hook.id,
        url=hook.url,
        events=hook.events,
        created_by=hook.created_by,
        created_at=hook.created_at,
    )


def _delivery(d: Delivery, attempts: list[DeliveryAttempt]) -> DeliveryPublic:
    return DeliveryPublic(
        id=d.key,
        event=d.event_type,
        operation_stream=d.stream_id,
        seq=d.seq,
        status=d.status,
        attempts=[
            AttemptPublic(
                attempt=a.attempt,
                started_at=a.started_at,
                finished_at=a.finished_at,
                status_code=a.status_code,
                error=a.error,
            )
            for a in attempts
        ],
        next_attempt_at=d.next_attempt_at if d.status == "pending" else None,
        created_at=d.created_at,
        finished_at=d.finished_at,
    )


class WebhookController(Controller):
    path = "/api/webhooks"
    tags = ["outbound"]

    @post(
        "/",
        responses={**WRITE, 422: err("A bad url, events or secret", example=BAD_URL)},
        summary="Register a webhook: every matching event is POSTed to it, signed",
        opt=needs(Rule.coordinate),
    )
    async def create(
        self,
        request: Request[Any, Any, Any],
        caller: CallerDep,
        db: DbDep,
        now: NowDep,
        data: JSONBody[WebhookCreate],
    ) -> WebhookPublic:
        settings = request.app.state.settings
        hook = await webhooks.create(
            db, data, caller.username, now, allow_private=settings.private_webhooks
        )
        return public(hook)

    @get("/", responses=COMMON, summary="The webhooks (never their secrets)",
         opt=needs(Rule.coordinate))  # fmt: skip
    async def list_all(self, db: DbDep) -> list[WebhookPublic]:
        return [public(h) for h in await webhooks.list_active(db)]

    @delete(
        "/{webhook_id:str}",
        status_code=204,
        responses={**WRITE, 404: err("No such webhook", example=NO_WEBHOOK)},
        summary="Delete a webhook; its pending deliveries are cancelled",
        opt=needs(Rule.coordinate),
    )
    async def remove(self, db: DbDep, now: NowDep, webhook_id: WebhookId) -> None:
        await webhooks.delete(db, _id(webhook_id), now)

    @get(
        "/{webhook_id:str}/deliveries",
        responses={**READ, 404: err("No such webhook", example=NO_WEBHOOK)},
        summary="The webhook's deliveries, newest first, with every attempt",
        opt=needs(Rule.coordinate),
    )
    async def deliveries(
        self, db: DbDep, webhook_id: WebhookId, limit: Limit = 100
    ) -> list[DeliveryPublic]:
        found = await webhooks.deliveries(db, _id(webhook_id), limit)
        return [_delivery(d, a) for d, a in found]


ROUTES = [WebhookController]
