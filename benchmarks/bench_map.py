"""Map builder at scale: time, HTML size and peak Python memory for N random seizures.

Baseline, measured in the same run on the same points: ``json.dumps`` of the points as
dicts, i.e. the least any page carrying this data could cost.

    .venv/bin/python benchmarks/bench_map.py [N]     (default 100,000)
"""

import dataclasses
import datetime
import json
import random
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from typing import Any

from opcoord.maps.builder import CATEGORY_COLOURS, SeizurePoint, build_map

COUNTRIES = ["ES", "FR", "IT", "GR", "DE", "NL", "BE", "PT", "AT", "PL", "RO", "BG", "CY",
             "TR", "EG", "IQ", "SY", "LB", "US", "GB", "CH", "MA", "TN", "UA"]  # fmt: skip
PLACES = ["airport", "seaport", "land_border", "postal_centre", "inland", "auction_house",
          "private_premises", "archaeological_site", "online_platform"]  # fmt: skip
CONVEYANCES = ["air_passenger", "air_cargo", "postal", "express_courier", "vehicle", None]


def random_points(n: int, seed: int = 1) -> list[SeizurePoint]:
    rng = random.Random(seed)
    start = datetime.date(2024, 6, 1)
    out = []
    for i in range(n):
        located = rng.random() > 0.05
        cc = rng.choice(COUNTRIES)
        out.append(SeizurePoint(
            ref=f"{cc}-2024-{i:06d}", category=rng.choice(list(CATEGORY_COLOURS)),
            quantity=max(1, int(rng.expovariate(1 / 8))), place_type=rng.choice(PLACES),
            place_name=f"Checkpoint {rng.randrange(2000)}",
            day=start + datetime.timedelta(days=rng.randrange(120)), country=cc,
            conveyance=rng.choice(CONVEYANCES), origin_country=rng.choice(COUNTRIES),
            destination_country=rng.choice(COUNTRIES),
            lat=rng.uniform(30, 60) if located else None,
            lon=rng.uniform(-10, 40) if located else None,
            description=f"{rng.randrange(1, 40)} objects, declared as souvenirs",
        ))  # fmt: skip
    return out


def measure(fn: Callable[[], str]) -> tuple[float, int, int]:
    """Time without tracing (tracemalloc slows allocation-heavy code ~3x), then memory."""
    t0 = time.perf_counter()
    out = fn()
    elapsed = time.perf_counter() - t0
    del out
    tracemalloc.start()
    size = len(fn().encode())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return elapsed, size, peak


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    points = random_points(n)
    by_country = Counter[str]()
    for p in points:
        by_country[p.country] += p.quantity

    def baseline() -> str:
        rows: list[dict[str, Any]] = [dataclasses.asdict(p) for p in points]
        return json.dumps(rows, default=str)

    build_map(points[:10], objects_by_country={})  # warm caches (outlines, templates)
    results = {
        "baseline json.dumps": measure(baseline),
        "build_map (linked assets)": measure(
            lambda: build_map(points, objects_by_country=by_country)
        ),
        "build_map (inline assets)": measure(
            lambda: build_map(points, objects_by_country=by_country, inline_assets=True)
        ),
    }
    base_t, base_size, base_mem = results["baseline json.dumps"]
    print(f"{n:,} seizures")
    print(f"{'':28} {'time s':>8} {'size MB':>8} {'peak MB':>8}   ratio t / size / mem")
    for name, (t, size, mem) in results.items():
        print(f"{name:28} {t:8.2f} {size / 1e6:8.2f} {mem / 1e6:8.1f}   "
              f"{t / base_t:.2f} / {size / base_size:.2f} / {mem / base_mem:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
