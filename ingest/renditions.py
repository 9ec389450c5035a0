"""Resize and encode the renditions; nothing of the original's metadata survives.

Arrays are in OpenCV's BGR order (see `ingest.pipeline`); resizing does not care.
"""

from __future__ import annotations

import struct

import cv2
import numpy as np
from PIL import ImageCms

from ingest.decode import fit

# The print rendition: near-lossless, with full colour resolution (4:4:4, no chroma halving
# that a large print would show at colour edges). ~60 ms to encode 12 MP on our cores.
PRINT_JPEG_QUALITY = 95
# The one tag a print file carries: its colour space (sRGB), so that a print shop's RIP reads
# the colours as they are instead of guessing. No EXIF, XMP, GPS or comment, ever.
_SRGB_ICC = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
_ICC_APP2 = (
    b"\xff\xe2"
    + struct.pack(">H", 2 + 14 + len(_SRGB_ICC))
    + b"ICC_PROFILE\x00\x01\x01"  # one chunk of one
    + _SRGB_ICC
)


def resize(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Bilinear for mild reductions (no aliasing below 2×, and 5× cheaper), area beyond."""
    height, width = rgb.shape[:2]
    if (width, height) == size:
        return rgb
    ratio = size[0] / width
    if ratio >= 0.5:
        return cv2.resize(rgb, size, interpolation=cv2.INTER_LINEAR)
    # Halve while the target is under half the size: INTER_AREA's exact-2× path is far
    # faster than its general one, which then only has a ratio in [0.5, 1) left (1920 px →
    # 400 px: 2.3 ms, where one halving and a 2.4:1 area took 3.8). Each step is a box
    # filter, so is the chain. Never below the target height: a 3000×2 banner would reach
    # zero rows.
    while ratio < 0.5 and rgb.shape[0] >= 2 * size[1]:
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


def encode_jpeg(bgr: np.ndarray, quality: int) -> bytes:
    """Baseline 4:2:0 JPEG with no EXIF, XMP or ICC: pixels are already sRGB.

    OpenCV's encoder is libjpeg-turbo, as Pillow's is, but it reads the BGR array where it
    lies; Pillow would first copy it into its own 4-bytes-a-pixel image (~30 % of the cost).
    """
    ok, encoded = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError(f"JPEG encoder failed on a {bgr.shape} array")
    return encoded.tobytes()


def encode_print_jpeg(bgr: np.ndarray) -> bytes:
    """The print rendition: quality 95, 4:4:4, tagged sRGB and nothing else.

    OpenCV writes SOI, a bare JFIF header, then the image; the sRGB profile goes in right
    after the JFIF header, where readers look for it."""
    params = [
        cv2.IMWRITE_JPEG_QUALITY,
        PRINT_JPEG_QUALITY,
        cv2.IMWRITE_JPEG_SAMPLING_FACTOR,
        cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444,
    ]
    ok, encoded = cv2.imencode(".jpg", bgr, params)
    if not ok:
        raise RuntimeError(f"JPEG encoder failed on a {bgr.shape} array")
    data = encoded.tobytes()
    if data[2:4] != b"\xff\xe0":  # no JFIF header: the profile goes right after SOI
        return data[:2] + _ICC_APP2 + data[2:]
    end = 4 + struct.unpack(">H", data[4:6])[0]
    return data[:end] + _ICC_APP2 + data[end:]
