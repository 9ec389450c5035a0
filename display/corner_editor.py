"""What the operator does in `wall display --calibrate`: pygame events in, corners and masks out.

Kept apart from the drawing (`display.calibrate`) so that a test can post events and read the
state. Positions are window pixels at the window's logical size (all outputs side by side);
corners and masks are kept in each output's own pixels, as the calibration file holds them.
A move that would fold the picture is refused there and then, with the reason on screen, so
the state is always one that can be saved.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pygame

from display.calibration import (
    Calibration,
    FoldedCorners,
    OutputCalibration,
    Point,
    check_corners,
    full_frame,
    save_calibration,
)
from display.projection import Geometry

log = logging.getLogger(__name__)

HANDLE_GRAB_PX = 40  # a press this close to a corner takes it (a finger on a touch screen too)
STEP_PX = 1.0  # an arrow key: one output pixel
BIG_STEP_PX = 10.0  # with Shift
ARROWS = {
    pygame.K_LEFT: (-1.0, 0.0),
    pygame.K_RIGHT: (1.0, 0.0),
    pygame.K_UP: (0.0, -1.0),
    pygame.K_DOWN: (0.0, 1.0),
}
CORNER_KEYS = {pygame.K_1: 0, pygame.K_2: 1, pygame.K_3: 2, pygame.K_4: 3}
MIN_MASK_POINTS = 3


@dataclass(frozen=True)
class Message:
    text: str
    kind: str  # "info", "error" or "saved": its colour on screen


class CornerEditor:
    """The corners and masks of every output, the selection, and the last message."""

    def __init__(self, geometry: Geometry, calibration: Calibration, path: Path) -> None:
        self.geometry = geometry
        self.path = path
        self.corners = [list(output.corners) for output in calibration.outputs]
        self.masks = [list(output.masks) for output in calibration.outputs]
        self._mask_order = [i for i, output in enumerate(calibration.outputs) for _ in output.masks]
        self.selected = (0, 0)  # (output, corner)
        self.drawing: tuple[int, list[Point]] | None = None  # a mask being drawn: output, points
        self.message = Message("", "info")
        self.show_help = True
        self.done = False
        self.saved = False
        self.unsaved = False
        self.version = 0  # bumped on every change of what the warp draws
        self._grab: Point | None = None  # pointer minus corner while dragging

    def calibration(self) -> Calibration:
        size = self.geometry.output_size
        return Calibration(
            tuple(
                OutputCalibration(size, (c[0], c[1], c[2], c[3]), tuple(m))
                for c, m in zip(self.corners, self.masks, strict=True)
            )
        )

    def handle(self, event: pygame.event.Event) -> None:
        if event.type == pygame.QUIT:
            self.done = True
        elif event.type == pygame.KEYDOWN:
            self._key(event.key, bool(event.mod & pygame.KMOD_SHIFT))
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            self._press(event.pos)
        elif event.type == pygame.MOUSEMOTION and self._grab is not None:
            output, corner = self.selected
            x, y = self._local(event.pos, output)
            self._move(output, corner, (x - self._grab[0], y - self._grab[1]))
        elif event.type == pygame.MOUSEBUTTONUP and event.button == 1:
            self._grab = None

    # Pointer

    def _local(self, pos: tuple[float, float], output: int) -> Point:
        return float(pos[0]) - output * self.geometry.output_size[0], float(pos[1])

    def _output_at(self, pos: tuple[float, float]) -> int:
        return min(self.geometry.outputs - 1, max(0, int(pos[0] // self.geometry.output_size[0])))

    def _press(self, pos: tuple[float, float]) -> None:
        if self.drawing is not None:
            self._add_point(pos)
            return
        nearest = self._nearest_corner(pos)
        if nearest is None:
            return
        self.selected = nearest
        x, y = self._local(pos, nearest[0])
        corner = self.corners[nearest[0]][nearest[1]]
        self._grab = (x - corner[0], y - corner[1])

    def _nearest_corner(self, pos: tuple[float, float]) -> tuple[int, int] | None:
        best, best_distance = None, float(HANDLE_GRAB_PX)
        for output, corners in enumerate(self.corners):
            x, y = self._local(pos, output)
            for index, (cx, cy) in enumerate(corners):
                distance = ((x - cx) ** 2 + (y - cy) ** 2) ** 0.5
                if distance <= best_distance:
                    best, best_distance = (output, index), distance
        return best

    # Corners

    def _move(self, output: int, corner: int, point: Point) -> None:
        width, height = self.geometry.output_size
        clamped = (min(max(point[0], 0.0), float(width)), min(max(point[1], 0.0), float(height)))
        candidate = list(self.corners[output])
        candidate[corner] = clamped
        if candidate == self.corners[output]:
            return
        try:
            check_corners(candidate)
        except FoldedCorners as exc:
            self.message = Message(f"Refusé : l'image serait repliée / Refused: {exc}", "error")
            return
        self.corners[output] = candidate
        self._changed()

    def _changed(self) -> None:
        self.version += 1
        self.unsaved = True
        if self.message.kind != "info":
            self.message = Message("", "info")

    def _key(self, key: int, shift: bool) -> None:
        output, corner = self.selected
        if key in ARROWS:
            step = BIG_STEP_PX if shift else STEP_PX
            dx, dy = ARROWS[key]
            x, y = self.corners[output][corner]
            self._move(output, corner, (x + dx * step, y + dy * step))
        elif key == pygame.K_TAB:
            flat = (output * 4 + corner + (-1 if shift else 1)) % (4 * self.geometry.outputs)
            self.selected = divmod(flat, 4)
        elif key in CORNER_KEYS:
            self.selected = (output, CORNER_KEYS[key])
        elif key == pygame.K_m or (key in (pygame.K_RETURN, pygame.K_KP_ENTER) and self.drawing):
            self._toggle_mask()
        elif key in (pygame.K_BACKSPACE, pygame.K_DELETE):
            self._delete()
        elif key == pygame.K_r:
            self.corners[output] = list(full_frame(self.geometry.output_size))
            self._changed()
        elif key == pygame.K_h:
            self.show_help = not self.show_help
        elif key == pygame.K_s:
            self.save()
        elif key == pygame.K_ESCAPE:
            if self.drawing is not None:
                self.drawing = None
                self.message = Message("Masque annulé / Mask cancelled", "info")
            else:
                self.done = True

    # Masks

    def _toggle_mask(self) -> None:
        if self.drawing is None:
            self.drawing = (self.selected[0], [])
            self.message = Message(
                "Masque : cliquez ses points, M pour fermer / Mask: click its points, M closes",
                "info",
            )
            return
        output, points = self.drawing
        if len(points) < MIN_MASK_POINTS:
            self.message = Message(
                f"Un masque a au moins {MIN_MASK_POINTS} points / "
                f"A mask needs {MIN_MASK_POINTS} points or more",
                "error",
            )
            return
        self.masks[output].append(tuple(points))
        self._mask_order.append(output)
        self.drawing = None
        self.message = Message("Masque ajouté / Mask added", "info")
        self._changed()

    def _add_point(self, pos: tuple[float, float]) -> None:
        assert self.drawing is not None
        output, points = self.drawing
        if not points:
            output = self._output_at(pos)
        width, height = self.geometry.output_size
        x, y = self._local(pos, output)
        points.append((min(max(x, 0.0), float(width)), min(max(y, 0.0), float(height))))
        self.drawing = (output, points)

    def _delete(self) -> None:
        if self.drawing is not None:
            if self.drawing[1]:
                self.drawing[1].pop()
            else:
                self.drawing = None
            return
        if not self._mask_order:
            self.message = Message("Aucun masque / No mask to delete", "info")
            return
        output = self._mask_order.pop()
        self.masks[output].pop()
        self.message = Message("Dernier masque effacé / Last mask deleted", "info")
        self._changed()

    # Saving

    def save(self) -> None:
        try:
            save_calibration(self.path, self.calibration())
        except FoldedCorners as exc:
            self.message = Message(f"Non enregistré / Not saved: {exc}", "error")
            return
        except OSError as exc:
            self.message = Message(f"Non enregistré / Not saved: {self.path}: {exc}", "error")
            log.error("calibration not saved to %s: %s", self.path, exc)
            return
        self.saved = True
        self.unsaved = False
        self.message = Message(f"Enregistré / Saved: {self.path}", "saved")
        log.info("calibration saved to %s", self.path)
