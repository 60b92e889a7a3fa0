"""The backup file: a zip whose first member, ``manifest.json``, describes the rest.

::

    manifest.json              format and its version, opcoord's version, the schema
                               revision, the operation, per member its rows, columns,
                               size and SHA-256, and a signature
    tables/<table>.jsonl       one JSON object per row, keys the column names
    artefacts/<id>             each rendered report file, byte for byte

The signature is an HMAC-SHA256 of the manifest under the audit key of the database the
file came from, and ``key_id`` a fingerprint of that key (an HMAC of a fixed text, which
reveals nothing of it). A restore into a database with the same key checks both; any
restore checks every member's size and checksum, the row counts and the columns.
Writing goes to a temporary file beside the target, readable by its owner only, which
replaces the target only once complete.
"""

import hashlib
import hmac
import io
import json
import os
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory

import opcoord  # its __version__, as `opcoord --version` says
from opcoord.backup import codec
from opcoord.backup.tables import ARTEFACTS, BY_NAME, CARRIED, HITS
from opcoord.db import alembic_config
from opcoord.errors import Invalid

FORMAT = "opcoord-backup"
#: The layout of the file itself; a reader refuses a version it does not know.
FORMAT_VERSION = 1
MANIFEST = "manifest.json"

Rows = list[dict[str, Any]]


@dataclass(slots=True)
class Bundle:
    """One operation's rows, as Python values by column, with its report files."""

    manifest: dict[str, Any]
    tables: dict[str, Rows]
    #: report file bytes by the artefact's id in the source
    blobs: dict[int, bytes]

    @property
    def code(self) -> str:
        return str(self.manifest["operation"]["code"])

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.tables.items()}


def schema_head() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def key_id(key: bytes) -> str:
    return hmac.new(key, b"opcoord backup key id", "sha256").hexdigest()[:16]


def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def signature(key: bytes, manifest: dict[str, Any]) -> str:
    unsigned = {k: v for k, v in manifest.items() if k != "signature"}
    return hmac.new(key, _canonical(unsigned), "sha256").hexdigest()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _jsonl(rows: Rows) -> bytes:
    return b"".join(
        _canonical({k: codec.encode(v) for k, v in row.items()}) + b"\n" for row in rows
    )


def write(path: Path, bundle: Bundle, key: bytes) -> str:
    """Write ``bundle`` (whose manifest holds the operation and its provenance) to
    ``path``; the file's SHA-256."""
    members: dict[str, bytes] = {}
    tables: dict[str, Any] = {}
    for carried in CARRIED:
        rows = bundle.tables[carried.name]
        data = _jsonl(rows)
        member = f"tables/{carried.name}.jsonl"
        members[member] = data
        tables[carried.name] = {
            "member": member,
            "rows": len(rows),
            "columns": carried.columns(),
            "size": len(data),
            "sha256": _sha256(data),
        }
    artefacts: dict[str, Any] = {}
    for artefact_id, data in sorted(bundle.blobs.items()):
        member = f"artefacts/{artefact_id}"
        members[member] = data
        artefacts[str(artefact_id)] = {"member": member, "size": len(data), "sha256": _sha256(data)}
    manifest = {
        **bundle.manifest,
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "opcoord_version": opcoord.__version__,
        "tables": tables,
        "artefacts": artefacts,
        "key_id": key_id(key),
    }
    manifest["signature"] = signature(key, manifest)
    bundle.manifest = manifest
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(MANIFEST, json.dumps(manifest, indent=2, sort_keys=True))
        for member, data in members.items():
            zf.writestr(member, data)
    content = buffer.getvalue()
    _write_atomically(path, content)
    return _sha256(content)


def _write_atomically(path: Path, content: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- reading --------------------------------------------------------------------------------


def read(path: Path) -> Bundle:
    """The bundle in ``path``, after every check that needs no database; a file that is
    not a backup, is truncated or corrupt, or of an unknown format is refused."""
    name = path.name
    try:
        with zipfile.ZipFile(path) as zf:
            manifest = _manifest(zf, name)
            expected = {MANIFEST}
            tables: dict[str, Rows] = {}
            for carried in CARRIED:
                if carried.name == HITS and HITS not in _dict(manifest, "tables", name):
                    tables[HITS] = []  # written before hits were carried
                    continue
                about = _table_entry(manifest, carried.name, name)
                expected.add(about["member"])
                data = _member(zf, about, name)
                tables[carried.name] = _rows(data, about, carried.name, name)
            blobs = {}
            for artefact_id, about in _dict(manifest, "artefacts", name).items():
                expected.add(about["member"])
                blobs[int(artefact_id)] = _member(zf, about, name)
            extra = set(zf.namelist()) - expected
            if extra:
                raise Invalid(f"{name} holds members no manifest entry names: {sorted(extra)}")
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise Invalid(
            f"{name} is not a complete opcoord backup (truncated or corrupt: {exc})"
        ) from None
    except (KeyError, TypeError, ValueError) as exc:
        raise Invalid(f"{name} has an unreadable manifest ({type(exc).__name__}: {exc})") from None
    bundle = Bundle(manifest, tables, blobs)
    _check_artefacts(bundle, name)
    return bundle


def _manifest(zf: zipfile.ZipFile, name: str) -> dict[str, Any]:
    try:
        raw = zf.read(MANIFEST)
    except KeyError:
        raise Invalid(f"{name} is not an opcoord backup: it has no {MANIFEST}") from None
    try:
        manifest = json.loads(raw)
    except ValueError as exc:
        raise Invalid(
            f"{name} is not an opcoord backup: its {MANIFEST} is not JSON ({exc})"
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise Invalid(f"{name} is not an opcoord backup (its manifest names no {FORMAT!r})")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise Invalid(
            f"{name} is an opcoord backup of format version {version!r}; this opcoord "
            f"({opcoord.__version__}) reads format version {FORMAT_VERSION} only"
        )
    revision, head = manifest.get("schema_revision"), schema_head()
    if revision != head:
        made_by = manifest.get("opcoord_version", "?")
        raise Invalid(
            f"{name} was written at schema revision {revision!r} (opcoord {made_by}); this "
            f"opcoord ({opcoord.__version__}) restores revision {head!r} only: restore it with the "
            "opcoord that wrote it, upgrade that database, and back it up again"
        )
    operation = manifest.get("operation")
    if not isinstance(operation, dict) or not isinstance(operation.get("code"), str):
        raise Invalid(f"{name} has an unreadable manifest: it names no operation")
    return manifest


def _dict(manifest: dict[str, Any], key: str, name: str) -> dict[str, Any]:
    value = manifest.get(key)
    if not isinstance(value, dict):
        raise Invalid(f"{name} has an unreadable manifest: no {key!r}")
    return value


def _table_entry(manifest: dict[str, Any], table: str, name: str) -> dict[str, Any]:
    about = _dict(manifest, "tables", name).get(table)
    if not isinstance(about, dict):
        raise Invalid(f"{name} has no table {table!r} in its manifest")
    return about


def _member(zf: zipfile.ZipFile, about: dict[str, Any], name: str) -> bytes:
    member = about["member"]
    try:
        data = zf.read(member)
    except KeyError:
        raise Invalid(f"{name} is incomplete: {member} is missing") from None
    if len(data) != about["size"] or _sha256(data) != about["sha256"]:
        raise Invalid(f"{name} is corrupt: {member} does not match its checksum")
    return data


def _rows(data: bytes, about: dict[str, Any], table: str, name: str) -> Rows:
    carried = BY_NAME[table]
    if about["columns"] != carried.columns():
        raise Invalid(
            f"{name}: table {table} has columns {about['columns']}, "
            f"this opcoord expects {carried.columns()}"
        )
    columns = carried.model.__table__.columns  # type: ignore[attr-defined]
    rows = []
    for number, line in enumerate(data.splitlines(), start=1):
        where = f"{name}: {table} row {number}"
        try:
            raw = json.loads(line)
        except ValueError as exc:
            raise Invalid(f"{where} is not JSON ({exc})") from None
        if not isinstance(raw, dict) or sorted(raw) != sorted(about["columns"]):
            raise Invalid(f"{where} does not have the table's columns")
        rows.append({c: codec.decode(columns[c], raw[c], where) for c in about["columns"]})
    if len(rows) != about["rows"]:
        raise Invalid(
            f"{name}: table {table} has {len(rows)} rows, its manifest says {about['rows']}"
        )
    return rows


def _check_artefacts(bundle: Bundle, name: str) -> None:
    rows = bundle.tables[ARTEFACTS]
    ids = {int(r["id"]) for r in rows}
    if ids != set(bundle.blobs):
        raise Invalid(f"{name}: the report files do not match the report_artefacts rows")
    for row in rows:
        if row["size"] != len(bundle.blobs[int(row["id"])]):
            raise Invalid(f"{name}: report file {row['id']} is not of its recorded size")
