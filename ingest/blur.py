"""Face blurring for pictures of people who never consented (webcams first).

Finding: the upload pipeline's CenterFace detector, on the frame enlarged 1.25× and keeping
the net's fainter answers (score above 0.3 rather than 0.5). The net finds faces from ~20 px
on its input, and a webcam's distant passers-by are 16 px wide in a 1080p frame. Measured on
a real face pasted into 1080p frames (bench/sources.py `faces`, tests/ingest/test_face_recall
.py): at native scale and 0.5, recall was 0.00 at 16 px and 0.39 at 18 px; enlarged 1.25× at
0.3, 1.0 from 16 px, for 1.4× the CPU (~0.7 s for a 1080p frame on one core). Tiles cost the
same pixels as the enlargement; 1.5× would reach 14 px for 2.2×. A lower score blurs the odd
stone too: a privacy filter would rather blur a stone than miss a face.

Live windows cannot pay a whole scan a frame: `ingest.live_blur` scans only what changed.

Blurring: each box is grown (CenterFace's box stops at the forehead and the ears), averaged
down to a few cells across (what is averaged away is gone, unlike a Gaussian alone, which a
known-kernel deconvolution partly undoes) and smoothed back up (no blocky edges for the eye).
"""

from __future__ import annotations

import cv2
import numpy as np

from ingest.faces import Face, FaceDetector

FACE_SCAN_ZOOM = 1.25  # the net needs ~20 px: a 16 px face enlarged is one
FACE_SCAN_MAX_EDGE = 2400  # a 1080p frame enlarged; a 4K camera: faces from ~26 px there
FACE_SCAN_MIN_EDGE = 640  # tiny frames are scanned enlarged further
FACE_SCORE = 0.3  # the net's own default is 0.5: at 0.3 recall at 16 px went 0.89 → 1.0
BOX_MARGIN = 0.25  # of the box's size, on each side: hair, ears, chin
BLUR_CELLS = 5  # cells across a face after averaging: no eye, mouth or outline survives


def scan_edge(width: int, height: int) -> int:
    """The net's input long edge for a frame: its own enlarged, within the bounds above."""
    return min(
        FACE_SCAN_MAX_EDGE, max(FACE_SCAN_MIN_EDGE, round(FACE_SCAN_ZOOM * max(width, height)))
    )


def find_faces(image: np.ndarray, detector: FaceDetector, *, bgr: bool = True) -> list[Face]:
    height, width = image.shape[:2]
    return detector.detect(image, scan_edge(width, height), bgr=bgr, threshold=FACE_SCORE)


def grown_box(face: Face, width: int, height: int) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of the face plus its margin, inside the image."""
    dx, dy = face.width * BOX_MARGIN, face.height * BOX_MARGIN
    x0 = max(0, int(np.floor(face.x - dx)))
    y0 = max(0, int(np.floor(face.y - dy)))
    x1 = min(width, int(np.ceil(face.x + face.width + dx)))
    y1 = min(height, int(np.ceil(face.y + face.height + dy)))
    return x0, y0, x1, y1


def obscure(region: np.ndarray) -> np.ndarray:
    """The region averaged down to `BLUR_CELLS` across, then smoothed back to its size."""
    rh, rw = region.shape[:2]
    cells_w = max(1, round(BLUR_CELLS * rw / max(rw, rh)))
    cells_h = max(1, round(BLUR_CELLS * rh / max(rw, rh)))
    coarse = cv2.resize(region, (cells_w, cells_h), interpolation=cv2.INTER_AREA)
    smooth = cv2.resize(coarse, (rw, rh), interpolation=cv2.INTER_LINEAR)
    sigma = max(rw, rh) / (BLUR_CELLS * 2)
    return cv2.GaussianBlur(smooth, (0, 0), sigma)


def blur_boxes(image: np.ndarray, faces: list[Face]) -> int:
    """Blurs each face in place; returns how many regions were blurred."""
    height, width = image.shape[:2]
    count = 0
    for face in faces:
        x0, y0, x1, y1 = grown_box(face, width, height)
        if x1 - x0 < 2 or y1 - y0 < 2:
            continue
        image[y0:y1, x0:x1] = obscure(image[y0:y1, x0:x1])
        count += 1
    return count


def blur_faces(image: np.ndarray, detector: FaceDetector, *, bgr: bool = True) -> int:
    """Finds and blurs every face in `image`, in place; returns how many."""
    return blur_boxes(image, find_faces(image, detector, bgr=bgr))
