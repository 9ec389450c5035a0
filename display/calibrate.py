"""`wall display --calibrate`: the test pattern through the show's own projection pass, the
corner handles and masks on top, live.

The pattern is drawn once on a content canvas; on every change the operator makes, the
projection is rebuilt from the editor's state and the pattern warped again, exactly as the
show warps its frames (`display.projection`). The handles, mask outlines, help and messages
are drawn over the warped picture in window pixels, unwarped, so they sit where the mouse is.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pygame

from display.app import DisplayOptions, open_configured_output
from display.calibration import (
    Calibration,
    CalibrationError,
    FoldedCorners,
    OutputCalibration,
    calibration_path,
    check_corners,
    full_frame,
    load_calibration,
    uncalibrated,
)
from display.corner_editor import CornerEditor, Message
from display.overlays import fit_line
from display.pattern import CORNER_COLOURS, test_pattern
from display.projection import Geometry, Projection, geometry_of
from display.window import FrameRecorder, Output
from wall.config import Settings

log = logging.getLogger(__name__)

FrameSink = Callable[[pygame.Surface, int, float], None]

FPS = 30  # the pattern only moves when the operator does; a mouse drag feels live at 30
QUAD_LINE = (255, 255, 255)
MASK_LINE = (255, 60, 60)
DRAFT_LINE = (255, 150, 0)
MESSAGE_COLOURS = {"info": (255, 255, 255), "error": (255, 80, 80), "saved": (90, 230, 90)}
HELP_BACKDROP = (0, 0, 0, 190)  # dark enough to read over the grid, the pattern still shows
# What each key does, in French and English (the office's staff and a visiting technician).
HELP_LINES = (
    "Glisser un coin à la souris / Drag a corner with the mouse",
    "Tab ou 1-4 : choisir un coin / Tab or 1-4: select a corner",
    "Flèches : déplacer de 1 px, Maj : 10 px / Arrows: move 1 px, Shift: 10 px",
    "M : commencer ou fermer un masque (clics : ses points) / M: start or close a mask (click)",
    "Retour arrière : effacer le dernier masque / Backspace: delete the last mask",
    "R : coins de la sortie remis à zéro / R: reset this output's corners",
    "S : enregistrer / S: save",
    "Échap : quitter sans enregistrer / Esc: quit without saving",
    "H : cacher cette aide / H: hide this help",
)


def run_calibration(settings: Settings, options: DisplayOptions) -> dict[str, Any]:
    """Until Esc (or `options.frames`); the report says whether and where it saved."""
    section = settings.display
    geometry = geometry_of(section)
    path = calibration_path(settings.wall.data_dir, section.calibration_file)
    calibration, note = starting_calibration(path, geometry)
    window = geometry.window_size
    output = open_configured_output(settings, options, window)
    editor = CornerEditor(geometry, calibration, path)
    if note:
        editor.message = note
    session = CalibrationSession(output, geometry, editor)
    recorder = FrameRecorder(options.out, options.every) if options.out else None
    log.info(
        "calibrating %d output(s) of %dx%d; saving to %s",
        geometry.outputs,
        *geometry.output_size,
        path,
    )
    try:
        frames = session.run(options.frames, recorder)
    finally:
        if recorder is not None:
            recorder.close()
    return {"calibrate": True, "saved": editor.saved, "path": str(path), "frames": frames}


def starting_calibration(path: Path, geometry: Geometry) -> tuple[Calibration, Message | None]:
    """The saved calibration to start from, or the full frame and a message saying why."""
    plain = uncalibrated(geometry.output_size, geometry.outputs)
    try:
        calibration = load_calibration(path, geometry.output_size, geometry.outputs)
    except FileNotFoundError:
        return plain, None
    except CalibrationError as exc:
        log.error("starting from the full frame: %s", exc)
        return plain, Message(f"Fichier refusé / File refused: {exc}", "error")
    outputs, note = [], None
    for number, output in enumerate(calibration.outputs, 1):
        try:
            check_corners(output.corners)
        except FoldedCorners as exc:  # a hand edit: start that output from the full frame
            output = OutputCalibration(output.size, full_frame(output.size), output.masks)
            note = Message(f"Sortie / output {number}: {exc}", "error")
        outputs.append(output)
    return Calibration(tuple(outputs)), note


class CalibrationSession:
    """The window, the warped pattern and the overlay; `step` is one frame."""

    def __init__(self, output: Output, geometry: Geometry, editor: CornerEditor) -> None:
        self.output = output
        self.geometry = geometry
        self.editor = editor
        screen = output.screen
        window = geometry.window_size
        self._scale = screen.get_width() / window[0]
        self.pattern = test_pattern(geometry).convert(screen)
        self.warped = pygame.Surface(window, 0, screen)
        self.view = screen if screen.get_size() == window else pygame.Surface(window, 0, screen)
        self._help = _help_panel(geometry)
        self._version = -1

    def run(self, max_frames: int | None, sink: FrameSink | None = None) -> int:
        """Frames until Esc (or `max_frames`), each handed to `sink` as the window shows it."""
        frames = 0
        next_at = time.monotonic()
        while not self.editor.done and (max_frames is None or frames < max_frames):
            self.step()
            if sink is not None:
                sink(self.output.presenter.shown(), frames, time.time())
            frames += 1
            next_at += 1 / FPS
            pause = next_at - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            else:
                next_at = time.monotonic()
        return frames

    def step(self) -> None:
        for event in pygame.event.get():
            if hasattr(event, "pos"):
                event = pygame.event.Event(
                    event.type, {**event.dict, "pos": self._to_window(event.pos)}
                )
            self.editor.handle(event)
        if self.editor.version != self._version:
            self._version = self.editor.version
            projection = Projection(self.geometry, self.editor.calibration())
            projection.apply(self.pattern, self.warped, None)
        self.view.blit(self.warped, (0, 0))
        draw_overlay(self.view, self.editor, self._help)
        if self.view is not self.output.screen:
            pygame.transform.scale(self.view, self.output.screen.get_size(), self.output.screen)
        self.output.presenter.present(None)

    def _to_window(self, pos: tuple[int, int]) -> tuple[float, float]:
        """Mouse position in the window's logical pixels (magnified LED walls, GPU scaling)."""
        dest = getattr(self.output.presenter, "dest", None)
        if dest is not None:
            width, height = self.geometry.window_size
            return (pos[0] - dest.x) * width / dest.w, (pos[1] - dest.y) * height / dest.h
        return pos[0] / self._scale, pos[1] / self._scale


def _help_panel(geometry: Geometry) -> pygame.Surface | None:
    width, height = geometry.output_size
    px = max(12, height // 45)
    shown = [line for text in HELP_LINES for line in wrapped(text, px, round(width * 0.86))]
    if not shown:
        return None
    gap = px // 2
    panel = pygame.Surface(
        (
            max(line.get_width() for line in shown) + 2 * px,
            sum(line.get_height() + gap for line in shown) + 2 * px,
        ),
        pygame.SRCALPHA,
    )
    panel.fill(HELP_BACKDROP)
    y = px
    for line in shown:
        panel.blit(line, (px, y))
        y += line.get_height() + gap
    return panel


def draw_overlay(
    view: pygame.Surface, editor: CornerEditor, help_panel: pygame.Surface | None
) -> None:
    """Quads, handles, masks, the mask being drawn, the help and the message, unwarped."""
    geometry = editor.geometry
    width, height = geometry.output_size
    radius = max(6, height // 70)
    for output, corners in enumerate(editor.corners):
        origin = output * width
        points = [(x + origin, y) for x, y in corners]
        pygame.draw.lines(view, QUAD_LINE, True, points, 1)
        for mask in editor.masks[output]:
            pygame.draw.lines(view, MASK_LINE, True, [(x + origin, y) for x, y in mask], 2)
        for index, point in enumerate(points):
            selected = editor.selected == (output, index)
            pygame.draw.circle(view, CORNER_COLOURS[index], point, radius, 0 if selected else 2)
            if selected:  # a fine cross on the exact point: what an arrow key moves
                x, y = round(point[0]), round(point[1])
                pygame.draw.line(view, QUAD_LINE, (x - radius * 3, y), (x + radius * 3, y), 1)
                pygame.draw.line(view, QUAD_LINE, (x, y - radius * 3), (x, y + radius * 3), 1)
    if editor.drawing is not None:
        output, draft = editor.drawing
        placed = [(x + output * width, y) for x, y in draft]
        if len(placed) > 1:
            pygame.draw.lines(view, DRAFT_LINE, False, placed, 2)
        for point in placed:
            pygame.draw.circle(view, DRAFT_LINE, point, max(3, radius // 2))
    if editor.show_help and help_panel is not None:
        view.blit(help_panel, help_panel.get_rect(center=(width // 2, height // 2)))
    _status(view, editor, width, height)


def _status(view: pygame.Surface, editor: CornerEditor, width: int, height: int) -> None:
    output, corner = editor.selected
    x, y = editor.corners[output][corner]
    where = f"({x:.0f}, {y:.0f})"
    parts = [
        f"sortie {output + 1} coin {corner + 1} {where} / output {output + 1} corner {corner + 1}"
    ]
    if editor.unsaved:
        parts.append("non enregistré / unsaved")
    px = max(12, height // 40)
    lines = [
        *wrapped(editor.message.text, px, round(width * 0.9), MESSAGE_COLOURS[editor.message.kind]),
        *wrapped("  ·  ".join(parts), px, round(width * 0.9), QUAD_LINE),
    ]
    bottom = height - px
    for line in reversed(lines):
        place = line.get_rect(midbottom=(width // 2, bottom))
        view.fill((0, 0, 0), place.inflate(px // 2, px // 4))
        view.blit(line, place)
        bottom = place.top - px // 2


def wrapped(
    text: str, px: int, max_width: int, colour: tuple[int, int, int] = QUAD_LINE
) -> list[pygame.Surface]:
    """The text on as many lines as it needs to stay readable: French and English apart
    first, then at the space nearest the middle."""
    if not text:
        return []
    line = fit_line(text, px, max_width, colour)
    if line is not None:
        return [line]
    if " / " in text:
        first, second = text.split(" / ", 1)
    elif " " in text:
        middle = len(text) // 2
        cut = min((i for i, c in enumerate(text) if c == " "), key=lambda i: abs(i - middle))
        first, second = text[:cut], text[cut + 1 :]
    else:
        return []
    return wrapped(first, px, max_width, colour) + wrapped(second, px, max_width, colour)
