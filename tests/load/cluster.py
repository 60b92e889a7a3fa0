"""The servers under test: a scratch PostgreSQL database and real `opcoord serve`
processes on 127.0.0.1 that the harness can SIGKILL and start again on the same port."""

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]

from .rawhttp import Connection, TransportError

START_TIMEOUT = 90.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def plain_dsn(url: str) -> str:
    """asyncpg wants ``postgresql://``; opcoord accepts either spelling."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def with_database(url: str, name: str) -> str:
    base, _, _ = plain_dsn(url).rpartition("/")
    return f"{base}/{name}"


class StartFailedError(RuntimeError):
    """`opcoord serve` exited before it answered /health."""

    def __init__(self, name: str, log: Path) -> None:
        lines = log.read_text(errors="replace").splitlines()
        # The exception's own line: what a person would look for first in the log.
        causes = [ln.strip(" |") for ln in lines if "Error:" in ln or "Error " in ln[:40]]
        self.reason = causes[-1][:300] if causes else (lines[-1] if lines else "no output")
        super().__init__(f"{name} exited at start: {self.reason} (log: {log})")


class ScratchDatabase:
    """``opcoord_fault_<pid>``, created empty and dropped (forcibly) at the end."""

    def __init__(self, admin_url: str) -> None:
        self.admin_dsn = plain_dsn(admin_url)
        self.name = f"opcoord_fault_{os.getpid()}"
        self.url = with_database(admin_url, self.name).replace(
            "postgresql://", "postgresql+asyncpg://", 1
        )
        self.created = False

    async def _execute(self, sql: str) -> None:
        conn = await asyncpg.connect(self.admin_dsn, timeout=10)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    async def create(self) -> None:
        # A leftover of an earlier run with this pid (a SIGKILLed harness) goes first.
        await self._execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        await self._execute(f'CREATE DATABASE "{self.name}"')
        self.created = True

    async def cut_connections(self) -> int:
        """Terminate every server connection to the scratch database (and only to it): a
        network blip between opcoord and PostgreSQL, LISTEN connections included."""
        conn = await asyncpg.connect(self.admin_dsn, timeout=10)
        try:
            rows = await conn.fetch(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = $1 AND pid <> pg_backend_pid()",
                self.name,
            )
        finally:
            await conn.close()
        return len(rows)

    async def drop(self) -> None:
        if self.created:
            await self._execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            self.created = False


class Server:
    """One `opcoord serve`; ``kill`` is SIGKILL (no shutdown hook runs), ``start`` reuses
    the port so that clients configured with its address find it again."""

    def __init__(self, name: str, database_url: str, admin_token: str, logs: Path) -> None:
        self.name = name
        self.port = free_port()
        self.env = {
            **os.environ,
            "OPCOORD_DATABASE_URL": database_url,
            "OPCOORD_ADMIN_TOKEN": admin_token,
        }
        self.logs = logs
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_base(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def start(self) -> float:
        """Start it and wait for /health; return the seconds that took."""
        self.starts += 1
        path = self.logs / f"{self.name}-{self.starts}.log"
        log = path.open("wb")
        started = time.monotonic()
        # Its own session: a Ctrl-C in the terminal reaches the harness only, which then
        # stops the servers itself, in order.
        command = [sys.executable, "-m", "opcoord.cli", "serve", "--host", "127.0.0.1"]
        self.proc = subprocess.Popen(
            [*command, "--port", str(self.port)],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()  # the child has its own copy
        probe = Connection("127.0.0.1", self.port)
        try:
            while True:
                if self.proc.poll() is not None:
                    raise StartFailedError(self.name, path)
                with contextlib.suppress(TransportError):
                    if (await probe.request("GET", "/health", timeout=2)).status == 200:
                        return time.monotonic() - started
                if time.monotonic() - started > START_TIMEOUT:
                    raise RuntimeError(f"{self.name} did not answer /health; see {self.logs}")
                await asyncio.sleep(0.2)
        finally:
            probe.close()

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        """SIGTERM and wait (a graceful stop), SIGKILL if it takes too long."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None
