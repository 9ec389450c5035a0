"""The one drop-and-resync layer (`wall.fanout`), as the bus and the sockets use it: a slow
reader gets one resync in place of its backlog, and the publisher never waits for it."""

from __future__ import annotations

import asyncio

from wall.domain import ShowReason, ShowState
from wall.events import EventBus, Resync, ShowChanged
from wall.fanout import DropToResync
from wall.live import RESYNC, LiveClient

LIMIT = 4


def test_overflow_drops_the_backlog_for_one_resync_marker() -> None:
    queue: DropToResync[str] = DropToResync(LIMIT, lambda: "resync")
    for n in range(LIMIT):
        queue.offer(f"m{n}")
    queue.offer("one too many")  # returns at once: the publisher is never blocked
    assert queue.dropped == 1
    assert queue.queue.qsize() == 1
    assert asyncio.run(queue.get()) == "resync"


def test_a_reader_that_keeps_up_gets_everything_in_order() -> None:
    queue: DropToResync[str] = DropToResync(LIMIT, lambda: "resync")
    for n in range(LIMIT):
        queue.offer(f"m{n}")

    async def read_all() -> list[str]:
        return [await queue.get() for _ in range(LIMIT)]

    assert asyncio.run(read_all()) == ["m0", "m1", "m2", "m3"]
    assert queue.dropped == 0


def test_a_socket_that_falls_behind_is_sent_resync() -> None:
    client = LiveClient(limit=LIMIT)
    for n in range(LIMIT + 1):
        client.offer(f'{{"type": "photo.removed", "photo_id": "p{n}"}}')
    assert asyncio.run(client.get()) == RESYNC == '{"type": "resync"}'


def test_a_feed_that_falls_behind_the_bus_gets_a_resync_event() -> None:
    bus = EventBus(queue_limit=LIMIT)
    subscription = bus.subscribe()
    for _ in range(LIMIT + 1):
        bus.publish(ShowChanged(ShowState(lit=True, reason=ShowReason.ALWAYS)))
    assert subscription.dropped == 1
    assert isinstance(asyncio.run(subscription.get()), Resync)
