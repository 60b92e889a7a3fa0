"""Fans committed events out to the subscribers of this process.

Actions call ``publish`` after their transaction commits. Each subscriber has a bounded
queue: a subscriber that falls behind is dropped rather than slowing the others, and
resumes from the event log with ``since``.
"""

import asyncio
import logging
from collections import defaultdict
from collections.abc import Iterable

from opcoord.live.events import RecordedEvent

log = logging.getLogger(__name__)


class Subscription:
    def __init__(self, hub: "Hub", stream_id: int, backlog: int) -> None:
        self.hub = hub
        self.stream_id = stream_id
        self.queue: asyncio.Queue[RecordedEvent | None] = asyncio.Queue(maxsize=backlog)
        self.dropped = False

    def offer(self, event: RecordedEvent) -> None:
        if self.dropped:
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            # Too far behind: stop feeding it and let it reconnect with ``since``.
            self.dropped = True
            self.hub.unsubscribe(self)

    async def get(self) -> RecordedEvent | None:
        return await self.queue.get()

    def close(self) -> None:
        self.hub.unsubscribe(self)


class Hub:
    def __init__(self, backlog: int = 256) -> None:
        self.backlog = backlog
        self._subscribers: dict[int, set[Subscription]] = defaultdict(set)

    def subscribe(self, stream_id: int) -> Subscription:
        sub = Subscription(self, stream_id, self.backlog)
        self._subscribers[stream_id].add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subscribers[sub.stream_id].discard(sub)

    def subscribers(self, stream_id: int) -> int:
        return len(self._subscribers[stream_id])

    async def publish(self, events: Iterable[RecordedEvent]) -> None:
        for event in events:
            self.deliver(event)

    def deliver(self, event: RecordedEvent) -> None:
        for sub in list(self._subscribers.get(event.stream_id, ())):
            sub.offer(event)
