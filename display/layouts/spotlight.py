"""The `spotlight` layout: one photo large, its caption and credit, slow Ken Burns motion.

Each photo is pre-scaled (by the library's workers) a little larger than its place on the
wall; a frame blits a moving sub-rectangle of it, so the motion costs one copy of the photo's
area and no rescaling. A crossfade between photos covers only the union of their rectangles.
Every time comes from `now`: a late frame lands where the clock says, never behind.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

import cv2
import numpy as np
import pygame

from display.contracts import ImageSource, Rotation, Shown
from display.credits import credit_line
from display.overlays import ACCENT, fit_line
from wall.config import DisplaySection
from wall.schemas import WallPhoto

SLIDE_S = 8.0  # long enough to read a caption, short enough for a lively wall
# A fresh photo cuts in after the current one had this long: its sender is watching.
MIN_SLIDE_S = 2.5
FADE_S = 1.2
# The pre-scaled photo is this much larger than its place: the pan's room. 8 % moves about
# 20 px/s at 1080p over a slide: visible life, no seasickness.
KEN_BURNS_ZOOM = 1.08
MARGIN_SHARE = 0.03
# A tiny photo scaled beyond this turns to mush: show it smaller, centred.
MAX_UPSCALE = 6.0
# A photo the library cannot prepare in this time (corrupt, vanished) is skipped.
PREPARE_TIMEOUT_S = 5.0
BACKGROUND = (8, 8, 12)
CAPTION_PANEL = (14, 14, 20)
CAPTION_SHARE = 0.034  # caption text height, of the wall's height
CREDIT_SHARE = 0.026


@dataclass
class _Slide:
    photo: WallPhoto
    picture: pygame.Surface  # the photo, KEN_BURNS_ZOOM larger than `rect`
    rect: pygame.Rect  # where it shows on the wall
    caption: pygame.Surface | None
    start: float
    pan_from: tuple[float, float]
    pan_to: tuple[float, float]

    def offset(self, now: float) -> tuple[int, int]:
        """Across the slack in one slide's time, then back: a photo held longer (alone on
        the wall) keeps drifting instead of freezing."""
        phase = max(0.0, now - self.start) / (SLIDE_S + FADE_S) % 2.0
        u = phase if phase <= 1.0 else 2.0 - phase
        x = self.pan_from[0] + (self.pan_to[0] - self.pan_from[0]) * u
        y = self.pan_from[1] + (self.pan_to[1] - self.pan_from[1]) * u
        return round(x), round(y)

    def area(self, now: float) -> pygame.Rect:
        x, y = self.offset(now)
        return pygame.Rect(x, y, self.rect.width, self.rect.height)


class Spotlight:
    """Implements `display.contracts.Layout`."""

    name = "spotlight"

    def __init__(self, language: str = "fr") -> None:
        self._language = language  # of the credits: `[display] language`
        self._size = (0, 0)
        self._current: _Slide | None = None
        self._previous: _Slide | None = None
        self._incoming: WallPhoto | None = None
        self._incoming_since = 0.0
        self._fresh: list[WallPhoto] = []
        self._repaint = True
        self._caption_spot: pygame.Rect | None = None
        self._drawn: tuple[_Slide, pygame.Rect] | None = None  # the slide and area last blitted
        self._rotation: Rotation | None = None

    def start(self, size: tuple[int, int], now: float) -> None:  # noqa: ARG002 (the contract's signature)
        self._size = size
        self._current = self._previous = self._incoming = None
        self._fresh = []
        self._repaint = True
        self._drawn = None

    def update(self, now: float, source: ImageSource, rotation: Rotation) -> None:
        self._rotation = rotation
        self._drop_removed(rotation)
        self._fresh.extend(rotation.take_fresh())
        if self._incoming is None and self._change_due(now):
            self._incoming = self._pick(rotation)
            self._incoming_since = now
        if self._incoming is not None:
            self._prepare(now, source)

    def _drop_removed(self, rotation: Rotation) -> None:
        """A removed photo leaves at this frame: the screen is cleared behind it."""
        if self._current and not rotation.is_live(self._current.photo.id):
            self._current = None
            self._repaint = True
        if self._previous and not rotation.is_live(self._previous.photo.id):
            self._previous = None
            self._repaint = True
        if self._incoming and not rotation.is_live(self._incoming.id):
            self._incoming = None
        self._fresh = [p for p in self._fresh if rotation.is_live(p.id)]

    def _change_due(self, now: float) -> bool:
        if self._current is None:
            return True
        shown_for = now - self._current.start
        return shown_for >= SLIDE_S or (bool(self._fresh) and shown_for >= MIN_SLIDE_S)

    def _pick(self, rotation: Rotation) -> WallPhoto | None:
        if self._fresh:
            return self._fresh.pop(0)
        on_screen = {self._current.photo.id} if self._current else set()
        photo = rotation.next_photo(on_screen)
        return None if photo is None or photo.id in on_screen else photo

    def _prepare(self, now: float, source: ImageSource) -> None:
        photo = self._incoming
        assert photo is not None
        rect = self._place(photo)
        zoomed = (math.ceil(rect.width * KEN_BURNS_ZOOM), math.ceil(rect.height * KEN_BURNS_ZOOM))
        picture = source.get(photo.id, zoomed, "cover")
        if picture is None:
            if now - self._incoming_since > PREPARE_TIMEOUT_S:
                self._incoming = None  # skipped; the next pick tries another
            return
        self._incoming = None
        slack = (zoomed[0] - rect.width, zoomed[1] - rect.height)
        pan_from, pan_to = _pan(photo.id, slack)
        slide = _Slide(photo, picture, rect, self._caption(photo), now, pan_from, pan_to)
        self._retire(now)
        self._previous, self._current = self._current, slide

    def _retire(self, now: float) -> None:
        old = self._current
        if old is not None and self._rotation is not None:
            area = old.rect.width * old.rect.height / max(1, self._size[0] * self._size[1])
            self._rotation.record(Shown(old.photo.id, area, now - old.start))

    def _place(self, photo: WallPhoto) -> pygame.Rect:
        """The photo's whole picture, as large as the wall allows (contain), centred."""
        width, height = self._size
        margin = round(min(width, height) * MARGIN_SHARE)
        room_w, room_h = max(1, width - 2 * margin), max(1, height - 2 * margin)
        photo_w, photo_h = (photo.width, photo.height) if photo.width and photo.height else (4, 3)
        scale = min(room_w / photo_w, room_h / photo_h, MAX_UPSCALE)
        size = (max(1, round(photo_w * scale)), max(1, round(photo_h * scale)))
        return pygame.Rect((0, 0), size).move((width - size[0]) // 2, (height - size[1]) // 2)

    def _caption(self, photo: WallPhoto) -> pygame.Surface | None:
        """Caption and credit on a small dark panel, or None when too small to read."""
        width, height = self._size
        room = int(width * 0.6)
        lines = [
            fit_line(_shorten(photo.caption.strip(), 90), round(height * CAPTION_SHARE), room),
            fit_line(
                credit_line(photo, self._language), round(height * CREDIT_SHARE), room, ACCENT
            ),
        ]
        shown = [line for line in lines if line is not None]
        if not shown:
            return None
        pad = max(2, round(height * 0.01))
        panel_w = max(line.get_width() for line in shown) + 2 * pad
        panel_h = sum(line.get_height() for line in shown) + pad * (len(shown) + 1)
        panel = pygame.Surface((panel_w, panel_h))
        panel.fill(CAPTION_PANEL)
        y = pad
        for line in shown:
            panel.blit(line, (pad, y))
            y += line.get_height() + pad
        return panel

    def draw(self, canvas: pygame.Surface, now: float) -> list[pygame.Rect]:
        dirty: list[pygame.Rect] = []
        if self._repaint:
            canvas.fill(BACKGROUND)
            dirty.append(canvas.get_rect())
            self._repaint = False
            self._caption_spot = None
        current, previous = self._current, self._previous
        if current is None:
            return dirty
        spot = self._caption_rect(current)
        if self._caption_spot is not None and self._caption_spot != spot:
            dirty.append(canvas.fill(BACKGROUND, self._caption_spot))  # the last panel's place
        self._caption_spot = spot
        progress = (now - current.start) / FADE_S
        if previous is not None:  # the fade, limited to the two photos' rectangles
            region = current.rect.union(previous.rect)
            if region != current.rect:  # else both photos cover it whole: nothing to clear
                canvas.fill(BACKGROUND, region)
            dirty.append(region)
            if progress < 1.0:
                _crossfade(canvas, previous, current, now, max(0.0, progress))
            else:
                self._previous = None
        if self._previous is None:
            # The pan moves a pixel every few frames (~30 px/s at 4K, 15 at 1080p): a frame
            # whose area did not move changes nothing, and nothing is warped again for it.
            area = current.area(now)
            drawn = self._drawn
            if dirty or drawn is None or drawn[0] is not current or drawn[1] != area:
                dirty.append(canvas.blit(current.picture, current.rect, area))
                self._drawn = (current, area)
        else:
            self._drawn = None
        if dirty and current.caption is not None and spot is not None:
            dirty.append(canvas.blit(current.caption, spot))
        return dirty

    def _caption_rect(self, slide: _Slide) -> pygame.Rect | None:
        if slide.caption is None:
            return None
        margin = round(self._size[1] * 0.03)
        return slide.caption.get_rect(bottomleft=(margin, self._size[1] - margin))


def _crossfade(
    canvas: pygame.Surface, previous: _Slide, current: _Slide, now: float, progress: float
) -> None:
    """`current` over `previous` at `progress`. Two photos in the same place (the usual case:
    same shape) are mixed in one pass, straight into the canvas (at 4K 6.7 ms instead of
    10.2 for a copy and an alpha blit); else the copy and the alpha blit."""
    if previous.rect == current.rect and _same_layout(canvas, previous.picture, current.picture):
        old = _pixels(previous.picture, previous.area(now))
        new = _pixels(current.picture, current.area(now))
        out = _pixels(canvas, current.rect)
        if old.shape == new.shape == out.shape:
            weight = round(255 * progress) / 255  # the alpha blit's own steps
            cv2.addWeighted(old, 1.0 - weight, new, weight, 0.0, dst=out)
            return
        del old, new, out  # unlocks the Surfaces for the blits
    canvas.blit(previous.picture, previous.rect, previous.area(now))
    current.picture.set_alpha(round(255 * progress))
    canvas.blit(current.picture, current.rect, current.area(now))
    current.picture.set_alpha(None)


def _same_layout(*surfaces: pygame.Surface) -> bool:
    first = surfaces[0]
    return first.get_bytesize() == 4 and all(
        s.get_bytesize() == 4 and s.get_masks() == first.get_masks() for s in surfaces[1:]
    )


def _pixels(surface: pygame.Surface, rect: pygame.Rect) -> np.ndarray:
    """`rect` of the Surface as (h, w, 4) bytes over its own memory (locked while held)."""
    rect = rect.clip(surface.get_rect())
    view = pygame.surfarray.pixels2d(surface).T.view(np.uint8)
    whole = view.reshape(surface.get_height(), surface.get_width(), 4)
    return whole[rect.top : rect.bottom, rect.left : rect.right]


def _pan(photo_id: str, slack: tuple[int, int]) -> tuple[tuple[float, float], tuple[float, float]]:
    """From one corner of the slack to the opposite: the direction varies by photo, stably."""
    corners = [(0.0, 0.0), (slack[0], 0.0), (slack[0], slack[1]), (0.0, slack[1])]
    first = zlib.crc32(photo_id.encode()) % 4
    return corners[first], corners[(first + 2) % 4]


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def create(settings: DisplaySection) -> Spotlight:
    return Spotlight(settings.language)
