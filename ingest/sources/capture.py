"""A camera stream read by its own thread, so that the frame the wall takes is the newest one.

`VideoCapture` buffers: a consumer that reads one frame a minute from a 25 fps stream would
get a frame from the start of the buffer, minutes old, or stall the camera's sender. The
thread here drains the stream continuously with `grab()` (demux and decode, no colour
conversion, nothing kept) and `retrieve()`s a frame only when the source asks for one, so a
taken frame is at most one frame period old and no frame is ever queued.

The thread owns the `VideoCapture` (it is not thread-safe) and reconnects with backoff when
the stream drops; the async side sees only `request()` and `stats()`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np

from wall.domain import utcnow

log = logging.getLogger(__name__)

RECONNECT_FIRST_S = 1.0  # a camera rebooting or a Wi-Fi blip is back within seconds
RECONNECT_MAX_S = 60.0  # a camera off for the night: one try a minute costs nothing
OPEN_TIMEOUT_S = 10.0  # an address that never answers must not hold the thread for ever
# A frozen camera keeps its connection open and sends nothing: after this long without a
# frame it counts as a drop. Longer than a keyframe interval of a slow RTSP camera.
READ_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class Frame:
    pixels: np.ndarray  # H×W×3, BGR, owned by the taker
    captured_at: datetime
    seq: int  # grabs since the reader started: tells a new frame from one already taken


@dataclass(frozen=True, slots=True)
class CaptureStats:
    """A snapshot of the reader, for the source's health."""

    connected: bool = False
    ended: bool = False  # a video file played to its end
    frames_read: int = 0
    connects: int = 0
    errors: int = 0
    last_error: str = ""
    last_error_code: str = ""  # `source_error_<code>` on the console, with its params
    last_error_params: dict[str, str] = field(default_factory=dict)
    last_frame_at: datetime | None = None
    cpu_s: float = 0.0  # `time.thread_time()` of the reader thread


def is_device(url: str) -> bool:
    return url.isdigit()


def is_file(url: str) -> bool:
    return url.startswith("file://") or ("://" not in url and not is_device(url))


def open_capture(url: str) -> cv2.VideoCapture:
    """A device index goes to the OS backend; everything else (RTSP, HTTP, files) to FFmpeg,
    with timeouts so a dead address fails instead of blocking, and one decoding thread: the
    reader's own, so its CPU use is measured and it never takes every core."""
    if is_device(url):
        return cv2.VideoCapture(int(url))
    path = url.removeprefix("file://")
    params = [
        cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
        int(OPEN_TIMEOUT_S * 1000),
        cv2.CAP_PROP_READ_TIMEOUT_MSEC,
        int(READ_TIMEOUT_S * 1000),
        cv2.CAP_PROP_N_THREADS,
        1,
    ]
    return cv2.VideoCapture(path, cv2.CAP_FFMPEG, params)


def reconnect_delay(failures: int) -> float:
    return float(min(RECONNECT_MAX_S, RECONNECT_FIRST_S * 2 ** max(0, failures - 1)))


class LatestFrameReader:
    """Reads `url` continuously in a thread; `request()` hands over the next frame grabbed.

    A video file plays at its own frame rate (as the camera that recorded it would send it)
    and the reader ends at its last frame; live streams are read as fast as they come.
    """

    def __init__(
        self,
        url: str,
        name: str,
        opener: Callable[[str], cv2.VideoCapture] = open_capture,
    ) -> None:
        self.url = url
        self.name = name
        self._opener = opener
        self._playback = is_file(url) and Path(url.removeprefix("file://")).is_file()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._stats = CaptureStats()
        self._wanted: Callable[[Frame], None] | None = None
        self._last_pixels: np.ndarray | None = None  # playback: what a late request gets
        self._thread = threading.Thread(target=self._run, name=f"webcam-{name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = OPEN_TIMEOUT_S + 1) -> None:
        """Stops and joins the thread; a blocked read ends within `READ_TIMEOUT_S`."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def stats(self) -> CaptureStats:
        with self._lock:
            return self._stats

    def request(self, deliver: Callable[[Frame], None]) -> None:
        """`deliver` gets the next frame grabbed, from the reader thread, once."""
        with self._lock:
            self._wanted = deliver

    def cancel(self, deliver: Callable[[Frame], None] | None = None) -> None:
        """Forgets the pending request; given `deliver`, only if it is still that one (a
        request cancelled late must not take a newer one with it)."""
        with self._lock:
            if deliver is None or self._wanted is deliver:
                self._wanted = None

    def _error(self, message: str, code: str, **params: str) -> None:
        log.warning("webcam %s: %s", self.name, message)
        with self._lock:
            self._stats = replace(
                self._stats,
                connected=False,
                errors=self._stats.errors + 1,
                last_error=message,
                last_error_code=code,
                last_error_params=params,
                cpu_s=time.thread_time(),
            )

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            capture = self._opener(self.url)
            if not capture.isOpened():
                capture.release()
                failures += 1
                self._error(f"cannot open {self.url}", "camera_unreachable")
            else:
                with self._lock:
                    self._stats = replace(
                        self._stats, connected=True, connects=self._stats.connects + 1
                    )
                grabbed = self._drain(capture)
                capture.release()
                if self._stop.is_set():
                    break
                if self._playback:
                    self._deliver_last_on_end()  # before `ended`: the source looks once more
                    with self._lock:
                        self._stats = replace(
                            self._stats, connected=False, ended=True, cpu_s=time.thread_time()
                        )
                    return
                failures = 1 if grabbed else failures + 1
                self._error(
                    f"stream dropped after {grabbed} frames", "stream_dropped", frames=str(grabbed)
                )
            self._stop.wait(reconnect_delay(failures))
        with self._lock:
            self._stats = replace(self._stats, connected=False, cpu_s=time.thread_time())

    def _drain(self, capture: cv2.VideoCapture) -> int:
        """Grabs until the stream ends, fails or the reader is stopped; returns frames grabbed."""
        period = 0.0
        if self._playback:
            fps = capture.get(cv2.CAP_PROP_FPS)
            period = 1.0 / fps if fps and fps > 0 else 0.04
        next_at = time.monotonic()
        grabbed = 0
        while not self._stop.is_set() and capture.grab():
            grabbed += 1
            with self._lock:
                self._stats = replace(
                    self._stats,
                    frames_read=self._stats.frames_read + 1,
                    last_frame_at=utcnow(),
                    cpu_s=time.thread_time(),
                )
                deliver, self._wanted = self._wanted, None
            if deliver is not None or self._playback:
                ok, pixels = capture.retrieve()
                if ok and pixels is not None:
                    self._last_pixels = pixels
                    if deliver is not None:
                        deliver(Frame(pixels, utcnow(), self._stats.frames_read))
            if period:
                next_at += period
                self._stop.wait(max(0.0, next_at - time.monotonic()))
        return grabbed

    def _deliver_last_on_end(self) -> None:
        """A request made as the file ended gets its last frame rather than nothing."""
        pixels = self._last_pixels
        with self._lock:
            deliver, self._wanted = self._wanted, None
        if deliver is not None and pixels is not None:
            deliver(Frame(pixels, utcnow(), self._stats.frames_read))
