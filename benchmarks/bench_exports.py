"""Benchmark: the seizure exports (HXL CSV and seizure records JSON) of 100,000 seizures.

    .venv/bin/python benchmarks/bench_exports.py [--seizures 100000]

Starts a real ``opcoord serve`` on a temporary SQLite file and a local port, creates an
operation through the API, seeds its seizures in bulk, and reads each export to its
last byte: time, size, rows, and the server's peak resident memory, which shows that
the exports stream (read in batches) rather than load every seizure at once. The
GeoJSON, streamed the same way, is read last for scale.
"""

import argparse
import csv
import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from opcoord.bench.scratch import Scratch
from opcoord.bench.seed import seed_operation

TOKEN = "bench-admin-token-0123456789"  # noqa: S105 - a scratch database
COUNTRIES = ("AT", "BE", "BG", "CY", "CZ", "DE", "ES", "FR", "GR", "HR", "IT", "NL", "PL", "PT")
PATHS = ("seizures.hxl.csv", "seizure-records.json", "seizures.geojson")


def _rows(path: str, body: bytes) -> int:
    if path.endswith(".csv"):
        return sum(1 for _ in csv.reader(io.StringIO(body.decode()))) - 2
    doc = json.loads(body)
    return len(doc["records"] if "records" in doc else doc["features"])


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _create(base: str, db: Scratch, n: int) -> None:
    """The operation through the API, then ``n`` seizures seeded in bulk."""
    auth = {"Authorization": f"Bearer {TOKEN}"}
    op = {"code": "BENCH", "name": "Bench", "lead": "WCO", "starts_on": "2026-11-01",
          "ends_on": "2026-12-31", "timezone": "UTC", "daily_cutoff": "10:00"}  # fmt: skip
    assert httpx.post(f"{base}/api/operations", json=op, headers=auth).status_code == 201
    for c in COUNTRIES:
        body = {"country": c, "agencies": ["customs"]}
        r = httpx.post(f"{base}/api/operations/BENCH/participants", json=body, headers=auth)
        assert r.status_code == 201, r.text
    seed_operation(db, "BENCH", n)


def served(db: Scratch, n: int) -> list[tuple[str, float, int, int, float]]:
    url = db.url
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "OPCOORD_DATABASE_URL": url,
        "OPCOORD_ADMIN_TOKEN": TOKEN,
        "OPCOORD_SCHEDULER_ENABLED": "false",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "opcoord.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    out = []
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        _create(base, db, n)
        out.append(("idle", 0.0, 0, 0, _peak_rss_mb(proc.pid)))
        for path in PATHS:
            chunks: list[bytes] = []
            t = time.perf_counter()
            with httpx.stream(
                "GET",
                f"{base}/api/operations/BENCH/{path}",
                headers={"Authorization": f"Bearer {TOKEN}"},
                timeout=300,
            ) as r:
                assert r.status_code == 200, r.read()
                chunks.extend(r.iter_bytes())
            elapsed = time.perf_counter() - t
            body = b"".join(chunks)
            out.append((path, elapsed, len(body), _rows(path, body), _peak_rss_mb(proc.pid)))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seizures", type=int, default=100_000)
    args = parser.parse_args()
    path = f"{tempfile.mkdtemp()}/bench.db"
    db = Scratch("sqlite", f"sqlite+aiosqlite:///{path}", path)
    results = served(db, args.seizures)
    idle = results[0][4]
    print(f"{'':24} {'seconds':>8} {'MB':>8} {'rows':>8} {'RSS peak MB':>12}")
    for path, seconds, size, rows, peak in results[1:]:
        print(f"{path:24} {seconds:8.2f} {size / 2**20:8.1f} {rows:8} {peak:12.0f}")
    print(f"server RSS when idle: {idle:.0f} MB (the peak is cumulative, in request order)")


if __name__ == "__main__":
    main()
