"""The report's rendering process: files are drawn beside the server, not in it; a
render that is given up stops without taking the renders queued behind it along, and a
process that dies fails only its own render."""

import asyncio
import multiprocessing
import os
import signal
import subprocess
import sys
import time

import pytest

from opcoord.report import renderer


def _children() -> list[multiprocessing.process.BaseProcess]:
    return [p for p in multiprocessing.active_children() if p.is_alive()]


async def test_a_render_runs_in_another_process_and_a_stand_in_in_a_thread() -> None:
    assert await renderer.render(os.getpid) != os.getpid()
    # A function that cannot be sent by name (a test's stand-in) still runs, here.
    assert await renderer.render(lambda: os.getpid()) == os.getpid()


async def test_a_render_given_up_stops_its_process_and_the_next_gets_a_new_one() -> None:
    await renderer.render(os.getpid)  # the process is up
    started = {p.pid for p in _children()}
    task = asyncio.ensure_future(renderer.render(time.sleep, 60))
    await asyncio.sleep(0.5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(100):  # terminate() has been sent; wait for it to land
        if not started & {p.pid for p in _children()}:
            break
        await asyncio.sleep(0.05)
    assert not started & {p.pid for p in _children()}, "the rendering process still runs"
    assert await renderer.render(os.getpid) not in started


async def test_a_render_queued_behind_one_given_up_still_runs() -> None:
    mine = os.getpid()
    slow = asyncio.ensure_future(renderer.render(time.sleep, 60))
    queued = asyncio.ensure_future(renderer.render(os.getpid))
    await asyncio.sleep(0.5)
    slow.cancel()
    with pytest.raises(asyncio.CancelledError):
        await slow
    assert await queued not in (mine, None)


async def test_a_process_that_dies_fails_its_render_alone() -> None:
    with pytest.raises(Exception, match="terminated abruptly"):
        await renderer.render(os._exit, 3)
    assert await renderer.render(os.getpid) != os.getpid()


async def test_a_heavy_render_retires_its_process_and_a_light_one_keeps_it() -> None:
    first = await renderer.render(os.getpid)
    assert await renderer.render(os.getpid) == first  # kept for the next render
    assert await renderer.render(os.getpid, rows=renderer.HEAVY_ROWS) == first
    assert await renderer.render(os.getpid) != first  # a closing's memory is given back


def test_a_rendering_process_whose_server_is_killed_ends_itself() -> None:
    with subprocess.Popen([sys.executable, "-c", _SERVER], stdout=subprocess.PIPE) as server:
        assert server.stdout is not None
        child = int(server.stdout.readline())
        os.kill(server.pid, signal.SIGKILL)  # no chance to stop its rendering process
    for _ in range(200):
        if not _alive(child):
            break
        time.sleep(0.05)
    assert not _alive(child), "the rendering process outlived its server"


_SERVER = """
import asyncio, os, time
from opcoord.report import renderer
print(asyncio.run(renderer.render(os.getpid)), flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


async def test_the_parts_of_a_render_are_drawn_at_once(tmp_path: object) -> None:
    """An edition's PDF is drawn beside its other files: here the first part waits for
    the file the second makes, and would fail if the second waited its turn."""
    if renderer.WORKERS < 2:
        pytest.skip("one core: the parts take turns")
    first, second = await renderer.render_parts(_waiting_parts(f"{tmp_path}/flag", 400))
    assert (first, second) == (0, None)


async def test_with_one_rendering_process_the_parts_take_turns(tmp_path: object) -> None:
    """``OPCOORD_REPORT_RENDER_PROCESSES=1``: the first part waits in vain, alone."""
    before = renderer.WORKERS
    renderer.configure(1)
    try:
        assert renderer.WORKERS == 1
        with pytest.raises(subprocess.CalledProcessError):
            await renderer.render_parts(_waiting_parts(f"{tmp_path}/flag", 40))
    finally:
        renderer.configure(before)


def _waiting_parts(flag: str, tries: int) -> list[renderer.Call]:
    wait = f"for i in $(seq {tries}); do [ -e {flag} ] && exit 0; sleep 0.05; done; exit 1"
    return [(subprocess.check_call, (["sh", "-c", wait],)), (os.mknod, (flag,))]
