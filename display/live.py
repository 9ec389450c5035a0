"""Live windows on the display: each webcam's MJPEG stream (`/api/wall/live/<name>`, faces
already blurred by the server) read, decoded and scaled on a thread of its own.

The render thread only takes the newest finished picture (`LiveStream.latest`): it never
decodes, never waits on the network, and a dead stream costs it nothing. A window whose last
frame is older than `[display] live_hold_s` is not `fresh`: the `window` layout leaves the
playlist until frames come again. The thread reconnects with backoff for as long as the
server lists the window (`live.windows`, on every feed connection).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import httpx
import numpy as np
import pygame

from wall.wire import LiveWindow

log = logging.getLogger(__name__)

RETRY_FIRST_S = 0.5  # a camera blip or a server restart: back within a second or two
RETRY_MAX_S = 10.0
# The server ends a stream after 15 s without a frame; reading waits a little longer.
TIMEOUT = httpx.Timeout(20.0, connect=3.0)
MAX_PART_BYTES = 8 * 1024 * 1024  # a 4K JPEG is ~2 MB: anything larger is not a frame


@dataclass(frozen=True, slots=True)
class LivePicture:
    surface: pygame.Surface  # exactly the wanted size, the view letterboxed in black
    seq: int
    at: float  # time.monotonic() when it was ready


def multipart_jpegs(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The JPEG of each part of a `multipart/x-mixed-replace` body, as parts complete.

    Each part must carry `Content-Length` (the server's and IP cameras' do); a part without
    it, or larger than MAX_PART_BYTES, ends the stream as unreadable."""
    buffer = bytearray()
    for chunk in chunks:
        buffer += chunk
        while True:
            head_end = buffer.find(b"\r\n\r\n")
            if head_end < 0:
                break
            length = _content_length(bytes(buffer[:head_end]))
            start = head_end + 4
            if len(buffer) < start + length:
                break
            yield bytes(buffer[start : start + length])
            del buffer[: start + length]


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
            if 0 < length <= MAX_PART_BYTES:
                return length
    raise ValueError("a stream part without a usable Content-Length")


def contained(jpeg: bytes, size: tuple[int, int]) -> np.ndarray | None:
    """BGRA pixels of exactly `size`: the whole view, centred, black bars if its shape
    differs from the window's."""
    width, height = size
    bgr = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    if bgr is None or bgr.ndim != 3:
        return None
    scale = min(width / bgr.shape[1], height / bgr.shape[0])
    inner = (max(1, round(bgr.shape[1] * scale)), max(1, round(bgr.shape[0] * scale)))
    shrinking = inner[0] < bgr.shape[1]
    scaled = cv2.resize(bgr, inner, interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)
    out = np.zeros((height, width, 4), np.uint8)
    out[..., 3] = 255
    left, top = (width - inner[0]) // 2, (height - inner[1]) // 2
    out[top : top + inner[1], left : left + inner[0]] = cv2.cvtColor(scaled, cv2.COLOR_BGR2BGRA)
    return out


class LiveStream:
    """One window's stream, read by its own thread; `latest` is all the render thread sees."""

    def __init__(self, window: LiveWindow, server_url: str, token: str) -> None:
        self.window = window
        self._url = server_url.rstrip("/") + window.url
        self._token = token
        self._size = (0, 0)
        self._latest: LivePicture | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"live-{window.name}", daemon=True)
        self.frames = 0
        self.connects = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def want_size(self, size: tuple[int, int]) -> None:
        """The window's size on the wall: the frames that follow are scaled to it."""
        self._size = size

    def latest(self) -> LivePicture | None:
        with self._lock:
            return self._latest

    def fresh(self, now: float, hold_s: float) -> bool:
        picture = self.latest()
        return picture is not None and now - picture.at <= hold_s

    def _run(self) -> None:
        failures = 0
        with httpx.Client(
            timeout=TIMEOUT, headers={"Authorization": f"Bearer {self._token}"}
        ) as client:
            while not self._stop.is_set():
                try:
                    got = self._read(client)
                except (httpx.HTTPError, ValueError, OSError) as exc:
                    got = 0
                    log.info("live window %s: %s", self.window.name, exc)
                failures = 0 if got else failures + 1
                self._stop.wait(min(RETRY_MAX_S, RETRY_FIRST_S * 2**failures))

    def _read(self, client: httpx.Client) -> int:
        """One connection: frames until it ends; how many came."""
        got = 0
        with client.stream("GET", self._url) as response:
            if response.status_code != 200:
                log.info("live window %s: HTTP %d", self.window.name, response.status_code)
                return 0
            self.connects += 1
            for jpeg in multipart_jpegs(response.iter_bytes()):
                if self._stop.is_set():
                    break
                if self._take(jpeg):
                    got += 1
        return got

    def _take(self, jpeg: bytes) -> bool:
        size = self._size
        if size[0] <= 0 or size[1] <= 0:
            size = (640, 360)  # not on the wall yet: a small picture proves the stream is up
        pixels = contained(jpeg, size)
        if pixels is None:
            return False
        surface = pygame.image.frombuffer(pixels.tobytes(), size, "BGRA")
        self.frames += 1
        with self._lock:
            seq = self._latest.seq + 1 if self._latest else 1
            self._latest = LivePicture(surface, seq, time.monotonic())
        return True


class LiveWindows:
    """The windows the server offers, kept in step with its `live.windows` messages (from the
    feed's thread) and read by the render thread: a lock guards the set."""

    def __init__(self, server_url: str, token: str, hold_s: float) -> None:
        self._server_url = server_url
        self._token = token
        self.hold_s = hold_s
        self._streams: dict[str, LiveStream] = {}
        self._lock = threading.Lock()

    def configure(self, windows: list[LiveWindow]) -> None:
        """New windows start reading; windows no longer offered stop."""
        with self._lock:
            wanted = {w.name: w for w in windows}
            for name in list(self._streams):
                if wanted.get(name) != self._streams[name].window:
                    self._streams.pop(name).stop()
            for name, window in wanted.items():
                if name not in self._streams:
                    stream = LiveStream(window, self._server_url, self._token)
                    self._streams[name] = stream
                    stream.start()

    def streams(self) -> list[LiveStream]:
        with self._lock:
            return list(self._streams.values())

    def fresh(self, now: float) -> list[LiveStream]:
        """The windows with a frame newer than `hold_s`: those the wall may show."""
        return [s for s in self.streams() if s.fresh(now, self.hold_s)]

    def stop(self) -> None:
        with self._lock:
            for stream in self._streams.values():
                stream.stop()
            self._streams.clear()
