"""The operations' Prometheus metrics (this process's counts; see opcoord.monitoring)."""

from prometheus_client import Counter

RETURNS_RECEIVED = Counter(
    "opcoord_returns_received",
    "Daily returns accepted by this process, by the way they came (api, import) "
    "by outcome: first (the day's first version), new_version (a replacement or an "
    "amendment), unchanged (an identical resubmission, which writes nothing).",
    ["outcome", "via"],
)


def returns_received(created: bool, changed: bool, via: str) -> None:
    outcome = "first" if created else "new_version" if changed else "unchanged"
    RETURNS_RECEIVED.labels(outcome, via).inc()
