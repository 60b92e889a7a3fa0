"""After the run: what the database says, read back through the API, against what the
clients were told.

- lost: an acknowledged write whose version is missing or holds other content;
- duplicated: one write (one token) in two versions, two consecutive versions with the
  same content (a retry that was not recognised as one), or numbers other than 1..N;
- phantom: a version that no client could have made (its write was never sent whole);
- events: every version has exactly one return event and every return event a version,
  as the coordinators' dashboards received them, and a seq means the same on every socket.
"""

import asyncio
import itertools
from collections import Counter, defaultdict
from typing import Any

from .contacts import COUNTERS, Ack, Content, Fleet, normalise
from .dashboards import RETURN_EVENTS, Watcher
from .rawhttp import Connection, TransportError

READERS = 16
Key = tuple[str, str]  # (country, day)
Version = tuple[int, Content]  # (number, content)


class Reader:
    """GETs as the coordinator, spread over the instances, retried on transport errors."""

    def __init__(self, ports: list[int], token: str) -> None:
        self.pool = [Connection("127.0.0.1", p) for p in ports for _ in range(READERS // 2)]
        self.free: asyncio.Queue[Connection] = asyncio.Queue()
        for conn in self.pool:
            self.free.put_nowait(conn)
        self.auth = {"Authorization": f"Bearer {token}"}

    async def get(self, path: str) -> Any:
        conn = await self.free.get()
        try:
            for attempt in itertools.count():
                try:
                    reply = await conn.request("GET", path, headers=self.auth, timeout=30)
                except TransportError:
                    if attempt > 20:
                        raise
                    await asyncio.sleep(0.2)
                    continue
                if reply.status == 200:
                    return reply.json()
                if reply.status < 500 or attempt > 20:
                    raise RuntimeError(f"GET {path} -> {reply.status} {reply.body!r}")
            raise AssertionError("unreachable")
        finally:
            self.free.put_nowait(conn)

    def close(self) -> None:
        for conn in self.pool:
            conn.close()


async def read_database(reader: Reader, code: str, fleet: Fleet) -> dict[Key, list[Version]]:
    """Every version of every return the contact points could have written, as listed."""
    keys = [(c, d) for c, days in fleet.days.items() for d in days]
    base = f"/api/operations/{code}/returns"
    listed = await asyncio.gather(*(reader.get(f"{base}/{c}/{d}/versions") for c, d in keys))
    wanted = [(k, int(v["version"])) for k, vs in zip(keys, listed, strict=True) for v in vs]
    bodies = await asyncio.gather(
        *(reader.get(f"{base}/{c}/{d}?version={n}") for (c, d), n in wanted)
    )
    out: dict[Key, list[Version]] = {k: [] for k in keys}
    for (k, n), body in zip(wanted, bodies, strict=True):
        out[k].append((n, normalise(body)))
    return out


def check_writes(fleet: Fleet, db: dict[Key, list[Version]]) -> dict[str, Any]:
    lost: list[dict[str, Any]] = []
    by_number = {k: dict(vs) for k, vs in db.items()}
    for ack in fleet.acks:
        found = by_number.get((ack.country, ack.day), {}).get(ack.version)
        if found != ack.content:
            lost.append(_describe(ack, found))
    numbering = [
        {"return": k, "versions": [n for n, _ in vs]}
        for k, vs in db.items()
        if [n for n, _ in vs] != list(range(1, len(vs) + 1))
    ]
    consecutive = [
        {"return": k, "version": b[0]}
        for k, vs in db.items()
        for a, b in itertools.pairwise(vs)
        if a[1] == b[1]
    ]
    tokens = Counter(c["notes"] for vs in db.values() for _, c in vs)
    twice = {t: n for t, n in tokens.items() if n > 1}
    acked = {a.token for a in fleet.acks}
    unacked = [t for t in tokens if t not in acked]
    phantom = [t for t in unacked if t not in fleet.uncertain]
    return {
        "versions": sum(len(vs) for vs in db.values()),
        "returns": sum(1 for vs in db.values() if vs),
        "acknowledged": sum(not a.landed for a in fleet.acks),
        "landed_unanswered": sum(a.landed for a in fleet.acks),
        "lost": len(lost),
        "lost_detail": lost[:10],
        "duplicated": sum(n - 1 for n in twice.values()) + len(consecutive) + len(numbering),
        "duplicated_detail": {
            "tokens_in_several_versions": dict(list(twice.items())[:10]),
            "consecutive_equal_versions": consecutive[:10],
            "numbering_not_1_to_n": numbering[:10],
        },
        "unacknowledged_versions": len(unacked),
        "phantom_versions": len(phantom),
        "phantom_detail": phantom[:10],
    }


def _describe(ack: Ack, found: Content | None) -> dict[str, Any]:
    return {
        "country": ack.country,
        "day": ack.day,
        "version": ack.version,
        "token": ack.token,
        "server": ack.server,
        "landed": ack.landed,
        "in_database": "missing" if found is None else f"other content ({found['notes']})",
    }


def check_events(
    watchers: list[Watcher], db: dict[Key, list[Version]], final: int
) -> dict[str, Any]:
    coordinators = [w for w in watchers if w.role == "coordinator" and w.start is not None]
    said: dict[int, set[tuple[Any, ...]]] = defaultdict(set)
    for w in coordinators:
        for seq, what in w.events.items():
            said[seq].add(what)
    disagree = sorted(seq for seq, whats in said.items() if len(whats) > 1)
    first = min((w.start for w in coordinators if w.start is not None), default=final)
    unseen = sorted(set(range(first + 1, final + 1)) - set(said))
    per_version: Counter[tuple[str, str, int]] = Counter()
    for whats in said.values():
        for kind, *rest in whats:
            if kind in RETURN_EVENTS:
                country, day, version = rest
                per_version[(country, day, int(version))] += 1
    versions = {(c, d, n) for (c, d), vs in db.items() for n, _ in vs}
    return {
        "final_seq": final,
        "first_seq_watched": first,
        "seqs_no_coordinator_saw": len(unseen),
        "seqs_told_differently": len(disagree),
        "seqs_told_differently_first": disagree[:10],
        "versions_without_event": len(versions - set(per_version)),
        "events_without_version": len(set(per_version) - versions),
        "versions_with_several_events": sum(1 for n in per_version.values() if n > 1),
        "return_events": sum(per_version.values()),
    }


def delivery_lags(watchers: list[Watcher], fleet: Fleet) -> list[tuple[float, float, str]]:
    """(acknowledged at, seconds until the event reached a coordinator socket, the socket's
    instance) per event and socket; negative when the event beat the HTTP answer, and the
    replays after a drop are included."""
    acked = {(a.country, a.day, a.version): a.at for a in fleet.acks if not a.landed}
    lags = []
    for w in watchers:
        for seq, (at, server) in w.arrived.items():
            _, country, day, version = w.events[seq]
            if (when := acked.get((country, day, version))) is not None:
                lags.append((when, at - when, server))
    return lags


def totals_of(db: dict[Key, list[Version]], participants: int) -> dict[str, Any]:
    """The operation's totals computed from the current version of every return."""
    current = [vs[-1][1] for vs in db.values() if vs]
    seizures = [s for c in current for s in c["seizures"]]
    by_country: Counter[str] = Counter()
    for (country, _), vs in db.items():
        if vs:
            by_country[country] += sum(s[2] for s in vs[-1][1]["seizures"])
    out: dict[str, Any] = {
        "countries_participating": participants,
        "countries_reported": len({country for (country, _), vs in db.items() if vs}),
        "returns": len(current),
        "seizures": len(seizures),
        "objects_seized": sum(s[2] for s in seizures),
        "objects_by_category": {"coins": sum(s[2] for s in seizures)} if seizures else {},
        "objects_by_country": {c: n for c, n in sorted(by_country.items()) if n},
    }
    for name in COUNTERS:
        out[name] = sum(c["counters"][name] for c in current)
    return out


def check_totals(
    watchers: list[Watcher], db: dict[Key, list[Version]], summary: dict[str, Any]
) -> dict[str, Any]:
    """The summary against the versions, and every coordinator's folded deltas against
    the summary: a delta computed from a stale version would show here."""
    expected = totals_of(db, summary["countries_participating"])
    wrong = {k: [summary.get(k), v] for k, v in expected.items() if summary.get(k) != v}
    drifted = {
        w.name: {k: [w.totals.get(k), v] for k, v in summary.items() if w.totals.get(k) != v}
        for w in watchers
        if w.role == "coordinator"
    }
    drifted = {name: diff for name, diff in drifted.items() if diff}
    return {
        "summary_vs_versions": wrong,
        "dashboards_drifted": drifted,
        "totals_mismatches": len(drifted) + bool(wrong),
    }


__all__ = [
    "Reader",
    "check_events",
    "check_totals",
    "check_writes",
    "delivery_lags",
    "read_database",
]
