"""Retention: no photo is kept for ever. The privacy promise made to visitors, kept by a
sweep: every photo is erased `retention_days` after it arrived, a rejected one
`rejected_retention_days` after the decision (it was never shown; a week leaves time to look
back at a dispute). Erasing goes through the same path as a contributor's delete: files wiped,
a tombstone row, off the wall at once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from wall.config import WallSection
from wall.lifecycle import PhotoLifecycle
from wall.storage.base import PhotoNotFound, PhotoRepository

log = logging.getLogger(__name__)

# Retention is counted in days: an hourly sweep is late by at most an hour.
SWEEP_INTERVAL_S = 3600.0
# Erased per batch, so that a first sweep over a whole season never holds the writer long.
BATCH = 200
RETENTION_ACTOR = "retention"


class RetentionSweeper:
    def __init__(
        self,
        settings: WallSection,
        photos: PhotoRepository,
        lifecycle: PhotoLifecycle,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        collect_orphans: Callable[[], Awaitable[dict[str, int]]] | None = None,
    ) -> None:
        """`collect_orphans`: the store's media collection, run after each sweep (a cluster
        runs for months without a restart, where the embedded store collected at start)."""
        self._keep = timedelta(days=settings.retention_days)
        self._keep_rejected = timedelta(days=settings.rejected_retention_days)
        self._photos = photos
        self._lifecycle = lifecycle
        self._clock = clock
        self._collect_orphans = collect_orphans
        self._task: asyncio.Task[None] | None = None
        self.erased = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="retention")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def sweep(self) -> int:
        """Erases everything past its time now; the number erased."""
        erased = 0
        while True:
            now = self._clock()
            batch = await self._photos.expired(now - self._keep, now - self._keep_rejected, BATCH)
            for photo_id in batch:
                with contextlib.suppress(PhotoNotFound):  # its contributor was quicker
                    await self._lifecycle.delete(photo_id, RETENTION_ACTOR, "retention")
                    erased += 1
            if len(batch) < BATCH:
                break
        if erased:
            log.info("retention: erased %d photos past their time", erased)
        self.erased += erased
        return erased

    async def _run(self) -> None:
        while True:  # first at start-up: a server that was off for a month catches up
            try:
                await self.sweep()
                if self._collect_orphans is not None:
                    collected = await self._collect_orphans()
                    if any(collected.values()):
                        log.info("media collection: %s", collected)
            except Exception:  # the next sweep retries; the server goes on
                log.exception("retention sweep failed")
            await asyncio.sleep(SWEEP_INTERVAL_S)
