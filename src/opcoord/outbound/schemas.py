"""Request and response shapes of the webhooks API."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

MIN_SECRET = 16
EventName = Annotated[str, StringConstraints(max_length=40)]


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = Field(
        description="Where each event is POSTed: http:// or https:// with a host.",
        examples=["https://hooks.example.org/opcoord"],
    )
    events: list[EventName] = Field(
        max_length=50,
        description='Event types to send (e.g. ["return_submitted", "day_closed"]), or ["*"] '
        "for all.",
        examples=[["return_submitted", "day_closed"]],
    )
    secret: Annotated[str, StringConstraints(max_length=200)] = Field(
        description=f"At least {MIN_SECRET} characters; each delivery carries "
        "`X-Opcoord-Signature: sha256=<HMAC-SHA256 of the body with it>`. Never shown again.",
        examples=["a-long-random-shared-secret"],
    )


class WebhookPublic(BaseModel):
    id: int
    url: str
    events: list[str]
    created_by: str
    created_at: datetime


class AttemptPublic(BaseModel):
    attempt: int
    started_at: datetime
    finished_at: datetime | None = Field(
        description="null: the attempt was cut short (its server stopped) or is under way."
    )
    status_code: int | None = Field(description="The receiver's HTTP status, if it answered.")
    error: str | None


class DeliveryPublic(BaseModel):
    id: str = Field(description="The X-Opcoord-Delivery header of every attempt.")
    event: str
    operation_stream: int
    seq: int
    status: str = Field(description="pending, delivered, failed or cancelled")
    attempts: list[AttemptPublic]
    next_attempt_at: datetime | None = Field(description="When it is tried next (pending).")
    created_at: datetime
    finished_at: datetime | None
