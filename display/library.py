"""Photos as Surfaces for the layouts: decoded and scaled on workers, taken in by the loop.

`get` never blocks: a miss schedules the work and answers None. Requests are served newest
first (the layout on screen now matters more than one that asked a while ago) and forgotten
when nobody asked again for REQUEST_STALE_S. Finished pictures wait in a bounded queue; the
render thread takes a few per frame into an LRU of Surfaces bounded in bytes. Workers build
those Surfaces in the screen's pixel layout themselves, so taking one in costs nothing; only
without a screen (tests) does the loop convert BGRA buffers itself.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

import numpy as np
import pygame

from display.cache import RenditionCache
from display.contracts import Fit
from display.decode import DecodeError, covers, decode_scaled, pixel_size
from wall.schemas import WallPhoto

log = logging.getLogger(__name__)

Key = tuple[str, tuple[int, int], Fit]
Refetch = Callable[[str, str], None]
Prepared = np.ndarray | pygame.Surface  # BGRA pixels, or already a Surface (see _screen_surface)

# Two cores: two decoders leave the render thread a core's worth of slack between them,
# since Pillow and OpenCV release the GIL while they work.
DECODE_WORKERS = 2
# Surfaces kept ready: the whole display process must stay under 600 MB with 2,000 photos
# (a 1080p surface is 8 MB, a 96-px tile 37 KB); the rest is Python, pygame and the queue.
# The most any wall gets (see `budget_for`).
SURFACE_BUDGET_BYTES = 256 * 1024 * 1024
# The layouts hold what they show (the mosaic's tiles, the spotlight's photos) and hardly ever
# ask again for a picture they let go: in 4K runs of 1 to 3 minutes, none of the mosaic's 275
# pictures, the spotlight's 24, the photomosaic's 880 tiles or the default playlist's 1,005
# was decoded twice, at 256 MB as at four walls' worth, while 256 MB of them (a 4K spotlight
# photo is 25 MB) was the largest share of the 4K show's resident size (bench/RESULTS.md,
# "Display memory"). Four walls' worth holds what is on screen, coming in and fading out.
PICTURE_WALLS = 4
# A small wall (an LED panel) still keeps a photomosaic's 2,000 tiles and some history.
MIN_BUDGET_BYTES = 64 * 1024 * 1024
# Finished buffers waiting for the render thread; bounded so workers cannot run ahead.
RESULT_QUEUE_LIMIT = 8
# Per frame: convert until this much time went by (at least one), at most this many.
CONVERT_BUDGET_S = 0.002
CONVERT_LIMIT = 32
# A request nobody repeated for this long is dropped; the next `get` asks again.
REQUEST_STALE_S = 10.0
MAX_QUEUED_REQUESTS = 8192

# B, G, R, A bytes read as a little-endian 32-bit pixel: SDL's usual XRGB8888 screen.
BGRA_MASKS = (0xFF0000, 0xFF00, 0xFF)


class PhotoLibrary:
    """Implements `display.contracts.ImageSource` over the rendition cache."""

    def __init__(
        self,
        cache: RenditionCache,
        refetch: Refetch,
        workers: int = DECODE_WORKERS,
        budget_bytes: int = SURFACE_BUDGET_BYTES,
        screen_masks: tuple[int, int, int, int] | None = None,
    ) -> None:
        """`screen_masks` (the screen's pixel layout) lets workers build final Surfaces."""
        self._cache = cache
        self._refetch = refetch
        self._budget = budget_bytes
        # Workers' pixels are BGRA: a plain copy fits only a screen laid out the same way.
        self._masks = screen_masks if screen_masks and screen_masks[:3] == BGRA_MASKS else None
        self._photos: dict[str, WallPhoto] = {}
        self._surfaces: OrderedDict[Key, pygame.Surface] = OrderedDict()
        self._by_photo: dict[str, set[Key]] = {}
        self._bytes = 0
        self._bad: set[str] = set()
        self._newly_bad: list[str] = []
        self._generation: dict[str, int] = {}
        self._lock = threading.Condition()
        self._requests: deque[Key] = deque()
        self._asked: dict[Key, float] = {}
        self._results: queue.Queue[tuple[Key, int, Prepared | None]] = queue.Queue(
            RESULT_QUEUE_LIMIT
        )
        self._stopping = False
        self._threads = [
            threading.Thread(target=self._work, name=f"display-decode-{i}", daemon=True)
            for i in range(workers)
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            self._lock.notify_all()
        while True:  # unblock workers waiting on a full result queue
            try:
                self._results.get_nowait()
            except queue.Empty:
                break
        for thread in self._threads:
            thread.join(timeout=5.0)

    # Called by the render loop's command table

    def know(self, photo: WallPhoto) -> None:
        """A photo (re)announced ready: a re-downloaded file gets another chance."""
        self._photos[photo.id] = photo
        if photo.id in self._bad:
            self._bad.discard(photo.id)
            self.forget(photo.id, keep_metadata=True)

    def forget(self, photo_id: str, keep_metadata: bool = False) -> None:
        """Drops its Surfaces and any work in flight (a removed photo)."""
        if not keep_metadata:
            self._photos.pop(photo_id, None)
        with self._lock:
            self._generation[photo_id] = self._generation.get(photo_id, 0) + 1
        for key in self._by_photo.pop(photo_id, set()):
            surface = self._surfaces.pop(key, None)
            if surface is not None:
                self._bytes -= _size_of(surface)

    def take_bad(self) -> list[str]:
        """Photos found undecodable since the last call: the loop takes them off rotation."""
        bad, self._newly_bad = self._newly_bad, []
        return bad

    # display.contracts.ImageSource

    def get(
        self, photo_id: str, size: tuple[int, int], fit: Fit = "cover"
    ) -> pygame.Surface | None:
        key: Key = (photo_id, (int(size[0]), int(size[1])), fit)
        surface = self._surfaces.get(key)
        if surface is not None:
            self._surfaces.move_to_end(key)
            return surface
        if photo_id in self._bad or photo_id not in self._photos:
            return None
        if key[1][0] <= 0 or key[1][1] <= 0:
            return None
        with self._lock:
            if key not in self._asked:
                self._requests.append(key)
                if len(self._requests) > MAX_QUEUED_REQUESTS:
                    self._asked.pop(self._requests.popleft(), None)
                self._lock.notify()
            self._asked[key] = time.monotonic()
        return None

    def tile_colour(self, photo_id: str) -> tuple[float, float, float] | None:
        photo = self._photos.get(photo_id)
        return tuple(photo.mean_lab) if photo else None  # type: ignore[return-value]

    # The render thread's share of the work

    def pump(self, budget_s: float = CONVERT_BUDGET_S) -> int:
        """Converts finished buffers into Surfaces until the frame's budget is spent."""
        deadline = time.perf_counter() + budget_s
        done = 0
        while done < CONVERT_LIMIT and (done == 0 or time.perf_counter() < deadline):
            try:
                key, generation, pixels = self._results.get_nowait()
            except queue.Empty:
                break
            done += 1
            photo_id = key[0]
            with self._lock:
                self._asked.pop(key, None)
                current = self._generation.get(photo_id, 0)
            if generation != current or photo_id not in self._photos:
                continue  # removed while it was being decoded
            if pixels is None:
                if photo_id not in self._bad:
                    self._bad.add(photo_id)
                    self._newly_bad.append(photo_id)
                continue
            surface = pixels if isinstance(pixels, pygame.Surface) else _to_surface(pixels, key[1])
            self._store(key, surface)
        return done

    def _store(self, key: Key, surface: pygame.Surface) -> None:
        self._surfaces[key] = surface
        self._by_photo.setdefault(key[0], set()).add(key)
        self._bytes += _size_of(surface)
        while self._bytes > self._budget and len(self._surfaces) > 1:
            old_key, old = self._surfaces.popitem(last=False)
            self._bytes -= _size_of(old)
            keys = self._by_photo.get(old_key[0])
            if keys is not None:
                keys.discard(old_key)
                if not keys:
                    del self._by_photo[old_key[0]]

    @property
    def surface_bytes(self) -> int:
        return self._bytes

    # Worker threads

    def _next_request(self) -> tuple[Key, int] | None:
        with self._lock:
            while True:
                if self._stopping:
                    return None
                if not self._requests:
                    self._lock.wait()
                    continue
                key = self._requests.pop()  # newest first
                asked = self._asked.get(key)
                if asked is None:
                    continue
                if time.monotonic() - asked > REQUEST_STALE_S:
                    del self._asked[key]
                    continue
                return key, self._generation.get(key[0], 0)

    def _work(self) -> None:
        while (request := self._next_request()) is not None:
            key, generation = request
            # No local keeps the picture once handed over: an idle worker used to hold its
            # last picture's BGRA buffer (25 MB at 4K) and the Surface made from it, so that
            # the LRU letting that Surface go freed nothing.
            self._hand_over(key, generation, self._prepare(key))

    def _prepare(self, key: Key) -> Prepared | None:
        try:
            decoded = self._decode(key)
            if decoded is not None and self._masks is not None:
                return _screen_surface(decoded, self._masks)
            return decoded
        except Exception:  # a surprise in one photo must not end a decoder
            log.exception("decoding photo %s failed", key[0])
            return None

    def _hand_over(self, key: Key, generation: int, pixels: Prepared | None) -> None:
        while not self._stopping:
            try:
                self._results.put((key, generation, pixels), timeout=0.5)
                return
            except queue.Full:
                continue

    def _decode(self, key: Key) -> np.ndarray | None:
        """From the smallest cached rendition that is enough; a corrupt file is re-fetched.

        Without the display rendition (evicted, vanished), a smaller one, upscaled, beats an
        empty slot while the display rendition is fetched again.
        """
        photo_id, size, fit = key
        photo = self._photos.get(photo_id)
        fallback = None
        for kind in _candidate_kinds(photo, size, fit):
            path = self._cache.path(photo_id, kind)
            if path is None:
                continue
            try:
                if kind == "display" or covers(pixel_size(path), size, fit):
                    return decode_scaled(path, size, fit)
                fallback = path
            except DecodeError as exc:
                log.warning("cached %s of %s unreadable (%s): fetching again", kind, photo_id, exc)
                self._refetch(photo_id, kind)
        if not self._cache.has(photo_id, "display"):
            self._refetch(photo_id, "display")
            if fallback is not None:
                try:
                    return decode_scaled(fallback, size, fit)
                except DecodeError:
                    pass
        return None


def budget_for(size: tuple[int, int]) -> int:
    """The LRU's bytes for a wall whose layouts paint `size`: 64 MB up to 1080p, 127 MB at
    4K, at most SURFACE_BUDGET_BYTES."""
    wall_bytes = size[0] * size[1] * 4
    return max(MIN_BUDGET_BYTES, min(SURFACE_BUDGET_BYTES, PICTURE_WALLS * wall_bytes))


def _candidate_kinds(photo: WallPhoto | None, size: tuple[int, int], fit: Fit) -> list[str]:
    """Smallest first. The tile is a centre square: exact for cover only when the slot's crop
    of the full photo lies inside that square."""
    kinds = ["thumb", "display"]
    if photo is not None and fit == "cover" and photo.width and photo.height:
        slot_aspect = size[0] / size[1]
        landscape = photo.width >= photo.height
        if (landscape and slot_aspect <= 1.0) or (not landscape and slot_aspect >= 1.0):
            kinds.insert(0, "tile")
    return kinds


def _screen_surface(bgra: np.ndarray, masks: tuple[int, int, int, int]) -> pygame.Surface:
    """On a worker: a Surface in the screen's own layout, filled by a numpy copy that releases
    the GIL. A 4K photo converted on the render thread instead costs a 20 ms frame."""
    height, width = bgra.shape[:2]
    surface = pygame.Surface((width, height), 0, 32, masks)
    view = pygame.surfarray.pixels2d(surface)  # (width, height) over the Surface's memory
    np.copyto(view.T, bgra.view(np.uint32).reshape(height, width))
    del view  # unlocks the Surface
    return surface


def _to_surface(pixels: np.ndarray, size: tuple[int, int]) -> pygame.Surface:
    surface = pygame.image.frombuffer(pixels.tobytes(), size, "BGRA")
    if pygame.display.get_surface() is not None:
        return surface.convert()  # the screen's own format: blits become plain copies
    return surface.copy()


def _size_of(surface: pygame.Surface) -> int:
    return surface.get_width() * surface.get_height() * surface.get_bytesize()
