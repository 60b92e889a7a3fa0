"""Report endpoints (work in progress)."""

from typing import Any

ROUTES: list[Any] = []
