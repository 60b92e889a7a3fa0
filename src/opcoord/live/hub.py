"""Fans committed events out to the websocket subscribers of this process.

Each subscriber has a bounded queue: one that falls behind is dropped rather than
slowing the others (``deliver`` never waits), and resumes from the event log with
``since``. The pump (``pump.py``) is the only caller of ``deliver``: it reads the log and
delivers in sequence order.
"""

import asyncio
from collections import OrderedDict, defaultdict

from opcoord.outbox.events import RecordedEvent


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
            # Too far behind: stop feeding it, and wake its sender with a final None.
            self.dropped = True
            self.hub.unsubscribe(self)
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(None)

    async def get(self) -> RecordedEvent | None:
        """The next event; None once the subscription was dropped for falling behind."""
        return await self.queue.get()

    def close(self) -> None:
        self.hub.unsubscribe(self)


class Hub:
    def __init__(self, backlog: int = 256) -> None:
        self.backlog = backlog
        # Encoded messages shared by the sockets of this process (see feed.message_text).
        self.encoded: OrderedDict[tuple[int, int, str], str] = OrderedDict()
        self._subscribers: dict[int, set[Subscription]] = defaultdict(set)

    def subscribe(self, stream_id: int) -> Subscription:
        sub = Subscription(self, stream_id, self.backlog)
        self._subscribers[stream_id].add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        subs = self._subscribers.get(sub.stream_id)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._subscribers[sub.stream_id]

    def subscribers(self, stream_id: int) -> int:
        return len(self._subscribers.get(stream_id, ()))

    def deliver(self, event: RecordedEvent) -> None:
        for sub in list(self._subscribers.get(event.stream_id, ())):
            sub.offer(event)
