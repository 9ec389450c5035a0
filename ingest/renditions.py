"""Resize and encode the served renditions; nothing of the original's metadata survives."""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image

from ingest.decode import fit


def resize(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Bilinear for mild reductions (no aliasing below 2×, and 5× cheaper), area beyond."""
    height, width = rgb.shape[:2]
    if (width, height) == size:
        return rgb
    ratio = size[0] / width
    if ratio >= 0.5:
        return cv2.resize(rgb, size, interpolation=cv2.INTER_LINEAR)
    while ratio < 0.25:  # halve first: INTER_AREA's exact-2× path is far faster
        rgb = cv2.resize(rgb, (rgb.shape[1] // 2, rgb.shape[0] // 2), interpolation=cv2.INTER_AREA)
        ratio = size[0] / rgb.shape[1]
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


def fit_long_edge(rgb: np.ndarray, long_edge: int) -> np.ndarray:
    height, width = rgb.shape[:2]
    return resize(rgb, fit(width, height, long_edge))


def centre_square(rgb: np.ndarray, side: int) -> np.ndarray:
    height, width = rgb.shape[:2]
    edge = min(width, height)
    top, left = (height - edge) // 2, (width - edge) // 2
    return resize(rgb[top : top + edge, left : left + edge], (side, side))


def encode_jpeg(rgb: np.ndarray, quality: int) -> bytes:
    """Baseline JPEG with no EXIF, XMP or ICC: pixels are already sRGB."""
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb), "RGB").save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()
