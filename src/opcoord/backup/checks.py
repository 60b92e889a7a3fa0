"""What can be proved of an operation's rows and its audit chain, wherever they are.

- ``chain``: in each of the operation's chains (its own, and each country's returns')
  the entries are numbered 1..N with no gap and the head names the last; with the key
  the chains were made under (the source's, so only a database with that key can check
  a file's chains), each MAC follows from the entry and the one before.
- ``vouched``: each operation, participant and return version (with its seizures)
  matches the digest of its latest audit entry: needs no key, so every restore checks
  it, and a figure edited in the file is refused even where the chain cannot be checked.

``states`` gives the audited state of those rows (by the same functions ``opcoord audit
verify`` uses), keyed by the rows' object keys; the restore uses it again to compute the
digests of the same rows under their new ids.
"""

import hmac
from typing import Any

from opcoord.audit.log import digest, entry_mac, head_mac, operation_streams
from opcoord.audit.models import AuditEntry
from opcoord.backup.archive import Rows
from opcoord.backup.tables import AUDIT, AUDIT_HEADS, OPERATION
from opcoord.operations import integrity
from opcoord.operations.models import DailyReturn, Operation, Participant, ReturnVersion, Seizure


def chain(tables: dict[str, Rows], key: bytes | None) -> str | None:
    """The first break in the operation's audit chains (None: intact): its own and its
    countries' returns'. Without the key, only what needs none: the numbering, and each
    head against its chain's last entry."""
    operation = int(tables[OPERATION][0]["id"])
    heads = {int(h["stream_id"]): h for h in tables[AUDIT_HEADS]}
    by_stream: dict[int, list[AuditEntry]] = {}
    for row in tables[AUDIT]:
        by_stream.setdefault(int(row["stream_id"]), []).append(AuditEntry(**row))
    ours = set(operation_streams(operation, [int(p["id"]) for p in tables["participants"]]))
    for stream in sorted(set(by_stream) | set(heads)):
        if stream not in ours:
            return f"audit stream {stream} is not one of the operation's chains"
    for stream in sorted(set(by_stream) | set(heads) | {operation}, key=lambda s: s != operation):
        problem = _one_chain(stream, by_stream.get(stream, []), heads.get(stream), key)
        if problem is not None:
            return problem if stream == operation else f"{problem} (the chain of stream {stream})"
    return None


def _one_chain(
    stream: int, entries: list[AuditEntry], head: dict[str, Any] | None, key: bytes | None
) -> str | None:
    previous, expected = "", 1
    for entry in sorted(entries, key=lambda e: e.seq):
        if entry.seq != expected:
            return f"audit entry {expected} of the operation is missing"
        if key is not None and not hmac.compare_digest(entry.mac, entry_mac(key, previous, entry)):
            return f"audit entry {entry.seq} ({entry.action}) was altered"
        previous, expected = entry.mac, expected + 1
    if head is None:
        return "the operation's audit head is missing"
    if (
        head["seq"] != expected - 1
        or head["mac"] != previous
        or (
            key is not None
            and not hmac.compare_digest(
                head["head_mac"], head_mac(key, stream, head["seq"], head["mac"])
            )
        )
    ):
        return "the head of the operation's audit chain does not match its entries"
    return None


def states(tables: dict[str, Rows]) -> dict[str, tuple[str, Any]]:
    """Object key -> (a label for people, the audited state) of every vouched row."""
    out: dict[str, tuple[str, Any]] = {}
    for row in tables[OPERATION]:
        op = Operation(**row)
        out[integrity.key("operations", op.id)] = (
            f"operations row {op.id} ({op.code})",
            integrity.operation_state(op),
        )
    for row in tables["participants"]:
        p = Participant(**row)
        out[integrity.key("participants", p.id)] = (
            f"participants row {p.id} ({p.country})",
            integrity.participant_state(p),
        )
    returns = {r["id"]: DailyReturn(**r) for r in tables["daily_returns"]}
    seizures: dict[int, list[Seizure]] = {}
    for row in tables["seizures"]:
        seizures.setdefault(row["version_id"], []).append(Seizure(**row))
    for row in tables["return_versions"]:
        v = ReturnVersion(**row)
        assert v.id is not None
        ret = returns.get(v.return_id)
        label = f"return_versions row {v.id} ({v.country} {v.day} version {v.version})"
        if ret is None:
            out[integrity.key("return_versions", v.id)] = (label, "its return is missing")
            continue
        out[integrity.key("return_versions", v.id)] = (
            label,
            integrity.version_state(v, seizures.get(v.id, []), ret),
        )
    return out


def latest_digests(entries: Rows) -> dict[str, dict[str, Any]]:
    """Object key -> its latest entry that carries a digest. Entries of several chains
    are ordered by id: the entries of one object are written one after another."""
    out: dict[str, dict[str, Any]] = {}
    for e in sorted(entries, key=lambda e: int(e["id"])):
        if e["object_key"] and e["digest"]:
            out[str(e["object_key"])] = e
    return out


def vouched(tables: dict[str, Rows]) -> str | None:
    """The first vouched row that differs from its latest audit entry (None: all match)."""
    recorded = latest_digests(tables[AUDIT])
    for object_key, (label, state) in states(tables).items():
        found = recorded.get(object_key)
        if found is None:
            return f"{label} has no audit entry"
        if digest(state) != found["digest"]:
            return f"{label} does not match audit entry {found['seq']} of the operation"
    return None
