"""`wall display --calibrate` driven headless: pygame events posted as a mouse and keyboard
would, the file it writes, the pattern following the corners, and refusals on screen."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pygame

from display.calibrate import CalibrationSession, starting_calibration
from display.corner_editor import CornerEditor
from display.pattern import CORNER_COLOURS
from display.projection import Geometry
from display.window import open_output
from tests.helpers.projection_rig import pixels
from tests.helpers.server import REPO_ROOT
from tests.helpers.wall_display import read_frame

SIZE = (480, 270)
RUN_TIMEOUT_S = 60


def session(path: Path, geometry: Geometry) -> CalibrationSession:
    calibration, note = starting_calibration(path, geometry)
    editor = CornerEditor(geometry, calibration, path)
    if note:
        editor.message = note
    output = open_output(
        geometry.window_size,
        1,
        renderer="cpu",
        fullscreen=False,
        vsync=False,
        headless=True,
        read_back=False,
    )
    live = CalibrationSession(output, geometry, editor)
    live.step()
    return live


def post(kind: int, **attributes: object) -> None:
    pygame.event.post(pygame.event.Event(kind, attributes))


def drag(start: tuple[int, int], end: tuple[int, int], steps: int = 4) -> None:
    post(pygame.MOUSEBUTTONDOWN, pos=start, button=1)
    for step in range(1, steps + 1):
        x = start[0] + (end[0] - start[0]) * step // steps
        y = start[1] + (end[1] - start[1]) * step // steps
        post(pygame.MOUSEMOTION, pos=(x, y), rel=(0, 0), buttons=(1, 0, 0))
    post(pygame.MOUSEBUTTONUP, pos=end, button=1)


def key(code: int, shift: bool = False) -> None:
    post(pygame.KEYDOWN, key=code, mod=pygame.KMOD_LSHIFT if shift else 0, unicode="")


def near_colour(frame: np.ndarray, where: tuple[int, int], colour: tuple, reach: int = 6) -> bool:
    x, y = where
    patch = frame[max(0, y - reach) : y + reach, max(0, x - reach) : x + reach].astype(int)
    return bool((np.abs(patch - np.array(colour)).max(axis=2) < 40).any())


def test_drag_a_corner_and_save(sdl: None, tmp_path: Path) -> None:
    del sdl
    path = tmp_path / "data" / "calibration.json"
    live = session(path, Geometry(SIZE))
    key(pygame.K_h)  # the help off: the whole pattern in view
    drag((3, 2), (43, 32))  # grabbed 3,2 px off corner 1: the corner keeps that offset
    key(pygame.K_TAB)  # corner 2
    key(pygame.K_LEFT, shift=True)
    key(pygame.K_DOWN)
    key(pygame.K_DOWN)
    live.step()
    frame = pixels(live.output.screen)
    # the pattern followed: corner 1's red marker is now by (40, 30), none at the old spot
    assert near_colour(frame, (44, 34), CORNER_COLOURS[0])
    assert not frame[:20, :20].any(), "outside the moved picture: black"
    assert not path.exists(), "nothing written before S"
    key(pygame.K_s)
    live.step()
    saved = json.loads(path.read_text())
    assert saved["outputs"] == [
        {"size": [480, 270], "corners": [[40, 30], [470, 2], [480, 270], [0, 270]], "masks": []}
    ]
    assert live.editor.message.kind == "saved" and str(path) in live.editor.message.text


def test_folding_moves_are_refused_on_screen_and_never_saved(sdl: None, tmp_path: Path) -> None:
    del sdl
    path = tmp_path / "calibration.json"
    live = session(path, Geometry(SIZE))
    drag((478, 268), (300, 150))  # corner 3 inwards: still convex
    live.step()
    assert live.editor.corners[0][2] == (302.0, 152.0)
    drag((302, 152), (60, 40), steps=1)  # corner 3 past the 1-2-4 corner's diagonal: a dart
    live.step()
    assert live.editor.corners[0][2] == (302.0, 152.0), "the fold was refused"
    message = live.editor.message
    assert message.kind == "error" and "Refused" in message.text and "fold" in message.text
    frame = pixels(live.output.screen)
    status = frame[SIZE[1] - 60 :, :]
    assert (np.abs(status.astype(int) - (255, 80, 80)).max(axis=2) < 30).sum() > 20, (
        "the refusal is written on screen"
    )
    key(pygame.K_s)
    live.step()
    corners = json.loads(path.read_text())["outputs"][0]["corners"]
    assert corners[2] == [302.0, 152.0]


def test_masks_are_drawn_by_clicks_and_deleted(sdl: None, tmp_path: Path) -> None:
    del sdl
    path = tmp_path / "calibration.json"
    geometry = Geometry(SIZE, outputs=2, blend_px=60)
    live = session(path, geometry)
    key(pygame.K_h)
    key(pygame.K_m)
    key(pygame.K_m)  # two points are not a polygon
    live.step()
    assert live.editor.message.kind == "error" and "3 points" in live.editor.message.text
    for point in ((600, 50), (700, 50), (700, 150), (600, 150)):  # on output 2
        post(pygame.MOUSEBUTTONDOWN, pos=point, button=1)
        post(pygame.MOUSEBUTTONUP, pos=point, button=1)
    key(pygame.K_RETURN)
    key(pygame.K_m)
    for point in ((10, 10), (60, 10), (30, 60)):  # on output 1
        post(pygame.MOUSEBUTTONDOWN, pos=point, button=1)
    key(pygame.K_m)
    live.step()
    frame = pixels(live.output.screen)
    assert not frame[60:140, 610:690].any(), "the mask is black at once"
    key(pygame.K_BACKSPACE)  # deletes the last mask drawn (output 1's triangle)
    key(pygame.K_s)
    live.step()
    saved = json.loads(path.read_text())["outputs"]
    assert saved[0]["masks"] == []
    assert saved[1]["masks"] == [[[120, 50], [220, 50], [220, 150], [120, 150]]]


def test_escape_quits_without_saving(sdl: None, tmp_path: Path) -> None:
    del sdl
    path = tmp_path / "calibration.json"
    live = session(path, Geometry(SIZE))
    drag((0, 0), (20, 20))
    key(pygame.K_ESCAPE)
    assert live.run(max_frames=100) == 1 and live.editor.done
    assert not path.exists()


def test_a_refused_file_starts_from_the_full_frame_with_the_reason(
    sdl: None, tmp_path: Path
) -> None:
    del sdl
    path = tmp_path / "calibration.json"
    path.write_text(json.dumps({"version": 1, "outputs": [{"size": [640, 360], "corners": []}]}))
    live = session(path, Geometry(SIZE))
    assert live.editor.message.kind == "error" and "640x360" in live.editor.message.text
    assert live.editor.corners[0][2] == (480.0, 270.0)
    pygame.display.quit()
    pygame.display.init()
    bow_tie = [[0, 0], [480, 270], [480, 0], [0, 270]]
    door = [[10, 100], [60, 100], [60, 270]]
    saved = {"size": [480, 270], "corners": bow_tie, "masks": [door]}
    path.write_text(json.dumps({"version": 1, "outputs": [saved]}))
    live = session(path, Geometry(SIZE))
    assert live.editor.message.kind == "error" and "fold" in live.editor.message.text
    assert live.editor.corners[0] == [(0.0, 0.0), (480.0, 0.0), (480.0, 270.0), (0.0, 270.0)]
    assert live.editor.masks[0] == [((10.0, 100.0), (60.0, 100.0), (60.0, 270.0))]


def test_the_command_shows_the_pattern(tmp_path: Path) -> None:
    config = tmp_path / "wall.toml"
    config.write_text(
        f'[wall]\ndata_dir = "{tmp_path / "data"}"\ndisplay_token = "t"\n'
        '[display]\nsize = "640x360"\nbrightness = 0.5\n'
    )
    out = tmp_path / "frames"
    command = [sys.executable, "-m", "wall", "--config", str(config), "display", "--calibrate"]
    command += ["--headless", "--frames", "2", "--out", str(out)]
    done = subprocess.run(
        command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=RUN_TIMEOUT_S
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["saved"] is False and report["frames"] == 2
    frame = read_frame(out / "frame-00001.png")
    assert frame.shape == (360, 640, 3)
    # corner 3's marker, through the show's brightness cap: at half level
    blue = np.array(CORNER_COLOURS[2]) * 0.5
    corner = frame[300:, 580:].astype(int)
    assert (np.abs(corner - blue).max(axis=2) <= 1).sum() > 500
    assert cv2.countNonZero(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)) > 10_000
