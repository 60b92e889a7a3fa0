"""What can be proved of an operation's rows and its audit chain, wherever they are.

- ``chain``: the entries are numbered 1..N with no gap and the head names the last;
  with the key the chain was made under (the source's, so only a database with that key
  can check a file's chain), each MAC follows from the entry and the one before.
- ``vouched``: each operation, participant and return version (with its seizures)
  matches the digest of its latest audit entry: needs no key, so every restore checks
  it, and a figure edited in the file is refused even where the chain cannot be checked.

``states`` gives the audited state of those rows (by the same functions ``opcoord audit
verify`` uses), keyed by the rows' object keys; the restore uses it again to compute the
digests of the same rows under their new ids.
"""

import hmac
from typing import Any

from opcoord.audit.log import digest, entry_mac, head_mac
from opcoord.audit.models import AuditEntry
from opcoord.backup.archive import Rows
from opcoord.backup.tables import AUDIT, AUDIT_HEADS, OPERATION
from opcoord.operations import integrity
from opcoord.operations.models import DailyReturn, Operation, Participant, ReturnVersion, Seizure


def chain(tables: dict[str, Rows], key: bytes | None) -> str | None:
    """The first break in the operation's audit chain (None: intact). Without the key,
    only what needs none: the numbering, and the head against the last entry."""
    entries = sorted(tables[AUDIT], key=lambda e: int(e["seq"]))
    previous, expected = "", 1
    for row in entries:
        entry = AuditEntry(**row)
        if entry.seq != expected:
            return f"audit entry {expected} of the operation is missing"
        if key is not None and not hmac.compare_digest(entry.mac, entry_mac(key, previous, entry)):
            return f"audit entry {entry.seq} ({entry.action}) was altered"
        previous, expected = entry.mac, expected + 1
    heads = tables[AUDIT_HEADS]
    if len(heads) != 1:
        return "the operation's audit head is missing"
    head = heads[0]
    if (
        head["seq"] != expected - 1
        or head["mac"] != previous
        or (
            key is not None
            and not hmac.compare_digest(
                head["head_mac"], head_mac(key, head["stream_id"], head["seq"], head["mac"])
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


def latest_digests(entries: Rows) -> dict[str, tuple[int, str]]:
    """Object key -> (seq, digest) of its latest entry that carries a digest."""
    out: dict[str, tuple[int, str]] = {}
    for e in sorted(entries, key=lambda e: int(e["seq"])):
        if e["object_key"] and e["digest"]:
            out[str(e["object_key"])] = (int(e["seq"]), str(e["digest"]))
    return out


def vouched(tables: dict[str, Rows]) -> str | None:
    """The first vouched row that differs from its latest audit entry (None: all match)."""
    recorded = latest_digests(tables[AUDIT])
    for object_key, (label, state) in states(tables).items():
        found = recorded.get(object_key)
        if found is None:
            return f"{label} has no audit entry"
        if digest(state) != found[1]:
            return f"{label} does not match audit entry {found[0]} of the operation"
    return None
