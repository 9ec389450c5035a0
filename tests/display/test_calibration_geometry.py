"""The calibration's geometry and file, alone: homography, corner checks, saving, loading."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import cv2
import numpy as np
import pytest

from display.calibration import (
    Calibration,
    CalibrationError,
    FoldedCorners,
    OutputCalibration,
    apply_homography,
    check_corners,
    full_frame,
    homography,
    load_calibration,
    load_for_show,
    save_calibration,
    uncalibrated,
)
from display.projection import Geometry

SIZE = (1920, 1080)
KEYSTONE = ((60.0, 40.0), (1890.0, 10.0), (1900.0, 1050.0), (30.0, 1070.0))
DOOR = ((100.0, 600.0), (300.0, 600.0), (300.0, 1080.0), (100.0, 1080.0))


def test_homography_matches_opencv_on_random_quads() -> None:
    rng = np.random.default_rng(11)
    source = full_frame(SIZE)
    for _ in range(20):
        jitter = rng.uniform(-150, 150, (4, 2))
        target = np.float64(KEYSTONE) + jitter
        matrix = homography(source, [tuple(p) for p in target])
        assert np.allclose(apply_homography(matrix, source), target, atol=1e-6)
        reference = cv2.getPerspectiveTransform(np.float32(source), np.float32(target))
        probe = rng.uniform(0, 1, (50, 2)) * SIZE
        expected = cv2.perspectiveTransform(probe.reshape(-1, 1, 2), reference).reshape(-1, 2)
        assert np.allclose(apply_homography(matrix, probe), expected, atol=1e-3)


def test_full_frame_is_the_identity() -> None:
    assert np.allclose(homography(full_frame(SIZE), full_frame(SIZE)), np.eye(3))
    assert not OutputCalibration(SIZE, full_frame(SIZE)).warped
    assert OutputCalibration(SIZE, KEYSTONE).warped


def test_sound_corners_pass() -> None:
    check_corners(full_frame(SIZE))
    check_corners(KEYSTONE)
    check_corners(((0.0, 0.0), (1920.0, 300.0), (1920.0, 780.0), (0.0, 1080.0)))  # strong


@pytest.mark.parametrize(
    ("corners", "words"),
    [
        # corners 2 and 3 swapped: a bow tie
        (((0, 0), (1920, 1080), (1920, 0), (0, 1080)), "fold"),
        # corner 3 pulled in past the diagonal: a dart, not convex
        (((0, 0), (1920, 0), (500, 400), (0, 1080)), "fold"),
        # left and right swapped: convex but mirrored
        (((1920, 0), (0, 0), (0, 1080), (1920, 1080)), "mirror"),
        # two corners on one point
        (((0, 0), (1920, 0), (1920, 0), (0, 1080)), "apart"),
        # corner 2 on the line from 1 to 3: flat
        (((0, 0), (960, 540), (1920, 1080), (0, 1080)), "flat"),
        # corner 4 on the line from 3 to 1 is flat too
        (((0, 0), (1920, 0), (1920, 1080), (960, 540)), "flat"),
        (((0, 0), (1920, 0), (float("nan"), 1080), (0, 1080)), "finite"),
    ],
)
def test_folding_corners_are_refused_with_a_reason(corners: tuple, words: str) -> None:
    with pytest.raises(FoldedCorners, match=words):
        check_corners(corners)


def test_save_and_load_round_trip_atomically(tmp_path: Path) -> None:
    path = tmp_path / "machine" / "calibration.json"
    calibration = Calibration(
        (OutputCalibration(SIZE, KEYSTONE, (DOOR,)), OutputCalibration(SIZE, full_frame(SIZE)))
    )
    save_calibration(path, calibration)
    assert load_calibration(path, SIZE, 2) == calibration
    assert [p.name for p in path.parent.iterdir()] == ["calibration.json"], "no temp left"
    saved = json.loads(path.read_text())
    assert saved["outputs"][0]["corners"][0] == [60.0, 40.0]
    assert saved["outputs"][0]["masks"] == [[list(p) for p in DOOR]]


def test_folded_corners_are_never_saved(tmp_path: Path) -> None:
    path = tmp_path / "calibration.json"
    save_calibration(path, uncalibrated(SIZE, 1))
    before = path.read_bytes()
    bow_tie = ((0.0, 0.0), (1920.0, 1080.0), (1920.0, 0.0), (0.0, 1080.0))
    with pytest.raises(FoldedCorners, match="output 1: .*fold"):
        save_calibration(path, Calibration((OutputCalibration(SIZE, bow_tie),)))
    assert path.read_bytes() == before


def _write(path: Path, outputs: list[dict]) -> None:
    path.write_text(json.dumps({"version": 1, "outputs": outputs}))


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("{not json", "unreadable"),
        (json.dumps({"outputs": []}), "not a calibration file"),
        (json.dumps({"version": 1, "outputs": []}), "0 outputs saved, the display has 1"),
        (
            json.dumps({"version": 1, "outputs": [{"size": [1280, 720], "corners": []}]}),
            "saved for 1280x720, the output is 1920x1080",
        ),
        (json.dumps({"version": 1, "outputs": [{"size": [1920, 1080]}]}), "malformed"),
        (
            json.dumps(
                {"version": 1, "outputs": [{"size": [1920, 1080], "corners": [[0, 0]] * 3}]}
            ),
            "four corners",
        ),
        (
            json.dumps(
                {
                    "version": 1,
                    "outputs": [
                        {"size": [1920, 1080], "corners": [[0, 0], [1e9, 0], [1920, 1080], [0, 9]]}
                    ],
                }
            ),
            "far outside",
        ),
    ],
)
def test_bad_files_are_refused_naming_the_problem(tmp_path: Path, content: str, words: str) -> None:
    path = tmp_path / "calibration.json"
    path.write_text(content)
    with pytest.raises(CalibrationError, match=words):
        load_calibration(path, SIZE, 1)


def test_the_show_falls_back_to_no_warp_and_says_why(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "calibration.json"
    caplog.set_level(logging.INFO, logger="display.calibration")
    assert load_for_show(path, SIZE, 1) == uncalibrated(SIZE, 1)
    assert "no calibration" in caplog.text
    bow_tie = [[0, 0], [1920, 1080], [1920, 0], [0, 1080]]
    _write(
        path,
        [
            {"size": list(SIZE), "corners": bow_tie, "masks": [DOOR]},
            {"size": list(SIZE), "corners": [list(p) for p in KEYSTONE], "masks": []},
        ],
    )
    caplog.clear()
    shown = load_for_show(path, SIZE, 2)
    assert shown.outputs[0] == OutputCalibration(SIZE, full_frame(SIZE), (DOOR,))
    assert shown.outputs[1].corners == KEYSTONE, "the sound output keeps its warp"
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "output 1" in errors[0] and "fold" in errors[0]
    assert "not warped" in errors[0]
    path.write_text("{")
    caplog.clear()
    assert load_for_show(path, SIZE, 2) == uncalibrated(SIZE, 2)
    assert "calibration refused" in caplog.text and "unreadable" in caplog.text


def test_two_outputs_share_the_overlap() -> None:
    geometry = Geometry((1920, 1080), outputs=2, blend_px=240)
    assert geometry.content_size == (3600, 1080)
    assert geometry.window_size == (3840, 1080)
    assert geometry.slice_x(1) == 1680  # output 2 starts 240 px before output 1 ends
