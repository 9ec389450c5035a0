"""Decode a cached rendition and scale it to a slot's exact size: pure, run on worker threads.

OpenCV does the pixel work because it releases the GIL throughout: the render thread never
waits on a decoder (measured: Pillow's `np.asarray` copy held the GIL for tens of ms, enough
to make frames late). JPEGs are decoded at a reduced scale (libjpeg's DCT scaling, like
Pillow's `draft`), so a 24-pixel tile never costs a full 1920-pixel decode. The result is BGRA,
the byte order of a 32-bit SDL surface: the render thread's conversion is one copy.
Pillow only reads headers (cheap, and strict about what is a picture at all).
"""

from __future__ import annotations

import struct
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from display.contracts import Fit

# Formats whose decoders we trust on files from our own server: a garbage file is refused
# before any plugin guesses at it.
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP")
# A slot up to 10 % larger than the rendition is still sharp enough: take the smaller file.
UPSCALE_TOLERANCE = 1.1
MAX_SIDE = 16_384
# "fill": the backdrop behind a whole photo is the photo itself, cover-cropped, blurred on a
# copy this many times smaller (a few hundred pixels: the blur costs well under a
# millisecond) and darkened so the sharp photo stands out from its own colours.
FILL_REDUCTION = 12
FILL_BLUR_SIGMA = 3.0  # in pixels of the small copy: no detail is left to compete
FILL_DARKEN = 0.45
JPEG_START, JPEG_END = b"\xff\xd8", b"\xff\xd9"
# Start-of-frame markers (baseline, progressive, ...): they carry the pixel size.
SOF_MARKERS = frozenset(
    (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF)
)
HEADER_BYTES = 64 * 1024  # our renditions carry no metadata: the frame header comes early
# The end-of-image marker sits at the very end of our renditions; allow a little padding.
JPEG_TAIL_BYTES = 64
REDUCED_FLAGS = {
    1: cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION,  # renditions are already upright
    2: cv2.IMREAD_REDUCED_COLOR_2 | cv2.IMREAD_IGNORE_ORIENTATION,
    4: cv2.IMREAD_REDUCED_COLOR_4 | cv2.IMREAD_IGNORE_ORIENTATION,
    8: cv2.IMREAD_REDUCED_COLOR_8 | cv2.IMREAD_IGNORE_ORIENTATION,
}


class DecodeError(Exception):
    """The file is not a picture we can show (truncated, garbage, vanished)."""


def pixel_size(path: Path) -> tuple[int, int]:
    """Header only: cheap, to choose the smallest rendition that will do."""
    try:
        with path.open("rb") as handle:
            head = handle.read(HEADER_BYTES)
    except OSError as exc:
        raise DecodeError(f"{path.name}: {exc}") from exc
    size = _jpeg_size(head) if head[:2] == JPEG_START else None
    if size is not None:
        return size
    try:  # another format, or a JPEG header beyond HEADER_BYTES: let Pillow read it
        with Image.open(path, formats=ALLOWED_FORMATS) as image:
            return image.size
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise DecodeError(f"{path.name}: {exc}") from exc


def _jpeg_size(head: bytes) -> tuple[int, int] | None:
    """Walks the JPEG markers to the frame header: a few steps, no Pillow plugin machinery
    (whose pure-Python parsing holds the GIL while the render thread waits)."""
    at = 2
    while at + 9 <= len(head):
        if head[at] != 0xFF:
            return None
        marker = head[at + 1]
        if marker in SOF_MARKERS:
            height, width = struct.unpack(">HH", head[at + 5 : at + 9])
            return (width, height) if width and height else None
        at += 2 + struct.unpack(">H", head[at + 2 : at + 4])[0]
    return None


def covers(source: tuple[int, int], size: tuple[int, int], fit: Fit) -> bool:
    """Whether `source` pixels are enough for `size` without visible upscaling."""
    scale = _scale(source, size, fit)
    return scale <= UPSCALE_TOLERANCE


def _scale(source: tuple[int, int], size: tuple[int, int], fit: Fit) -> float:
    ratios = (size[0] / source[0], size[1] / source[1])
    return max(ratios) if fit == "cover" else min(ratios)


def decode_scaled(path: Path, size: tuple[int, int], fit: Fit) -> np.ndarray:
    """BGRA pixels (height × width × 4) of exactly `size`.

    Cover crops to fill the slot; contain letterboxes the whole photo in black; fill puts the
    whole photo over a blurred, darkened cover of itself (no bars).
    """
    width, height = size
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        raise ValueError(f"slot size {size} out of range")
    full = pixel_size(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DecodeError(f"{path.name}: {exc}") from exc
    if data[:2] == JPEG_START and JPEG_END not in data[-JPEG_TAIL_BYTES:]:
        raise DecodeError(f"{path.name}: truncated JPEG")
    reduction = _reduction(_scale(full, size, fit))
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), REDUCED_FLAGS[reduction])
    if bgr is None or bgr.ndim != 3:
        raise DecodeError(f"{path.name}: undecodable")
    if fit == "cover":
        return cv2.cvtColor(_resize(_centre_crop(bgr, width / height), size), cv2.COLOR_BGR2BGRA)
    return _letterbox(bgr, size, _backdrop(bgr, size) if fit == "fill" else None)


def _reduction(scale: float) -> int:
    """The largest DCT reduction that still leaves at least the pixels the slot needs."""
    return next((r for r in (8, 4, 2) if scale * r <= 1.0), 1)


def _centre_crop(bgr: np.ndarray, aspect: float) -> np.ndarray:
    src_h, src_w = bgr.shape[:2]
    if src_w / src_h > aspect:
        crop_w = max(1, round(src_h * aspect))
        left = (src_w - crop_w) // 2
        return bgr[:, left : left + crop_w]
    crop_h = max(1, round(src_w / aspect))
    top = (src_h - crop_h) // 2
    return bgr[top : top + crop_h]


def _resize(bgr: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Area averaging when shrinking (no aliasing), bilinear when growing."""
    if (bgr.shape[1], bgr.shape[0]) == size:
        return bgr
    shrinking = size[0] < bgr.shape[1]
    return cv2.resize(bgr, size, interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)


def _backdrop(bgr: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The slot covered by the photo itself, blurred and darkened, as BGRA."""
    small = (max(1, size[0] // FILL_REDUCTION), max(1, size[1] // FILL_REDUCTION))
    blurred = cv2.GaussianBlur(
        _resize(_centre_crop(bgr, size[0] / size[1]), small), (0, 0), FILL_BLUR_SIGMA
    )
    dark = cv2.convertScaleAbs(blurred, alpha=FILL_DARKEN)
    return cv2.cvtColor(cv2.resize(dark, size, interpolation=cv2.INTER_LINEAR), cv2.COLOR_BGR2BGRA)


def _letterbox(
    bgr: np.ndarray, size: tuple[int, int], backdrop: np.ndarray | None = None
) -> np.ndarray:
    """The whole photo centred in the slot, over `backdrop` (else black bars)."""
    src_h, src_w = bgr.shape[:2]
    scale = min(size[0] / src_w, size[1] / src_h)
    inner = (max(1, min(size[0], round(src_w * scale))), max(1, min(size[1], round(src_h * scale))))
    if backdrop is not None:
        out = backdrop
    else:
        out = np.zeros((size[1], size[0], 4), np.uint8)
        out[..., 3] = 255
    left, top = (size[0] - inner[0]) // 2, (size[1] - inner[1]) // 2
    out[top : top + inner[1], left : left + inner[0]] = cv2.cvtColor(
        _resize(bgr, inner), cv2.COLOR_BGR2BGRA
    )
    return out
