"""Real `opcoord serve` processes for tests that need a server on a port."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

AUDIT_KEY = "served-audit-key-of-the-tests-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def opcoord_server(
    env: dict[str, str],
    log: Path | None = None,
    cwd: Path | None = None,
    args: tuple[str, ...] = (),
) -> Iterator[str]:
    """Start `opcoord serve` with ``env`` added to ours; yield its base URL once healthy."""
    port = free_port()
    out = log.open("wb") if log is not None else subprocess.DEVNULL
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "opcoord.cli", "serve"),
            *("--host", "127.0.0.1", "--port", str(port), *args),
        ],
        env={**os.environ, "OPCOORD_AUDIT_KEY": AUDIT_KEY, **env},
        stdout=out,
        stderr=subprocess.STDOUT,
        cwd=cwd,
    )
    base = f"http://127.0.0.1:{port}"
    opcoord_server.pid = proc.pid  # type: ignore[attr-defined]
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise AssertionError(
                    "server exited: " + (log.read_text() if log is not None else "")
                )
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        if log is not None and not isinstance(out, int):
            out.close()
