"""The operators' announcements: checked, their image made safe and stored, every change in
the audit log and on the displays' socket at once.

Two jobs come from outside the console, handed in by the app (the console imports neither
ingest nor the display): `SlideImages` makes an upload safe (ingest's decode), `SlidePreviews`
draws a slide as the wall will (the display's own drawing). Both run off the event loop.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from wall.announcements import Announcement, AnnouncementDraft, SlideImage, check_draft
from wall.config import Settings
from wall.events import AnnouncementsChanged, EventBus
from wall.storage.base import Store
from wall.wire import WallAnnouncement

# The console's preview: the wall at half its size, enough to judge a slide on a tablet.
PREVIEW_SCALE = 0.5
PREVIEW_MAX_EDGE = 1280


class ImageRefused(Exception):
    """The upload is not an image the wall will show; `status` and `code` as for a visitor's
    photo (`too_large`, `unsupported_type`, `undecodable`, `too_many_pixels`)."""

    def __init__(self, status: int, code: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code


@dataclass(frozen=True, slots=True)
class SafeImage:
    jpeg: bytes
    width: int
    height: int


# (upload, the wall's size) → a clean rendition; raises ImageRefused. Blocking: a thread.
SlideImages = Callable[[bytes, tuple[int, int]], SafeImage]
# (slide, its image's bytes, size) → the slide as a JPEG, drawn as the display draws it.
SlidePreviews = Callable[[WallAnnouncement, bytes | None, tuple[int, int]], bytes]


def wall_size(settings: Settings) -> tuple[int, int]:
    """The picture the layouts paint: one output, or two side by side less their overlap."""
    width, height = settings.display.output_size
    return width * settings.display.outputs - settings.display.blend_px, height


def preview_size(settings: Settings) -> tuple[int, int]:
    width, height = wall_size(settings)
    scale = min(PREVIEW_SCALE, PREVIEW_MAX_EDGE / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


class AnnouncementService:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        bus: EventBus,
        images: SlideImages,
        previews: SlidePreviews,
    ) -> None:
        self._settings = settings
        self._store = store
        self._bus = bus
        self._images = images
        self._previews = previews
        self._drawing = asyncio.Lock()  # one preview at a time: pygame is not for threads

    async def all(self) -> list[Announcement]:
        return await self._store.announcements.all()

    async def get(self, announcement_id: str) -> Announcement | None:
        return await self._store.announcements.get(announcement_id)

    async def create(
        self, draft: AnnouncementDraft, upload: bytes | None, actor: str
    ) -> Announcement:
        """Raises `AnnouncementInvalid` or `ImageRefused`; nothing is stored then."""
        draft = check_draft(draft, upload is not None)
        announcement_id = secrets.token_urlsafe(9)
        safe = await self.safe_upload(upload) if upload is not None else None  # unlocked: slow
        async with self._store.media_refs:  # the file and the row that names it, together
            image = await self._stored(safe)
            made = await self._store.announcements.add(announcement_id, draft, image, actor)
        await self._publish()
        return made

    async def update(
        self,
        announcement_id: str,
        draft: AnnouncementDraft,
        upload: bytes | None,
        keep_image: bool,
        version: int,
        actor: str,
    ) -> Announcement:
        """`keep_image`: without a new upload, the slide keeps the image it has. Raises
        `AnnouncementNotFound`, `AnnouncementConflict`, `AnnouncementInvalid`, `ImageRefused`."""
        before = await self._store.announcements.get(announcement_id)
        kept = before.image if before is not None and keep_image and upload is None else None
        draft = check_draft(draft, upload is not None or kept is not None)
        safe = await self.safe_upload(upload) if upload is not None else None
        async with self._store.media_refs:
            image = await self._stored(safe) if safe is not None else kept
            after, replaced = await self._store.announcements.update(
                announcement_id, draft, image, actor, version
            )
        if replaced is not None:
            await self._wipe(replaced)
        await self._publish()
        return after

    async def delete(self, announcement_id: str, actor: str) -> Announcement:
        gone = await self._store.announcements.delete(announcement_id, actor)
        if gone.image is not None:
            await self._wipe(gone.image)
        await self._publish()
        return gone

    async def preview(self, slide: WallAnnouncement, image: bytes | None) -> bytes:
        """The slide as the wall shows it, at `preview_size`, as a JPEG."""
        async with self._drawing:
            return await asyncio.to_thread(
                self._previews, slide, image, preview_size(self._settings)
            )

    async def image_bytes(self, image: SlideImage) -> bytes:
        return await asyncio.to_thread(self._store.media.read, image.key)

    async def safe_upload(self, upload: bytes) -> SafeImage:
        """An upload made safe without storing it (a draft's preview)."""
        return await asyncio.to_thread(self._images, upload, wall_size(self._settings))

    async def _stored(self, safe: SafeImage | None) -> SlideImage | None:
        """Into the media store (the caller holds `media_refs` until its row commits)."""
        if safe is None:
            return None
        key = await asyncio.to_thread(self._store.media.put, safe.jpeg, "jpg")
        return SlideImage(key, safe.width, safe.height, len(safe.jpeg))

    async def _wipe(self, image: SlideImage) -> None:
        """Its file goes unless another row (a slide, a photo) names the same bytes."""

        async def wipe(keys: list[str]) -> None:
            for key in keys:
                await asyncio.to_thread(self._store.media.delete, key)

        async with self._store.media_refs:
            await self._store.photos.wipe_unused([image.key], wipe)

    async def _publish(self) -> None:
        """The whole list to every display (a cluster's relay does it for every process)."""
        found = await self._store.announcements.all()
        self._bus.announce(AnnouncementsChanged(announcements=tuple(found)))
