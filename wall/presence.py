"""How many clients a live feed has across every process of the wall: each process reports
its own count to the store's glimpses every few seconds; a reader adds its own count (exact,
now) to the others' latest reports. One process alone reads its own count."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket

from wall.live import LiveFeed
from wall.storage.base import GlimpseStore

log = logging.getLogger(__name__)

REPORT_EVERY_S = 2.0
REPORT_STALE_S = 6.0  # a process silent this long has gone (or lost the store): not counted


class FeedPresence:
    def __init__(self, glimpses: GlimpseStore, feed: LiveFeed) -> None:
        self._glimpses = glimpses
        self._feed = feed
        self._kind = f"presence:{feed.name}"
        # Unique per process run: a restarted process must not add its old count to its new.
        self._me = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._report_forever(), name=self._kind)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _report_forever(self) -> None:
        while True:
            try:
                count = str(len(self._feed.clients)).encode()
                await self._glimpses.put(self._kind, self._me, count)
            except Exception as exc:  # the next report retries; the feed goes on
                log.debug("%s: not reported (%s)", self._kind, exc)
            await asyncio.sleep(REPORT_EVERY_S)

    async def total(self) -> int:
        others = await self._glimpses.get_all(self._kind, REPORT_STALE_S)
        elsewhere = sum(int(g.value) for key, g in others.items() if key != self._me)
        return len(self._feed.clients) + elsewhere
