"""The system under test, driven only through its public contract: the ``opcoord``
command line, its environment variables and its HTTP API."""

import os
import random
import secrets
import shutil
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import httpx
import pycountry

from opcoord.bench import procs
from opcoord.bench.scratch import Scratch

CATEGORIES = ("coins", "archaeological", "paintings", "sculptures", "religious", "manuscripts")
PLACES = ("airport", "seaport", "land_border", "postal_centre", "inland", "auction_house")
#: Real ISO 3166 codes: the API checks them.
COUNTRIES = tuple(sorted(c.alpha_2 for c in pycountry.countries))


def countries(n: int) -> list[str]:
    if n > len(COUNTRIES):
        raise ValueError(f"at most {len(COUNTRIES)} countries")
    return list(COUNTRIES[:n])


def opcoord_command() -> list[str]:
    """The installed ``opcoord`` script of this interpreter's environment."""
    beside = Path(sys.executable).with_name("opcoord")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("opcoord")
    if found:
        return [found]
    raise procs.ChildFailedError("no `opcoord` command: install the package (pip install -e .)")


class Opcoord:
    """One ``opcoord serve`` on a free port of 127.0.0.1, with its admin token."""

    def __init__(self, db: Scratch, log: Path, workers: int = 1) -> None:
        self.db = db
        self.workers = workers
        self.token = "bench-admin-" + secrets.token_hex(16)
        self.port = procs.free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        env = {
            **os.environ,
            "OPCOORD_DATABASE_URL": db.url,
            "OPCOORD_ADMIN_TOKEN": self.token,
            # No reminders or day closes in the middle of a measurement.
            "OPCOORD_SCHEDULER_ENABLED": "false",
            # The harness sets up hundreds of countries and accounts as one coordinator.
            "OPCOORD_WRITES_PER_MINUTE": "1000000",
            # Its dashboards watch as a few accounts, hundreds of sockets each.
            "OPCOORD_LIVE_MAX_PER_ACCOUNT": "1000000",
        }
        self._out: IO[bytes] = log.open("ab")
        cmd = [*opcoord_command(), "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        if workers > 1:
            cmd += ["--workers", str(workers)]
        self.proc = procs.spawn(cmd, "opcoord serve", env=env, stdout=self._out, stderr=self._out)
        procs.wait_http(f"{self.base}/health", self.proc, "opcoord serve", 120, log)
        self.http = httpx.Client(
            base_url=self.base, headers={"Authorization": f"Bearer {self.token}"}, timeout=600
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def instances(self) -> list[int]:
        """The processes serving requests: the server, or each worker of ``--workers``
        (their supervisor serves none)."""
        if self.workers == 1:
            return [self.proc.pid]
        return [pid for pid in procs.children(self.proc.pid) if procs.is_spawned_worker(pid)]

    def check_alive(self) -> None:
        if self.proc.poll() is not None:
            raise procs.ChildFailedError(f"opcoord serve exited with {self.proc.returncode}")

    def close(self) -> None:
        self.http.close()
        procs.end(self.proc.pid)
        self._out.close()

    def __enter__(self) -> "Opcoord":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


@dataclass
class Operation:
    """An operation created through the API, with one contact point per country."""

    code: str
    starts_on: date
    ends_on: date
    today: date
    tokens: dict[str, str] = field(default_factory=dict)  # country -> NCP token

    def days(self) -> list[date]:
        """Every day of the window up to today, oldest first."""
        last = min(self.today, self.ends_on)
        return [self.starts_on + timedelta(d) for d in range((last - self.starts_on).days + 1)]


def _ok(r: httpx.Response) -> dict[str, Any]:
    if r.status_code >= 300:
        raise procs.ChildFailedError(
            f"{r.request.method} {r.request.url}: {r.status_code} {r.text}"
        )
    out: dict[str, Any] = r.json()
    return out


def create_operation(
    server: Opcoord, prefix: str, n_countries: int, days: int, *, ahead: int = 5
) -> Operation:
    """An active operation whose window holds ``days`` days up to today (UTC)."""
    today = datetime.now(UTC).date()
    code = f"{prefix}-{secrets.token_hex(3).upper()}"
    op = Operation(code, today - timedelta(days - 1), today + timedelta(ahead), today)
    _ok(
        server.http.post(
            "/api/operations",
            json={
                "code": code,
                "name": f"Benchmark {prefix}",
                "lead": "bench",
                "partners": ["WCO"],
                "starts_on": op.starts_on.isoformat(),
                "ends_on": op.ends_on.isoformat(),
                "timezone": "UTC",
                "daily_cutoff": "23:59",
            },
        )
    )
    for cc in countries(n_countries):
        _ok(
            server.http.post(
                f"/api/operations/{code}/participants",
                json={"country": cc, "agencies": ["customs"]},
            )
        )
        made = _ok(
            server.http.post(
                "/api/users",
                json={
                    "username": f"ncp-{code.lower()}-{cc.lower()}",
                    "role": "ncp",
                    "country": cc,
                },
            )
        )
        op.tokens[cc] = str(made["token"])
    return op


def seizure(ref: str, rng: random.Random, others: list[str]) -> dict[str, Any]:
    return {
        "ref": ref,
        "category": rng.choice(CATEGORIES),
        "quantity": rng.randint(1, 50),
        "place_type": rng.choice(PLACES),
        "description": "bench object, declared as a souvenir",
        "lat": round(rng.uniform(-50, 60), 4),
        "lon": round(rng.uniform(-120, 140), 4),
        "origin_country": rng.choice(others),
        "destination_country": rng.choice(others),
        "estimated_value": rng.randint(10, 10_000),
        "currency": "EUR",
    }


def return_body(
    refs: list[str], rng: random.Random, others: list[str], arrests: int = 0
) -> dict[str, Any]:
    """A daily return; ``amendment_reason`` always, so a replacement after the due time
    is as valid as a first version."""
    return {
        "nil_return": False,
        "counters": {"persons_checked": rng.randint(1, 900), "arrests": arrests},
        "facilitating_items": {"metal_detectors": rng.randint(0, 2)},
        "seizures": [seizure(ref, rng, others) for ref in refs],
        "notes": "bench",
        "amendment_reason": "bench",
    }


def event_key(message: dict[str, Any]) -> str:
    """Names a live message so a client and the PUT that caused it agree on it."""
    if "key" in message:  # the bare broadcaster's messages
        return str(message["key"])
    kind = message.get("type")
    if kind in ("return_submitted", "return_amended", "nil_return"):
        return f"r:{message['country']}:{message['day']}:{message['version']}"
    if kind == "seizure_recorded" and message.get("seizures"):
        return f"s:{message['seizures'][0]['ref']}"
    return f"x:{kind}:{message.get('seq')}"


def keys_of_put(country: str, day: date, answer: dict[str, Any], refs: list[str]) -> list[str]:
    """The live messages one accepted PUT causes (a new version, and new seizures)."""
    out = [f"r:{country}:{day.isoformat()}:{answer['version']}"]
    if refs:
        out.append(f"s:{refs[0]}")
    return out
