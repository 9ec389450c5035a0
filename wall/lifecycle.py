"""Photo transitions after ingest: each one stored with its audit row, then published.

Moderation decisions and contributor deletes both come through here, so every way off the
wall is one event that the display feed turns into `photo.removed` at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from wall.domain import Photo, PhotoStatus
from wall.events import EventBus, PhotoChanged, PhotoDeleted
from wall.storage.base import MediaUnavailable, Store

log = logging.getLogger(__name__)


class PhotoLifecycle:
    def __init__(
        self, store: Store, bus: EventBus, forget: Callable[[str], None] = lambda _id: None
    ) -> None:
        """`forget`: drops what memory holds of an erased photo (its perceptual hash)."""
        self.store = store
        self.bus = bus
        self._forget = forget

    async def transition(
        self,
        photo_id: str,
        to: PhotoStatus,
        actor: str,
        reason: str = "",
        expected_version: int | None = None,
        undo: bool = False,
    ) -> Photo:
        """Raises `PhotoNotFound`, `VersionConflict` or `InvalidTransition`."""
        before, after = await self.store.photos.transition(
            photo_id, to, actor, reason, expected_version, undo
        )
        self.bus.announce(
            PhotoChanged(photo=after, before=before.status, actor=actor, reason=reason)
        )
        return after

    async def delete(self, photo_id: str, actor: str, reason: str) -> Photo:
        """Tombstones the photo and wipes its files; raises `PhotoNotFound`."""
        async with self.store.media_refs:
            before, unused = await self.store.photos.delete(photo_id, actor, reason)
            # Unlink and fsync off the event loop: a slow SD card must not stall every socket.
            await self.store.photos.wipe_unused(
                unused, lambda keys: asyncio.to_thread(self._wipe, keys)
            )
        self._forget(photo_id)
        self.bus.announce(PhotoDeleted(photo_id=photo_id, was_public=before.is_public))
        return before

    def _wipe(self, keys: list[str]) -> None:
        try:
            for key in keys:
                self.store.media.delete(key)
        except MediaUnavailable as exc:
            # The row is gone already; what is left no row names, and the orphan
            # collection (`Store.recover`) takes it once the store answers again.
            log.warning("media of a deleted photo left for the orphan collection: %s", exc)
