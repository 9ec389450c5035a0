"""The bento grid of the mosaic: which rectangles of the wall hold a photo, computed once per size.

Plain Python (no pygame) so it is unit-tested without a display. A grid of near-square unit
cells is cut into blocks of 2×2, 2×1, 1×2 and 1×1 cells; the same wall size always gives the
same grid (the random choices are seeded by the size), so a restart does not reshuffle it.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

# A photo still reads at about 128 px, even on an LED wall seen from the street: rows are
# chosen near that height, within the bounds below.
CELL_TARGET_PX = 128
# More than five rows of photos turns the wall into wallpaper from across a square; 4K gets
# the same composition as 1080p with bigger pixels.
MAX_ROWS = 5
# Three rows leave room for a 2×2 block beside smaller ones on a square wall; a wide, low
# LED strip (aspect ≥ 2) reads better with two rows of larger photos.
MIN_ROWS = 3
MIN_ROWS_WIDE = 2
WIDE_ASPECT = 2.0
# A gap between photos separates them; 4 px at 1080p, never under 1 px.
GUTTER_FRACTION = 1 / 270
# Share of the unit cells covered by each block shape (the rest are 1×1): enough large
# blocks for a fresh photo and for variety, enough small ones to show many photos at once.
LARGE_SHARE = 0.18
WIDE_SHARE = 0.12
TALL_SHARE = 0.12
PLACEMENT_TRIES = 200


@dataclass(frozen=True, slots=True)
class Block:
    """One photo's place: its pixel rectangle (gutters removed) and its span in unit cells."""

    x: int
    y: int
    width: int
    height: int
    cols: int
    rows: int
    col: int = 0  # the top-left unit cell: which blocks share an edge (see `neighbours`)
    row: int = 0

    @property
    def large(self) -> bool:
        return self.cols >= 2 and self.rows >= 2

    @property
    def area(self) -> int:
        return self.width * self.height


def grid_shape(width: int, height: int) -> tuple[int, int]:
    """(columns, rows) of unit cells: near-square cells, fewer and larger on small walls."""
    min_rows = MIN_ROWS_WIDE if width / height >= WIDE_ASPECT else MIN_ROWS
    rows = max(min_rows, min(MAX_ROWS, round(height / CELL_TARGET_PX)))
    cols = max(2, round(width / (height / rows)))
    return cols, rows


def bento(width: int, height: int) -> list[Block]:
    """The blocks covering a wall of `width`×`height`, large ones first."""
    cols, rows = grid_shape(width, height)
    rng = random.Random(width * 100_003 + height)
    free = [[True] * cols for _ in range(rows)]
    spans: list[tuple[int, int, int, int]] = []

    def fits(c: int, r: int, w: int, h: int) -> bool:
        if c + w > cols or r + h > rows:
            return False
        return all(free[r + j][c + i] for j in range(h) for i in range(w))

    def take(c: int, r: int, w: int, h: int) -> None:
        for j in range(h):
            for i in range(w):
                free[r + j][c + i] = False
        spans.append((c, r, w, h))

    cells = cols * rows
    if cols >= 3 or rows >= 3:
        # The hero block, for fresh photos: left of centre, where the eye lands first.
        hero_col = min(cols - 2, max(0, round(cols * 0.3) - 1))
        hero_row = rng.randrange(rows - 1)
        take(hero_col, hero_row, 2, 2)
    for (w, h), share in (((2, 2), LARGE_SHARE), ((2, 1), WIDE_SHARE), ((1, 2), TALL_SHARE)):
        wanted = math.floor(cells * share / (w * h))
        for _ in range(PLACEMENT_TRIES):
            if sum(1 for s in spans if (s[2], s[3]) == (w, h)) >= wanted:
                break
            c, r = rng.randrange(cols), rng.randrange(rows)
            if fits(c, r, w, h):
                take(c, r, w, h)
    for r in range(rows):
        for c in range(cols):
            if free[r][c]:
                take(c, r, 1, 1)
    return [_to_pixels(span, width, height, cols, rows) for span in _large_first(spans)]


def _large_first(spans: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    return sorted(spans, key=lambda s: (-s[2] * s[3], s[1], s[0]))


def _to_pixels(
    span: tuple[int, int, int, int], width: int, height: int, cols: int, rows: int
) -> Block:
    """Cell edges are rounded once for the whole wall, so blocks tile it with even gutters."""
    c, r, w, h = span
    gutter = max(1, round(min(width, height) * GUTTER_FRACTION))
    inset = (gutter + 1) // 2
    x0 = round(c * width / cols) + inset
    x1 = round((c + w) * width / cols) - inset
    y0 = round(r * height / rows) + inset
    y1 = round((r + h) * height / rows) - inset
    return Block(x0, y0, max(1, x1 - x0), max(1, y1 - y0), w, h, c, r)


def neighbours(blocks: list[Block]) -> list[list[int]]:
    """For each block, the indices of the blocks sharing an edge with it (touching corners
    do not count): the mosaic never shows one photo twice side by side."""
    return [[j for j, other in enumerate(blocks) if _touch(block, other)] for block in blocks]


def _touch(a: Block, b: Block) -> bool:
    across = a.col + a.cols == b.col or b.col + b.cols == a.col
    rows_overlap = a.row < b.row + b.rows and b.row < a.row + a.rows
    down = a.row + a.rows == b.row or b.row + b.rows == a.row
    cols_overlap = a.col < b.col + b.cols and b.col < a.col + a.cols
    return (across and rows_overlap) or (down and cols_overlap)
