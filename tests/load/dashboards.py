"""Dashboards on the live channel that drop at random and resume with ``?since``.

Each watcher keeps every ``seq`` it receives, in arrival order, across all of its
connections; a coordinator also keeps what each event said (type, country, day,
version), so the audit can match return events to versions. A resume should be answered
with the events after ``since`` (a snapshot only when more than the replay limit passed).
"""

import asyncio
import json
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

RETURN_EVENTS = frozenset({"return_submitted", "return_amended", "nil_return"})
REPLAY_LIMIT = 5000  # docs/live.md: beyond this many events a resume gets a snapshot


@dataclass
class Watcher:
    name: str
    role: str  # "coordinator" or "ncp"
    token: str
    code: str
    servers: list[tuple[str, int]]
    home: int
    drop_every: tuple[float, float] = (1.0, 6.0)
    seed: int = 1
    start: int | None = None  # the first snapshot's seq
    last: int = 0  # the highest seq received or covered by a snapshot
    received: list[int] = field(default_factory=list)
    events: dict[int, tuple[Any, ...]] = field(default_factory=dict)
    snapshots_on_resume: list[tuple[int, int]] = field(default_factory=list)  # (since, seq)
    totals: dict[str, Any] = field(default_factory=dict)  # the snapshot's, deltas folded in
    # Return event seq -> (time.monotonic() on arrival, the instance it came from).
    arrived: dict[int, tuple[float, str]] = field(default_factory=dict)
    stats: Counter[str] = field(default_factory=Counter)

    def _url(self, target: int) -> str:
        port = self.servers[target][1]
        url = f"ws://127.0.0.1:{port}/api/operations/{self.code}/live"
        return url if self.start is None else f"{url}?since={self.last}"

    async def run(self, calm: asyncio.Event, done: asyncio.Event) -> None:
        """Watch until ``done``; drop at random until ``calm``."""
        rng = random.Random(f"{self.seed}:{self.name}")
        target = self.home
        while not done.is_set():
            try:
                async with connect(
                    self._url(target), proxy=None, max_queue=None, open_timeout=5, close_timeout=1
                ) as ws:
                    self.stats["connections"] += 1
                    self.stats["resumes"] += self.start is not None
                    await ws.send(json.dumps({"type": "auth", "token": self.token}))
                    await self._watch(ws, rng, calm, done, self.servers[target][0])
            except ConnectionClosed as exc:
                code = exc.rcvd.code if exc.rcvd is not None else 1006
                self.stats[f"closed_by_server_{code}"] += 1
                target = self._next_target(rng, target)
            except (OSError, TimeoutError, InvalidHandshake):
                self.stats["connect_failures"] += 1
                target = 1 - target if len(self.servers) == 2 else target  # try the other one
                await asyncio.sleep(rng.uniform(0.1, 0.5))
            else:
                target = self._next_target(rng, target)

    def _next_target(self, rng: random.Random, target: int) -> int:
        # Mostly back to its own instance; sometimes the other, to resume across instances.
        return rng.randrange(len(self.servers)) if rng.random() < 0.3 else self.home

    async def _watch(
        self,
        ws: ClientConnection,
        rng: random.Random,
        calm: asyncio.Event,
        done: asyncio.Event,
        server: str,
    ) -> None:
        drop_at = time.monotonic() + rng.uniform(*self.drop_every)
        while not done.is_set():
            if not calm.is_set() and time.monotonic() >= drop_at:
                self.stats["drops"] += 1
                if rng.random() < 0.5:
                    ws.transport.abort()  # as a lost network would: no close frame
                else:
                    await ws.close()
                return
            try:
                text = await asyncio.wait_for(ws.recv(), 0.25)  # recv() is cancellation-safe
            except TimeoutError:
                continue
            self._handle(json.loads(text), server)

    def _handle(self, message: dict[str, Any], server: str = "") -> None:
        kind, seq = message.get("type"), message.get("seq")
        if not isinstance(seq, int):
            return  # a pong
        if kind == "snapshot":
            self.totals = message["totals"]  # a snapshot replaces the state, always
            if self.start is None:
                self.start = self.last = seq
                return
            # A resume answered with a snapshot: the protocol's answer to a long absence.
            self.snapshots_on_resume.append((self.last, seq))
            self.last = max(self.last, seq)
            return
        self.received.append(seq)
        self.last = max(self.last, seq)
        if "delta" in message:
            self.totals = fold(self.totals, message["delta"])
        if self.role == "coordinator":
            if kind in RETURN_EVENTS:
                self.events[seq] = (kind, message["country"], message["day"], message["version"])
                self.arrived.setdefault(seq, (time.monotonic(), server))
            else:
                self.events[seq] = (kind,)


def fold(totals: dict[str, Any], delta: dict[str, Any]) -> dict[str, Any]:
    """Totals with an event's delta added, as docs/live.md has a dashboard do it (the run
    sets no estimated values, so every figure is an integer)."""
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in totals.items()}
    for key, value in delta.items():
        if isinstance(value, dict):
            into = out.setdefault(key, {})
            for k, v in value.items():
                into[k] = into.get(k, 0) + v
                if not into[k]:
                    del into[k]
        else:
            out[key] = out.get(key, 0) + value
    return out


def analyse(w: Watcher, final: int) -> dict[str, Any]:
    """Gaps, repeats and reorderings of one watcher's seqs against (start, final]."""
    start = w.start if w.start is not None else final
    seen: set[int] = set()
    repeats = reordered = 0
    high = start
    for seq in w.received:
        if seq in seen or seq <= start:
            repeats += 1
        elif seq < high:
            reordered += 1  # arrived after a later event
        seen.add(seq)
        high = max(high, seq)
    covered = set()
    unexplained = []
    for since, seq in w.snapshots_on_resume:
        covered |= set(range(since + 1, seq + 1))
        if seq - since <= REPLAY_LIMIT:
            unexplained.append((since, seq))  # events it should have replayed
    expected = set(range(start + 1, final + 1))
    missed = sorted(expected - seen - covered)
    return {
        "name": w.name,
        "role": w.role,
        "start": start,
        "received": len(w.received),
        "missed": len(missed),
        "missed_first": missed[:10],
        "repeats": repeats,
        "reordered": reordered,
        "snapshots_on_resume": len(w.snapshots_on_resume),
        "snapshots_unexplained": unexplained[:10],
        **dict(sorted(w.stats.items())),
    }
