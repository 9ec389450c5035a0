"""What the console's announcements borrow from the other packages, wired here (the console
imports neither): ingest's safe decode for an operator's image, and the display's own slide
drawing for the preview, so the console shows the pixels the wall will show.

pygame is loaded at the first preview, not at start: a server that never draws one never
loads SDL. Its fonts are set up as `wall display` sets them (`[display] fonts` first).
"""

from __future__ import annotations

import os
import threading
from typing import Any

from console.announcements import ImageRefused, SafeImage
from ingest.errors import Refused
from ingest.slide_image import slide_rendition
from wall.config import Settings
from wall.wire import WallAnnouncement

PREVIEW_QUALITY = 85


class SlideImages:
    """`console.announcements.SlideImages` over ingest's decode and encoders."""

    def __init__(self, settings: Settings) -> None:
        self._upload = settings.upload
        self._quality = settings.ingest.jpeg_quality

    def __call__(self, data: bytes, size: tuple[int, int]) -> SafeImage:
        try:
            made = slide_rendition(
                data, self._upload.max_bytes, self._upload.max_pixels, size, self._quality
            )
        except Refused as exc:
            raise ImageRefused(exc.status, exc.code) from None
        return SafeImage(made.jpeg, made.width, made.height)


class SlidePreviews:
    """`console.announcements.SlidePreviews` over the display's `SlideDrawing`."""

    def __init__(self, settings: Settings) -> None:
        self._fonts = settings.display.fonts
        self._ready = False
        self._lock = threading.Lock()

    def _start_pygame(self) -> Any:
        os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")  # no banner in the server's log
        import pygame

        from display import fonts

        if not self._ready:
            pygame.font.init()
            fonts.configure(self._fonts)
            self._ready = True
        return pygame

    def __call__(
        self, slide: WallAnnouncement, image: bytes | None, size: tuple[int, int]
    ) -> bytes:
        import cv2

        from display.slide import SlideDrawing, background

        with self._lock:  # one drawing at a time: SDL_ttf's fonts are not for threads
            pygame = self._start_pygame()
            pixels = None
            if image is not None:
                try:
                    pixels = background(image, size, slide.kind)
                except ValueError:
                    pixels = None  # drawn as the display would: without its picture
            surface = SlideDrawing(slide, size, pixels).draw()
            rgb = pygame.surfarray.array3d(surface).swapaxes(0, 1)
        ok, encoded = cv2.imencode(
            ".jpg",
            cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR),
            [cv2.IMWRITE_JPEG_QUALITY, PREVIEW_QUALITY],
        )
        if not ok:
            raise RuntimeError("the preview could not be encoded")
        return bytes(encoded.tobytes())
