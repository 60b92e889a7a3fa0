"""What a backup or a restore refuses, with one clear message, changing nothing: an
operation code that exists, a file that is truncated, corrupt, edited or of an unknown
format, an account that means someone else, and an operation whose rows were altered."""

import json
import shutil
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from backup_story import (
    CODE,
    TARGETS,
    MakeDb,
    audit_trail,
    backup,
    make_db,
    restore,
    row_counts,
    tell,
    verify,
)
from litestar.testing import TestClient
from sqlmodel import SQLModel

from opcoord.app import create_app
from opcoord.backup.tables import CARRIED, NOT_CARRIED
from opcoord.clock import FrozenClock
from opcoord.config import Settings
from opcoord.errors import Conflict, Invalid

from conftest import ADMIN_TOKEN, NOW, Api

__all__ = ["make_db"]  # the fixture, imported for pytest

SOURCE_KEY = "source-audit-key-0123456789abcdef"
OTHER_KEY = "target-audit-key-0123456789abcdef"


@pytest.fixture(scope="module")
def made(templates: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One backup of an active operation, written from SQLite, for every case below."""
    folder = tmp_path_factory.mktemp("made")
    db = folder / "source.db"
    shutil.copyfile(templates["sqlite"], db)
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{db}",
        admin_token=ADMIN_TOKEN,
        audit_key=SOURCE_KEY,
        environment="test",
    )
    clock = FrozenClock(NOW)
    file = folder / "pandora-x.opcoord"
    with TestClient(create_app(settings, clock=clock)) as client:
        tell(client, clock, close=False)
        backup(client, file)
    yield file


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _zip(path: Path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def _edited(made: Path, out: Path, edit: Callable[[dict[str, bytes]], None]) -> Path:
    """``made`` with its members edited and its checksums and row counts made to match
    again: only what the checksums cannot see is left to find."""
    import hashlib

    members = _members(made)
    edit(members)
    manifest = json.loads(members["manifest.json"])
    for about in [*manifest["tables"].values(), *manifest["artefacts"].values()]:
        data = members[about["member"]]
        about.update(size=len(data), sha256=hashlib.sha256(data).hexdigest())
        if "rows" in about:
            about["rows"] = len(data.splitlines())
    members["manifest.json"] = json.dumps(manifest).encode()
    _zip(out, members)
    return out


def _manifest(made: Path, out: Path, **changes: object) -> Path:
    members = _members(made)
    members["manifest.json"] = json.dumps(
        {**json.loads(members["manifest.json"]), **changes}
    ).encode()
    _zip(out, members)
    return out


def _truncated(made: Path, out: Path) -> Path:
    data = made.read_bytes()
    out.write_bytes(data[: len(data) * 2 // 3])
    return out


def _flipped(made: Path, out: Path) -> Path:
    """One byte changed inside the seizures member's compressed data."""
    data = bytearray(made.read_bytes())
    with zipfile.ZipFile(made) as zf:
        info = zf.getinfo("tables/seizures.jsonl")
    at = info.header_offset + 30 + len(info.filename) + len(info.extra) + info.compress_size // 2
    data[at] ^= 0xFF
    out.write_bytes(bytes(data))
    return out


def _replaced(made: Path, out: Path) -> Path:
    """A member swapped for another, the manifest left as it was."""
    members = _members(made)
    members["tables/seizures.jsonl"] = members["tables/seizures.jsonl"].replace(b"90", b"80")
    _zip(out, members)
    return out


def _more_seized(members: dict[str, bytes]) -> None:
    name = "tables/seizures.jsonl"
    assert b'"quantity":90,' in members[name]
    members[name] = members[name].replace(b'"quantity":90,', b'"quantity":900,')


def _entry_removed(members: dict[str, bytes]) -> None:
    """The second entry of the operation's own chain (its entries come first)."""
    name = "tables/audit_log.jsonl"
    lines = members[name].splitlines(keepends=True)
    members[name] = b"".join(lines[:1] + lines[2:])


#: name -> (how the file is damaged, the target's audit key, what the refusal says)
DAMAGE: dict[str, tuple[Callable[[Path, Path], Path], str, str]] = {
    "truncated": (_truncated, OTHER_KEY, "not a complete opcoord backup"),
    "a flipped byte": (_flipped, OTHER_KEY, "not a complete opcoord backup"),
    "a member replaced": (_replaced, OTHER_KEY, "is corrupt: tables/seizures.jsonl does not"),
    "not a backup": (
        lambda made, out: _zip(out, {"notes.txt": b"hello"}) or out,
        OTHER_KEY,
        "is not an opcoord backup: it has no manifest.json",
    ),
    "a newer format": (
        lambda made, out: _manifest(made, out, format_version=2),
        OTHER_KEY,
        "format version 2; this opcoord (0.1.0) reads format version 1 only",
    ),
    "an older schema": (
        lambda made, out: _manifest(made, out, schema_revision="0005"),
        OTHER_KEY,
        "written at schema revision '0005'",
    ),
    "a figure edited": (
        lambda made, out: _edited(made, out, _more_seized),
        OTHER_KEY,
        "was altered after it was written: return_versions row 4 (ES 2026-06-08 version 2) "
        "does not match audit entry",
    ),
    "an audit entry removed": (
        lambda made, out: _edited(made, out, _entry_removed),
        OTHER_KEY,
        "audit entry 2 of the operation is missing",
    ),
    "a figure edited, with the source's key": (
        lambda made, out: _edited(made, out, _more_seized),
        SOURCE_KEY,
        "its signature does not match",
    ),
}


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_file_is_refused_and_changes_nothing(
    made: Path, make_db: MakeDb, tmp_path: Path, target: str, damage: str
) -> None:
    spoil, key, says = DAMAGE[damage]
    dst = make_db(target, audit_key=key)
    file = spoil(made, tmp_path / "damaged.opcoord")
    before = row_counts(dst)
    with pytest.raises(Invalid) as refused:
        restore(dst, file)
    assert says in refused.value.message
    assert "damaged.opcoord" in refused.value.message
    assert row_counts(dst) == before


@pytest.mark.parametrize("target", TARGETS)
def test_an_existing_code_is_refused_and_changes_nothing(
    made: Path, make_db: MakeDb, target: str
) -> None:
    dst = make_db(target, audit_key=OTHER_KEY)
    restore(dst, made)
    before = row_counts(dst)
    with pytest.raises(Conflict) as refused:
        restore(dst, made)
    assert refused.value.message == (
        f"an operation with code {CODE!r} already exists in this database; nothing was restored"
    )
    assert row_counts(dst) == before


def test_an_account_that_means_someone_else_is_refused(made: Path, make_db: MakeDb) -> None:
    dst = make_db(TARGETS[-1], audit_key=OTHER_KEY)
    with TestClient(create_app(dst, clock=FrozenClock(NOW))) as client:
        Api(client).user("ncp-es", "ncp", "FR")
    before = row_counts(dst)
    with pytest.raises(Conflict) as refused:
        restore(dst, made)
    assert refused.value.message == (
        "the account 'ncp-es' is ncp FR here but ncp ES in the backup; nothing was restored"
    )
    assert row_counts(dst) == before


@pytest.mark.parametrize("source", TARGETS)
def test_an_altered_operation_is_not_backed_up(
    make_db: MakeDb, tmp_path: Path, source: str
) -> None:
    """A restore vouches afresh for what it carries, so it must not carry what the
    source's own audit no longer vouches for."""
    clock = FrozenClock(NOW)
    file = tmp_path / "never.opcoord"
    with TestClient(create_app(make_db(source), clock=clock)) as client:
        tell(client, clock, close=False)

        async def tamper() -> None:
            async with client.app.state.db.write() as session:
                await session.execute(
                    sa.text("UPDATE seizures SET quantity = 9 WHERE ref = 'IT-TPC-7'")
                )

        client.blocking_portal.call(tamper)
        trail = audit_trail(client)
        with pytest.raises(Conflict) as refused:
            backup(client, file)
        assert refused.value.message.startswith(f"refusing to back up {CODE}: return_versions row")
        assert "(IT 2026-06-08 version 1) does not match audit entry" in refused.value.message
        assert not file.exists() and not list(tmp_path.glob(".never*"))
        assert audit_trail(client) == trail
        assert verify(client)[0] is not None  # the same finding as `opcoord audit verify`


def test_every_table_is_carried_or_left_out_on_purpose() -> None:
    """A new table must be added to the backup, or to the list of what it leaves out."""
    import opcoord.app  # noqa: F401 - registers every package's tables

    tables = set(SQLModel.metadata.tables)
    carried = {t.name for t in CARRIED}
    assert tables - carried - set(NOT_CARRIED) == set()
    assert carried <= tables
