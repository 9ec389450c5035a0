"""Webcams: a frame every `interval_s`, unchanged frames skipped, faces blurred before any
byte of the frame is written anywhere.

Webcams film people who never consented (the CNIL's guidance on tourist webcams asks for
blurred people), so the frame is blurred in memory, encoded in memory, and only then handed
to the pipeline, which is the first thing that writes. A camera whose face model is missing
does not run at all rather than run unblurred.

`url` forms: `rtsp://…`, an MJPEG stream over HTTP, an HTTP JPEG snapshot (one JPEG per GET,
told apart from a stream by its content type), a video file, or a device index (`0`). Streams
are read by `LatestFrameReader`'s thread; snapshots are fetched each interval.

`live = true` (a stream): every frame, up to `live_fps`, is blurred (`ingest.live_blur`) and
encoded on the camera's thread, then published to the live window (`ingest.live_windows`);
the still taken each interval is one of those frames, already blurred.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

import cv2
import httpx
import numpy as np

from ingest.blur import blur_faces
from ingest.errors import Refused
from ingest.faces import FaceDetector
from ingest.hashing import hamming, phash
from ingest.live_blur import LiveBlurrer
from ingest.service import Submission
from ingest.sources.base import SourceContext
from ingest.sources.capture import (
    CaptureStats,
    Frame,
    LatestFrameReader,
    reconnect_delay,
)
from ingest.sources.http_fetch import FetchFailed, fetch_capped, media_client
from ingest.workers import PoolBusy
from wall.config import Settings, WebcamSource
from wall.domain import utcnow

log = logging.getLogger(__name__)

# pHash bits (of 64) under which a frame "hardly changed" since the last one kept: re-encoding
# noise, a flickering sign or a ticking clock move 0–4 bits; a person walking in moves 10+.
SKIP_DISTANCE = 6
HEALTH_REFRESH_S = 1.0  # while waiting for a frame, the console still sees the reader's state
FRAME_JPEG_QUALITY = 92  # the blurred frame handed to the pipeline, which re-encodes it
SNAPSHOT_TIMEOUT_S = 15.0  # a snapshot is one JPEG: slower than this, the camera is stuck
STOP_JOIN_S = 2.0  # the reader ends within READ_TIMEOUT_S anyway; shutdown does not wait
STREAM_TYPES = ("multipart/", "video/", "application/vnd.apple.mpegurl")
LIVE_JPEG_QUALITY = 80  # a frame of a 10 fps window: ~150 KB at 1080p


def create(config: WebcamSource, settings: Settings) -> Webcam:
    return Webcam(config, max_bytes=settings.upload.max_bytes)


def source_ref(name: str, captured_at: datetime) -> str:
    return f"webcam:{name}:{captured_at.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}"


@dataclass(frozen=True, slots=True)
class Prepared:
    """A frame ready for the pipeline: blurred, encoded in memory."""

    jpeg: bytes
    phash: int
    faces: int


@dataclass(frozen=True, slots=True)
class LiveShot:
    """A live frame: blurred in place, and its JPEG for the window."""

    pixels: np.ndarray
    jpeg: bytes
    faces: int
    cpu_s: float  # of the camera's thread for this frame: change detection, scans, blur, encode


class Webcam:
    """One camera. Its counters live on the instance, so a restart by the supervisor keeps
    them, and keeps the last kept frame's hash (no re-import of the same view)."""

    kind = "webcam"

    def __init__(self, config: WebcamSource, max_bytes: int) -> None:
        self.name = config.name
        self.config = config
        self.max_bytes = max_bytes
        self.kept = 0
        self.skipped = 0
        self.faces_blurred = 0
        self.errors = 0
        self.last_frame_at: datetime | None = None
        self._last_kept_hash: int | None = None
        self._reader_errors_seen = 0
        self._detector: FaceDetector | None = None
        self.live_frames = 0
        self.live_cpu_s = 0.0

    async def run(self, context: SourceContext) -> None:
        # One thread per camera for blur and encode: frames of a camera are handled in
        # order, and its face net (one per thread) is built once.
        executor = ThreadPoolExecutor(1, thread_name_prefix=f"webcam-{self.name}-frames")
        try:
            if self.config.blur_faces and self._detector is None:
                loop = asyncio.get_running_loop()
                self._detector = await loop.run_in_executor(executor, FaceDetector)
            if await self._is_snapshot_url():
                context.health.extra["mode"] = "snapshot"
                if self.config.live:
                    log.warning("webcam %s: live needs a stream URL, not a snapshot", self.name)
                await self._run_snapshots(context, executor)
            elif self.config.live:
                context.health.extra["mode"] = "live"
                await self._run_live(context, executor)
            else:
                context.health.extra["mode"] = "stream"
                await self._run_stream(context, executor)
        finally:
            executor.shutdown(wait=False, cancel_futures=True)

    async def _is_snapshot_url(self) -> bool:
        """HTTP URLs answer either one JPEG or a stream: the content type says which."""
        if not self.config.url.startswith(("http://", "https://")):
            return False
        async with (
            media_client(SNAPSHOT_TIMEOUT_S) as client,
            client.stream("GET", self.config.url) as response,
        ):
            response.raise_for_status()
            content_type = response.headers.get("content-type", "").lower()
        return content_type.startswith("image/") and not content_type.startswith(STREAM_TYPES)

    # -- streams: RTSP, MJPEG, files, devices -------------------------------------------

    async def _run_stream(self, context: SourceContext, executor: ThreadPoolExecutor) -> None:
        reader = LatestFrameReader(self.config.url, self.name)
        reader.start()
        try:
            next_at = time.monotonic()
            while True:
                frame = await self._next_frame(reader, context)
                if frame is None:
                    context.health.extra["stream"] = "ended"
                    return  # a video file played to its end
                await self._take(frame.pixels, frame.captured_at, context, executor)
                next_at = max(next_at + self.config.interval_s, time.monotonic())
                await self._wait_until(next_at, reader, context)
        finally:
            reader.cancel()
            await asyncio.to_thread(reader.stop, STOP_JOIN_S)

    async def _next_frame(self, reader: LatestFrameReader, context: SourceContext) -> Frame | None:
        """The next frame the reader grabs; None once a file has ended."""
        loop = asyncio.get_running_loop()
        arrived: asyncio.Future[Frame] = loop.create_future()

        def settle(frame: Frame) -> None:
            if not arrived.done():
                arrived.set_result(frame)

        def deliver(frame: Frame) -> None:  # on the reader's thread
            loop.call_soon_threadsafe(settle, frame)

        reader.request(deliver)
        try:
            while True:
                stats = reader.stats()
                self._refresh(stats, context)
                # The file's last frame is delivered before `ended` is set: look once more.
                timeout = 0.1 if stats.ended else HEALTH_REFRESH_S
                done, _ = await asyncio.wait({arrived}, timeout=timeout)
                if done:
                    return arrived.result()
                if stats.ended:
                    return None
        finally:
            reader.cancel(deliver)  # a live window's cancelled look-ahead: its request only
            arrived.cancel()

    async def _wait_until(
        self, deadline: float, reader: LatestFrameReader, context: SourceContext
    ) -> None:
        while (left := deadline - time.monotonic()) > 0:
            await asyncio.sleep(min(left, HEALTH_REFRESH_S))
            self._refresh(reader.stats(), context)

    def _refresh(self, stats: CaptureStats, context: SourceContext) -> None:
        """Copies the reader's state into the health the console shows."""
        if stats.errors > self._reader_errors_seen:
            self.errors += stats.errors - self._reader_errors_seen
            self._reader_errors_seen = stats.errors
            context.health.failed(
                stats.last_error, stats.last_error_code or "failed", **stats.last_error_params
            )
        if stats.last_frame_at is not None:
            self.last_frame_at = stats.last_frame_at
        context.health.extra.update(
            connected="yes" if stats.connected else "no",
            frames_read=str(stats.frames_read),
            connects=str(stats.connects),
            capture_cpu_s=f"{stats.cpu_s:.2f}",
        )
        self._publish(context)

    # -- live windows: every frame blurred, published, a still now and then --------------

    async def _run_live(self, context: SourceContext, executor: ThreadPoolExecutor) -> None:
        if self._detector is None:  # the config refuses live without blur_faces
            raise RuntimeError("face detector missing for a live camera")
        blurrer = LiveBlurrer(self._detector)
        reader = LatestFrameReader(self.config.url, self.name)
        reader.start()
        period = 1.0 / self.config.live_fps
        still: asyncio.Task[None] | None = None
        ahead: asyncio.Future[Frame | None] | None = None
        try:
            frame = await self._next_frame(reader, context)
            next_at = next_still = time.monotonic()
            while frame is not None:
                # The next frame is asked for now: it arrives while this one is blurred.
                ahead = asyncio.ensure_future(self._next_frame(reader, context))
                shot = await self._live_shot(blurrer, frame.pixels, executor)
                context.live.channel(self.name).publish(shot.jpeg)
                now = time.monotonic()
                if now >= next_still and (still is None or still.done()):
                    next_still = now + self.config.interval_s
                    still = asyncio.create_task(
                        self._take(shot.pixels, frame.captured_at, context, executor, True)
                    )
                # A frame a little late is made up by the next ones; far behind, no burst.
                next_at += period
                if now - next_at > period:
                    next_at = now
                if next_at > time.monotonic():  # ahead of the rate: a fresh frame at the slot
                    ahead.cancel()
                    await self._wait_until(next_at, reader, context)
                    frame = await self._next_frame(reader, context)
                else:
                    frame = await ahead
            context.health.extra["stream"] = "ended"
        finally:
            for task in (still, ahead):
                if task is not None:
                    task.cancel()
            context.live.close(self.name)
            reader.cancel()
            await asyncio.to_thread(reader.stop, STOP_JOIN_S)

    async def _live_shot(
        self, blurrer: LiveBlurrer, pixels: np.ndarray, executor: ThreadPoolExecutor
    ) -> LiveShot:
        loop = asyncio.get_running_loop()
        shot = await loop.run_in_executor(executor, _blur_and_encode, blurrer, pixels)
        self.live_frames += 1
        self.live_cpu_s += shot.cpu_s
        return shot

    # -- snapshots: one JPEG per GET -----------------------------------------------------

    async def _run_snapshots(self, context: SourceContext, executor: ThreadPoolExecutor) -> None:
        failures = 0
        async with media_client(SNAPSHOT_TIMEOUT_S) as client:
            next_at = time.monotonic()
            while True:
                try:
                    pixels = await self._snapshot(client)
                except FetchFailed as exc:
                    failures += 1
                    self.errors += 1
                    code, params = (
                        ("camera_http_status", {"status": exc.status})
                        if exc.status
                        else ("camera_unreachable", {})
                    )
                    context.health.failed(f"snapshot: {exc.reason}", code, **params)
                    self._publish(context)
                    await asyncio.sleep(reconnect_delay(failures))
                    next_at = time.monotonic()
                    continue
                failures = 0
                self.last_frame_at = utcnow()
                await self._take(pixels, self.last_frame_at, context, executor)
                next_at = max(next_at + self.config.interval_s, time.monotonic())
                await asyncio.sleep(next_at - time.monotonic())

    async def _snapshot(self, client: httpx.AsyncClient) -> np.ndarray:
        data = await fetch_capped(client, self.config.url, self.max_bytes, SNAPSHOT_TIMEOUT_S)
        pixels = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        if pixels is None:
            raise FetchFailed(self.config.url, f"not an image ({len(data)} bytes)")
        return pixels

    # -- one frame: skip, or blur, encode and hand over ----------------------------------

    async def _take(
        self,
        pixels: np.ndarray,
        captured_at: datetime,
        context: SourceContext,
        executor: ThreadPoolExecutor,
        blurred: bool = False,
    ) -> None:
        """`blurred`: a live frame, its faces already blurred."""
        loop = asyncio.get_running_loop()
        prepared = await loop.run_in_executor(executor, self._prepare, pixels, blurred)
        context.health.succeeded()
        if prepared is None:
            self.skipped += 1
            self._publish(context)
            return
        submission = Submission(
            source=self.name,
            source_ref=source_ref(self.name, captured_at),
            caption="",
            author=self.name,
        )
        data = prepared.jpeg
        try:
            await context.ingest(lambda: data, submission)
        except Refused as exc:
            log.warning("webcam %s: frame refused by the pipeline: %s", self.name, exc)
        except PoolBusy:
            self.errors += 1
            context.health.failed("pipeline busy: frame dropped", "busy")
            self._publish(context)
            return  # not kept: the next frame of the same view is still new
        self.kept += 1
        self.faces_blurred += prepared.faces
        self._last_kept_hash = prepared.phash
        self._publish(context)

    def _prepare(self, pixels: np.ndarray, blurred: bool = False) -> Prepared | None:
        """In the camera's thread: None for a frame like the last one kept, else the frame
        with its faces blurred, as JPEG bytes. Nothing here touches the disk."""
        gray = cv2.cvtColor(pixels, cv2.COLOR_BGR2GRAY)
        frame_hash = phash(gray)
        last = self._last_kept_hash
        if last is not None and hamming(frame_hash, last) < SKIP_DISTANCE:
            return None
        faces = 0
        if self.config.blur_faces and not blurred:
            if self._detector is None:  # run() builds it first; never encode unblurred
                raise RuntimeError("face detector missing for a camera with blur_faces")
            faces = blur_faces(pixels, self._detector)
        ok, encoded = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, FRAME_JPEG_QUALITY])
        if not ok:
            raise RuntimeError("JPEG encoding failed")
        return Prepared(encoded.tobytes(), frame_hash, faces)

    def _publish(self, context: SourceContext) -> None:
        context.health.extra.update(
            last_frame_at=self.last_frame_at.isoformat() if self.last_frame_at else "",
            errors=str(self.errors),
            frames_kept=str(self.kept),
            frames_skipped=str(self.skipped),
            faces_blurred=str(self.faces_blurred),
        )
        if self.live_frames:
            context.health.extra.update(
                live_frames=str(self.live_frames),
                live_cpu_ms_per_frame=f"{1000 * self.live_cpu_s / self.live_frames:.0f}",
            )


def _blur_and_encode(blurrer: LiveBlurrer, pixels: np.ndarray) -> LiveShot:
    """On the camera's thread: nothing of the frame leaves it before its faces are blurred."""
    started = time.thread_time()
    faces = blurrer.blur(pixels)
    ok, encoded = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, LIVE_JPEG_QUALITY])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return LiveShot(pixels, encoded.tobytes(), faces, time.thread_time() - started)
