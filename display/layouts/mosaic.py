"""The `mosaic` layout: a bento grid of photos; one tile changes at a time, fresh photos first.

A photo never appears in two tiles that share an edge: with fewer photos than tiles one may
repeat, apart; a tile no photo can take without touching itself stays empty. A photo whose
shape is far from its tile's is shown whole over a blurred, darkened copy of itself (the
"fill" the decoders prepare), never as a strip between black bars.

The canvas is persistent: a frame repaints only the tiles that change (a crossfade limited to
the tile's rectangle, a fresh photo's border pulse) and returns their rectangles. A full-frame
alpha blend costs about 17 ms at 4K, a tile's a tenth of that. All timing comes from `now`.
"""

from __future__ import annotations

import math
import random
from collections import deque
from dataclasses import dataclass, field

import pygame

from display.contracts import Fit, ImageSource, Rotation, Shown
from display.layouts.bento import bento, neighbours
from wall.config import DisplaySection
from wall.schemas import WallPhoto

# A calm wall: one tile every 2-4 s (random, so the changes do not tick like a clock).
CHANGE_INTERVAL_S = (2.0, 4.0)
FADE_S = 0.8  # long enough to read as a dissolve, short enough not to look like a blur
HIGHLIGHT_S = 2.0  # a fresh photo's border pulses this long: noticed, then it settles
PULSE_PERIOD_S = 0.5  # four pulses in the highlight
# A tile that just took a fresh photo keeps it this long, even when more fresh photos wait:
# a contributor watching the wall must have time to see their photo arrive.
FRESH_HOLD_S = 6.0
# Photos that the source cannot prepare in this time (a corrupt or vanished file) are
# skipped: the tile asks rotation for another.
INCOMING_TIMEOUT_S = 8.0
# Share of the wall that may crossfade in one frame. At 4K an alpha blit of a quarter of the
# wall costs about 4 ms; tiles beyond it (the first fill of an empty wall) cut in directly.
FADE_AREA_BUDGET = 0.25
# A photo whose aspect differs from its tile's by more than this factor is shown whole over a
# blurred, darkened cover of itself ("fill"): a panorama cropped to a square would be a
# meaningless sliver and a portrait in a wide tile a headless band; a 4:3 photo in a 2:1 tile
# (factor 1.5) loses only a strip above and below, so it still fills the tile.
FILL_ASPECT_RATIO = 1.7
TILE_CHOICES = 4  # the oldest tiles among which a photo picks the one closest to its shape
VACANCIES_PER_FRAME = 1  # an empty wall fills in a cascade of about half a second
RECORD_EVERY_S = 5.0  # rotation hears about what is on screen at least this often

BACKGROUND = (8, 8, 10)  # the gutters
PLACEHOLDER = (26, 28, 36)  # an empty tile: the grid stays visible on an empty wall
HIGHLIGHT = (255, 244, 214)  # warm white: stands out on photos of any colour
BORDER_FRACTION = 0.025  # of the tile's short side


@dataclass(eq=False)
class _Tile:
    """One block of the grid and what it shows; plain state, stepped by `now`."""

    rect: pygame.Rect
    photo: WallPhoto | None = None
    picture: pygame.Surface | None = None
    recorded_at: float = 0.0  # up to when rotation has been told about it
    incoming: WallPhoto | None = None
    incoming_fresh: bool = False
    incoming_since: float = 0.0
    previous: pygame.Surface | None = None  # the picture fading out
    previous_id: str | None = None
    fade_start: float | None = None
    highlight_start: float | None = None
    held_until: float = 0.0
    changed_at: float = -math.inf
    dirty: bool = True
    strips: tuple[pygame.Surface, pygame.Surface] | None = field(default=None, repr=False)
    beside: list[_Tile] = field(default_factory=list, repr=False)  # tiles sharing an edge

    def busy(self, now: float) -> bool:
        return (
            self.incoming is not None
            or self.fade_start is not None
            or self.highlight_start is not None
            or now < self.held_until
        )

    def shape(self) -> float:
        return self.rect.width / self.rect.height


class Mosaic:
    """Strategy for the `mosaic` layout (see module docstring)."""

    name = "mosaic"

    def __init__(self, seed: int | None = None) -> None:
        self._rng = random.Random(seed)
        self._size = (0, 0)
        self._tiles: list[_Tile] = []
        self._fresh: deque[WallPhoto] = deque()
        self._next_change = 0.0
        self._next_fresh = 0.0
        self._next_record = 0.0
        self._repaint_all = True

    def start(self, size: tuple[int, int], now: float) -> None:
        if size != self._size:
            self._size = size
            blocks = bento(*size)
            self._tiles = [
                _Tile(pygame.Rect(block.x, block.y, block.width, block.height)) for block in blocks
            ]
            for tile, near in zip(self._tiles, neighbours(blocks), strict=True):
                tile.beside = [self._tiles[index] for index in near]
        self._repaint_all = True
        self._next_change = self._next_fresh = now
        self._next_record = now + RECORD_EVERY_S
        for tile in self._tiles:  # time spent off screen is not time shown
            tile.recorded_at = now

    def update(self, now: float, source: ImageSource, rotation: Rotation) -> None:
        self._fresh.extend(rotation.take_fresh())
        self._drop_removed(now, rotation)
        self._receive(now, source, rotation)
        self._fill_vacancies(now, rotation)
        if self._fresh and now >= self._next_fresh:
            self._enter_fresh(now)
        if now >= self._next_change:
            self._change_one(now, rotation)
        if now >= self._next_record:
            self._next_record = now + RECORD_EVERY_S
            for tile in self._tiles:
                self._record(tile, now, rotation)

    def draw(self, canvas: pygame.Surface, now: float) -> list[pygame.Rect]:
        if self._repaint_all:
            self._repaint_all = False
            canvas.fill(BACKGROUND)
            for tile in self._tiles:
                tile.dirty = True
                self._paint(canvas, tile, now)
            return [canvas.get_rect()]
        changed = []
        for tile in self._tiles:
            if tile.dirty or tile.fade_start is not None or tile.highlight_start is not None:
                changed.extend(self._paint(canvas, tile, now))
        return changed

    # -- logic -------------------------------------------------------------------------

    def _drop_removed(self, now: float, rotation: Rotation) -> None:
        """Removed photos leave at this frame: the contract allows 2 s, a frame is enough."""
        for tile in self._tiles:
            if tile.photo is not None and not rotation.is_live(tile.photo.id):
                self._record(tile, now, rotation)
                tile.photo = tile.picture = None
                tile.fade_start = tile.highlight_start = None
                tile.held_until = 0.0
                tile.dirty = True
            if tile.incoming is not None and not rotation.is_live(tile.incoming.id):
                tile.incoming = None
            if tile.previous_id is not None and not rotation.is_live(tile.previous_id):
                tile.previous, tile.previous_id = None, None
                tile.dirty = True
        if self._fresh:
            self._fresh = deque(p for p in self._fresh if rotation.is_live(p.id))

    def _receive(self, now: float, source: ImageSource, rotation: Rotation) -> None:
        """Incoming photos whose pictures are ready replace their tile's photo."""
        fading = sum(t.rect.width * t.rect.height for t in self._tiles if t.fade_start is not None)
        budget = FADE_AREA_BUDGET * self._size[0] * self._size[1]
        for tile in self._tiles:
            photo = tile.incoming
            if photo is None:
                continue
            picture = source.get(photo.id, tile.rect.size, self._fit(photo, tile))
            if picture is None:
                if now - tile.incoming_since > INCOMING_TIMEOUT_S:
                    tile.incoming = None
                continue
            area = tile.rect.width * tile.rect.height
            fade = tile.picture is not None and fading + area <= budget
            if fade:
                fading += area
            self._record(tile, now, rotation)  # the outgoing photo's last seconds
            self._show(tile, photo, picture, now, fade=fade)

    def _show(
        self, tile: _Tile, photo: WallPhoto, picture: pygame.Surface, now: float, *, fade: bool
    ) -> None:
        tile.previous = tile.picture if fade else None
        tile.previous_id = tile.photo.id if fade and tile.photo is not None else None
        tile.photo, tile.picture, tile.incoming = photo, picture, None
        tile.recorded_at = now
        tile.fade_start = now if fade else None
        if tile.incoming_fresh:
            tile.highlight_start = now
            tile.held_until = now + FRESH_HOLD_S
        tile.dirty = True

    def _fill_vacancies(self, now: float, rotation: Rotation) -> None:
        """Empty tiles (a new wall, a removed photo) are filled without waiting for a change,
        a few per frame: choosing a photo scans the whole rotation (about 1 ms for 2,000).
        Fresh photos take the largest, the others the one closest to their shape."""
        vacant = [t for t in self._tiles if t.photo is None and t.incoming is None]
        while vacant and self._fresh:
            apart = [t for t in vacant if self._fresh[0].id not in _beside_ids(t)]
            if not apart:
                break
            tile = max(apart, key=lambda t: t.rect.width * t.rect.height)
            vacant.remove(tile)
            self._assign(tile, self._fresh.popleft(), now, fresh=True)
        for _ in range(min(VACANCIES_PER_FRAME, len(vacant))):
            photo = rotation.next_photo(self._on_wall())
            if photo is not None:
                tile = _closest_shape(vacant, photo)
                vacant.remove(tile)
                self._assign(tile, photo, now, fresh=False)
                continue
            # Fewer photos than tiles: repeat one, never beside itself; a tile that every
            # photo would touch stays empty.
            for tile in vacant:
                photo = self._repeat_for(tile, rotation)
                if photo is not None:
                    vacant.remove(tile)
                    self._assign(tile, photo, now, fresh=False)
                    break
            else:
                return

    def _enter_fresh(self, now: float) -> None:
        """A fresh photo does not wait for the next change: it takes the largest free tile."""
        photo_id = self._fresh[0].id
        free = [t for t in self._tiles if not t.busy(now) and photo_id not in _beside_ids(t)]
        if not free:
            return
        largest = max(t.rect.width * t.rect.height for t in free)
        big = [t for t in free if t.rect.width * t.rect.height == largest]
        tile = min(big, key=lambda t: t.changed_at)
        self._assign(tile, self._fresh.popleft(), now, fresh=True)
        self._next_fresh = now + FADE_S  # a burst of approvals enters one fade apart

    def _change_one(self, now: float, rotation: Rotation) -> None:
        self._next_change = now + self._rng.uniform(*CHANGE_INTERVAL_S)
        free = [t for t in self._tiles if not t.busy(now) and t.photo is not None]
        if not free:
            return
        oldest = sorted(free, key=lambda t: t.changed_at)[:TILE_CHOICES]
        photo = rotation.next_photo(self._on_wall())
        if photo is not None:
            self._assign(_closest_shape(oldest, photo), photo, now, fresh=False)
            return
        # Every photo is on the wall: the oldest tile takes one that is not beside it.
        photo = self._repeat_for(oldest[0], rotation)
        if photo is not None:
            self._assign(oldest[0], photo, now, fresh=False)

    def _repeat_for(self, tile: _Tile, rotation: Rotation) -> WallPhoto | None:
        """A photo already on the wall for `tile`: none of its neighbours' and not its own."""
        exclude = _beside_ids(tile) | {p.id for p in self._fresh}
        if tile.photo is not None:
            exclude.add(tile.photo.id)
        return rotation.next_photo(exclude)

    def _assign(self, tile: _Tile, photo: WallPhoto, now: float, *, fresh: bool) -> None:
        tile.incoming, tile.incoming_fresh, tile.incoming_since = photo, fresh, now
        tile.changed_at = now

    def _on_wall(self) -> set[str]:
        ids = {t.photo.id for t in self._tiles if t.photo is not None}
        ids.update(t.incoming.id for t in self._tiles if t.incoming is not None)
        ids.update(p.id for p in self._fresh)
        return ids

    def _record(self, tile: _Tile, now: float, rotation: Rotation) -> None:
        if tile.photo is None or now <= tile.recorded_at:
            return
        share = tile.rect.width * tile.rect.height / (self._size[0] * self._size[1])
        rotation.record(Shown(tile.photo.id, share, now - tile.recorded_at))
        tile.recorded_at = now

    @staticmethod
    def _fit(photo: WallPhoto, tile: _Tile) -> Fit:
        if photo.width <= 0 or photo.height <= 0:
            return "cover"
        mismatch = (photo.width / photo.height) / tile.shape()
        return "fill" if max(mismatch, 1 / mismatch) > FILL_ASPECT_RATIO else "cover"

    # -- pixels ------------------------------------------------------------------------

    def _paint(self, canvas: pygame.Surface, tile: _Tile, now: float) -> list[pygame.Rect]:
        """Repaints one tile from its own surfaces: all of it, or only its border band while
        the border alone pulses (a tenth of the pixels of a large tile)."""
        progress = 1.0 if tile.fade_start is None else (now - tile.fade_start) / FADE_S
        if progress >= 1.0 and tile.fade_start is not None:
            tile.fade_start, tile.previous, tile.previous_id = None, None, None
            tile.dirty = True  # the last step of the fade: the picture alone
        picture = tile.picture
        whole = tile.dirty or tile.fade_start is not None
        if not whole and (picture is None or picture.get_size() != tile.rect.size):
            whole = True  # a placeholder or a letterboxed picture: no band to copy back
        tile.dirty = False
        if tile.fade_start is not None:
            _blit_or_fill(canvas, tile.previous, tile.rect)
            if picture is not None:
                picture.set_alpha(round(255 * progress))
                canvas.blit(picture, picture.get_rect(center=tile.rect.center))
                picture.set_alpha(None)  # the source may hand this Surface to others
        elif whole:
            _blit_or_fill(canvas, picture, tile.rect)
        bands = _border(tile.rect)
        if not whole and picture is not None:
            for band in bands:
                canvas.blit(picture, band, band.move(-tile.rect.x, -tile.rect.y))
        if tile.highlight_start is not None:
            self._paint_highlight(canvas, tile, now - tile.highlight_start, bands)
        return [tile.rect] if whole else bands

    @staticmethod
    def _paint_highlight(
        canvas: pygame.Surface, tile: _Tile, elapsed: float, bands: list[pygame.Rect]
    ) -> None:
        """A border that pulses then fades out, over the freshly restored picture."""
        if elapsed >= HIGHLIGHT_S:
            tile.highlight_start, tile.strips = None, None
            return
        envelope = min(1.0, 3.0 * (1.0 - elapsed / HIGHLIGHT_S))  # fades over the last third
        pulse = 0.65 + 0.35 * math.cos(2 * math.pi * elapsed / PULSE_PERIOD_S)
        top, _bottom, left, _right = bands
        if tile.strips is None:
            across = pygame.Surface(top.size, 0, canvas)
            down = pygame.Surface(left.size, 0, canvas)
            across.fill(HIGHLIGHT)
            down.fill(HIGHLIGHT)
            tile.strips = (across, down)
        across, down = tile.strips
        alpha = round(255 * envelope * pulse)
        across.set_alpha(alpha)
        down.set_alpha(alpha)
        canvas.blits([(across, bands[0]), (across, bands[1]), (down, bands[2]), (down, bands[3])])


def _beside_ids(tile: _Tile) -> set[str]:
    """The photos shown or coming in the tiles that share an edge with `tile`."""
    ids = {t.photo.id for t in tile.beside if t.photo is not None}
    ids.update(t.incoming.id for t in tile.beside if t.incoming is not None)
    return ids


def _closest_shape(tiles: list[_Tile], photo: WallPhoto) -> _Tile:
    """The tile whose aspect ratio is nearest the photo's: the least cropped."""
    aspect = math.log(max(photo.width, 1) / max(photo.height, 1))
    return min(tiles, key=lambda t: abs(math.log(t.shape()) - aspect))


def _border(rect: pygame.Rect) -> list[pygame.Rect]:
    """Top, bottom, left, right bands of the highlight (the sides between the others)."""
    width = max(2, round(min(rect.size) * BORDER_FRACTION))
    side = max(0, rect.height - 2 * width)
    return [
        pygame.Rect(rect.x, rect.y, rect.width, width),
        pygame.Rect(rect.x, rect.bottom - width, rect.width, width),
        pygame.Rect(rect.x, rect.y + width, width, side),
        pygame.Rect(rect.right - width, rect.y + width, width, side),
    ]


def _blit_or_fill(
    canvas: pygame.Surface, picture: pygame.Surface | None, rect: pygame.Rect
) -> None:
    if picture is None or picture.get_size() != rect.size:
        canvas.fill(PLACEHOLDER, rect)  # an empty tile, or the bars of a "contain" picture
    if picture is not None:
        canvas.blit(picture, picture.get_rect(center=rect.center))


def create(settings: DisplaySection) -> Mosaic:  # noqa: ARG001 (the runner's factory signature)
    """The runner's entry point: `display/layouts/<name>.py` defines `create(settings)`."""
    return Mosaic()
