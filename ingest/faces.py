"""Face detection with CenterFace, a small DNN run by OpenCV's own `dnn` module.

Why CenterFace: OpenCV 5 no longer ships the Haar cascades, and Haar misses turned and
small faces; CenterFace (a 7 MB anchor-free CNN) finds faces down to ~18 px on its input,
runs on plain OpenCV (no extra runtime), and its model (MIT) ships inside this package
(`ingest/models/`, with its licence), so `pip install` alone gives a working server and no
install step downloads weights. The webcam source blurs faces with the same detector.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import cv2
import numpy as np

MODEL_PACKAGE = "ingest"
MODEL_FILE = "models/centerface.onnx"
OUTPUTS = ["537", "538", "539", "540"]  # heatmap, scale, offset, landmarks
STRIDE = 4  # the heatmap is a quarter of the input
SCORE_THRESHOLD = 0.5
NMS_THRESHOLD = 0.3


class FaceModelMissing(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class Face:
    x: float
    y: float
    width: float
    height: float
    score: float


def model_path() -> Path:
    """The ONNX file shipped as package data next to this module."""
    path = Path(str(resources.files(MODEL_PACKAGE).joinpath(*MODEL_FILE.split("/"))))
    if not path.is_file():
        raise FaceModelMissing(f"face model not found at {path}: the package is incomplete")
    return path


def _input_size(width: int, height: int, long_edge: int) -> tuple[int, int]:
    scale = long_edge / max(width, height)
    w = max(32, int(np.ceil(width * scale / 32)) * 32)
    h = max(32, int(np.ceil(height * scale / 32)) * 32)
    return w, h


# Parsed networks, one per thread and model file, shared by every detector of the process:
# a net is not re-entrant, and parsing the model costs ~60 ms of CPU (a detector is built by
# each app, each `wall import`, each source that blurs).
_NETS = threading.local()
_CHECKED: set[str] = set()
_CHECKED_LOCK = threading.Lock()


def _thread_net(path: str) -> cv2.dnn.Net:
    nets: dict[str, cv2.dnn.Net] | None = getattr(_NETS, "by_path", None)
    if nets is None:
        nets = _NETS.by_path = {}
    net = nets.get(path)
    if net is None:
        net = nets[path] = cv2.dnn.readNetFromONNX(path)
    return net


class FaceDetector:
    """Thread-safe: each thread gets its own network (cv2.dnn nets are not re-entrant)."""

    def __init__(self, path: Path | None = None) -> None:
        self._path = str(path or model_path())
        with _CHECKED_LOCK:
            if self._path not in _CHECKED:
                _thread_net(self._path)  # fail at start-up, not on the first photo
                _CHECKED.add(self._path)

    def _net(self) -> cv2.dnn.Net:
        return _thread_net(self._path)

    def detect(
        self,
        image: np.ndarray,
        long_edge: int = 320,
        *,
        bgr: bool = False,
        threshold: float = SCORE_THRESHOLD,
    ) -> list[Face]:
        """Faces in `image` (H×W×3, RGB or `bgr`), in its pixel coordinates; the net sees
        `long_edge` px, in the RGB order it was trained on. A lower `threshold` keeps the
        net's fainter answers: the blur of strangers' faces (`ingest.blur`) would rather
        blur a stone than miss a small face."""
        height, width = image.shape[:2]
        in_w, in_h = _input_size(width, height, long_edge)
        blob = cv2.dnn.blobFromImage(image, 1.0, (in_w, in_h), (0, 0, 0), swapRB=bgr)
        net = self._net()
        net.setInput(blob)
        heatmap, scale, offset, _ = net.forward(OUTPUTS)
        faces = _decode(heatmap[0, 0], scale[0], offset[0], (in_w, in_h), threshold)
        sx, sy = width / in_w, height / in_h
        return [Face(f.x * sx, f.y * sy, f.width * sx, f.height * sy, f.score) for f in faces]


def _decode(
    heatmap: np.ndarray,
    scale: np.ndarray,
    offset: np.ndarray,
    size: tuple[int, int],
    threshold: float = SCORE_THRESHOLD,
) -> list[Face]:
    rows, cols = np.nonzero(heatmap > threshold)
    if rows.size == 0:
        return []
    heights = np.exp(scale[0, rows, cols]) * STRIDE
    widths = np.exp(scale[1, rows, cols]) * STRIDE
    cy = (rows + offset[0, rows, cols] + 0.5) * STRIDE
    cx = (cols + offset[1, rows, cols] + 0.5) * STRIDE
    x1 = np.clip(cx - widths / 2, 0, size[0])
    y1 = np.clip(cy - heights / 2, 0, size[1])
    x2 = np.clip(x1 + widths, 0, size[0])
    y2 = np.clip(y1 + heights, 0, size[1])
    scores = heatmap[rows, cols]
    boxes = np.stack([x1, y1, x2 - x1, y2 - y1], axis=1)
    keep = cv2.dnn.NMSBoxes(boxes.tolist(), scores.tolist(), threshold, NMS_THRESHOLD)
    return [_face(boxes[i], float(scores[i])) for i in np.array(keep).ravel()]


def _face(box: np.ndarray, score: float) -> Face:
    x, y, width, height = (float(v) for v in box)
    return Face(x, y, width, height, score)
