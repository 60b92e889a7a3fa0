"""Fans committed events out to the websocket subscribers of this process.

Each subscriber has a bounded queue: one that falls behind is dropped rather than
slowing the others (``deliver`` never waits), and resumes from the event log with
``since``. The pump (``pump.py``) is the only caller of ``deliver``: it reads the log and
delivers in sequence order.
"""

import asyncio
import uuid
from collections import OrderedDict, defaultdict
from enum import Enum

from opcoord.outbox.events import RecordedEvent


class Ended(Enum):
    """Why a subscription ends, as its sender's last item."""

    fell_behind = "fell behind"
    revoked = "the account was disabled or its credentials changed"


class Subscription:
    def __init__(self, hub: "Hub", stream_id: int, backlog: int, user_id: int | None) -> None:
        self.hub = hub
        self.stream_id = stream_id
        self.user_id = user_id
        self.id = uuid.uuid4().hex  # its row in live_connections
        self.queue: asyncio.Queue[RecordedEvent | Ended] = asyncio.Queue(maxsize=backlog)
        self.dropped = False

    def offer(self, event: RecordedEvent) -> None:
        if self.dropped:
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.end(Ended.fell_behind)  # too far behind: stop feeding it

    def end(self, why: Ended) -> None:
        """Stop feeding it, and wake its sender with ``why`` as the last item."""
        self.dropped = True
        self.hub.unsubscribe(self)
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(why)

    async def get(self) -> RecordedEvent | Ended:
        """The next event, or why the subscription ended."""
        return await self.queue.get()

    def close(self) -> None:
        self.hub.unsubscribe(self)


class Hub:
    def __init__(self, backlog: int = 256) -> None:
        self.backlog = backlog
        # Encoded messages shared by the sockets of this process (see feed.message_text).
        self.encoded: OrderedDict[tuple[int, int, str], str] = OrderedDict()
        self._subscribers: dict[int, set[Subscription]] = defaultdict(set)

    def subscribe(self, stream_id: int, user_id: int | None = None) -> Subscription:
        sub = Subscription(self, stream_id, self.backlog, user_id)
        self._subscribers[stream_id].add(sub)
        return sub

    def revoke(self, user_id: int) -> int:
        """End every subscription of the account here; how many there were."""
        ended = [s for subs in self._subscribers.values() for s in subs if s.user_id == user_id]
        for sub in ended:
            sub.end(Ended.revoked)
        return len(ended)

    def unsubscribe(self, sub: Subscription) -> None:
        subs = self._subscribers.get(sub.stream_id)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._subscribers[sub.stream_id]

    def socket_ids(self) -> list[str]:
        """Every subscription of this process, to keep their rows alive."""
        return [s.id for subs in self._subscribers.values() for s in subs]

    def subscribers(self, stream_id: int) -> int:
        return len(self._subscribers.get(stream_id, ()))

    def deliver(self, event: RecordedEvent) -> None:
        for sub in list(self._subscribers.get(event.stream_id, ())):
            sub.offer(event)
