"""Time and peak memory of each report format at full scale, beside a same-run baseline.

Scale: 100 countries x 120 days, 100,000 seizures, a 4 MB map (the size folium's
FastMarkerCluster gives for 100,000 points). Baseline: ``json.dumps`` of the report and
all seizures, measured in the same run so ratios hold across machines.

Each format runs twice: once for wall time, once under tracemalloc for peak Python memory
(tracemalloc slows Python down, so the timed run is separate). tracemalloc misses memory
that C libraries allocate (Pango, cairo, zlib), so the process's peak RSS is printed too.

    /work/main/.venv/bin/python benchmarks/bench_report_render.py [--quick]

``--quick`` skips the memory runs. Targets for the whole report, including the database
work done elsewhere: all formats under 20 s together, peak memory under 500 MB.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import random
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import pycountry

from opcoord.report.render_csv import iter_seizures_csv
from opcoord.report.render_html import render_html
from opcoord.report.render_pdf import render_pdf
from opcoord.report.render_xlsx import render_xlsx

COUNTRIES, DAYS, SEIZURES = 100, 120, 100_000
CATEGORIES = [
    "archaeological",
    "coins",
    "paintings",
    "sculptures",
    "religious",
    "manuscripts",
    "ceramics",
    "weapons",
    "furniture",
    "musical_instruments",
    "fossils",
    "ethnographic",
    "other",
]
PLACES = [
    "airport",
    "seaport",
    "land_border",
    "postal_centre",
    "inland",
    "auction_house",
    "private_premises",
    "archaeological_site",
    "online_platform",
]


def synthetic(rng: random.Random) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    codes = [c.alpha_2 for c in list(pycountry.countries)[:COUNTRIES]]
    start = dt.date(2026, 6, 1)
    days = [(start + dt.timedelta(days=i)).isoformat() for i in range(DAYS)]
    seizures = [
        {
            "country": rng.choice(codes),
            "day": rng.choice(days),
            "ref": f"REF-{i:06d}",
            "category": rng.choice(CATEGORIES),
            "hs_code": "9705",
            "quantity": rng.randint(1, 40),
            "description": f"Object {i} described by the officer, {rng.random():.6f}",
            "place_type": rng.choice(PLACES),
            "place_name": f"Place {i % 700}",
            "lat": rng.uniform(-60, 70),
            "lon": rng.uniform(-170, 170),
            "conveyance": "vehicle",
            "online": rng.random() < 0.1,
            "origin_country": rng.choice(codes),
            "departure_country": rng.choice(codes),
            "destination_country": rng.choice(codes),
            "estimated_value": round(rng.uniform(10, 50_000), 2),
            "currency": "EUR",
        }
        for i in range(SEIZURES)
    ]
    count = {
        "returns": 118,
        "returns_expected": DAYS,
        "returns_on_time": 110,
        "returns_late": 8,
        "nil_returns": 40,
        "returns_missing": 2,
        "seizures": 1000,
        "objects_seized": 20_000,
        "objects_seized_online": 900,
        "arrests": 3,
        "investigations_criminal": 4,
        "investigations_administrative": 2,
        "persons_checked": 9_000,
        "vehicles_checked": 400,
        "vessels_checked": 10,
        "premises_checked": 25,
        "online_checks": 300,
        "metal_detectors": 4,
        "excavation_tools": 1,
    }
    countries = [
        {
            "country": c,
            "name": c,
            "agencies": ["customs", "police"],
            **count,
            "estimated_value": {"EUR": 123_456},
        }
        for c in codes
    ]
    totals = {k: v * COUNTRIES for k, v in count.items() if not k.startswith("returns_")}
    report = {
        "operation": {
            "code": "PANDORA-B",
            "name": "Benchmark",
            "lead": "Guardia Civil",
            "partners": ["Europol", "INTERPOL", "WCO"],
            "starts_on": days[0],
            "ends_on": days[-1],
            "timezone": "Europe/Madrid",
            "daily_cutoff": "10:00",
        },
        "edition": 1,
        "changes": None,
        "audience": "full",
        "generated_at": "2026-10-01T08:00:03+00:00",
        "data_cutoff": "2026-10-01T08:00:00+00:00",
        "provisional": "Figures are provisional.",
        "totals": {
            **totals,
            "countries_participating": COUNTRIES,
            "countries_reported": 99,
            "returns": 11_800,
            "estimated_value": {"EUR": 12_345_600},
            "objects_by_category": dict.fromkeys(CATEGORIES, 1000),
            "objects_by_country": {c: 20_000 - i for i, c in enumerate(codes)},
        },
        "countries": countries,
        "categories": [
            {"category": c, "seizures": 100, "objects": 1000 - i} for i, c in enumerate(CATEGORIES)
        ],
        "online": {"online_checks": 30_000, "seizures": 900, "objects": 90_000},
        "facilitating_items": {"metal_detectors": 400, "excavation_tools": 100},
        "routes": [
            {"origin": a, "destination": b, "seizures": 10, "objects": 100}
            for a, b in zip(codes[:25], codes[25:50], strict=True)
        ],
        "highlights": [{**s, "day": s["day"]} for s in seizures[:50]],
        "investigations": {"criminal": 400, "administrative": 200, "arrests": 300},
        "timeline": [{"day": d, "returns": 98, "seizures": 800, "objects": 16_000} for d in days],
        "completeness": {
            "expected": 12_000,
            "on_time": 11_000,
            "late": 800,
            "missing": 200,
            "nil": 4_000,
            "rate": 0.983,
        },
    }
    return report, seizures


def measure(job: Callable[[], int], memory: bool) -> tuple[float, float | None, int]:
    gc.collect()
    started = time.perf_counter()
    size = job()
    seconds = time.perf_counter() - started
    peak_mb = None
    if memory:
        gc.collect()
        tracemalloc.start()
        job()
        peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return seconds, peak_mb, size


def main() -> None:
    memory = "--quick" not in sys.argv
    report, seizures = synthetic(random.Random(20260601))
    map_html = "<html><script>var points = [" + '[40.4, -3.7, "a&b"],' * 180_000 + "];</script>"
    jobs: dict[str, Callable[[], int]] = {
        "baseline json": lambda: len(json.dumps({"report": report, "seizures": seizures})),
        "html (+4 MB map)": lambda: len(render_html(report, map_html=map_html)),
        "pdf": lambda: len(render_pdf(report)),
        "xlsx": lambda: len(render_xlsx(report, seizures)),
        "csv": lambda: sum(len(chunk) for chunk in iter_seizures_csv(seizures)),
    }
    print(f"{COUNTRIES} countries x {DAYS} days, {SEIZURES:,} seizures")
    print(f"{'format':<18}{'seconds':>9}{'x base':>8}{'peak MB':>9}{'x base':>8}{'output MB':>11}")
    base_s, base_mb = 1.0, 1.0
    total = 0.0
    for name, job in jobs.items():
        seconds, peak_mb, size = measure(job, memory)
        if name.startswith("baseline"):
            base_s, base_mb = seconds, peak_mb or 1.0
        else:
            total += seconds
        mem = f"{peak_mb:9.1f}{peak_mb / base_mb:8.1f}" if peak_mb is not None else f"{'-':>17}"
        print(f"{name:<18}{seconds:9.2f}{seconds / base_s:8.1f}{mem}{size / 2**20:11.2f}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(
        f"all formats: {total:.2f} s (target < 20 s incl. database); "
        f"process peak RSS {rss:.0f} MB (target < 500 MB; includes the synthetic data)"
    )


if __name__ == "__main__":
    main()
