"""Faces blurred in every frame of a live window, for a fraction of a whole scan per frame.

A whole scan of a 1080p frame for 16 px faces costs ~0.7 s of one core (`ingest.blur`): ten
a second would take seven cores. But a webcam's view hardly changes (the quay, the sky stay
put) and a face can only come or go where pixels changed. So each frame is compared, tile by
tile, with what each tile showed when it was last scanned; only the tiles that changed, and
their neighbours (a face across a tile's edge is seen whole), are scanned again, enlarged as
stills are. Faces found earlier in tiles that did not change stay blurred. The first frame is
scanned whole, and so is a frame where most of the view changed (a cloud's shadow, the
camera's exposure): that frame comes later, never unblurred. Nothing leaves `blur()` before
every part of the frame was either scanned or known unchanged since its last scan.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ingest.blur import FACE_SCAN_ZOOM, FACE_SCORE, blur_boxes
from ingest.faces import Face, FaceDetector

SHRINK = 4  # changes are looked for at a quarter of the size: JPEG noise averages away
TILE = 4  # px of the shrunk frame: changes are found to 16 px of the frame
# Tiles around a change scanned with it: 32 px of context, so a face across the edge of a
# change is seen whole (16 px tiles and 32 px of context: 37 ms a 1080p frame with three
# people walking; 32 px tiles with the same context: 45 ms).
MARGIN_TILES = 2
# Grey levels (of 255) by which a shrunk pixel must differ from its tile's last scanned view.
# A camera's JPEG noise stays under ~6 once shrunk; a 16 px face is 4 shrunk pixels whose
# contrast with the wall behind is tens of levels.
CHANGE_LEVEL = 14
_GROW = np.ones((2 * MARGIN_TILES + 1, 2 * MARGIN_TILES + 1), np.uint8)
WHOLE_SCAN_SHARE = 0.5  # more of the frame changed than this: one whole scan is cheaper


@dataclass(frozen=True, slots=True)
class Region:
    """A rectangle of the frame, in its pixels."""

    x0: int
    y0: int
    x1: int
    y1: int

    def holds(self, face: Face) -> bool:
        return (
            face.x >= self.x0
            and face.y >= self.y0
            and face.x + face.width <= self.x1
            and face.y + face.height <= self.y1
        )


class LiveBlurrer:
    """One camera's frames, in order, from one thread (it keeps what the last frames showed)."""

    def __init__(self, detector: FaceDetector) -> None:
        self._detector = detector
        self._reference: np.ndarray | None = None  # shrunk grey view as of each tile's scan
        self._faces: list[Face] = []
        self.scanned_share = 0.0  # of the last frame: what it cost, for the console

    @property
    def boxes(self) -> list[Face]:
        """The faces blurred in the last frame, found in it or in an unchanged earlier view."""
        return list(self._faces)

    def blur(self, frame: np.ndarray) -> int:
        """Blurs every face in `frame` (BGR) in place; returns how many regions it blurred."""
        small = self._shrink(frame)
        regions = self._changed_regions(frame, small)
        for region in regions:
            self._rescan(frame, region)
        height, width = frame.shape[:2]
        self.scanned_share = sum((r.x1 - r.x0) * (r.y1 - r.y0) for r in regions) / (width * height)
        return blur_boxes(frame, self._faces)

    @staticmethod
    def _shrink(frame: np.ndarray) -> np.ndarray:
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        height, width = gray.shape
        size = (max(1, width // SHRINK), max(1, height // SHRINK))
        return cv2.resize(gray, size, interpolation=cv2.INTER_AREA)

    def _changed_regions(self, frame: np.ndarray, small: np.ndarray) -> list[Region]:
        """The parts of the frame to scan now; the reference takes their new view."""
        height, width = frame.shape[:2]
        whole = [Region(0, 0, width, height)]
        reference = self._reference
        if reference is None or reference.shape != small.shape:
            self._reference, self._faces = small, []
            return whole
        changed = self._changed_tiles(cv2.absdiff(small, reference))
        if not changed.any():
            return []
        grown = cv2.dilate(changed.astype(np.uint8), _GROW) > 0
        if grown.mean() > WHOLE_SCAN_SHARE:
            self._reference, self._faces = small, []
            return whole
        regions = self._tile_regions(grown, width, height)
        for region in regions:
            sx0, sy0 = region.x0 // SHRINK, region.y0 // SHRINK
            sx1, sy1 = -(-region.x1 // SHRINK), -(-region.y1 // SHRINK)
            reference[sy0:sy1, sx0:sx1] = small[sy0:sy1, sx0:sx1]
        return regions

    @staticmethod
    def _changed_tiles(difference: np.ndarray) -> np.ndarray:
        """Rows × columns of tiles, True where any shrunk pixel moved past CHANGE_LEVEL."""
        height, width = difference.shape
        rows, cols = -(-height // TILE), -(-width // TILE)
        padded = np.zeros((rows * TILE, cols * TILE), difference.dtype)
        padded[:height, :width] = difference
        peaks = padded.reshape(rows, TILE, cols, TILE).max(axis=(1, 3))
        changed: np.ndarray = peaks > CHANGE_LEVEL
        return changed

    @staticmethod
    def _tile_regions(tiles: np.ndarray, width: int, height: int) -> list[Region]:
        """The bounding rectangle of each group of touching tiles, in frame pixels."""
        count, _, stats, _ = cv2.connectedComponentsWithStats(
            tiles.astype(np.uint8), connectivity=8
        )
        side = TILE * SHRINK
        regions = []
        for label in range(1, count):
            col, row, cols, rows = (int(v) for v in stats[label, :4])
            regions.append(
                Region(
                    col * side,
                    row * side,
                    min(width, (col + cols) * side),
                    min(height, (row + rows) * side),
                )
            )
        return regions

    def _rescan(self, frame: np.ndarray, region: Region) -> None:
        """Faces wholly inside `region` are forgotten and found again there."""
        crop = frame[region.y0 : region.y1, region.x0 : region.x1]
        edge = round(FACE_SCAN_ZOOM * max(crop.shape[:2]))
        found = self._detector.detect(crop, edge, bgr=True, threshold=FACE_SCORE)
        kept = [face for face in self._faces if not region.holds(face)]
        moved = [Face(f.x + region.x0, f.y + region.y0, f.width, f.height, f.score) for f in found]
        self._faces = kept + moved
