"""Both dashboard reducers on one recorded sequence: the Python one
(``opcoord.live.state``) and the browser's (``frontend/static/js/live/state.js``, under node)
must each turn the first snapshot and the events after it into the fresh snapshot."""

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from opcoord.live.state import apply_event

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "js" / "reduce.mjs"
IGNORED = ("at", "recent", "type")


def comparable(snap: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in snap.items() if k not in IGNORED}


def node() -> str:
    found = shutil.which("node")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("CI needs node to test the dashboard's reducer", pytrace=False)
        pytest.skip("needs node")
    return found


def check_both(
    name: str,
    initial: dict[str, Any],
    events: list[dict[str, Any]],
    expected: dict[str, Any],
    tmp: Path,
) -> dict[str, Any]:
    """Apply ``events`` to ``initial`` with both reducers; both must reach ``expected``.
    Returns the Python reducer's state."""
    state = initial
    for event in events:
        state = apply_event(state, event)
    assert comparable(state) == comparable(expected), name
    case = tmp / f"{name}.json"
    case.write_text(
        json.dumps([{"name": name, "initial": initial, "events": events, "expected": expected}])
    )
    ran = subprocess.run(
        [node(), str(SCRIPT), str(case)], capture_output=True, text=True, timeout=60, check=False
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    return state
