"""The announcements in the render loop: which slide is on, and each one drawn ahead of time.

The feed hands over the server's list (`AnnouncementsUpdate`); `SlideSchedule` decides when
one starts; this module draws the slides that may come next (the image's decode and scaling
on a worker thread, the text on this thread a few milliseconds a frame) so that a slide
starts whole, at its moment. A slide on screen is a layout like the others (`SlideLayout`):
the runner starts it and leaves it the way it changes layouts, so it comes on and goes with
the very transition the playlist makes.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pygame

from display.cache import RenditionCache
from display.contracts import ImageSource, Rotation
from display.slide import SlideDrawing, background
from display.slide_schedule import SlideSchedule, Slot
from wall.wire import AnnouncementsMessage, WallAnnouncement

log = logging.getLogger(__name__)

IMAGE_KIND = "display"  # the slide images' cache keeps them as "display" renditions
# Drawn slides kept for their next showing: whole frames (8 MB each at 1080p, 33 at 4K).
KEEP_DRAWN = 2
# A slide is drawn when it may come within this long: the drawing takes well under a second
# (a few ms a frame), and a slide due in ten minutes need not hold a frame of memory now.
DRAW_AHEAD_S = 20.0
# Each frame gives the drawing of the next slide this long (one step may take a little more).
DRAW_BUDGET_S = 0.002


@dataclass(frozen=True, slots=True)
class _Key:
    id: str
    version: int
    image: bool  # drawn with its image (a slide whose image was still downloading: without)


class SlideLayout:
    """A drawn slide full-screen: implements `display.contracts.Layout`."""

    name = "announcement"
    needs_photos = False

    def __init__(self, surface: pygame.Surface) -> None:
        self._surface = surface
        self._painted = False

    def start(self, size: tuple[int, int], now: float) -> None:  # noqa: ARG002 (the Layout protocol's)
        self._painted = False

    def update(self, now: float, source: ImageSource, rotation: Rotation) -> None:  # noqa: ARG002 (the Layout protocol's)
        return

    def draw(self, canvas: pygame.Surface, now: float) -> list[pygame.Rect]:  # noqa: ARG002 (the Layout protocol's)
        if self._painted:
            return []
        self._painted = True
        return [canvas.blit(self._surface, (0, 0))]


@dataclass
class _Showing:
    slot: Slot
    version: int
    until: float
    layout: SlideLayout


@dataclass
class _Drawing:
    key: _Key
    pixels: Future[np.ndarray | None] | None
    drawing: SlideDrawing | None = None
    steps: Iterator[None] | None = None


class Announcements:
    """The slides of the wall on this display; `layout(now, ...)` says which one is on."""

    def __init__(
        self,
        images: RenditionCache,
        size: tuple[int, int],
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._images = images
        self._size = size
        self._clock = wall_clock
        self._schedule = SlideSchedule()
        self._slides: dict[str, WallAnnouncement] = {}
        self._drawn: OrderedDict[_Key, pygame.Surface] = OrderedDict()
        self._drawing: _Drawing | None = None
        self._showing: _Showing | None = None
        self._workers = ThreadPoolExecutor(1, thread_name_prefix="slide-image")
        self.shown: list[str] = []  # every slide that went on, in order (the headless report)

    def close(self) -> None:
        self._workers.shutdown(wait=False, cancel_futures=True)

    def replace(self, message: AnnouncementsMessage) -> None:
        """The server's list (or the saved one): a deleted or edited slide on screen leaves."""
        try:
            zone = ZoneInfo(message.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            log.warning("announcements: unknown timezone %r, read as UTC", message.timezone)
            zone = ZoneInfo("UTC")
        slides, slots = {}, []
        for slide in message.announcements:
            try:
                window = slide.window()
            except ValueError:
                log.warning("announcement %s: unreadable window, skipped", slide.id)
                continue
            every = None if slide.every_minutes is None else slide.every_minutes * 60.0
            slides[slide.id] = slide
            slots.append(Slot(slide.id, window, every, float(slide.seconds)))
        self._slides = slides
        self._schedule.replace(slots, zone)
        live = {(s.id, s.version) for s in slides.values()}
        for key in [k for k in self._drawn if (k.id, k.version) not in live]:
            del self._drawn[key]
        if (
            self._drawing is not None
            and (self._drawing.key.id, self._drawing.key.version) not in live
        ):
            self._drawing = None

    def layout(self, now: float, boundary: bool, next_boundary: float | None) -> SlideLayout | None:
        """The slide on screen at `now` (monotonic), or None: the photos' turn. `boundary`:
        a layout's turn ends now; `next_boundary`: when the running one will end."""
        showing = self._showing
        if showing is not None:
            current = self._slides.get(showing.slot.id)
            if now < showing.until and current is not None and current.version == showing.version:
                return showing.layout
            self._showing = None
            self._schedule.ended(now)
            return None
        wall = datetime.fromtimestamp(self._clock(), UTC)
        self._prepare(now, wall, next_boundary)
        slot = self._schedule.due(now, wall, boundary, ready=self._ready)
        if slot is None:
            return None
        surface = self._drawn[self._key(self._slides[slot.id])]
        self._schedule.started(slot.id, now)
        layout = SlideLayout(surface)
        self._showing = _Showing(slot, self._slides[slot.id].version, now + slot.seconds, layout)
        self.shown.append(slot.id)
        log.info("announcement %s on the wall for %.0f s", slot.id, slot.seconds)
        return layout

    def failed(self, now: float) -> None:
        """The slide could not be drawn on the canvas: it leaves, the photos go on."""
        self._showing = None
        self._schedule.ended(now)

    def _key(self, slide: WallAnnouncement) -> _Key:
        has_image = bool(slide.image_id) and self._images.has(slide.image_id, IMAGE_KIND)
        return _Key(slide.id, slide.version, has_image)

    def _ready(self, slide_id: str) -> bool:
        slide = self._slides[slide_id]
        key = self._key(slide)
        # An image slide waits for its image; a text slide may go without its photo.
        return key in self._drawn and (key.image or slide.kind == "text" or not slide.image_id)

    def _prepare(self, now: float, wall: datetime, next_boundary: float | None) -> None:
        """Advances the drawing of the first coming slide not drawn yet, within the budget."""
        if self._drawing is None:
            coming = self._schedule.upcoming(now, wall, next_boundary, DRAW_AHEAD_S)
            for slot in coming[:KEEP_DRAWN]:
                key = self._key(self._slides[slot.id])
                if key not in self._drawn:
                    self._drawing = self._begin(key)
                    break
        if self._drawing is not None:
            self._advance(self._drawing)

    def _begin(self, key: _Key) -> _Drawing:
        slide = self._slides[key.id]
        if not key.image:
            return _Drawing(key, None)
        path = self._images.path(slide.image_id, IMAGE_KIND)
        if path is None:
            return _Drawing(_Key(key.id, key.version, False), None)
        return _Drawing(key, self._workers.submit(_pixels, path.read_bytes, self._size, slide.kind))

    def _advance(self, job: _Drawing) -> None:
        if job.steps is None:
            if job.pixels is not None and not job.pixels.done():
                return  # the worker is still decoding: the next frame looks again
            pixels = job.pixels.result() if job.pixels is not None else None
            slide = self._slides[job.key.id]
            if job.key.image and pixels is None and slide.kind == "image":
                # A damaged file: an image slide would be a black screen. Forgotten, so the
                # feed's sweep fetches it again; the slide waits for it.
                self._images.discard(slide.image_id, IMAGE_KIND)
                self._drawing = None
                return
            job.drawing = SlideDrawing(self._slides[job.key.id], self._size, pixels)
            job.steps = job.drawing.steps()
        deadline = time.monotonic() + DRAW_BUDGET_S
        for _ in job.steps:
            if time.monotonic() >= deadline:
                return
        assert job.drawing is not None and job.drawing.surface is not None
        self._drawn[job.key] = job.drawing.surface
        self._drawn.move_to_end(job.key)
        while len(self._drawn) > KEEP_DRAWN:
            self._drawn.popitem(last=False)
        self._drawing = None


def _pixels(read: Callable[[], bytes], size: tuple[int, int], kind: str) -> np.ndarray | None:
    """On the worker: the slide's picture, or None (a damaged file draws as no picture)."""
    try:
        return background(read(), size, kind)
    except (OSError, ValueError) as exc:
        log.warning("announcement image unusable (%s): drawn without it", exc)
        return None
