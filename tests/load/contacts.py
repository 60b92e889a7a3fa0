"""Simulated contact points: each country's desk writes its daily returns, from two
sessions at once (a desk and a laptop sharing the account), to either instance.

A write is one intended change of one day's return (a token in its ``notes`` names it).
It is retried until a 2xx acknowledges it: after a timeout, a 5xx, a refused or reset
connection, or a cut of our own, the same request goes again (the same content and
precondition, so the server's identical-resubmission rule answers it if the first try
did land). A 412 means another session moved the return on: the desk re-reads it, checks
whether an earlier try of its own landed after all, and if not applies its change to
what it read. Every acknowledgement is kept for the audit, with the content it claimed.
"""

import asyncio
import contextlib
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .rawhttp import Connection, CutOffError, Reply, TransportError

# The counters of the API's daily return (docs/api.md): every write sets all of them.
COUNTERS = (
    "persons_checked",
    "vehicles_checked",
    "vessels_checked",
    "premises_checked",
    "online_checks",
    "arrests",
    "investigations_criminal",
    "investigations_administrative",
)
MAX_CONFLICT_ROUNDS = 50  # 412/409 re-reads for one write before it is abandoned
Content = dict[str, Any]


def normalise(body: dict[str, Any]) -> Content:
    """What a return says, comparable between a request body and a response."""
    return {
        "nil_return": bool(body.get("nil_return", False)),
        "counters": {c: int(body.get("counters", {}).get(c, 0)) for c in COUNTERS},
        "seizures": [
            [s["ref"], s["category"], int(s["quantity"]), s["place_type"]]
            for s in body.get("seizures", [])
        ],
        "notes": body.get("notes", ""),
    }


def next_content(previous: Content | None, token: str, rng: random.Random) -> Content:
    """The return after this write's change: new counters, maybe a seizure more or less."""
    if rng.random() < 0.05:
        return normalise({"nil_return": True, "notes": token})
    seizures = [] if previous is None or previous["nil_return"] else list(previous["seizures"])
    if seizures and rng.random() < 0.2:
        seizures.pop(rng.randrange(len(seizures)))
    if len(seizures) < 4 and rng.random() < 0.5:
        seizures.append([token, "coins", rng.randint(1, 50), "airport"])  # a ref never reused
    counters = {c: rng.randint(0, 300) for c in COUNTERS}
    return {"nil_return": False, "counters": counters, "seizures": seizures, "notes": token}


def request_body(content: Content, token: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "nil_return": content["nil_return"],
        "notes": content["notes"],
        # Every day of the window is past its due time: a replacement is an amendment.
        "amendment_reason": f"fault harness write {token}",
    }
    if not content["nil_return"]:
        body["counters"] = content["counters"]
        body["seizures"] = [
            {"ref": r, "category": c, "quantity": q, "place_type": p}
            for r, c, q, p in content["seizures"]
        ]
    return body


@dataclass(frozen=True, slots=True)
class Ack:
    """A version a writer knows it made: from a 2xx, or (``landed``) found on a re-read."""

    country: str
    day: str
    version: int
    token: str
    content: Content
    server: str
    at: float  # time.monotonic()
    landed: bool = False
    took: float = 0.0  # seconds from the write's first request to its acknowledgement


@dataclass
class Fleet:
    """Every contact point's sessions, and what they saw."""

    code: str
    servers: list[tuple[str, int]]  # (name, port)
    tokens: dict[str, str]  # country -> the contact point's API token
    days: dict[str, list[str]]  # country -> the days it writes
    sessions: int = 2
    think: tuple[float, float] = (0.5, 2.0)
    cut_rate: float = 0.05
    timeout: float = 10.0
    preconditions: bool = True  # False only to prove that the audit sees duplicates
    seed: int = 1
    acks: list[Ack] = field(default_factory=list)
    uncertain: set[str] = field(default_factory=set)  # tokens a try of which may have landed
    stats: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)

    async def run(self, stop: asyncio.Event, grace: float) -> None:
        """Write until ``stop``; a write in progress then has ``grace`` seconds to finish."""
        tasks = [
            self._session(country, k, stop, grace)
            for country in self.tokens
            for k in range(self.sessions)
        ]
        await asyncio.gather(*tasks)

    def _error(self, text: str) -> None:
        self.stats["unexpected_answers"] += 1
        if len(self.errors) < 20:
            self.errors.append(text[:300])

    async def _session(self, country: str, k: int, stop: asyncio.Event, grace: float) -> None:
        rng = random.Random(f"{self.seed}:{country}:{k}")
        conns = [Connection("127.0.0.1", port) for _, port in self.servers]
        known: dict[str, tuple[int, Content | None]] = {}
        n = 0
        try:
            # Spread the first writes over the first think interval, not all at t=0.
            await asyncio.sleep(rng.uniform(0, sum(self.think) / 2))
            while not stop.is_set():
                n += 1
                day = rng.choice(self.days[country])
                token = f"{country}.{k}.{n}"
                writer = _Write(self, rng, conns, country, day, token, stop, grace)
                result = await writer.run(known.get(day, (0, None)))
                if result is not None:
                    known[day] = result
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), rng.uniform(*self.think))
        finally:
            for conn in conns:
                conn.close()


class _Write:
    """One write of one session, from its first request to its acknowledgement."""

    def __init__(
        self,
        fleet: Fleet,
        rng: random.Random,
        conns: list[Connection],
        country: str,
        day: str,
        token: str,
        stop: asyncio.Event,
        grace: float,
    ) -> None:
        self.fleet, self.rng, self.conns = fleet, rng, conns
        self.country, self.day, self.token = country, day, token
        self.stop, self.grace = stop, grace
        self.path = f"/api/operations/{fleet.code}/returns/{country}/{day}"
        self.auth = {"Authorization": f"Bearer {fleet.tokens[country]}"}
        self.target = rng.randrange(len(conns))
        self.given_up_at: float | None = None

    def _out_of_time(self) -> bool:
        if not self.stop.is_set():
            return False
        if self.given_up_at is None:
            self.given_up_at = time.monotonic() + self.grace
        return time.monotonic() > self.given_up_at

    async def _backoff(self) -> None:
        self.target = (self.target + 1) % len(self.conns)  # the other instance may be up
        await asyncio.sleep(self.rng.uniform(0.05, 0.5))

    async def _send(self, method: str, path: str, **kw: Any) -> Reply | None:
        """One request to the current target; None if it failed below HTTP or was cut."""
        name = self.fleet.servers[self.target][0]
        self.fleet.stats[f"requests_{name}"] += 1
        try:
            return await self.conns[self.target].request(
                method, path, headers={**self.auth, **kw.pop("headers", {})}, **kw
            )
        except CutOffError:
            self.fleet.stats["cuts"] += 1
            await self._backoff()  # as a person or a client library would, before a retry
            return None
        except TransportError as exc:
            kind = "timeouts" if "TimeoutError" in str(exc) else "connection_errors"
            self.fleet.stats[kind] += 1
            await self._backoff()
            return None

    async def run(self, base: tuple[int, Content | None]) -> tuple[int, Content | None] | None:
        fleet, started = self.fleet, time.monotonic()
        version, current = base
        content = next_content(current, self.token, self.rng)
        fleet.stats["writes"] += 1
        attempts = rounds = 0
        while not self._out_of_time():
            attempts += 1
            precondition = {"If-Match": f'"{version}"'} if version else {"If-None-Match": "*"}
            if not fleet.preconditions:
                precondition = {}
            cut: Any = None
            if self.rng.random() < fleet.cut_rate:
                cut = "mid_body" if self.rng.random() < 0.3 else "after_send"
                if cut == "after_send":
                    fleet.uncertain.add(self.token)
            reply = await self._send(
                "PUT",
                self.path,
                headers=precondition,
                body=request_body(content, self.token),
                timeout=fleet.timeout,
                cut=cut,
                cut_delay=self.rng.uniform(0, 0.05),
            )
            if reply is None:
                if cut != "mid_body":
                    fleet.uncertain.add(self.token)
                continue
            if reply.status in (200, 201):
                fleet.stats["retries"] += attempts - 1
                fleet.latencies.append(time.monotonic() - started)
                return self._acknowledged(reply, content, version, started)
            if reply.status >= 500:
                fleet.stats["http_5xx"] += 1
                await self._backoff()
            elif reply.status in (409, 412):
                fleet.stats[f"http_{reply.status}"] += 1
                rounds += 1
                seen = await self._read_current()
                if seen is None or rounds > MAX_CONFLICT_ROUNDS:
                    break
                landed = await self._landed(version, seen)
                if landed is not None:
                    fleet.stats["retries"] += attempts - 1
                    return seen
                version, current = seen
                content = next_content(current, self.token, self.rng)
            else:
                fleet._error(f"PUT {self.path} -> {reply.status} {reply.body!r}")
                break
        fleet.stats["given_up"] += 1
        return None

    def _acknowledged(
        self, reply: Reply, content: Content, precondition: int, started: float
    ) -> tuple[int, Content]:
        fleet, data = self.fleet, reply.json()
        version = int(data["version"])
        if normalise(data) != content:
            fleet._error(f"PUT {self.path} acknowledged other content: {data!r}")
        if reply.status == 201 and version != 1:
            fleet._error(f"PUT {self.path} -> 201 with version {version}")
        if fleet.preconditions and version != precondition + 1:  # new, or our earlier try's
            fleet._error(f"PUT {self.path} on version {precondition} acknowledged as {version}")
        server = fleet.servers[self.target][0]
        now = time.monotonic()
        took = now - started
        fleet.acks.append(
            Ack(self.country, self.day, version, self.token, content, server, now, took=took)
        )
        fleet.stats["acknowledged"] += 1
        return version, content

    async def _get(self, path: str) -> Reply | None:
        """A read, retried until it answers (or time is up)."""
        while not self._out_of_time():
            reply = await self._send("GET", path, timeout=self.fleet.timeout)
            if reply is not None and reply.status < 500:
                return reply
            if reply is not None:
                await self._backoff()
        return None

    async def _read_current(self) -> tuple[int, Content | None] | None:
        reply = await self._get(self.path)
        if reply is None:
            return None
        if reply.status == 404:
            return 0, None
        data = reply.json()
        return int(data["version"]), normalise(data)

    async def _landed(
        self, base: int, seen: tuple[int, Content | None]
    ) -> tuple[int, Content] | None:
        """The version an earlier, unanswered try of this write made, if one did."""
        if self.token not in self.fleet.uncertain:
            return None
        for number in range(seen[0], base, -1):
            reply = await self._get(f"{self.path}?version={number}")
            if reply is None or reply.status != 200:
                continue
            data = reply.json()
            if data.get("notes") == self.token:
                content = normalise(data)
                server = self.fleet.servers[self.target][0]
                at = time.monotonic()
                ack = Ack(self.country, self.day, number, self.token, content, server, at, True)
                self.fleet.acks.append(ack)
                self.fleet.stats["landed_unanswered"] += 1
                return number, content
        return None
