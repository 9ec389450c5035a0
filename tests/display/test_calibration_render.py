"""The projection pass in the real render loop: the warp, masks, blend ramp and brightness, read
back from the frames the window shows (CPU path, and the GPU path on SDL's software renderer)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pygame
import pytest

from display.calibration import Calibration, OutputCalibration, full_frame, uncalibrated
from display.overlays import CornerBand
from display.projection import Geometry, Projection, blend_ramp
from display.window import Output, open_output
from tests.helpers.projection_rig import (
    CTA,
    DOT,
    centroid,
    check_blend_ramp,
    flat,
    one_output,
    pixels,
    play,
)
from tests.helpers.projection_rig import dots as rig_dots
from tests.helpers.server import REPO_ROOT
from tests.helpers.wall_display import read_frame

SIZE = (320, 180)
KEYSTONE = ((22.0, 14.0), (305.0, 3.0), (316.0, 171.0), (4.0, 160.0))
DOTS = ((40, 30), (150, 60), (250, 40), (60, 110), (200, 100), (120, 140))
WHITE, GREY = (255, 255, 255), (128, 128, 128)
RUN_TIMEOUT_S = 60


def window(geometry: Geometry, renderer: str = "cpu") -> Output:
    return open_output(
        geometry.window_size,
        1,
        renderer=renderer,  # type: ignore[arg-type]
        fullscreen=False,
        vsync=False,
        headless=True,
        read_back=True,
    )


dots = rig_dots(DOTS)


@pytest.mark.parametrize("renderer", ["cpu", "gpu"])
def test_pattern_points_land_where_the_homography_puts_them(
    sdl: None, tmp_path: Path, renderer: str
) -> None:
    del sdl
    projection = one_output(KEYSTONE)
    frames, runner = play(window(projection.geometry, renderer), projection, dots, tmp_path, 3)
    assert runner.canvas is not runner.screen, "the layouts paint a canvas the pass warps"
    # The reference is OpenCV's own solver, not the code under test.
    matrix = cv2.getPerspectiveTransform(np.float32(full_frame(SIZE)), np.float32(KEYSTONE)).astype(
        np.float64
    )
    centres = np.float64([(x + DOT / 2, y + DOT / 2, 1.0) for x, y in DOTS]) @ matrix.T
    expected = centres[:, :2] / centres[:, 2:]
    frame = frames[-1]
    for point, target in zip(DOTS, expected, strict=True):
        x, y, mass = centroid(frame, target)
        assert mass > DOT * DOT * 0.5, f"the dot at {point} is not near {target}"
        assert abs(x - target[0]) <= 1 and abs(y - target[1]) <= 1, (point, (x, y), target)
    assert not frame[1, 1].any() and not frame[2, 300].any(), "outside the quad: black"


def test_masks_are_exactly_black(sdl: None, tmp_path: Path) -> None:
    del sdl
    door = ((40.0, 40.0), (120.0, 30.0), (130.0, 150.0), (70.0, 120.0))  # not convex
    window_mask = ((200.0, 20.0), (260.0, 20.0), (260.0, 70.0), (200.0, 70.0))
    for corners in (full_frame(SIZE), KEYSTONE):
        projection = one_output(corners, (door, window_mask))
        frames, _ = play(window(projection.geometry), projection, flat(WHITE), tmp_path, 2)
        frame = frames[-1]
        for mask in (door, window_mask):
            contour = np.float32(mask).reshape(-1, 1, 2)
            inside, near = [], []
            for y in range(SIZE[1]):
                for x in range(SIZE[0]):
                    distance = cv2.pointPolygonTest(contour, (x + 0.5, y + 0.5), True)
                    if distance > 1:
                        inside.append(frame[y, x])
                    elif -6 < distance < -2:
                        near.append(frame[y, x])
            assert inside and not np.asarray(inside).any(), "every pixel inside a mask is 0"
            assert np.asarray(near).min() > 200, "right outside the mask the picture is lit"


def test_the_blend_ramp_follows_the_gamma(sdl: None, tmp_path: Path) -> None:
    del sdl
    check_blend_ramp(lambda projection: window(projection.geometry), tmp_path, 1.0, 0.03)
    falling, rising = blend_ramp(8, 2.2)
    assert np.allclose(falling**2.2 + rising**2.2, 1.0)


def test_the_blend_follows_each_output_warp(sdl: None, tmp_path: Path) -> None:
    """Warped outputs carry their ramp with them: it stays on the slice's overlap columns."""
    del sdl
    overlap, gamma = 64, 2.2
    geometry = Geometry(SIZE, outputs=2, blend_px=overlap, blend_gamma=gamma)
    calibration = Calibration(
        (OutputCalibration(SIZE, KEYSTONE), OutputCalibration(SIZE, full_frame(SIZE)))
    )
    frames, _ = play(window(geometry), Projection(geometry, calibration), flat(WHITE), tmp_path, 2)
    matrix = cv2.getPerspectiveTransform(np.float32(full_frame(SIZE)), np.float32(KEYSTONE))
    for column in (SIZE[0] - overlap + 8, SIZE[0] - overlap // 2, SIZE[0] - 10):
        share = (column - (SIZE[0] - overlap) + 0.5) / overlap
        where = cv2.perspectiveTransform(np.float32([[[column + 0.5, 40.5]]]), matrix)[0, 0]
        value = frames[-1][int(where[1]), int(where[0]), 0]
        assert abs(value - 255 * (1 - share) ** (1 / gamma)) <= 6, (column, value)


def test_brightness_caps_every_pixel(sdl: None, tmp_path: Path) -> None:
    del sdl
    projection = one_output(full_frame(SIZE), brightness=0.5)
    assert projection.active
    band = CornerBand(CTA, SIZE).rect
    for colour, expected in ((WHITE, 127.5), ((200, 100, 40), None)):
        frames, _ = play(window(projection.geometry), projection, flat(colour), tmp_path, 2)
        frame = frames[-1].astype(np.float64)
        frame[band.top :, band.left :] = np.nan  # the call to action has its own colours
        lit = frame[~np.isnan(frame[:, :, 0])]
        target = np.float64(colour) * 0.5 if expected is None else np.full(3, expected)
        assert np.abs(lit - target).max() <= 1.0


def test_no_calibration_skips_the_pass(sdl: None, tmp_path: Path) -> None:
    del sdl
    projection = Projection(Geometry(SIZE), uncalibrated(SIZE, 1))
    assert not projection.active
    frames, runner = play(window(projection.geometry), projection, flat(GREY), tmp_path, 2)
    assert runner.canvas is runner.screen, "no calibration: the layouts paint the screen"
    assert (frames[-1][5, :100] == 128).all()


@pytest.mark.parametrize(("threads", "renderer"), [(1, "cpu"), (2, "cpu"), (2, "gpu")])
def test_changed_rectangles_warp_like_a_full_frame(
    sdl: None, tmp_path: Path, threads: int, renderer: str
) -> None:
    """Only the output regions a changed rectangle maps to are warped again, by one thread or
    split with the helper, and only those go up to the GPU's texture; the result is the full
    warp of the same canvas (and a forgotten rectangle is caught up by the rolling bands)."""
    del sdl
    size = (640, 360)  # large regions: the helper thread takes half of them
    geometry = Geometry(size, outputs=2, blend_px=80, brightness=0.8)
    mask = ((60.0, 60.0), (180.0, 60.0), (120.0, 180.0))
    keystone = tuple((x * 2, y * 2) for x, y in KEYSTONE)
    calibration = Calibration(
        (OutputCalibration(size, keystone, (mask,)), OutputCalibration(size, full_frame(size)))
    )
    projection = Projection(geometry, calibration, threads)
    rng = np.random.default_rng(3)

    def moving(canvas: pygame.Surface, frame: int) -> list[pygame.Rect] | None:
        if not frame:
            canvas.fill((30, 60, 90))
            return None
        rect = pygame.Rect(int(rng.integers(0, 900)), int(rng.integers(0, 250)), 80, 50)
        if frame % 10 == 0:
            rect.size = (400, 300)
        canvas.fill(tuple(int(v) for v in rng.integers(0, 256, 3)), rect)
        if frame == 5:
            canvas.fill((250, 250, 0), (600, 40, 60, 60))
            return []  # a layout that forgets what it painted
        return [rect]

    output = window(geometry, renderer)
    try:
        frames, runner = play(output, projection, moving, tmp_path, 150)
    finally:
        projection.close()
    reference = pygame.Surface(geometry.window_size, 0, output.screen)
    Projection(geometry, calibration).apply(runner.canvas, reference, None)
    assert np.abs(frames[-1].astype(int) - pixels(reference).astype(int)).max() <= 1


def _display(tmp_path: Path, calibration: dict) -> tuple[subprocess.CompletedProcess[str], Path]:
    """`wall display --headless` (idle screen: no server) with this calibration file."""
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / "calibration.json").write_text(json.dumps(calibration))
    config = tmp_path / "wall.toml"
    config.write_text(
        f'[wall]\ndata_dir = "{data}"\ndisplay_token = "t"\n'
        '[display]\nsize = "320x180"\nserver_url = "http://127.0.0.1:9"\n'
    )
    out = tmp_path / "frames"
    command = [sys.executable, "-m", "wall", "--config", str(config), "display", "--headless"]
    command += ["--frames", "3", "--out", str(out)]
    done = subprocess.run(
        command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=RUN_TIMEOUT_S
    )
    assert done.returncode == 0, done.stderr
    return done, out / "frame-00002.png"


def test_the_command_warps_with_the_saved_calibration(tmp_path: Path) -> None:
    mask = [[40, 40], [100, 40], [100, 100], [40, 100]]
    saved = {"size": [320, 180], "corners": [list(p) for p in KEYSTONE], "masks": [mask]}
    done, frame_path = _display(tmp_path, {"version": 1, "outputs": [saved]})
    frame = read_frame(frame_path)
    assert not frame[:10, :15].any() and not frame[-5:, -2:].any(), "outside the quad: black"
    assert not frame[45:95, 45:95].any(), "the mask: black"
    assert frame[60:120, 150:250].mean() > 10, "the idle screen inside"
    assert json.loads(done.stdout.strip().splitlines()[-1])["frames"] == 3


def test_folded_corners_at_show_start_are_logged_and_not_warped(tmp_path: Path) -> None:
    bow_tie = [[0, 0], [320, 180], [320, 0], [0, 180]]
    saved = {"size": [320, 180], "corners": bow_tie, "masks": []}
    done, frame_path = _display(tmp_path, {"version": 1, "outputs": [saved]})
    assert "fold the picture" in done.stderr and "not warped" in done.stderr
    frame = read_frame(frame_path)
    assert frame[:10, :15].mean() > 10, "the full frame is lit: no warp"
