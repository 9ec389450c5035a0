"""The `photomosaic` layout: the target picture drawn with the approved photos as its tiles.

Every cell starts as the target's own colour, dimmed, so the picture reads from the first
frame; photos take cells over as they arrive, each matched by colour (see `matching`) and
tinted toward its cell. The composed picture is kept in a Surface of its own: a frame paints
only the cells that changed (a full redraw of 3,600 cells costs 15 ms), and coming back to
this layout is one full-frame blit.
"""

from __future__ import annotations

import math
from itertools import islice

import numpy as np
import pygame

from display.contracts import ImageSource, Rotation, Shown
from display.layouts.matching import EMPTY, CellMatcher
from display.layouts.target import Grid, cell_colours, grid_for, load_target, to_lab
from wall.config import DisplaySection
from wall.schemas import WallPhoto

DIM = 0.55  # an empty cell: the target's colour, darker, so the photos stand out as they come
# A faint line between empty cells hints at tiles waiting to be filled: the cell's colour
# multiplied by 0.8 on its last row and column.
LINE_SHADE = (204, 204, 204)
MULTIPLY = pygame.BLEND_RGB_MULT
MIN_CELL_FOR_LINES = 12  # below this the line would eat a tenth of the cell
# Tinting a tile toward its cell's colour: a close match keeps most of its own colours, a
# distant one (early on, few photos to choose from) takes most of the cell's, so the picture
# reads from the start and the photos show more of themselves as better matches arrive.
TINT_RANGE = (0.2, 0.7)
TINT_FULL_DELTA_E = 50.0  # the distance (CIE76 ΔE) at which the tint reaches its maximum
# Cells per photo: the wall fills after about this many photos (a typical evening's count);
# a photo never takes the whole sky, and each one is seen.
PHOTOS_TO_FILL = 400
MIN_CELLS_PER_PHOTO = 2
# Work per frame, each well under a millisecond, so a burst (the first start with 2,000
# photos, a resync) fills the picture over a second or two instead of stalling a frame.
PLACE_PER_FRAME = 16  # about 0.05 ms each
TILE_REQUESTS_PER_FRAME = 24
CELLS_PER_FRAME = 96  # about 10 µs each at 48 px, the tint included
LIVENESS_CHECKS_PER_FRAME = 256  # 2,000 photos checked every 8 frames: far inside the 2 s
RESCAN_S = 2.0  # photos that reached rotation unannounced (a resync): 0.3 ms for 2,000
# A tile the source has not prepared in this long (a file being fetched again) frees its
# cells for others; an unreadable photo leaves rotation, and this layout with it.
TILE_TIMEOUT_S = 30.0
FLASH_S = 1.2  # a fresh photo's cells flash white, then settle
FLASH_ALPHA = 200
RECORD_EVERY_S = 5.0  # rotation hears about the photos on screen at least this often
BACKGROUND = (0, 0, 0)


class Photomosaic:
    """Strategy for the `photomosaic` layout (see module docstring)."""

    name = "photomosaic"

    def __init__(self, target: np.ndarray, size: tuple[int, int] | None = None) -> None:
        """With the wall's `size`, the grid and the picture are built now, outside the frame
        loop if the runner creates layouts ahead (about 30 ms at 4K, most of it allocating
        the 33 MB picture); else on the first `start`."""
        self._target = target
        self._size = (0, 0)
        self._grid = Grid(1, 0, 0, (0, 0))
        self._repaint_all = True
        self._picture: pygame.Surface | None = None
        self._next_scan = 0.0
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
        cap = max(MIN_CELLS_PER_PHOTO, round(grid.count / PHOTOS_TO_FILL))
        self._matcher = CellMatcher(to_lab(colours), cap)
        self._drawn = np.full(grid.count, EMPTY, dtype=np.int32)
        self._ids: list[str] = []  # photo number → id
        self._index: dict[str, int] = {}  # id → photo number
        self._backlog: dict[str, WallPhoto] = {}  # known to rotation, not placed yet
        self._waiting: dict[int, float] = {}  # photo → since when its tile is awaited
        self._fresh: set[int] = set()
        self._ready: list[tuple[int, pygame.Surface, np.ndarray]] = []
        self._freed: list[np.ndarray] = []
        self._flashes: list[tuple[np.ndarray, float]] = []
        self._recorded_at: dict[int, float] = {}
        self._scan: list[tuple[str, int]] = []
        self._counts = np.zeros(0, dtype=np.int64)  # painted cells per photo, per scan
        self._picture = None
        self._tint: pygame.Surface | None = None

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
        self._request_tiles(now, source)

    def _place(self, photo: WallPhoto, now: float, *, fresh: bool) -> None:
        """Takes the photo's best cells: one numpy pass over the cells, no re-match."""
        if photo.id in self._index:
            return
        number = len(self._ids)
        self._ids.append(photo.id)
        self._index[photo.id] = number
        self._recorded_at[number] = now
        changed = self._matcher.place(number, photo.mean_lab)
        for moved in set(self._matcher.occupant[changed].tolist()):
            self._waiting.setdefault(moved, now)  # the newcomer, and those it displaced
        if fresh and changed.size:
            self._fresh.add(number)

    def _forget(self, number: int) -> None:
        """The photo leaves: its painted cells return to the target's colour this frame."""
        self._matcher.remove(number)
        painted = np.flatnonzero(self._drawn == number)
        if painted.size:
            self._freed.append(painted)
        self._waiting.pop(number, None)
        self._fresh.discard(number)
        self._recorded_at.pop(number, None)

    def _check_liveness(self, now: float, rotation: Rotation) -> None:
        """A slice of the placed photos per frame; tells rotation what it shows as it goes."""
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

    def _request_tiles(self, now: float, source: ImageSource) -> None:
        """Asks for a few photos' tiles; the ready ones go to `draw`, within its cell budget."""
        budget = CELLS_PER_FRAME
        size = (self._grid.cell, self._grid.cell)
        for number in list(islice(self._waiting, TILE_REQUESTS_PER_FRAME)):
            since = self._waiting.pop(number)
            cells = np.flatnonzero((self._matcher.occupant == number) & (self._drawn != number))
            if not cells.size:
                continue
            tile = source.get(self._ids[number], size, "cover")
            if tile is None:
                if now - since > TILE_TIMEOUT_S:
                    self._forget(number)  # still indexed: not placed again on a rescan
                else:
                    self._waiting[number] = since  # to the back of the queue
                continue
            if cells.size > budget:
                self._waiting[number] = since
                cells = cells[:budget]
            self._ready.append((number, tile, cells))
            budget -= cells.size
            if budget <= 0:
                break

    # -- pixels ------------------------------------------------------------------------

    def draw(self, canvas: pygame.Surface, now: float) -> list[pygame.Rect]:
        picture = self._picture
        if picture is None or picture.get_size() != canvas.get_size():
            picture = self._picture = self._paint_base(canvas)
            self._repaint_all = True
        elif picture.get_masks() != canvas.get_masks():  # built before the screen opened
            picture = self._picture = picture.convert(canvas)
        bounds = canvas.get_rect()
        changed: list[pygame.Rect] = []
        for cells in self._freed:
            for index in cells.tolist():
                changed.append(self._paint_empty(picture, index))
            self._drawn[cells] = EMPTY
        self._freed.clear()
        for number, tile, cells in self._ready:
            changed.extend(self._paint_tile(picture, tile, index) for index in cells.tolist())
            self._drawn[cells] = number
            if number in self._fresh:
                self._fresh.discard(number)
                self._flashes.append((cells, now))
        self._ready.clear()
        if self._repaint_all:
            self._repaint_all = False
            canvas.blit(picture, (0, 0))
            changed = [bounds]
        else:
            changed = [rect.clip(bounds) for rect in changed]
            for rect in changed:
                canvas.blit(picture, rect, rect)
        changed.extend(self._paint_flashes(canvas, picture, now))
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

    def _paint_tile(self, picture: pygame.Surface, tile: pygame.Surface, index: int) -> pygame.Rect:
        """The photo, then its cell's colour over it with an alpha that grows with distance."""
        rect = self._cell_rect(index)
        picture.blit(tile, rect)
        tint = self._tint
        if tint is None or tint.get_size() != rect.size:
            tint = self._tint = pygame.Surface(rect.size, 0, picture)
        low, high = TINT_RANGE
        delta_e = math.sqrt(float(self._matcher.distance[index]))
        tint.fill(self._cell_rgb[index])
        tint.set_alpha(round(255 * (low + (high - low) * min(1.0, delta_e / TINT_FULL_DELTA_E))))
        picture.blit(tint, rect)
        return rect

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


def create(settings: DisplaySection) -> Photomosaic:
    """The runner's entry point: the target decoded and the picture built for the configured
    size now, not in a frame."""
    return Photomosaic(load_target(settings.target_image), settings.output_size)
