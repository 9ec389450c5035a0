"""The photomosaic's target picture: loaded once, reduced to one colour per cell.

Loading happens when the layout is created, before the frame loop needs it: decoding a
large configured image in the loop would cost a late frame (77 ms for 12 MP here).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps

log = logging.getLogger(__name__)

DEFAULT_TARGET = Path(__file__).resolve().parents[1] / "assets" / "target-default.png"
# The cells need at most a few thousand colours: a 1024 px copy of the target is plenty.
MAX_TARGET_EDGE = 1024
# Cell size: about 30 px at 1080p (64×36 cells) reads as photos from a few metres and as
# the picture from across the square.
CELL_TARGET_PX = 30
# Cells along the wall's short side. At least 12: fewer and the picture no longer reads;
# at most 45 (80×45 = 3,600 cells at 4K, 48 px each): beyond that too few photos per cell.
MIN_CELLS_SHORT = 12
MAX_CELLS_SHORT = 45


def load_target(path: str) -> np.ndarray:
    """RGB pixels of the configured target, or of the shipped default when unset or broken."""
    if path:
        try:
            return _read(Path(path).expanduser())
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
            log.warning("photomosaic target %s unreadable (%s); using the default", path, exc)
    return _read(DEFAULT_TARGET)


def _read(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        image.draft("RGB", (MAX_TARGET_EDGE, MAX_TARGET_EDGE))
        upright = ImageOps.exif_transpose(image).convert("RGB")
    upright.thumbnail((MAX_TARGET_EDGE, MAX_TARGET_EDGE))
    return np.asarray(upright, dtype=np.uint8)


@dataclass(frozen=True, slots=True)
class Grid:
    """Square cells covering the wall; the edge cells are cut, so every tile has one size."""

    cell: int
    cols: int
    rows: int
    origin: tuple[int, int]  # top-left of cell (0, 0); negative when edge cells are cut

    @property
    def count(self) -> int:
        return self.cols * self.rows

    def cell_xy(self, index: int) -> tuple[int, int]:
        row, col = divmod(index, self.cols)
        return self.origin[0] + col * self.cell, self.origin[1] + row * self.cell


def grid_for(width: int, height: int) -> Grid:
    short = min(width, height)
    along_short = max(MIN_CELLS_SHORT, min(MAX_CELLS_SHORT, round(short / CELL_TARGET_PX)))
    cell = max(4, short // along_short)
    cols, rows = math.ceil(width / cell), math.ceil(height / cell)
    origin = ((width - cols * cell) // 2, (height - rows * cell) // 2)
    return Grid(cell, cols, rows, origin)


def cell_colours(target: np.ndarray, grid: Grid) -> np.ndarray:
    """(rows, cols, 3) uint8 RGB: the target, cropped to the grid's shape, one mean per cell."""
    height, width = target.shape[:2]
    want = grid.cols / grid.rows
    if width / height > want:
        crop = round(height * want)
        left = (width - crop) // 2
        target = target[:, left : left + crop]
    else:
        crop = round(width / want)
        top = (height - crop) // 2
        target = target[top : top + crop]
    return cv2.resize(target, (grid.cols, grid.rows), interpolation=cv2.INTER_AREA)


def to_lab(rgb: np.ndarray) -> np.ndarray:
    """(N, 3) float32 CIE L*a*b*, computed as ingest computes `WallPhoto.mean_lab`."""
    pixels = np.ascontiguousarray(rgb.reshape(1, -1, 3), dtype=np.float32) / 255.0
    return cv2.cvtColor(pixels, cv2.COLOR_RGB2Lab).reshape(-1, 3)
