"""Child processes of a benchmark run: started, watched and always ended.

Every child runs in a session (process group) of its own, so the terminal's Ctrl-C
reaches only the harness, which then ends each group by its id; each child also asks
the kernel for SIGTERM should the harness die without cleaning up (PR_SET_PDEATHSIG).
"""

import asyncio
import atexit
import contextlib
import ctypes
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

import httpx

_PR_SET_PDEATHSIG = 1
_children: dict[int, str] = {}  # pid (= process group id) -> what it is, for messages


class ChildFailedError(RuntimeError):
    """A server or client process exited, or never became ready."""


def _die_with_parent() -> None:
    # Runs in the child between fork and exec: only async-signal-safe work here.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _child_options() -> dict[str, Any]:
    return {"start_new_session": True, "preexec_fn": _die_with_parent}


def spawn(
    args: Sequence[str],
    what: str,
    *,
    env: dict[str, str] | None = None,
    stdout: int | IO[Any] | None = None,
    stderr: int | IO[Any] | None = None,
    text: bool = False,
) -> "subprocess.Popen[Any]":
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and wrk, argument lists
        list(args),
        env=env,
        stdout=stdout,
        stderr=stderr,
        stdin=subprocess.DEVNULL,
        text=text,
        **_child_options(),
    )
    _children[proc.pid] = what
    return proc


async def spawn_async(args: Sequence[str], what: str) -> asyncio.subprocess.Process:
    """A child whose stdout is read line by line and whose stdin takes commands."""
    proc = await asyncio.create_subprocess_exec(
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        limit=64 * 2**20,  # a RESULT line carries every arrival time
        **_child_options(),
    )
    _children[proc.pid] = what
    return proc


def python_module(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


def _alive(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reap our own child, or its zombie counts as alive
    try:
        os.killpg(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def end(pid: int, grace: float = 10.0) -> None:
    """SIGTERM the child's process group, then SIGKILL whatever is left after ``grace``."""
    _children.pop(pid, None)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def end_all() -> None:
    for pid in list(_children):
        end(pid)


def install_cleanup() -> None:
    """End every child at exit, including after Ctrl-C, SIGTERM and SIGHUP."""
    atexit.register(end_all)

    def stop(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, stop)
    # Ctrl-C raises KeyboardInterrupt even where a parent shell left SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def raise_nofile() -> int:
    """Lift the open-file limit to its hard maximum; children inherit it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    """The direct children of a process (Linux's /proc/PID/task/*/children)."""
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                found += [int(c) for c in (task / "children").read_text().split()]
    return found


def is_spawned_worker(pid: int) -> bool:
    """A process that multiprocessing spawned to run a function (uvicorn's workers), not
    its resource tracker."""
    try:
        return b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def peak_rss_mb(pid: int | None = None) -> float:
    """The RSS high-water mark (VmHWM) of a process, in MiB."""
    return _status_kib(pid or os.getpid(), "VmHWM") / 1024


def reset_peak_rss(pid: int | None = None) -> bool:
    """Restart VmHWM from the current RSS (Linux >= 4.0), so a peak belongs to one step."""
    try:
        Path(f"/proc/{pid or os.getpid()}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def wait_http(
    url: str, proc: "subprocess.Popen[Any]", what: str, timeout: float, log: Path | None = None
) -> None:
    """Poll ``url`` until it answers 200, failing at once if the process exits."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log else ""
            raise ChildFailedError(f"{what} exited with {proc.returncode}\n{tail}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        if time.monotonic() > deadline:
            raise ChildFailedError(f"{what} did not answer {url} within {timeout:.0f} s")
        time.sleep(0.1)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    out = fn()
    return time.perf_counter() - started, out
