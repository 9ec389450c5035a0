"""The one drop-and-resync queue: a slow reader is told to resynchronise, never waited for.

Used twice, the same way: between the event bus and each feed (`wall.events.Subscription`,
items are events), and between a feed and each WebSocket client (`wall.live.LiveClient`,
items are text frames). A full queue is emptied and given one resync marker, so memory
stays bounded, the publisher never blocks, and the reader reloads a snapshot.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class DropToResync(Generic[T]):
    """A bounded queue whose overflow becomes a single resync marker (`resync()`)."""

    def __init__(self, limit: int, resync: Callable[[], T]) -> None:
        self.queue: asyncio.Queue[T] = asyncio.Queue(maxsize=limit)
        self._resync = resync
        self.dropped = 0  # times the backlog was dropped: how often this reader fell behind

    def offer(self, item: T) -> None:
        """Never blocks: a reader this far behind is better off with a snapshot."""
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            self.dropped += 1
            self.offer_resync()

    def offer_resync(self) -> None:
        """The reader's picture may be stale: drop its backlog, tell it to reload."""
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(self._resync())

    async def get(self) -> T:
        return await self.queue.get()
