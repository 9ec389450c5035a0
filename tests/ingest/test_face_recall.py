"""Recall of the webcam face blurring on labelled faces of 16–64 px.

The labelled set: the astronaut's face (wall/samples/astronaut.jpg, public domain) pasted at
known sizes and positions on real textures tiled at their own scale (brick, grass, the rocket
photo), 640×480 like a small webcam frame, four faces a frame (one at a random place in each
quarter, as a webcam sees a few passers-by): 24 faces a size in 6 frames, not 24 frames. A face
counts as found only when the region that would be blurred covers at least `MIN_COVERED` of
its labelled box: the privacy question is "is this face hidden", not "did a box land nearby".
"""

from __future__ import annotations

from functools import cache

import cv2
import numpy as np
import pytest

from ingest.blur import blur_faces, find_faces, grown_box
from ingest.faces import Face, FaceDetector
from tests.conftest import SAMPLES_DIR

FRAME_W, FRAME_H = 640, 480
BACKGROUNDS = ("brick", "grass", "rocket")
PLACEMENTS = 8  # per background and size: 24 labelled faces per size
QUARTERS = ((0, 0), (1, 0), (0, 1), (1, 1))  # a frame's four faces, one in each quarter
SIZES = (16, 18, 20, 24, 32, 40, 64)  # face box width in the frame, px; the spec: from 16
CONTEXT = 0.4  # of the face box pasted around it: hair, neck, helmet, as a face appears
MIN_COVERED = 0.9
# Floors: measured 1.0 at every size from 16 px (24 faces each) since the scan is enlarged
# 1.25× (before: 0.96 at 20 px, nothing asked below).
RECALL_FLOOR = {16: 0.9, 18: 0.9, 20: 0.95, 24: 0.95, 32: 0.95, 40: 0.95, 64: 0.95}


@pytest.fixture(scope="module")
def detector() -> FaceDetector:
    return FaceDetector()


@cache
def astronaut() -> tuple[np.ndarray, Face]:
    """The portrait and its face box, found once on the photo enlarged."""
    portrait = cv2.imread(str(SAMPLES_DIR / "astronaut.jpg"))
    faces = FaceDetector().detect(portrait, 1024, bgr=True)
    assert len(faces) == 1, faces
    return portrait, faces[0]


def background(name: str) -> np.ndarray:
    texture = cv2.imread(str(SAMPLES_DIR / f"{name}.jpg"))
    reps_y = -(-FRAME_H // texture.shape[0])
    reps_x = -(-FRAME_W // texture.shape[1])
    return np.tile(texture, (reps_y, reps_x, 1))[:FRAME_H, :FRAME_W].copy()


def face_patch(size: int) -> tuple[np.ndarray, Face]:
    """The portrait's face with its context, scaled so the face is `size` px wide; the face's
    box within the patch."""
    portrait, face = astronaut()
    x0 = int(max(0, face.x - CONTEXT * face.width))
    y0 = int(max(0, face.y - CONTEXT * face.height))
    x1 = int(min(portrait.shape[1], face.x + face.width * (1 + CONTEXT)))
    y1 = int(min(portrait.shape[0], face.y + face.height * (1 + CONTEXT)))
    scale = size / face.width
    patch = cv2.resize(
        portrait[y0:y1, x0:x1], None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA
    )
    return patch, Face((face.x - x0) * scale, (face.y - y0) * scale, size, face.height * scale, 1)


def labelled_frame(
    name: str, size: int, rng: np.random.Generator, count: int = len(QUARTERS)
) -> tuple[np.ndarray, list[Face]]:
    """A frame with `count` faces `size` px wide, each at a random place in its own quarter
    (so no two overlap), and their true boxes."""
    patch, box = face_patch(size)
    ph, pw = patch.shape[:2]
    frame = background(name)
    truths = []
    for qx, qy in QUARTERS[:count]:
        left, top = qx * FRAME_W // 2, qy * FRAME_H // 2
        px = left + int(rng.integers(0, FRAME_W // 2 - pw))
        py = top + int(rng.integers(0, FRAME_H // 2 - ph))
        frame[py : py + ph, px : px + pw] = patch
        truths.append(Face(px + box.x, py + box.y, box.width, box.height, 1.0))
    return frame, truths


def covered(truth: Face, found: list[Face]) -> bool:
    """Whether the blurred regions of `found` hide at least MIN_COVERED of the true box."""
    mask = np.zeros((FRAME_H, FRAME_W), bool)
    for face in found:
        x0, y0, x1, y1 = grown_box(face, FRAME_W, FRAME_H)
        mask[y0:y1, x0:x1] = True
    tx0, ty0 = int(truth.x), int(truth.y)
    tx1, ty1 = int(np.ceil(truth.x + truth.width)), int(np.ceil(truth.y + truth.height))
    return float(mask[ty0:ty1, tx0:tx1].mean()) >= MIN_COVERED


def test_recall_per_face_size(
    detector: FaceDetector, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = np.random.default_rng(20260)
    recall: dict[int, float] = {}
    for size in SIZES:
        hits = total = 0
        for name in BACKGROUNDS:
            for _ in range(PLACEMENTS // len(QUARTERS)):
                frame, truths = labelled_frame(name, size, rng)
                found = find_faces(frame, detector)
                hits += sum(covered(truth, found) for truth in truths)
                total += len(truths)
        recall[size] = hits / total
    report = ", ".join(f"{size} px: {value:.2f}" for size, value in recall.items())
    request.node.user_properties.append(("recall", recall))
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    with capsys.disabled():  # the measured numbers are this test's report
        reporter.write_line(f"face recall ({len(BACKGROUNDS) * PLACEMENTS} faces/size): {report}")
    for size, floor in RECALL_FLOOR.items():
        assert recall[size] >= floor, f"recall at {size} px below {floor}: {report}"


def test_blurred_faces_are_no_longer_found(detector: FaceDetector) -> None:
    """The blur is strong enough that the detector itself no longer sees a face there."""
    rng = np.random.default_rng(7)
    for name in BACKGROUNDS:
        frame, truths = labelled_frame(name, 64, rng)
        assert blur_faces(frame, detector) >= len(truths)
        found = find_faces(frame, detector)
        assert not any(covered(truth, found) for truth in truths), name
