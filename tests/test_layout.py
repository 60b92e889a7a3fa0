"""The layout's rules, checked on the source: imports run one way, down the list of
packages, and nothing at the top level but app.py and cli.py imports a package.

Every import counts, including those inside functions (a lazy import is still a
dependency). docs/design.md draws the same picture.
"""

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "opcoord"

#: Top-level modules that import no package of ours.
FOUNDATIONS = {
    "__init__",
    "config",
    "db",
    "clock",
    "errors",
    "i18n",
    "web",
    "codes",
    "vocabulary",
    "headers",
    "problems",
    "tasks",
    "heap",
}
#: Each package, and the packages it may import (besides the foundations).
PACKAGES: dict[str, set[str]] = {
    "outbox": set(),
    "audit": set(),
    "accounts": {"audit"},
    "operations": {"accounts", "audit", "outbox"},
    # Watchlists, the matcher and hits, duplicates: seizures checked against lists of stolen
    # objects and against each other.
    "intel": {"accounts", "audit", "operations", "outbox"},
    "maps": {"accounts", "audit", "operations"},
    "live": {"accounts", "intel", "operations", "outbox"},
    "report": {"accounts", "audit", "intel", "operations", "outbox", "maps"},
    # Webhooks and e-mail: a consumer of the event log that asks the ledger who is due.
    "outbound": {"accounts", "audit", "operations", "outbox"},
    "demo": {"accounts", "audit", "operations", "outbox", "live", "maps", "report"},
    # Health, readiness, metrics and logs: the access rule of its routes, the actor of a
    # log line. The other packages' metrics register themselves; none imports this one.
    "monitoring": {"accounts", "audit"},
    # The benchmark harness drives opcoord from outside; only its internals module
    # reaches in (to time the report's formats one by one).
    "bench": {"accounts", "operations", "report"},
    # One operation's rows from one database into another: it reads every package's tables.
    "backup": {"accounts", "audit", "intel", "operations", "outbox", "report"},
    # The migrations register every package's tables.
    "migrations": {"accounts", "audit", "intel", "operations", "outbound", "outbox", "report"},
}
#: The composition root and the command line: they wire everything.
ROOTS = {"app", "cli"}


def _imports(path: Path) -> set[str]:
    """The first component under ``opcoord`` of everything ``path`` imports."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "opcoord" and len(parts) > 1:
                found.add(parts[1])
    return found


def _owner(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def test_every_module_belongs_to_a_known_place() -> None:
    owners = {_owner(p) for p in SRC.rglob("*.py")}
    assert owners <= FOUNDATIONS | set(PACKAGES) | ROOTS, owners - FOUNDATIONS - set(PACKAGES)


def test_imports_run_one_way() -> None:
    wrong = []
    for path in sorted(SRC.rglob("*.py")):
        owner = _owner(path)
        if owner in ROOTS:
            continue
        allowed = FOUNDATIONS | {owner}
        if owner in PACKAGES:
            allowed |= PACKAGES[owner]
        elif owner in FOUNDATIONS:
            allowed = FOUNDATIONS  # a foundation imports no package of ours
        rel = path.relative_to(SRC)
        wrong.extend(f"{rel} imports opcoord.{name}" for name in _imports(path) - allowed)
    assert wrong == []


def test_no_circle_between_packages() -> None:
    """The allowed graph itself has no cycle (so neither can the real one)."""
    seen: dict[str, str] = {}

    def visit(name: str, trail: tuple[str, ...]) -> None:
        assert name not in trail, " -> ".join((*trail, name))
        if seen.get(name) == "done":
            return
        for dep in sorted(PACKAGES.get(name, set())):
            visit(dep, (*trail, name))
        seen[name] = "done"

    for name in PACKAGES:
        visit(name, ())


def test_the_rule_that_is_checked_is_the_real_one() -> None:
    """A module that broke the rule would be caught: the checker sees real imports."""
    assert "operations" in _imports(SRC / "live" / "feed.py")
    assert "accounts" in _imports(SRC / "operations" / "returns.py")
    assert _imports(SRC / "outbox" / "record.py") <= FOUNDATIONS | {"outbox"}
