"""A glimpse of the wall for the operator console, sent about once a second.

The render thread only shrinks the frame (under a millisecond, once a second); encoding and
the HTTP post run on a thread of their own that holds at most one picture: when the server
is slow or gone, pictures are dropped, never queued, and the show is never held up.
"""

from __future__ import annotations

import io
import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

import httpx
import pygame
from PIL import Image

log = logging.getLogger(__name__)

PREVIEW_INTERVAL_S = 1.0  # what the console shows as "live"
PREVIEW_WIDTH = 640  # enough to recognise the photos on a laptop; ~40 kB as JPEG
JPEG_QUALITY = 70
POST_TIMEOUT_S = 3.0
# A server that keeps refusing is logged this often, not once a second all night.
FAILURE_LOG_INTERVAL_S = 60.0
# Photos reported as shown but not yet acknowledged by the server (it was down): kept up to
# this many, so a long outage costs a bounded set of ids rather than all the night's memory.
MAX_PENDING_SHOWN = 5000
MAX_SHOWN_PER_POST = 500  # the server's limit (console/api.py)
FPS_HEADER = "X-Wall-Fps"  # the rate the loop keeps, "declared/configured" (console/api.py)


class PreviewSink(Protocol):
    def offer(self, frame: pygame.Surface, now: float, take_shown: Callable[[], list[str]]) -> None:
        """Called after every present; takes a picture when one is due."""
        ...


def shrink(frame: pygame.Surface, width: int = PREVIEW_WIDTH) -> pygame.Surface:
    """Nearest-neighbour to twice the size, then smooth: 0.9 ms at 1080p instead of 1.5."""
    full_w, full_h = frame.get_size()
    height = max(1, round(full_h * width / full_w))
    if full_w >= 4 * width:
        frame = pygame.transform.scale(frame, (2 * width, 2 * height))
    return pygame.transform.smoothscale(frame, (width, height))


class PreviewSender:
    """Posts `POST /api/display/preview` with the display token; one picture in flight."""

    def __init__(
        self,
        server_url: str,
        token: str,
        interval_s: float = PREVIEW_INTERVAL_S,
        frame_rate: Callable[[], str] | None = None,
    ):
        """`frame_rate`: the loop's declared rate for `X-Wall-Fps` ("30/60"), if any."""
        self._url = server_url.rstrip("/") + "/api/display/preview"
        self._token = token
        self._frame_rate = frame_rate
        self._interval_s = interval_s
        self._next_at = 0.0
        self._slot: tuple[bytes, tuple[int, int], list[str]] | None = None
        self._pending_shown: set[str] = set()
        self._wake = threading.Condition()
        self._stop = False
        self._thread: threading.Thread | None = None
        self._last_failure_log = -FAILURE_LOG_INTERVAL_S
        self.sent = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="display-preview", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._wake:
            self._stop = True
            self._wake.notify()
        if self._thread is not None:
            self._thread.join(timeout=POST_TIMEOUT_S + 1)

    def offer(self, frame: pygame.Surface, now: float, take_shown: Callable[[], list[str]]) -> None:
        if now < self._next_at:
            return
        self._next_at = now + self._interval_s
        small = shrink(frame)
        pixels = pygame.image.tobytes(small, "RGB")
        with self._wake:
            self._slot = (pixels, small.get_size(), take_shown())  # replaces an unsent one
            self._wake.notify()

    def _run(self) -> None:
        with httpx.Client(timeout=POST_TIMEOUT_S, trust_env=False) as client:
            while True:
                with self._wake:
                    while self._slot is None and not self._stop:
                        self._wake.wait()
                    if self._stop:
                        return
                    pixels, size, shown = self._slot  # type: ignore[misc]
                    self._slot = None
                self._send(client, pixels, size, shown)

    def _send(
        self, client: httpx.Client, pixels: bytes, size: tuple[int, int], shown: list[str]
    ) -> None:
        self._pending_shown.update(shown)
        ids = sorted(self._pending_shown)[:MAX_SHOWN_PER_POST]
        jpeg = _encode(pixels, size)
        headers = {
            "Authorization": f"Bearer {self._token}",
            "Content-Type": "image/jpeg",
            "X-Wall-Shown": ",".join(ids),
        }
        if self._frame_rate is not None:
            headers[FPS_HEADER] = self._frame_rate()
        try:
            answer = client.post(self._url, content=jpeg, headers=headers)
            answer.raise_for_status()
        except httpx.HTTPError as exc:
            self._log_failure(exc)
            while len(self._pending_shown) > MAX_PENDING_SHOWN:
                self._pending_shown.pop()
            return
        self._pending_shown.difference_update(ids)
        self.sent += 1

    def _log_failure(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._last_failure_log >= FAILURE_LOG_INTERVAL_S:
            self._last_failure_log = now
            log.warning("could not send the wall's preview to the console: %s", exc)


def _encode(pixels: bytes, size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.frombytes("RGB", size, pixels).save(buffer, "JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()
