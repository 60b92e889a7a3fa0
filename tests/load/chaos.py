"""The faults of a run: SIGKILLs of an instance (then a restart on its port), blips that
cut every connection between the instances and PostgreSQL, and freezes (SIGSTOP)."""

import argparse
import asyncio
import os
import signal
import time
from typing import Any

from .cluster import ScratchDatabase, Server


async def chaos(servers: list[Server], args: argparse.Namespace, t0: float) -> list[dict[str, Any]]:
    """Kill an instance, leave it down a while, start it again on its port."""
    done: list[dict[str, Any]] = []
    for i in range(args.kills):
        at = args.seconds * (i + 1) / (args.kills + 1) - args.down / 2
        await asyncio.sleep(max(0.0, t0 + at - time.monotonic()))
        victim = servers[i % len(servers)]
        killed = time.monotonic()
        victim.kill()
        print(f"  t={killed - t0:5.1f}s  SIGKILL {victim.name} (pid {victim.proc.pid})",  # type: ignore[union-attr]
              flush=True)  # fmt: skip
        await asyncio.sleep(args.down)
        took = await victim.start()
        up = time.monotonic()
        print(f"  t={up - t0:5.1f}s  {victim.name} healthy again ({took:.1f}s to start)",
              flush=True)  # fmt: skip
        done.append({"server": victim.name, "killed_at": round(killed - t0, 2),
                     "healthy_at": round(up - t0, 2), "restart_seconds": round(took, 2),
                     "_up": up})  # fmt: skip
    return done


async def blips(db: ScratchDatabase, args: argparse.Namespace, t0: float) -> list[dict[str, Any]]:
    """Terminate the instances' PostgreSQL connections: pools and LISTEN must recover."""
    done = []
    for i in range(args.blips):
        await asyncio.sleep(
            max(0.0, t0 + args.seconds * (i + 0.75) / args.blips - time.monotonic())
        )
        n = await db.cut_connections()
        print(f"  t={time.monotonic() - t0:5.1f}s  terminated {n} database connections", flush=True)
        done.append({"at": round(time.monotonic() - t0, 2), "connections": n})
    return done


async def freezes(
    servers: list[Server], args: argparse.Namespace, t0: float
) -> list[dict[str, Any]]:
    """SIGSTOP an instance for a while (a long pause: swapping, a stalled VM), then SIGCONT.

    Its connections stay open, so PostgreSQL keeps whatever locks its transactions hold.
    """
    done = []
    for i in range(args.freezes):
        await asyncio.sleep(
            max(0.0, t0 + args.seconds * (i + 0.4) / args.freezes - time.monotonic())
        )
        victim = servers[(i + 1) % len(servers)]
        assert victim.proc is not None
        at = time.monotonic()
        os.kill(victim.proc.pid, signal.SIGSTOP)
        print(f"  t={at - t0:5.1f}s  SIGSTOP {victim.name}", flush=True)
        try:
            await asyncio.sleep(args.freeze_seconds)
        finally:
            os.kill(victim.proc.pid, signal.SIGCONT)
        print(f"  t={time.monotonic() - t0:5.1f}s  SIGCONT {victim.name}", flush=True)
        done.append({"server": victim.name, "at": round(at - t0, 2), "for": args.freeze_seconds})
    return done
