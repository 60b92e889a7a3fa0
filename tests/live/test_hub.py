"""The hub never waits for a slow subscriber: it drops it, and the others get everything."""

import asyncio
from datetime import UTC, datetime

from opcoord.live.hub import Ended, Hub
from opcoord.outbox.events import EventType, RecordedEvent


def event(seq: int) -> RecordedEvent:
    return RecordedEvent(
        type=EventType.nil_return,
        stream_id=1,
        seq=seq,
        payload={},
        created_at=datetime(2026, 6, 1, tzinfo=UTC),
    )


async def test_slow_subscriber_is_dropped_and_others_get_every_event() -> None:
    hub = Hub(backlog=8)
    slow = hub.subscribe(1)
    fast = hub.subscribe(1)
    other_stream = hub.subscribe(2)
    got: list[int] = []

    async def reader() -> None:
        while len(got) < 100:
            item = await fast.get()
            assert item is not None
            got.append(item.seq)

    task = asyncio.create_task(reader())
    for seq in range(1, 101):
        hub.deliver(event(seq))  # never awaits: a stuck client cannot hold the others
        await asyncio.sleep(0)
    await asyncio.wait_for(task, 5)
    assert got == list(range(1, 101))
    assert slow.dropped and hub.subscribers(1) == 1
    assert await slow.get() is Ended.fell_behind  # its sender wakes up and closes the socket
    assert other_stream.queue.empty() and not other_stream.dropped
