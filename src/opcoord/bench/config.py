"""What a run measures and at which sizes: the full run's defaults, ``--quick`` for CI."""

from dataclasses import dataclass, field, replace
from pathlib import Path


@dataclass(frozen=True)
class Config:
    seconds: int = 15  # each wrk run (whole seconds: wrk's unit)
    seq_seconds: int = 10  # the one-at-a-time PUT runs
    connections: int = 100  # GET and the ceiling
    workers: int = 1  # `opcoord serve --workers`, and as many for the bare Litestar servers
    put_countries: int = 100  # PUT load: one connection per country
    seizures_per_put: int = 5
    burst_dashboards: int = 500
    burst_countries: int = 100
    burst_window: float = 10.0
    fanout_clients: tuple[int, ...] = (500, 2000)
    fanout_puts: int = 20
    client_procs: int | None = None  # websocket client processes (default: by size)
    countries: int = 100  # the report's operation
    days: int = 120
    seizures: int = 100_000
    sizes: tuple[int, ...] = (10_000, 100_000, 1_000_000)  # growth
    # Growth's window: every return of it goes through the API at the API sizes, and PUTs to
    # one operation run one at a time, so 120 days would take 12,000 PUTs (~10 min) there.
    growth_days: int = 30
    api_ingest_max: int = 10_000  # growth sizes up to this are ingested through the API
    ingest_procs: int = 4
    delivery_timeout: float = 120.0
    warm_renders: bool = True  # render once untimed first, so no step pays for first imports
    pg: str | None = None
    sqlite: bool = False
    out: Path = field(default_factory=lambda: Path("bench/results.json"))


QUICK = Config(
    seconds=2,
    seq_seconds=1,
    put_countries=20,
    burst_dashboards=60,
    burst_countries=20,
    burst_window=2,
    fanout_clients=(50, 150),
    fanout_puts=4,
    countries=6,
    days=8,
    seizures=2_000,
    sizes=(500, 2_000, 8_000),
    growth_days=8,
    api_ingest_max=500,
    ingest_procs=2,
    delivery_timeout=60,
    warm_renders=False,  # saves ~10 s; CI checks that it works, not the timings
)


def preset(quick: bool) -> Config:
    return replace(QUICK) if quick else Config()
