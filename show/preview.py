"""The latest picture of the wall, as the display sends it (about once a second).

Held in memory only: it is a glimpse for the console, not a record. The console tells the
operator when it grows old, because a display that stops sending is a display in trouble.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from PIL import Image, UnidentifiedImageError

from wall.storage.base import GlimpseStore

# The display sends a small JPEG (640 px wide, ~40 kB); anything far bigger is a mistake.
PREVIEW_MAX_BYTES = 1024 * 1024
PREVIEW_MAX_SIDE = 2048
# The display sends one a second; after this long without one the console warns.
PREVIEW_STALE_S = 5.0
# The display reports a photo when it comes on screen, not while it stays there: a photo
# reported this recently is "on the wall now" for its contributor (a spotlight slide lasts
# 8 s, a mosaic cell a little longer), as long as the display is still sending.
ON_WALL_NOW_S = 30.0
# The console says "last picture N minutes ago" for a display gone quiet, up to this long.
KEEP_PREVIEW_S = 600.0
PREVIEW_KIND, PREVIEW_KEY = "preview", "wall"
CAME_ON_KIND = "came-on"
# The frame rate the display keeps ("30/60": declared/configured), sent with each picture.
FRAME_RATE_KIND = "display-fps"


class InvalidPreview(ValueError):
    """Not a JPEG of a sensible size: never shown to anyone."""


@dataclass(frozen=True, slots=True)
class Preview:
    jpeg: bytes
    width: int
    height: int
    received_at: datetime  # shown to people
    age_s: float  # measured on the store's one clock


def check_jpeg(data: bytes) -> tuple[int, int]:
    """The picture's size, once Pillow has read its header as a JPEG and nothing else."""
    if len(data) > PREVIEW_MAX_BYTES or not data.startswith(b"\xff\xd8"):
        raise InvalidPreview("not a JPEG")
    try:
        with Image.open(io.BytesIO(data), formats=["JPEG"]) as image:
            width, height = image.size
    except (UnidentifiedImageError, OSError) as exc:
        raise InvalidPreview(str(exc)) from None
    if not (0 < width <= PREVIEW_MAX_SIDE and 0 < height <= PREVIEW_MAX_SIDE):
        raise InvalidPreview("size")
    return width, height


class PreviewBoard:
    """One slot: each new picture replaces the last. Also remembers when each photo was last
    reported on screen, for a short while: the receipt page's "on the wall now". Kept in the
    store's glimpses, so that in a cluster the console and the receipt see the picture and
    the reports whichever process the display sent them to."""

    def __init__(self, glimpses: GlimpseStore) -> None:
        self._glimpses = glimpses

    async def put(self, data: bytes) -> None:
        check_jpeg(data)
        await self._glimpses.put(PREVIEW_KIND, PREVIEW_KEY, data)

    async def note_shown(self, photo_ids: Sequence[str]) -> None:
        """The photos the display just put on screen (older notes age out)."""
        await self._glimpses.put_many(CAME_ON_KIND, photo_ids, b"")

    async def on_wall_now(self, photo_id: str) -> bool:
        """Reported on screen moments ago by a display that is still sending its picture."""
        latest = await self._glimpses.get(PREVIEW_KIND, PREVIEW_KEY, PREVIEW_STALE_S)
        if latest is None:
            return False
        return await self._glimpses.get(CAME_ON_KIND, photo_id, ON_WALL_NOW_S) is not None

    async def came_on_at(self, photo_id: str) -> datetime | None:
        """When the display last reported this photo coming on screen (if recently)."""
        seen = await self._glimpses.get(CAME_ON_KIND, photo_id, ON_WALL_NOW_S)
        return None if seen is None else seen.at

    async def note_rate(self, declared: int, configured: int) -> None:
        await self._glimpses.put(FRAME_RATE_KIND, PREVIEW_KEY, f"{declared}/{configured}".encode())

    async def frame_rate(self) -> tuple[int, int] | None:
        """(declared, configured) fps from the display's last picture, while it is fresh."""
        found = await self._glimpses.get(FRAME_RATE_KIND, PREVIEW_KEY, PREVIEW_STALE_S)
        if found is None:
            return None
        declared, _, configured = found.value.decode().partition("/")
        return int(declared), int(configured)

    async def latest(self) -> Preview | None:
        """The last picture, however old (the console says how old)."""
        found = await self._glimpses.get(PREVIEW_KIND, PREVIEW_KEY, KEEP_PREVIEW_S)
        if found is None:
            return None
        width, height = check_jpeg(found.value)
        return Preview(found.value, width, height, found.at, found.age_s)
