"""``GET /health``, ``GET /ready``, ``GET /metrics``: open to anyone, like the sign-in
page. The shipped proxy (deploy/nginx.conf) does not pass ``/metrics`` on: Prometheus
scrapes each replica on the internal network, where each answers for itself."""

from typing import Any

from litestar import MediaType, Request, Response, get
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    disable_created_metrics,
    generate_latest,
)

from opcoord.accounts.access import Rule, needs
from opcoord.monitoring import readiness

# A `_created` series beside every counter and histogram doubles the output for a
# timestamp Prometheus does not need (it detects counter resets itself).
disable_created_metrics()  # type: ignore[no-untyped-call]  # untyped in 0.26


@get("/health", include_in_schema=False, media_type=MediaType.JSON, opt=needs(Rule.public))
async def health() -> dict[str, str]:
    """200 while the process runs: a liveness probe, which touches nothing else."""
    return {"status": "ok"}


@get("/ready", include_in_schema=False, media_type=MediaType.JSON, opt=needs(Rule.public))
async def ready(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    """200 when this process can serve; 503, naming what is wrong, when it cannot."""
    state = request.app.state
    found = await readiness.checks(
        state.db, state.get("pump"), state.settings.ready_timeout_seconds
    )
    ok = all(v == readiness.OK for v in found.values())
    return Response(
        {"status": "ready" if ok else "not ready", "checks": found},
        status_code=200 if ok else 503,
        headers={} if ok else {"Retry-After": "5"},
    )


@get("/metrics", include_in_schema=False, opt=needs(Rule.public))
async def metrics() -> Response[bytes]:
    """This process's metrics in the Prometheus text format."""
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


ROUTES = [health, ready, metrics]
