"""The projector calibration: per output, where the picture's four corners land and which
polygons stay black; the geometry that checks it and the file that keeps it.

Pure Python and numpy, no pygame: the checks and the homography are unit-tested alone, and
`display.projection` turns a checked calibration into the per-frame warp.

Coordinates are continuous output pixels: (0, 0) is the top-left corner of the output's top-left
pixel and (width, height) the bottom-right corner of its last one, so the full frame's corners
are exactly (0, 0), (w, 0), (w, h), (0, h). Corners run clockwise on screen: 1 top-left,
2 top-right, 3 bottom-right, 4 bottom-left.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from wall.atomicfile import write_json_atomic

log = logging.getLogger(__name__)

Point = tuple[float, float]
Quad = tuple[Point, Point, Point, Point]

FILE_VERSION = 1
# Corners closer than this, or an angle this close to flat or to folded back, would squeeze
# the picture into a sliver: the homography is then near singular and the warp meaningless.
MIN_EDGE_PX = 8.0
MIN_ANGLE_DEG = 2.0
# Corners may sit a little outside the output (a wall larger than the projected frame is
# cropped), but not absurdly far: beyond this many output sizes it is a typo in the file.
MAX_OFFSET_SIZES = 1.0
MIN_MASK_POINTS = 3
CORNER_NAMES = ("1 (top left)", "2 (top right)", "3 (bottom right)", "4 (bottom left)")


class CalibrationError(ValueError):
    """A calibration that cannot be used; the message says what is wrong and where."""


class FoldedCorners(CalibrationError):
    """Corners that fold the picture: non-convex, self-intersecting, mirrored or degenerate."""


def full_frame(size: tuple[int, int]) -> Quad:
    """The corners that leave the picture as it is."""
    width, height = float(size[0]), float(size[1])
    return ((0.0, 0.0), (width, 0.0), (width, height), (0.0, height))


def check_corners(corners: Sequence[Point]) -> None:
    """Raises FoldedCorners unless the four corners make a convex quad turning the same way as
    the picture (clockwise on screen), without slivers; the message is the operator's."""
    points = np.asarray(corners, np.float64)
    if points.shape != (4, 2) or not np.isfinite(points).all():
        raise FoldedCorners("four corners with finite x and y are needed")
    for index in range(4):
        edge = points[(index + 1) % 4] - points[index]
        if math.hypot(*edge) < MIN_EDGE_PX:
            raise FoldedCorners(
                f"corners {index + 1} and {(index + 1) % 4 + 1} are less than "
                f"{MIN_EDGE_PX:.0f} px apart: the picture would be squashed"
            )
    turns = [_turn(points[i - 1], points[i], points[(i + 1) % 4]) for i in range(4)]
    if any(turn < 0 for turn in turns) and any(turn > 0 for turn in turns):
        raise FoldedCorners("the corners fold the picture (not convex, or crossing itself)")
    if all(turn < 0 for turn in turns):
        raise FoldedCorners("the corners are in mirror order: the picture would be flipped")
    for index, turn in enumerate(turns):
        a, b, c = points[index - 1], points[index], points[(index + 1) % 4]
        sine = turn / (math.hypot(*(b - a)) * math.hypot(*(c - b)))
        if sine < math.sin(math.radians(MIN_ANGLE_DEG)):
            raise FoldedCorners(
                f"corner {CORNER_NAMES[index]} is almost flat: the picture would be a sliver"
            )


def _turn(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """Cross product of a→b and b→c: positive for a clockwise turn on screen (y downwards)."""
    return float((b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0]))


def homography(source: Sequence[Point], target: Sequence[Point]) -> np.ndarray:
    """The 3×3 matrix taking each of four source points to its target (direct linear solve)."""
    rows, values = [], []
    for (x, y), (u, v) in zip(source, target, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        values += [u, v]
    solution = np.linalg.solve(np.asarray(rows, np.float64), np.asarray(values, np.float64))
    return np.append(solution, 1.0).reshape(3, 3)


def apply_homography(matrix: np.ndarray, points: Sequence[Point] | np.ndarray) -> np.ndarray:
    """Points (N×2) through the matrix, back to Cartesian coordinates."""
    array = np.asarray(points, np.float64).reshape(-1, 2)
    mapped = np.hstack([array, np.ones((len(array), 1))]) @ matrix.T
    return mapped[:, :2] / mapped[:, 2:3]


@dataclass(frozen=True)
class OutputCalibration:
    """One projector: where its slice's corners land, in its own pixels, and its masks."""

    size: tuple[int, int]
    corners: Quad
    masks: tuple[tuple[Point, ...], ...] = ()

    @property
    def warped(self) -> bool:
        return self.corners != full_frame(self.size)

    def slice_to_output(self) -> np.ndarray:
        """The homography from the content slice (same pixel size) to the output."""
        return homography(full_frame(self.size), self.corners)


@dataclass(frozen=True)
class Calibration:
    """Every output of the display machine, left to right."""

    outputs: tuple[OutputCalibration, ...] = field(default_factory=tuple)


def uncalibrated(size: tuple[int, int], outputs: int) -> Calibration:
    return Calibration(tuple(OutputCalibration(size, full_frame(size)) for _ in range(outputs)))


def calibration_path(data_dir: Path, configured: str) -> Path:
    return Path(configured) if configured else data_dir / "calibration.json"


def save_calibration(path: Path, calibration: Calibration) -> None:
    """Atomically (temp, fsync, rename): a power cut leaves the old file or the new one."""
    for number, output in enumerate(calibration.outputs, 1):
        try:
            check_corners(output.corners)
        except FoldedCorners as exc:
            raise FoldedCorners(f"output {number}: {exc}") from None
    payload = {
        "version": FILE_VERSION,
        "outputs": [
            {
                "size": list(output.size),
                "corners": [[round(x, 2), round(y, 2)] for x, y in output.corners],
                "masks": [[[round(x, 2), round(y, 2)] for x, y in mask] for mask in output.masks],
            }
            for output in calibration.outputs
        ],
    }
    write_json_atomic(path, payload)


def load_calibration(path: Path, size: tuple[int, int], outputs: int) -> Calibration:
    """The file, checked against the display's outputs; CalibrationError says what is wrong.

    Folded corners are refused here too (a hand-edited file): `load_for_show` then keeps the
    file's masks and leaves that output unwarped."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CalibrationError(f"{path}: unreadable ({exc})") from None
    if not isinstance(data, dict) or data.get("version") != FILE_VERSION:
        raise CalibrationError(f"{path}: not a calibration file (version {FILE_VERSION} expected)")
    entries = data.get("outputs")
    if not isinstance(entries, list) or len(entries) != outputs:
        found = len(entries) if isinstance(entries, list) else "no"
        raise CalibrationError(
            f"{path}: {found} outputs saved, the display has {outputs} ([display] outputs): "
            "calibrate again (wall display --calibrate)"
        )
    return Calibration(
        tuple(_parse_output(path, n, entry, size) for n, entry in enumerate(entries, 1))
    )


def _parse_output(path: Path, number: int, entry: Any, size: tuple[int, int]) -> OutputCalibration:
    where = f"{path}: output {number}"
    try:
        saved = (int(entry["size"][0]), int(entry["size"][1]))
        corners = _points(entry["corners"])
        masks = tuple(_points(mask) for mask in entry.get("masks", []))
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise CalibrationError(f"{where}: malformed ({exc!r})") from None
    if saved != size:
        raise CalibrationError(
            f"{where}: saved for {saved[0]}x{saved[1]}, the output is {size[0]}x{size[1]} "
            "([display] size): calibrate again (wall display --calibrate)"
        )
    if len(corners) != 4 or any(len(mask) < MIN_MASK_POINTS for mask in masks):
        raise CalibrationError(f"{where}: four corners and masks of 3 points or more expected")
    limit = MAX_OFFSET_SIZES * max(size)
    coordinates = [value for point in (*corners, *(p for m in masks for p in m)) for value in point]
    if not all(math.isfinite(v) and -limit <= v <= max(size) + limit for v in coordinates):
        raise CalibrationError(f"{where}: a point lies far outside the output")
    return OutputCalibration(size, (corners[0], corners[1], corners[2], corners[3]), masks)


def _points(value: Any) -> tuple[Point, ...]:
    return tuple((float(x), float(y)) for x, y in value)


def load_for_show(path: Path, size: tuple[int, int], outputs: int) -> Calibration:
    """What the show uses: the file where it is sound, else no warp, and a log line that says
    why. The show never stops for a bad calibration."""
    plain = uncalibrated(size, outputs)
    try:
        calibration = load_calibration(path, size, outputs)
    except FileNotFoundError:
        log.info("no calibration at %s: the picture is not warped", path)
        return plain
    except CalibrationError as exc:
        log.error("calibration refused, the picture is not warped: %s", exc)
        return plain
    checked = []
    for number, output in enumerate(calibration.outputs, 1):
        try:
            check_corners(output.corners)
        except FoldedCorners as exc:
            log.error(
                "calibration %s: output %d: %s; that output is not warped (run "
                "wall display --calibrate)",
                path,
                number,
                exc,
            )
            output = OutputCalibration(size, full_frame(size), output.masks)
        checked.append(output)
    return Calibration(tuple(checked))
