"""The `photomosaic` layout: the target picture drawn with the approved photos as its tiles.

With no photo yet, every cell is the target's own colour, dimmed, so the picture reads from
the first frame. As soon as there are photos, every cell holds one (see `matching`): with 15
photos each fills about a fifteenth of the cells, with 2,000 nearly every tile is another
photo. Each tile is colour-corrected toward its cell (a per-channel gain or lift that moves
the tile's mean colour most of the way to the cell's), so the picture reads at any count
while each tile still shows its photo. A fresh photo flies in: shown large in the middle of
the wall, then shrinking into the cell that suits it best, where it takes its share of cells
with a flash. A few cells change every fraction of a second, so the wall is never still.

The composed picture is kept in a Surface of its own: a frame paints only the cells that
changed (a full redraw of 3,600 cells costs 15 ms), and coming back to this layout is one
full-frame blit.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import cv2
import numpy as np
import pygame

from display.contracts import ImageSource, Rotation, Shown
from display.layouts.matching import EMPTY, CellAssigner
from display.layouts.target import Grid, cell_colours, grid_for, load_target, to_lab
from wall.config import DisplaySection
from wall.schemas import WallPhoto

DIM = 0.55  # an empty cell: the target's colour, darker (only before the first photos)
# A faint line between empty cells hints at tiles waiting to be filled: the cell's colour
# multiplied by 0.8 on its last row and column.
LINE_SHADE = (204, 204, 204)
MULTIPLY = pygame.BLEND_RGB_MULT
MIN_CELL_FOR_LINES = 12  # below this the line would eat a tenth of the cell
# Colour correction: how far a tile's mean colour moves toward its cell's. A close match keeps
# most of its own colours, a distant one (few photos to choose from) takes most of the
# cell's, so the picture reads with 15 photos as with 2,000.
CORRECTION_RANGE = (0.35, 0.75)
CORRECTION_FULL_DELTA_E = 45.0  # the distance (CIE76 ΔE) at which it reaches its maximum
# Work per frame, each well under a millisecond, so a burst (the first start with 2,000
# photos, a resync) fills the picture over a second or two instead of stalling a frame.
PLACE_PER_FRAME = 256  # joining the pool is a few µs
# Cells given a photo per frame while the wall fills: a batch of 48 against 2,000 photos
# took 3 ms here (p99 10 ms under load), 16 about 1 ms; 2,304 cells fill in about 2.5 s.
ASSIGN_PER_FRAME = 16
TILE_REQUESTS_PER_FRAME = 128
CELLS_PER_FRAME = 96  # about 15 µs each at 30 px, the correction included
LIVENESS_CHECKS_PER_FRAME = 256  # 2,000 photos checked every 8 frames: far inside the 2 s
RESCAN_S = 2.0  # photos that reached rotation unannounced (a resync): 0.3 ms for 2,000
# A tile the source has not prepared in this long (a file being fetched again) frees its
# cells for others; an unreadable photo leaves rotation, and this layout with it.
TILE_TIMEOUT_S = 30.0
# The wall keeps changing: every CHANGE_EVERY_S this share of the cells takes another photo
# (at 1080p, 6 cells five times a second: a gentle twinkle, a few % of the picture in 5 s).
CHANGE_EVERY_S = 0.2
CHANGE_SHARE = 1 / 400
CELL_FADE_S = 0.6  # a changing cell dissolves into its new photo (a cut would flicker)
# A fresh photo: shown large (this share of the wall's height) for FLY_HOLD_S, then shrinks
# into its cell in FLY_SHRINK_S; a burst of arrivals holds shorter so none waits long.
FLY_HEIGHT_SHARE = 0.6
FLY_WIDTH_SHARE = 0.8
FLY_HOLD_S = 2.0
FLY_HOLD_BURST_S = 0.6
FLY_SHRINK_S = 1.0
FLY_WAIT_S = 3.0  # its large picture not ready by then: it takes its cells without flying
# A flight takes 1.6-3 s: beyond this many photos waiting for theirs (a burst of approvals),
# the earliest take their cells at once, with their flash.
FLY_QUEUE_LIMIT = 3
FLY_BORDER = (255, 244, 214)  # warm white, as the mosaic's highlight
FLY_BORDER_FRACTION = 0.012  # of the wall's height
FLASH_S = 1.2  # a fresh photo's cells flash white, then settle
FLASH_ALPHA = 200
RECORD_EVERY_S = 5.0  # rotation hears about the photos on screen at least this often
BACKGROUND = (0, 0, 0)


@dataclass(eq=False)
class _Flight:
    """A fresh photo on its way from a large view to its cell."""

    number: int
    cell: int
    asked: float
    size: tuple[int, int]
    hold: float
    start: float | None = None  # when its picture was ready and it appeared
    picture: pygame.Surface | None = None
    rect: pygame.Rect | None = None  # where it was drawn last


@dataclass(eq=False)
class _Fade:
    """A cell dissolving from its old tile into its new one (on the canvas only)."""

    rect: pygame.Rect
    old: pygame.Surface  # the cell as it was
    new: pygame.Surface  # its new tile, corrected
    photos: tuple[int, int]  # before and after: either removed, the dissolve stops
    start: float


class Photomosaic:
    """Strategy for the `photomosaic` layout (see module docstring)."""

    name = "photomosaic"

    def __init__(
        self, target: np.ndarray, size: tuple[int, int] | None = None, seed: int = 0
    ) -> None:
        """With the wall's `size`, the grid and the picture are built now, outside the frame
        loop if the runner creates layouts ahead (about 30 ms at 4K, most of it allocating
        the 33 MB picture); else on the first `start`."""
        self._target = target
        self._seed = seed
        self._size = (0, 0)
        self._grid = Grid(1, 0, 0, (0, 0))
        self._repaint_all = True
        self._picture: pygame.Surface | None = None
        self._next_scan = 0.0
        self._next_change = 0.0
        self._recorded_at: dict[int, float] = {}
        if size is not None:
            self._build(size)
            self._picture = self._paint_base(None)

    def start(self, size: tuple[int, int], now: float) -> None:
        if size != self._size:
            self._build(size)
        self._repaint_all = True
        self._next_scan = now  # photos approved while another layout was showing
        self._recorded_at = dict.fromkeys(self._recorded_at, now)  # off screen is not shown

    def _build(self, size: tuple[int, int]) -> None:
        self._size = size
        grid = self._grid = grid_for(*size)
        colours = cell_colours(self._target, grid).reshape(-1, 3)
        self._base = np.round(colours * DIM).astype(np.uint8)
        self._cell_rgb = [tuple(rgb) for rgb in colours.tolist()]
        self._base_rgb = [tuple(rgb) for rgb in self._base.tolist()]
        self._assigner = CellAssigner(to_lab(colours), grid.cols, self._seed)
        self._rng = np.random.default_rng(self._seed)
        self._drawn = np.full(grid.count, EMPTY, dtype=np.int32)
        self._ids: list[str] = []  # photo number → id
        self._index: dict[str, int] = {}  # id → photo number
        self._photo_rgb: list[tuple[float, float, float]] = []  # photo number → mean RGB
        self._aspect: list[float] = []  # photo number → width / height
        self._backlog: dict[str, WallPhoto] = {}  # known to rotation, not placed yet
        self._unfilled: deque[int] = deque(self._rng.permutation(grid.count).tolist())
        self._pending: dict[int, float] = {}  # cell → since when its new tile is awaited
        self._fresh: set[int] = set()
        self._arrivals: deque[int] = deque()  # fresh photos waiting for their flight
        self._flight: _Flight | None = None
        self._clear: list[pygame.Rect] = []  # where a finished flight was drawn
        self._ready: list[tuple[int, pygame.Surface, int]] = []  # cell, tile, photo
        self._freed: list[np.ndarray] = []
        self._flashes: list[tuple[np.ndarray, float]] = []
        self._changing: set[int] = set()  # cells whose next tile dissolves in
        self._fades: dict[int, _Fade] = {}
        self._recorded_at = {}
        self._scan: list[tuple[str, int]] = []
        self._counts = np.zeros(0, dtype=np.int64)  # painted cells per photo, per scan
        self._picture = None
        self._tint: pygame.Surface | None = None

    @property
    def assigner(self) -> CellAssigner:
        """Which photo holds which cell (for tests and the bench)."""
        return self._assigner

    @property
    def drawn(self) -> np.ndarray:
        """Per cell, the photo number painted there (EMPTY: the dimmed target)."""
        return self._drawn

    # -- logic -------------------------------------------------------------------------

    def update(self, now: float, source: ImageSource, rotation: Rotation) -> None:
        for photo in rotation.take_fresh():
            self._place(photo, now, fresh=True)
        if now >= self._next_scan:
            self._next_scan = now + RESCAN_S
            for photo in rotation.photos():
                if photo.id not in self._index:
                    self._backlog[photo.id] = photo
        for _ in range(min(PLACE_PER_FRAME, len(self._backlog))):
            photo = self._backlog.pop(next(iter(self._backlog)))
            if rotation.is_live(photo.id):
                self._place(photo, now, fresh=False)
        self._check_liveness(now, rotation)
        if not self._backlog:  # the whole pool known first: the first cells are not all
            self._fill(now)  # taken by the first photos to arrive
            self._change(now)
        self._fly(now, source, rotation)
        self._request_tiles(now, source)

    def _place(self, photo: WallPhoto, now: float, *, fresh: bool) -> None:
        """The photo joins the pool (a fresh one waits for its flight to take cells)."""
        if photo.id in self._index:
            return
        number = len(self._ids)
        self._ids.append(photo.id)
        self._index[photo.id] = number
        self._photo_rgb.append(_lab_to_rgb(photo.mean_lab))
        self._aspect.append(photo.width / photo.height if photo.width and photo.height else 1.0)
        self._recorded_at[number] = now
        self._assigner.add(number, photo.mean_lab)
        if fresh:
            self._arrivals.append(number)

    def _forget(self, number: int) -> None:
        """The photo leaves: its painted cells return to the target's colour this frame and
        are given to other photos over the next frames."""
        freed = self._assigner.remove(number)
        painted = np.flatnonzero(self._drawn == number)
        if painted.size:
            self._freed.append(painted)
        self._unfilled.extend(freed.tolist())
        self._fresh.discard(number)
        self._recorded_at.pop(number, None)
        for cell, fade in list(self._fades.items()):
            if number in fade.photos:
                del self._fades[cell]
                self._clear.append(fade.rect)
        if self._flight is not None and self._flight.number == number:
            self._land(None)

    def _check_liveness(self, now: float, rotation: Rotation) -> None:
        """A slice of the placed photos per frame; tells rotation what it shows as it goes."""
        flight = self._flight
        if flight is not None and not rotation.is_live(self._ids[flight.number]):
            self._land(None)  # removed while flying: it leaves at once
        if not self._scan:
            self._scan = list(self._index.items())
            self._counts = np.bincount(self._drawn[self._drawn >= 0], minlength=len(self._ids))
        area = self._grid.cell**2 / (self._size[0] * self._size[1])
        for photo_id, number in self._scan[-LIVENESS_CHECKS_PER_FRAME:]:
            if self._index.get(photo_id) != number:
                continue
            if not rotation.is_live(photo_id):
                del self._index[photo_id]
                self._forget(number)
                continue
            since = self._recorded_at.get(number, now)
            cells = int(self._counts[number]) if number < len(self._counts) else 0
            if cells and now - since >= RECORD_EVERY_S:
                rotation.record(Shown(photo_id, cells * area, now - since))
                self._recorded_at[number] = now
        del self._scan[-LIVENESS_CHECKS_PER_FRAME:]

    def _fill(self, now: float) -> None:
        """Empty cells (a new wall, a removed photo's) take photos, a batch per frame."""
        if not self._unfilled or not self._assigner.photos:
            return
        batch: list[int] = []
        while self._unfilled and len(batch) < ASSIGN_PER_FRAME:
            cell = self._unfilled.popleft()
            if self._assigner.occupant[cell] == EMPTY:
                batch.append(cell)
        self._await(self._assigner.assign(np.asarray(batch, dtype=np.int64)), now)

    def _change(self, now: float) -> None:
        """A few cells take another photo, those whose photo holds the most cells first (a
        photo's share shrinks as others arrive)."""
        if now < self._next_change or self._assigner.photos < 2 or self._unfilled:
            return
        self._next_change = now + CHANGE_EVERY_S
        count = max(1, round(self._assigner.cells * CHANGE_SHARE))
        cells = self._assigner.cells
        sample = self._rng.choice(cells, min(3 * count, cells), replace=False)
        held = self._assigner.usage[np.maximum(self._assigner.occupant[sample], 0)]
        chosen = sample[np.argsort(-held, kind="stable")[:count]]
        changed = self._assigner.assign(chosen, change=True)
        self._changing.update(changed.tolist())
        self._await(changed, now)

    def _await(self, cells: np.ndarray, now: float) -> None:
        for cell in cells.tolist():
            self._pending.setdefault(cell, now)

    def _request_tiles(self, now: float, source: ImageSource) -> None:
        """Asks for the tiles of a slice of the waiting cells; the ready ones go to `draw`,
        within its cell budget, the others to the back of the queue."""
        size = (self._grid.cell, self._grid.cell)
        tiles: dict[int, pygame.Surface | None] = {}
        for _ in range(min(TILE_REQUESTS_PER_FRAME, len(self._pending))):
            if len(self._ready) >= CELLS_PER_FRAME:
                break
            cell = next(iter(self._pending))
            since = self._pending.pop(cell)
            number = int(self._assigner.occupant[cell])
            if number == EMPTY or self._drawn[cell] == number:
                continue
            if number not in tiles:
                tiles[number] = source.get(self._ids[number], size, "cover")
            tile = tiles[number]
            if tile is not None:
                self._ready.append((cell, tile, number))
            elif now - since > TILE_TIMEOUT_S:
                self._index.pop(self._ids[number], None)  # not placed again on a rescan
                self._forget(number)
            else:
                self._pending[cell] = since

    def _fly(self, now: float, source: ImageSource, rotation: Rotation) -> None:
        """The next fresh photo takes off when the last one landed; lands when it is time."""
        while len(self._arrivals) > FLY_QUEUE_LIMIT:
            number = self._arrivals.popleft()
            if rotation.is_live(self._ids[number]) and self._index.get(self._ids[number]) == number:
                self._claim(number, now)
        flight = self._flight
        if flight is None:
            while self._arrivals and flight is None:
                number = self._arrivals.popleft()
                photo_id = self._ids[number]
                if rotation.is_live(photo_id) and self._index.get(photo_id) == number:
                    flight = self._take_off(number, now)
            self._flight = flight
            if flight is None:
                return
        if flight.picture is None:
            flight.picture = source.get(self._ids[flight.number], flight.size, "cover")
            if flight.picture is not None:
                flight.start = now
            elif now - flight.asked > FLY_WAIT_S:
                self._land(now)
                return
        if flight.start is not None and now - flight.start >= flight.hold + FLY_SHRINK_S:
            self._land(now)

    def _take_off(self, number: int, now: float) -> _Flight:
        width, height = self._size
        tall = round(height * FLY_HEIGHT_SHARE)
        wide = min(round(tall * self._aspect[number]), round(width * FLY_WIDTH_SHARE))
        tall = min(tall, round(wide / self._aspect[number]))
        hold = FLY_HOLD_S if len(self._arrivals) < 2 else FLY_HOLD_BURST_S
        cell = self._assigner.best_cell(number)
        return _Flight(number, cell, now, (max(1, wide), max(1, tall)), hold)

    def _land(self, now: float | None) -> None:
        """The flight ends: the photo takes its share of cells (None: it left the wall)."""
        flight, self._flight = self._flight, None
        if flight is None:
            return
        if flight.rect is not None:
            self._clear.append(flight.rect)
        if now is not None:
            self._claim(flight.number, now)

    def _claim(self, number: int, now: float) -> None:
        """A fresh photo takes its share of the cells, where it matches best; they flash."""
        share = min(self._assigner.limit, max(1, round(self._assigner.share)))
        self._fresh.add(number)
        self._await(self._assigner.claim(number, share), now)

    # -- pixels ------------------------------------------------------------------------

    def draw(self, canvas: pygame.Surface, now: float) -> list[pygame.Rect]:
        picture = self._picture
        if picture is None or picture.get_size() != canvas.get_size():
            picture = self._picture = self._paint_base(canvas)
            self._repaint_all = True
            self._drawn[:] = EMPTY  # a new picture: every tile is painted again
            self._await(np.flatnonzero(self._assigner.occupant >= 0), now)
        elif picture.get_masks() != canvas.get_masks():  # built before the screen opened
            picture = self._picture = picture.convert(canvas)
        bounds = canvas.get_rect()
        changed = self._paint_cells(picture, now) + self._clear
        self._clear = []
        if self._repaint_all:
            self._repaint_all = False
            canvas.blit(picture, (0, 0))
            changed = [bounds]
        else:
            changed = [rect.clip(bounds) for rect in changed]
            for rect in changed:
                canvas.blit(picture, rect, rect)
        changed.extend(self._paint_fades(canvas, picture, now))
        changed.extend(self._paint_flashes(canvas, picture, now))
        changed.extend(self._paint_flight(canvas, picture, now, changed))
        return changed

    def _paint_cells(self, picture: pygame.Surface, now: float) -> list[pygame.Rect]:
        """Freed cells back to the dimmed target, ready tiles painted, into the picture."""
        changed: list[pygame.Rect] = []
        for cells in self._freed:
            for index in cells.tolist():
                changed.append(self._paint_empty(picture, index))
                self._fades.pop(index, None)
            self._drawn[cells] = EMPTY
        self._freed.clear()
        flashing: dict[int, list[int]] = {}
        for cell, tile, number in self._ready:
            if self._assigner.occupant[cell] != number:
                continue  # reassigned (or its photo removed) since the tile was asked for
            dissolve = cell in self._changing and self._drawn[cell] != EMPTY
            self._changing.discard(cell)
            self._fades.pop(cell, None)
            if dissolve:
                self._start_fade(picture, tile, cell, number, now)
            else:
                changed.append(self._paint_tile(picture, tile, cell, number))
            self._drawn[cell] = number
            if number in self._fresh:
                flashing.setdefault(number, []).append(cell)
        self._ready.clear()
        for number, lit in flashing.items():
            self._flashes.append((np.asarray(lit), now))
            if not any(
                self._assigner.occupant[c] == number and self._drawn[c] != number
                for c in self._pending
            ):
                self._fresh.discard(number)
        return changed

    def _cell_rect(self, index: int) -> pygame.Rect:
        x, y = self._grid.cell_xy(index)
        return pygame.Rect(x, y, self._grid.cell, self._grid.cell)

    def _paint_base(self, canvas: pygame.Surface | None) -> pygame.Surface:
        """The whole target, dimmed, one block per cell, with the lines `_paint_empty` draws:
        one scale and a fill per line (a fill per cell would take 15 ms at 1080p)."""
        grid = self._grid
        small = self._base.reshape(grid.rows, grid.cols, 3).transpose(1, 0, 2)
        blocks = pygame.surfarray.make_surface(small)
        covered = (grid.cols * grid.cell, grid.rows * grid.cell)
        if canvas is None:
            picture = pygame.Surface(self._size)
        else:
            picture = pygame.Surface(self._size, 0, canvas)
            blocks = blocks.convert(canvas)
        if covered == self._size:  # the usual walls: the blocks scale straight into place
            pygame.transform.scale(blocks, covered, picture)
        else:
            picture.fill(BACKGROUND)
            picture.blit(pygame.transform.scale(blocks, covered), grid.origin)
        if grid.cell >= MIN_CELL_FOR_LINES:
            width, height = self._size
            x0, y0 = grid.origin
            for row in range(1, grid.rows + 1):
                picture.fill(LINE_SHADE, (0, y0 + row * grid.cell - 1, width, 1), MULTIPLY)
            for col in range(1, grid.cols + 1):
                picture.fill(LINE_SHADE, (x0 + col * grid.cell - 1, 0, 1, height), MULTIPLY)
        return picture

    def _paint_empty(self, picture: pygame.Surface, index: int) -> pygame.Rect:
        rect = self._cell_rect(index)
        picture.fill(self._base_rgb[index], rect)
        if self._grid.cell >= MIN_CELL_FOR_LINES:
            picture.fill(LINE_SHADE, (rect.x, rect.bottom - 1, rect.width, 1), MULTIPLY)
            picture.fill(LINE_SHADE, (rect.right - 1, rect.y, 1, rect.height - 1), MULTIPLY)
        return rect

    def _paint_tile(
        self, picture: pygame.Surface, tile: pygame.Surface, cell: int, number: int
    ) -> pygame.Rect:
        rect = self._cell_rect(cell)
        picture.blit(tile, rect)
        self._correct(picture, rect, cell, number)
        return rect

    def _start_fade(
        self, picture: pygame.Surface, tile: pygame.Surface, cell: int, number: int, now: float
    ) -> None:
        """The new tile goes into the picture at once; the canvas dissolves into it."""
        rect = self._cell_rect(cell)
        old = pygame.Surface(rect.size, 0, picture)
        old.blit(picture, (0, 0), rect)
        new = tile.copy()  # its own alpha: the source's Surface may be in other cells
        self._correct(new, new.get_rect(), cell, number)
        picture.blit(new, rect)
        self._fades[cell] = _Fade(rect, old, new, (int(self._drawn[cell]), number), now)

    def _correct(self, surface: pygame.Surface, rect: pygame.Rect, cell: int, number: int) -> None:
        """The tile's mean colour moved toward its cell's: channels that must go down are
        multiplied (contrast kept), channels that must go up are lifted."""
        low, high = CORRECTION_RANGE
        distance = float(self._assigner.distance[cell])
        strength = low + (high - low) * min(1.0, distance / CORRECTION_FULL_DELTA_E)
        gain, lift = [], []
        for mean, want in zip(self._photo_rgb[number], self._cell_rgb[cell], strict=True):
            goal = mean + strength * (want - mean)
            gain.append(255 if goal >= mean else round(255 * goal / max(mean, 1.0)))
            lift.append(round(goal - mean) if goal > mean else 0)
        if min(gain) < 255:
            surface.fill(gain, rect, pygame.BLEND_RGB_MULT)
        if max(lift) > 0:
            surface.fill(lift, rect, pygame.BLEND_RGB_ADD)

    def _paint_fades(
        self, canvas: pygame.Surface, picture: pygame.Surface, now: float
    ) -> list[pygame.Rect]:
        """Changing cells: the old tile, the new one over it more opaque each frame; none
        under the flying photo (it covers them, and would have to be drawn again)."""
        if not self._fades:
            return []
        bounds = canvas.get_rect()
        flight = self._flight.rect if self._flight is not None else None
        changed = []
        for cell, fade in list(self._fades.items()):
            progress = (now - fade.start) / CELL_FADE_S
            rect = fade.rect.clip(bounds)
            if progress >= 1.0:
                del self._fades[cell]
            if flight is not None and flight.colliderect(rect):
                continue  # restored from the picture when the flight moves on
            if progress >= 1.0:
                canvas.blit(picture, rect, rect)
            else:
                canvas.blit(fade.old, fade.rect)
                fade.new.set_alpha(round(255 * progress))
                canvas.blit(fade.new, fade.rect)
            changed.append(rect)
        return changed

    def _paint_flashes(
        self, canvas: pygame.Surface, picture: pygame.Surface, now: float
    ) -> list[pygame.Rect]:
        """Fresh cells: the painted tile under a white veil that fades out (canvas only)."""
        if not self._flashes:
            return []
        bounds = canvas.get_rect()
        veil = pygame.Surface((self._grid.cell, self._grid.cell), 0, canvas)
        veil.fill((255, 255, 255))
        changed = []
        for cells, start in self._flashes:
            progress = (now - start) / FLASH_S
            veil.set_alpha(round(FLASH_ALPHA * max(0.0, 1.0 - progress)))
            for index in cells.tolist():
                if self._drawn[index] == EMPTY:
                    continue
                rect = self._cell_rect(index)
                canvas.blit(picture, rect, rect)
                if progress < 1.0:
                    canvas.blit(veil, rect)
                changed.append(rect.clip(bounds))
        self._flashes = [(c, s) for c, s in self._flashes if (now - s) < FLASH_S]
        return changed

    def _paint_flight(
        self,
        canvas: pygame.Surface,
        picture: pygame.Surface,
        now: float,
        changed: list[pygame.Rect],
    ) -> list[pygame.Rect]:
        """The flying photo over the picture: redrawn when it moves or the cells under it
        were repainted this frame."""
        flight = self._flight
        if flight is None or flight.picture is None or flight.start is None:
            return []
        rect = self._flight_rect(flight, now)
        border = max(1, round(self._size[1] * FLY_BORDER_FRACTION * rect.height / flight.size[1]))
        framed = rect.inflate(2 * border, 2 * border)
        if framed == flight.rect and framed.collidelist(changed) < 0:
            return []
        bounds = canvas.get_rect()
        out = []
        if flight.rect is not None:  # only what the new frame does not cover (4K: 2 ms less)
            for part in _outside(flight.rect.clip(bounds), framed):
                canvas.blit(picture, part, part)
                out.append(part)
        for band in _outside(framed, rect):
            canvas.fill(FLY_BORDER, band)
        shown = flight.picture
        if rect.size != shown.get_size():
            shown = pygame.transform.scale(shown, rect.size)
        canvas.blit(shown, rect)
        flight.rect = framed
        out.append(framed.clip(bounds))
        return out

    def _flight_rect(self, flight: _Flight, now: float) -> pygame.Rect:
        """Large in the middle during the hold, then eased down to its cell."""
        assert flight.start is not None
        large = pygame.Rect((0, 0), flight.size)
        large.center = (self._size[0] // 2, self._size[1] // 2)
        progress = (now - flight.start - flight.hold) / FLY_SHRINK_S
        if progress <= 0:
            return large
        eased = min(1.0, progress) ** 2 * (3 - 2 * min(1.0, progress))
        cell = self._cell_rect(flight.cell)
        width = max(1, round(large.width + eased * (cell.width - large.width)))
        height = max(1, round(large.height + eased * (cell.height - large.height)))
        x = large.centerx + eased * (cell.centerx - large.centerx)
        y = large.centery + eased * (cell.centery - large.centery)
        return pygame.Rect(round(x - width / 2), round(y - height / 2), width, height)


def _outside(rect: pygame.Rect, inner: pygame.Rect) -> list[pygame.Rect]:
    """The parts of `rect` outside `inner`: up to four bands (top, bottom, left, right)."""
    common = rect.clip(inner)
    if not common.width or not common.height:
        return [rect]
    bands = [
        pygame.Rect(rect.x, rect.y, rect.width, common.y - rect.y),
        pygame.Rect(rect.x, common.bottom, rect.width, rect.bottom - common.bottom),
        pygame.Rect(rect.x, common.y, common.x - rect.x, common.height),
        pygame.Rect(common.right, common.y, rect.right - common.right, common.height),
    ]
    return [band for band in bands if band.width > 0 and band.height > 0]


def _lab_to_rgb(lab: tuple[float, float, float]) -> tuple[float, float, float]:
    """The photo's mean colour in RGB 0-255 (ingest measured it in L*a*b*, see `to_lab`)."""
    pixel = np.asarray(lab, dtype=np.float32).reshape(1, 1, 3)
    rgb = np.clip(cv2.cvtColor(pixel, cv2.COLOR_Lab2RGB).reshape(3) * 255.0, 0, 255)
    return (float(rgb[0]), float(rgb[1]), float(rgb[2]))


def create(settings: DisplaySection) -> Photomosaic:
    """The runner's entry point: the target decoded and the picture built for the configured
    size now, not in a frame."""
    return Photomosaic(load_target(settings.target_image), settings.output_size)
