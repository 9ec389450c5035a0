"""The projection pass on the GPU path (`display.gpu_warp`), in the real render loop, read back
from the renderer: SDL's software one, the only one a headless machine has.

The output is opened with the projection (`open_output(projection=...)`), so the presenter
draws the unwarped canvas as a mesh and the loop does not warp: what is checked here is what
the window shows. The software renderer samples the nearest texel and snaps vertices to whole
pixels, which the tolerances below account for, each where it is used.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pygame
import pytest

from display.calibration import Calibration, OutputCalibration, full_frame
from display.gpu import GpuPresenter
from display.overlays import CornerBand
from display.projection import Geometry, Projection
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
MILD = ((22.0, 14.0), (305.0, 3.0), (316.0, 171.0), (4.0, 160.0))
STRONG = ((48.0, 0.0), (272.0, 9.0), (320.0, 180.0), (0.0, 171.0))  # top 30 % narrower
DOTS = ((40, 30), (150, 60), (250, 40), (60, 110), (200, 100), (120, 140), (275, 125))
WHITE, GREY = (255, 255, 255), (128, 128, 128)
DOOR = ((40.0, 40.0), (120.0, 30.0), (130.0, 150.0), (70.0, 120.0))  # not convex
WINDOW = ((200.0, 20.0), (260.0, 20.0), (260.0, 70.0), (200.0, 70.0))
BOW_TIE = ((160.0, 100.0), (220.0, 160.0), (220.0, 100.0), (160.0, 160.0))  # crosses itself
BOW_TIE_LOBES = (
    ((160.0, 100.0), (190.0, 130.0), (160.0, 160.0)),
    ((220.0, 100.0), (220.0, 160.0), (190.0, 130.0)),
)
RUN_TIMEOUT_S = 60
SMOOTH_SLOPE = 8  # levels per pixel: the waves below reach ~6, an edge or a mask far more


def gpu_window(projection: Projection) -> Output:
    output = open_output(
        projection.window_size,
        1,
        renderer="gpu",
        fullscreen=False,
        vsync=False,
        headless=True,
        read_back=True,
        projection=projection,
    )
    assert output.renderer == "gpu" and output.projects, "the GPU presenter does the pass"
    assert isinstance(output.presenter, GpuPresenter)
    assert output.screen.get_size() == projection.geometry.content_size, "unwarped canvas"
    return output


dots = rig_dots(DOTS)


def expected_places(corners: tuple, points: list[tuple[float, float]]) -> np.ndarray:
    """Where OpenCV's own solver (not the code under test) puts these content points."""
    matrix = cv2.getPerspectiveTransform(np.float32(full_frame(SIZE)), np.float32(corners))
    return cv2.perspectiveTransform(np.float64([points]), matrix.astype(np.float64))[0]


@pytest.mark.parametrize("corners", [MILD, STRONG], ids=["mild", "strong"])
def test_pattern_points_land_where_the_homography_puts_them(
    sdl: None, tmp_path: Path, corners: tuple
) -> None:
    del sdl
    projection = one_output(corners)
    output = gpu_window(projection)
    frames, runner = play(output, projection, dots, tmp_path, 3)
    assert runner.canvas is output.screen, "the loop paints the canvas the GPU warps"
    presenter = output.presenter
    assert isinstance(presenter, GpuPresenter)
    assert presenter.uploaded_pixels <= (1 + 2) * SIZE[0] * SIZE[1], "no re-upload per frame"
    targets = expected_places(corners, [(x + DOT / 2, y + DOT / 2) for x, y in DOTS])
    frame = frames[-1]
    for point, target in zip(DOTS, targets, strict=True):
        x, y, mass = centroid(frame, target)
        square = [
            (point[0] + dx, point[1] + dy) for dx, dy in ((0, 0), (DOT, 0), (DOT, DOT), (0, DOT))
        ]
        area = cv2.contourArea(np.float32(expected_places(corners, square)))  # the warped dot's
        assert mass > area * 0.5, f"the dot at {point} is not near {target}"
        assert abs(x - target[0]) <= 1 and abs(y - target[1]) <= 1, (point, (x, y), target)
    outside = np.ones(SIZE[::-1], np.uint8)
    cv2.fillPoly(outside, [np.int32(np.round(np.float32(corners) * 16))], 0, cv2.LINE_8, 4)
    outside = cv2.erode(outside, np.ones((3, 3), np.uint8))  # a pixel away from the edges
    assert not frame[outside > 0].any(), "outside the quad: black"


@pytest.mark.parametrize("corners", [full_frame(SIZE), MILD], ids=["unwarped", "keystone"])
def test_masks_are_exactly_black(sdl: None, tmp_path: Path, corners: tuple) -> None:
    del sdl
    projection = one_output(corners, (DOOR, WINDOW, BOW_TIE))
    frames, _ = play(gpu_window(projection), projection, flat(WHITE), tmp_path, 2)
    frame = frames[-1]
    lit = np.zeros(SIZE[::-1], bool)
    cv2.fillPoly(lit.view(np.uint8), [np.int32(np.round(np.float32(corners) * 16))], 1, 8, 4)
    lit = cv2.erode(lit.view(np.uint8), np.ones((7, 7), np.uint8)) > 0  # well inside the quad
    for shape in (DOOR, WINDOW, *BOW_TIE_LOBES):
        contour = np.float32(shape).reshape(-1, 1, 2)
        inside, near = [], []
        for y in range(SIZE[1]):
            for x in range(SIZE[0]):
                distance = cv2.pointPolygonTest(contour, (x + 0.5, y + 0.5), True)
                if distance > 1:
                    inside.append(frame[y, x])
                elif -6 < distance < -2 and lit[y, x] and not _in_any(x, y, shape):
                    near.append(frame[y, x])
        assert inside and not np.asarray(inside).any(), f"every pixel inside {shape} is 0"
        assert near and np.asarray(near).min() > 200, "right outside the mask the picture is lit"


def _in_any(x: int, y: int, exclude: tuple) -> bool:
    """Whether the pixel is within 2 px of another mask (their surroundings overlap)."""
    for shape in (DOOR, WINDOW, *BOW_TIE_LOBES):
        if shape is not exclude:
            contour = np.float32(shape).reshape(-1, 1, 2)
            if cv2.pointPolygonTest(contour, (x + 0.5, y + 0.5), True) > -7:
                return True
    return False


def test_the_blend_ramp_follows_the_gamma(sdl: None, tmp_path: Path) -> None:
    """Each overlap column is the colour × ramp^(1/gamma), as on the CPU path. Tolerance 1.5
    levels: the ramp is stored as bytes (round(255 × ramp): at most 0.5/255 of the colour
    off) and SDL's MOD blend truncates its product (less than 1 level)."""
    del sdl
    check_blend_ramp(gpu_window, tmp_path, 1.5, 0.05)


def test_the_blend_follows_each_output_warp(sdl: None, tmp_path: Path) -> None:
    """On a warped output the ramp is drawn through the same mesh: it stays on the slice's
    overlap columns. Tolerance: what the ramp changes over one column either side (where a
    content column may land, give or take a pixel), plus the 1.5 levels above."""
    del sdl
    overlap, gamma = 64, 2.2
    geometry = Geometry(SIZE, outputs=2, blend_px=overlap, blend_gamma=gamma)
    calibration = Calibration(
        (OutputCalibration(SIZE, MILD), OutputCalibration(SIZE, full_frame(SIZE)))
    )
    projection = Projection(geometry, calibration)
    frames, _ = play(gpu_window(projection), projection, flat(WHITE), tmp_path, 2)

    def ramp(column: float) -> float:
        share = (column - (SIZE[0] - overlap) + 0.5) / overlap
        return 255 * (1 - min(max(share, 0.0), 1.0)) ** (1 / gamma)

    for column in (SIZE[0] - overlap + 8, SIZE[0] - overlap // 2, SIZE[0] - 10):
        where = expected_places(MILD, [(column + 0.5, 40.5)])[0]
        value = frames[-1][int(where[1]), int(where[0]), 0]
        slack = max(abs(ramp(column - 1) - ramp(column)), abs(ramp(column + 1) - ramp(column)))
        assert abs(value - ramp(column)) <= slack + 1.5, (column, value, ramp(column))


@pytest.mark.parametrize("corners", [full_frame(SIZE), MILD], ids=["unwarped", "keystone"])
def test_brightness_caps_every_pixel(sdl: None, tmp_path: Path, corners: tuple) -> None:
    """Tolerance 1 level: the cap is the byte round(0.5 × 255) = 128, applied as × 128/255
    with SDL's truncation, against the exact colour × 0.5."""
    del sdl
    projection = one_output(corners, brightness=0.5)
    band = CornerBand(CTA, SIZE).rect
    inner = np.zeros(SIZE[::-1], np.uint8)
    cv2.fillPoly(inner, [np.int32(np.round(np.float32(corners) * 16))], 1, cv2.LINE_8, 4)
    inner = cv2.erode(inner, np.ones((5, 5), np.uint8)) > 0
    # The call to action has its own colours: off the checked pixels, where the warp takes it.
    corner = band.inflate(8, 8)
    band_corners = [corner.topleft, corner.topright, corner.bottomright, corner.bottomleft]
    band_place = expected_places(corners, [(float(x), float(y)) for x, y in band_corners])
    cv2.fillPoly(inner.view(np.uint8), [np.int32(np.round(band_place))], 0)
    for colour in (WHITE, (200, 100, 40)):
        frames, _ = play(gpu_window(projection), projection, flat(colour), tmp_path, 2)
        lit = frames[-1][inner].astype(np.float64)
        assert len(lit) > SIZE[0] * SIZE[1] // 2
        assert np.abs(lit - np.float64(colour) * 0.5).max() <= 1.0


def smooth_picture(size: tuple[int, int]) -> np.ndarray:
    """Soft colour waves: nearest and bilinear sampling, or a pixel's shift, change a pixel by
    about its local slope, which the comparison below allows for."""
    rows, cols = np.mgrid[0 : size[1], 0 : size[0]].astype(np.float64)
    return np.stack(
        [
            128 + 100 * np.sin(cols / 23.0),
            128 + 100 * np.cos(rows / 17.0),
            128 + 60 * np.sin((cols + rows) / 31.0),
        ],
        axis=-1,
    ).astype(np.uint8)


def test_gpu_and_cpu_paths_agree_on_the_same_frame(sdl: None) -> None:
    """Keystone, a mask, two blended outputs and the brightness cap: the GPU path's frame and
    the CPU path's (cv2.warpPerspective) differ per pixel by at most what a 1.5 px shift
    changes there (the local slope of the CPU frame: nearest vs bilinear sampling is half a
    pixel, the software renderer's whole-pixel vertices up to 0.7 px more, the mesh 0.4 px),
    plus 2 levels of rounding. Where the picture is smooth (no edge of the quad, a mask or
    the ramp's steep end within reach) the average difference is about a quarter of the slope,
    what nearest against bilinear sampling gives: under 1.5 levels (a one-pixel shift: ~3)."""
    del sdl
    geometry = Geometry(SIZE, outputs=2, blend_px=48, blend_gamma=2.2, brightness=0.8)
    calibration = Calibration(
        (OutputCalibration(SIZE, STRONG, (DOOR,)), OutputCalibration(SIZE, MILD, (WINDOW,)))
    )
    projection = Projection(geometry, calibration)
    output = gpu_window(projection)
    picture = smooth_picture(geometry.content_size)
    pygame.surfarray.blit_array(output.screen, picture.swapaxes(0, 1))
    output.presenter.present(None)
    gpu = pixels(output.presenter.shown()).astype(np.float64)
    reference = pygame.Surface(geometry.window_size, 0, output.screen)
    Projection(geometry, calibration).apply(output.screen, reference, None)
    cpu = pixels(reference).astype(np.float64)
    slope = np.zeros(cpu.shape[:2])
    for axis in (0, 1):
        for step in (1, -1):
            slope = np.maximum(slope, np.abs(cpu - np.roll(cpu, step, axis)).max(axis=2))
    slope = cv2.dilate(slope, np.ones((3, 3), np.uint8))  # a shift reaches the neighbours' slope
    difference = np.abs(gpu - cpu).max(axis=2)
    assert (difference <= 2 + 1.5 * slope).all(), float((difference - 1.5 * slope).max())
    smooth = slope <= SMOOTH_SLOPE
    assert smooth.mean() > 0.8 and difference[smooth].mean() < 1.5
    assert gpu.mean() > 40, "a picture, not a black frame"


def _display(tmp_path: Path, renderer: str) -> tuple[dict, np.ndarray]:
    """`wall display --headless` (idle screen: no server) with a keystone and a mask saved."""
    data = tmp_path / renderer / "data"
    data.mkdir(parents=True)
    mask = [[40, 40], [100, 40], [100, 100], [40, 100]]
    saved = {"size": list(SIZE), "corners": [list(p) for p in MILD], "masks": [mask]}
    (data / "calibration.json").write_text(json.dumps({"version": 1, "outputs": [saved]}))
    config = tmp_path / renderer / "wall.toml"
    config.write_text(
        f'[wall]\ndata_dir = "{data}"\ndisplay_token = "t"\n'
        f'[display]\nsize = "320x180"\nserver_url = "http://127.0.0.1:9"\nrenderer = "{renderer}"\n'
    )
    out = tmp_path / renderer / "frames"
    command = [sys.executable, "-m", "wall", "--config", str(config), "display", "--headless"]
    command += ["--frames", "3", "--out", str(out)]
    done = subprocess.run(
        command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=RUN_TIMEOUT_S
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1]), read_frame(out / "frame-00002.png")


def test_the_command_picks_the_warp_that_goes_with_the_renderer(tmp_path: Path) -> None:
    """`renderer = "gpu"`: the mesh on the GPU; `"cpu"`: warpPerspective in the loop; the
    same picture either way."""
    frames = {}
    for renderer in ("gpu", "cpu"):
        stats, frame = _display(tmp_path, renderer)
        assert stats["renderer"] == renderer and stats["projection"] == renderer
        assert not frame[:10, :15].any() and not frame[-5:, -2:].any(), "outside the quad"
        assert not frame[45:95, 45:95].any(), "the mask: black"
        assert frame[60:120, 150:250].mean() > 10, "the idle screen inside"
        frames[renderer] = frame.astype(np.int16)
    # The two warps interpolate sharp edges a little differently: the idle screen's text
    # (four lines in Noto Sans at this size) and QR code put the mean difference near 4.
    assert np.abs(frames["gpu"] - frames["cpu"]).mean() < 5, "the same picture"
