"""Scheduler lifespan (work in progress)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any


@asynccontextmanager
async def scheduler_lifespan(app: Any) -> AsyncIterator[None]:
    yield
