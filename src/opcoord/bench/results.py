"""Figures beside their baselines, problems found on the way, the JSON file and the table."""

import json
import math
import os
import platform
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Figure:
    section: str
    name: str
    value: float
    unit: str
    baseline_name: str
    baseline: float

    @property
    def ratio(self) -> float | None:
        if math.isnan(self.baseline) or math.isnan(self.value) or self.baseline <= 0:
            return None  # a ratio to nothing, or to a negative latency, means nothing
        return self.value / self.baseline


@dataclass
class Results:
    """Everything one run found; ``problems`` make the command exit non-zero."""

    options: dict[str, Any]
    figures: list[Figure] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    checks: dict[str, int] = field(
        default_factory=lambda: {"errors": 0, "lost_acknowledgements": 0, "missing_events": 0}
    )
    details: dict[str, Any] = field(default_factory=dict)

    def add(
        self, section: str, name: str, value: float, unit: str, baseline_name: str, baseline: float
    ) -> None:
        self.figures.append(Figure(section, name, value, unit, baseline_name, baseline))

    def count(self, check: str, n: int, what: str) -> None:
        """Add to a must-be-zero count; a non-zero one is a problem of the run."""
        self.checks[check] += n
        if n:
            self.problems.append(f"{what}: {n} {check.replace('_', ' ')}")

    def as_dict(self) -> dict[str, Any]:
        return {
            "generated_at": datetime.now(UTC).isoformat(),
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "platform": platform.platform(),
            },
            "options": self.options,
            "ok": not self.problems,
            "problems": self.problems,
            "checks": self.checks,
            "figures": [{**asdict(f), "ratio": f.ratio} for f in self.figures],
            "details": self.details,
        }

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.as_dict(), indent=2, default=str) + "\n")

    def table(self) -> str:
        head = ("section", "figure", "value", "baseline (same run)", "baseline", "ratio")
        rows = [head] + [
            (
                f.section,
                f.name,
                _num(f.value, f.unit),
                f.baseline_name,
                _num(f.baseline, f.unit),
                "" if f.ratio is None else f"{f.ratio:.2f}x",
            )
            for f in self.figures
        ]
        widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
        lines = []
        for i, row in enumerate(rows):
            cells = [
                c.ljust(w) if j in (0, 1, 3) else c.rjust(w)
                for j, (c, w) in enumerate(zip(row, widths, strict=True))
            ]
            lines.append("  ".join(cells).rstrip())
            if i == 0:
                lines.append("  ".join("-" * w for w in widths))
        verdict = "OK" if not self.problems else "PROBLEMS:\n  " + "\n  ".join(self.problems)
        checks = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in self.checks.items())
        return "\n".join(lines) + f"\n\nchecks: {checks}\n{verdict}"


def _num(value: float, unit: str) -> str:
    if math.isnan(value):
        return "n/a"
    if unit in ("count", "errors"):
        return f"{value:,.0f}"
    if abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    elif abs(value) >= 0.1:
        text = f"{value:.2f}"
    else:
        text = f"{value:.2g}"  # small durations keep two significant digits
    return f"{text} {unit}"


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def growth_exponent(sizes: list[float], values: list[float]) -> float:
    """Least-squares slope of log(value) on log(size): 1 is linear, 2 quadratic."""
    points = [(math.log(s), math.log(v)) for s, v in zip(sizes, values, strict=True) if v > 0]
    if len(points) < 2:
        return math.nan
    mx = sum(x for x, _ in points) / len(points)
    my = sum(y for _, y in points) / len(points)
    den = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / den if den else math.nan
