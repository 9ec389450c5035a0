"""The latest picture of the wall, as the display sends it (about once a second).

Held in memory only: it is a glimpse for the console, not a record. The console tells the
operator when it grows old, because a display that stops sending is a display in trouble.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

# The display sends a small JPEG (640 px wide, ~40 kB); anything far bigger is a mistake.
PREVIEW_MAX_BYTES = 1024 * 1024
PREVIEW_MAX_SIDE = 2048
# The display sends one a second; after this long without one the console warns.
PREVIEW_STALE_S = 5.0


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
    """One slot: each new picture replaces the last."""

    def __init__(self) -> None:
        self._latest: Preview | None = None

    def put(self, data: bytes) -> Preview:
        width, height = check_jpeg(data)
        self._latest = Preview(data, width, height, time.time(), time.monotonic())
        return self._latest

    @property
    def latest(self) -> Preview | None:
        return self._latest

    def age_s(self) -> float | None:
        latest = self._latest
        return None if latest is None else time.monotonic() - latest.received_mono
