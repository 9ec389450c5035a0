"""The latest picture of the wall, as the display sends it (about once a second).

Held in memory only: it is a glimpse for the console, not a record. The console tells the
operator when it grows old, because a display that stops sending is a display in trouble.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from PIL import Image, UnidentifiedImageError

# The display sends a small JPEG (640 px wide, ~40 kB); anything far bigger is a mistake.
PREVIEW_MAX_BYTES = 1024 * 1024
PREVIEW_MAX_SIDE = 2048
# The display sends one a second; after this long without one the console warns.
PREVIEW_STALE_S = 5.0
# The display reports a photo when it comes on screen, not while it stays there: a photo
# reported this recently is "on the wall now" for its contributor (a spotlight slide lasts
# 8 s, a mosaic cell a little longer), as long as the display is still sending.
ON_WALL_NOW_S = 30.0


class InvalidPreview(ValueError):
    """Not a JPEG of a sensible size: never shown to anyone."""


@dataclass(frozen=True, slots=True)
class Preview:
    jpeg: bytes
    width: int
    height: int
    received_at: float  # time.time(): shown to people
    received_mono: float  # time.monotonic(): for the age, immune to clock changes


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
    reported on screen, for a short while: the receipt page's "on the wall now"."""

    def __init__(self) -> None:
        self._latest: Preview | None = None
        self._came_on: dict[str, tuple[float, float]] = {}  # id: (time.time(), monotonic)

    def put(self, data: bytes) -> Preview:
        width, height = check_jpeg(data)
        self._latest = Preview(data, width, height, time.time(), time.monotonic())
        return self._latest

    def note_shown(self, photo_ids: Iterable[str]) -> None:
        """The photos the display just put on screen; older notes are forgotten (bounded)."""
        now, mono = time.time(), time.monotonic()
        self._came_on = {
            photo_id: seen
            for photo_id, seen in self._came_on.items()
            if mono - seen[1] <= ON_WALL_NOW_S
        }
        for photo_id in photo_ids:
            self._came_on[photo_id] = (now, mono)

    def on_wall_now(self, photo_id: str) -> bool:
        """Reported on screen moments ago by a display that is still sending its picture."""
        seen = self._came_on.get(photo_id)
        age = self.age_s()
        if seen is None or age is None or age > PREVIEW_STALE_S:
            return False
        return time.monotonic() - seen[1] <= ON_WALL_NOW_S

    def came_on_at(self, photo_id: str) -> datetime | None:
        """When the display last reported this photo coming on screen (if recently)."""
        seen = self._came_on.get(photo_id)
        return None if seen is None else datetime.fromtimestamp(seen[0], UTC)

    @property
    def latest(self) -> Preview | None:
        return self._latest

    def age_s(self) -> float | None:
        latest = self._latest
        return None if latest is None else time.monotonic() - latest.received_mono
