"""Small, moving real faces in webcam-sized frames, for the blur's tests and bench.

The face is the astronaut's (wall/samples/astronaut.jpg, NASA, public domain), cut with some
context (hair, neck, helmet, as a face appears in a street) and scaled so its box is the
wanted width: a real face, at known places, on a real texture tiled at its own scale.
`MovingFaces` is a scene for `tests.helpers.fake_mjpeg.FakeCamera`: people 16–40 px wide
walking across a brick wall, each frame's tick written in a strip of blocks that survives
JPEG, so a frame that comes back from the wall tells where its faces were.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import cv2
import numpy as np

from ingest.blur import grown_box
from ingest.faces import Face, FaceDetector

SAMPLES = Path(__file__).resolve().parents[2] / "wall" / "samples"
CONTEXT = 0.4  # of the face box, pasted around it
MIN_COVERED = 0.9  # a face is hidden when the blurred regions cover this much of its box
PERIOD = 60  # ticks; the fake camera caches this many frames
CODE_BITS, CODE_SIDE = 6, 24  # the tick, in black and white blocks at the bottom left
# (width px, start x share, y share, px per tick): three people walking, the smallest far off.
WALKERS = ((16, 0.05, 0.30, 9), (24, 0.60, 0.55, -7), (40, 0.20, 0.75, 5))


@cache
def portrait() -> tuple[np.ndarray, Face]:
    """The portrait (BGR) and its face box, found once on the photo enlarged."""
    image = cv2.imread(str(SAMPLES / "astronaut.jpg"))
    (face,) = FaceDetector().detect(image, 1024, bgr=True)
    return image, face


@cache
def face_patch(width: int) -> tuple[np.ndarray, Face]:
    """The face with its context, scaled so the face box is `width` px; the box in the patch."""
    image, face = portrait()
    x0 = int(max(0, face.x - CONTEXT * face.width))
    y0 = int(max(0, face.y - CONTEXT * face.height))
    x1 = int(min(image.shape[1], face.x + face.width * (1 + CONTEXT)))
    y1 = int(min(image.shape[0], face.y + face.height * (1 + CONTEXT)))
    scale = width / face.width
    patch = cv2.resize(image[y0:y1, x0:x1], None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    box = Face((face.x - x0) * scale, (face.y - y0) * scale, width, face.height * scale, 1.0)
    return patch, box


def paste_face(frame: np.ndarray, width: int, x: int, y: int) -> Face:
    """Pastes a face `width` px wide with its patch's top left at (x, y); its true box."""
    patch, box = face_patch(width)
    ph = min(patch.shape[0], frame.shape[0] - y)
    pw = min(patch.shape[1], frame.shape[1] - x)
    frame[y : y + ph, x : x + pw] = patch[:ph, :pw]
    return Face(x + box.x, y + box.y, box.width, box.height, 1.0)


def texture(name: str, width: int, height: int) -> np.ndarray:
    """A sample photo tiled at its own scale (not resized: it keeps its sharpness)."""
    tile = cv2.imread(str(SAMPLES / f"{name}.jpg"))
    reps_y, reps_x = -(-height // tile.shape[0]), -(-width // tile.shape[1])
    return np.tile(tile, (reps_y, reps_x, 1))[:height, :width].copy()


def covered(truth: Face, found: list[Face], shape: tuple[int, ...]) -> bool:
    """Whether the regions `found` would blur hide at least MIN_COVERED of the true box."""
    height, width = shape[:2]
    mask = np.zeros((height, width), bool)
    for face in found:
        x0, y0, x1, y1 = grown_box(face, width, height)
        mask[y0:y1, x0:x1] = True
    tx0, ty0 = int(truth.x), int(truth.y)
    tx1, ty1 = int(np.ceil(truth.x + truth.width)), int(np.ceil(truth.y + truth.height))
    return float(mask[ty0:ty1, tx0:tx1].mean()) >= MIN_COVERED


def face_core(face: Face) -> tuple[int, int, int, int]:
    """(x, y, w, h) of the face's middle: eyes, nose and mouth, inside any blurred box."""
    return (
        int(face.x + face.width * 0.2),
        int(face.y + face.height * 0.2),
        max(4, int(face.width * 0.6)),
        max(4, int(face.height * 0.6)),
    )


class MovingFaces:
    """A `FakeCamera` scene: `WALKERS` crossing a brick wall, the tick coded in a corner."""

    def __init__(self, width: int = 1920, height: int = 1080, background: str = "brick") -> None:
        self.width, self.height = width, height
        self.wall = texture(background, width, height)

    def faces_at(self, tick: int) -> list[tuple[int, int, int]]:
        """(width, x, y) of each person's patch at `tick`."""
        tick %= PERIOD
        people = []
        for width, x_share, y_share, speed in WALKERS:
            span = self.width - 4 * width
            x = int(x_share * span + speed * tick) % span
            people.append((width, x, int(y_share * self.height)))
        return people

    def render(self, scene: int, tick: int) -> np.ndarray:  # noqa: ARG002 (FakeCamera's call)
        frame, _ = self.frame_and_faces(tick)
        return frame

    def frame_and_faces(self, tick: int) -> tuple[np.ndarray, list[Face]]:
        frame = self.wall.copy()
        faces = [paste_face(frame, w, x, y) for w, x, y in self.faces_at(tick)]
        for bit in range(CODE_BITS):
            on = (tick % PERIOD) >> bit & 1
            x0 = bit * CODE_SIDE
            frame[-CODE_SIDE:, x0 : x0 + CODE_SIDE] = 255 if on else 0
        return frame, faces

    @staticmethod
    def tick_of(frame: np.ndarray) -> int:
        """The tick coded in a frame, read back after JPEG and blurring (far from any face)."""
        tick = 0
        for bit in range(CODE_BITS):
            x0 = bit * CODE_SIDE
            block = frame[-CODE_SIDE + 4 : -4, x0 + 4 : x0 + CODE_SIDE - 4]
            tick |= int(block.mean() > 128) << bit
        return tick
