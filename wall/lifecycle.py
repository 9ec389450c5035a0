"""Photo transitions after ingest: each one stored with its audit row, then published.

Moderation decisions and contributor deletes both come through here, so every way off the
wall is one event that the display feed turns into `photo.removed` at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from wall.domain import Photo, PhotoStatus
from wall.events import EventBus, PhotoChanged, PhotoDeleted
from wall.storage.base import Store


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
        self.bus.publish(
            PhotoChanged(photo=after, before=before.status, actor=actor, reason=reason)
        )
        return after

    async def delete(self, photo_id: str, actor: str, reason: str) -> Photo:
        """Tombstones the photo and wipes its files; raises `PhotoNotFound`."""
        async with self.store.media_refs:
            before, unused = await self.store.photos.delete(photo_id, actor, reason)
            # Unlink and fsync off the event loop: a slow SD card must not stall every socket.
            await asyncio.to_thread(self._wipe, unused)
        self._forget(photo_id)
        self.bus.publish(PhotoDeleted(photo_id=photo_id, was_public=before.is_public))
        return before

    def _wipe(self, keys: list[str]) -> None:
        for key in keys:
            self.store.media.delete(key)
