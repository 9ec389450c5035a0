"""The real render loop with a calibration, driven in-process on the SDL dummy driver.

`play` runs `display.runner.Runner` (with the real library, rotation, playlist, call-to-action
band and presenter) over a layout that paints a known picture, with the projection pass built
from a `Geometry` and a `Calibration` (done by the render loop, or by the presenter when the
output was opened with it: the GPU path's mesh), and returns the frames as the window shows
them.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pygame

from display.cache import RenditionCache
from display.calibration import Calibration, OutputCalibration, uncalibrated
from display.commands import Command, PhotoReady
from display.contracts import ImageSource, Layout, Rotation
from display.library import PhotoLibrary
from display.overlays import CallToAction, CornerBand, idle_screen
from display.playlist import Playlist
from display.projection import Geometry, Projection
from display.rotation import FairRotation
from display.runner import Runner
from display.window import Output
from tests.helpers.images import distinctive_jpeg
from tests.helpers.wall_display import MAGENTA, wall_photo
from wall.config import DisplaySection

CTA = CallToAction("Mur", "#mur", "Envoyez vos photos", "Send your photos", "http://wall.test/")
Painter = Callable[[pygame.Surface, int], list[pygame.Rect] | None]


class PaintedLayout:
    """A layout that paints what the test says: `paint(canvas, frame_number)` returns the
    changed rectangles (None: all of it), as a real layout's draw does."""

    name = "painted"

    def __init__(self, paint: Painter) -> None:
        self._paint = paint
        self.frame = 0

    def start(self, size: tuple[int, int], now: float) -> None:  # noqa: ARG002 (protocol)
        self.frame = 0

    def update(self, now: float, source: ImageSource, rotation: Rotation) -> None:  # noqa: ARG002 (protocol)
        pass

    def draw(self, canvas: pygame.Surface, now: float) -> list[pygame.Rect]:  # noqa: ARG002 (protocol)
        changed = self._paint(canvas, self.frame)
        self.frame += 1
        return [canvas.get_rect()] if changed is None else changed


def flat(colour: tuple[int, int, int]) -> Painter:
    """The whole canvas one colour, painted once."""

    def paint(canvas: pygame.Surface, frame: int) -> list[pygame.Rect] | None:
        if frame:
            return []
        canvas.fill(colour)
        return None

    return paint


RIG_SIZE = (320, 180)
DOT = 4  # px: a white square on black; its centre is the pattern point
WHITE = (255, 255, 255)


def one_output(
    corners: tuple, masks: tuple = (), brightness: float = 1.0, size: tuple[int, int] = RIG_SIZE
) -> Projection:
    """One projector of `size` with these corners and masks."""
    geometry = Geometry(size, brightness=brightness)
    return Projection(geometry, Calibration((OutputCalibration(size, corners, masks),)))


def dots(points: tuple[tuple[int, int], ...]) -> Painter:
    """White `DOT`-pixel squares on black at `points` (their top-left corners), painted once."""

    def paint(canvas: pygame.Surface, frame: int) -> list[pygame.Rect] | None:
        if frame:
            return []
        canvas.fill((0, 0, 0))
        for x, y in points:
            canvas.fill(WHITE, (x, y, DOT, DOT))
        return None

    return paint


def centroid(frame: np.ndarray, around: np.ndarray, reach: int = 8) -> tuple[float, float, float]:
    """Brightness-weighted centre (continuous pixel coordinates) near `around`, and the mass."""
    x0, y0 = int(around[0]) - reach, int(around[1]) - reach
    patch = frame[y0 : y0 + 2 * reach, x0 : x0 + 2 * reach].astype(np.float64).sum(axis=2)
    rows, cols = np.mgrid[0 : patch.shape[0], 0 : patch.shape[1]]
    mass = patch.sum()
    return (
        x0 + float((patch * (cols + 0.5)).sum() / mass),
        y0 + float((patch * (rows + 0.5)).sum() / mass),
        mass / 255 / 3,
    )


def pixels(surface: pygame.Surface) -> np.ndarray:
    """(height, width, 3) RGB, as a PNG frame reads."""
    return pygame.surfarray.array3d(surface).swapaxes(0, 1).copy()


def play(
    output: Output,
    projection: Projection,
    paint: Painter,
    tmp_path: Path,
    frames: int,
) -> tuple[list[np.ndarray], Runner]:
    """`frames` frames of the painted layout through the runner; each shown frame as RGB."""
    content = projection.geometry.content_size
    cache = RenditionCache(tmp_path / "cache", 64 * 1024 * 1024)
    cache.put("magenta", "display", distinctive_jpeg(MAGENTA, (800, 600)))
    library = PhotoLibrary(cache, lambda _photo_id, _kind: None)
    inbox: queue.SimpleQueue[Command] = queue.SimpleQueue()
    inbox.put(PhotoReady(wall_photo("magenta"), fresh=True))  # a photo: the layout plays
    layout = PaintedLayout(paint)
    shown: list[np.ndarray] = []

    def loader(_name: str, _settings: DisplaySection) -> Layout:
        return layout

    runner = Runner(
        screen=output.screen,
        canvas_size=content,
        fps=60,
        vsync=False,
        playlist=Playlist(["spotlight"], DisplaySection(), 3600.0, loader=loader),
        library=library,
        rotation=FairRotation(10.0, 1.0, time.monotonic),
        band=CornerBand(CTA, content),
        idle=idle_screen(CTA, content).convert(output.screen),
        commands=inbox,
        frame_sink=lambda surface, _index, _when: shown.append(pixels(surface)),
        max_frames=frames,
        presenter=output.presenter,
        projection=None if output.projects else projection,  # the GPU path draws it itself
    )
    library.start()
    try:
        runner.run()
    finally:
        library.stop()
    return shown, runner


def check_blend_ramp(
    open_window: Callable[[Projection], Output],
    tmp_path: Path,
    level_tolerance: float,
    light_tolerance: float,
) -> None:
    """Two outputs of `RIG_SIZE` overlapping by 64 px, flat white and grey, gamma 2.2 and 1.8:
    each side of the overlap follows its ramp^(1/gamma) within `level_tolerance` levels, the
    two together give the light of one projector, and outside the overlap nothing changes."""
    overlap, width = 64, RIG_SIZE[0]
    for gamma in (2.2, 1.8):
        for colour in (WHITE, (128, 128, 128)):
            geometry = Geometry(RIG_SIZE, outputs=2, blend_px=overlap, blend_gamma=gamma)
            projection = Projection(geometry, uncalibrated(RIG_SIZE, 2))
            frames, _ = play(open_window(projection), projection, flat(colour), tmp_path, 2)
            row = frames[-1][10, :, 0].astype(np.float64)  # above the call to action
            left = row[width - overlap : width]  # output 1's end of the overlap
            right = row[width : width + overlap]  # output 2's start: the same content
            share = (np.arange(overlap) + 0.5) / overlap
            assert np.abs(left - colour[0] * (1 - share) ** (1 / gamma)).max() <= level_tolerance
            assert np.abs(right - colour[0] * share ** (1 / gamma)).max() <= level_tolerance
            light = (left / colour[0]) ** gamma + (right / colour[0]) ** gamma
            assert np.abs(light - 1).max() < light_tolerance, "together: one projector's light"
            assert (row[: width - overlap] == colour[0]).all()
            assert (row[width + overlap :] == colour[0]).all()
