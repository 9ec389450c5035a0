"""Decode untrusted bytes into an upright sRGB pixel array, as cheaply as the output allows.

Only the plugin of the sniffed format may open the file (EPS, PSD and friends are never
tried), the pixel count is checked from the header before any pixel is decoded, and JPEGs
are decoded at the smallest DCT scale that still covers the largest rendition.

Pillow parses every file's header (size, EXIF orientation, ICC profile). The pixels of a
plain JPEG (YCbCr or gray, sRGB or untagged: what phones and the visitor page send) are then
decoded by the same libjpeg-turbo through `simplejpeg`, straight into a packed BGR (or RGB)
array: at the same DCT scale it costs ~10 % less than Pillow's own draft decode, and ~15 %
less than that decode plus the copy out of Pillow's 4-bytes-a-pixel image (bench/RESULTS.md).
Everything else (CMYK, a colour profile to convert, a file libjpeg-turbo warns about, PNG,
WebP, HEIF) takes Pillow's way, which refuses what is truncated or corrupt.
"""

from __future__ import annotations

import hashlib
import io
import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
import pillow_heif
import simplejpeg
from PIL import Image, ImageCms, ImageFile

from ingest.errors import Refused, too_many_pixels, undecodable, unsupported
from ingest.pixels import packed
from ingest.sniff import Format, sniff

log = logging.getLogger(__name__)

pillow_heif.register_heif_opener()
# We check pixel counts ourselves, against our own limit, before decoding.
warnings.simplefilter("ignore", Image.DecompressionBombWarning)

# EXIF orientation → what makes the pixels upright: Pillow's transposes, done by OpenCV on
# the packed array (~3 ms at 2000×1500, where Pillow's take ~7 ms in a new image).
_UPRIGHT: dict[int, Callable[[np.ndarray], np.ndarray]] = {
    2: lambda a: cv2.flip(a, 1),
    3: lambda a: cv2.rotate(a, cv2.ROTATE_180),
    4: lambda a: cv2.flip(a, 0),
    5: cv2.transpose,
    6: lambda a: cv2.rotate(a, cv2.ROTATE_90_CLOCKWISE),
    7: lambda a: cv2.rotate(cv2.transpose(a), cv2.ROTATE_180),
    8: lambda a: cv2.rotate(a, cv2.ROTATE_90_COUNTERCLOCKWISE),
}
_EXIF_ORIENTATION = 0x0112
# Modes `Image.reduce` averages correctly; palette and 1-bit images are converted first.
_REDUCIBLE = frozenset({"L", "LA", "RGB", "RGBA", "CMYK", "I", "F"})
_SRGB = ImageCms.createProfile("sRGB")
# Pillow's draft scales; libjpeg-turbo's others (3/8, 5/8…) take its slower, non-SIMD IDCTs.
_DCT_SCALES = (8, 4, 2, 1)


@dataclass(frozen=True, slots=True)
class Decoded:
    pixels: np.ndarray  # H×W×3 uint8, sRGB, upright; RGB, or BGR when asked for
    width: int  # of the full-size upright original
    height: int
    format: Format


def fit(width: int, height: int, long_edge: int) -> tuple[int, int]:
    """The size that fits `long_edge`, never upscaled."""
    scale = min(1.0, long_edge / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _open(data: bytes, fmt: Format, max_pixels: int) -> ImageFile.ImageFile:
    try:
        image = Image.open(io.BytesIO(data), formats=[fmt.value])
    except Image.DecompressionBombError as exc:
        raise too_many_pixels(str(exc)) from None
    except Exception as exc:  # any parser failure on hostile input is the file's fault
        raise undecodable(f"{type(exc).__name__}: {exc}") from None
    width, height = image.size
    if width <= 0 or height <= 0:
        raise undecodable("empty image")
    if width * height > max_pixels:
        raise too_many_pixels(f"{width}×{height}")
    return image


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(_EXIF_ORIENTATION, 1)
    except Exception:  # a broken EXIF block must not cost the photo
        return 1
    return value if value in _UPRIGHT else 1


@lru_cache(maxsize=32)
def _to_srgb(profile_digest: str, profile: bytes, mode: str) -> ImageCms.ImageCmsTransform | None:
    del profile_digest  # part of the cache key only
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        description = ImageCms.getProfileDescription(source) or ""
        if "srgb" in description.lower():
            return None
        return ImageCms.buildTransform(source, _SRGB, mode, "RGB")
    except Exception:  # a broken profile: treat the pixels as sRGB, as browsers do
        return None


def _as_rgb(image: Image.Image) -> Image.Image:
    """Any mode to RGB; transparency goes onto black, the colour of a night wall."""
    if image.mode == "RGB":
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        array = np.asarray(image, dtype=np.uint32)
        peak = 65535 if image.mode.startswith("I;16") or array.max(initial=0) > 255 else 255
        gray = (array * 255 // max(peak, 1)).astype(np.uint8)
        return Image.fromarray(gray, "L").convert("RGB")
    if image.mode == "F":
        return image.convert("L").convert("RGB")
    if image.mode in ("P", "PA", "LA", "La", "RGBA", "RGBa") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def _shrunk(image: Image.Image, long_edge: int) -> Image.Image:
    """Cut a big decoded image to what the renditions need before any per-pixel conversion
    copies it: a 50 MP RGBA PNG (200 KB on the wire) otherwise costs ~1 GB per worker."""
    factor = max(image.size) // long_edge
    if factor < 2:
        return image
    mode = image.mode
    if mode.startswith("I;16"):
        return image.convert("I").reduce(factor).convert("I;16")
    # Palette indices cannot be averaged, nor can a transparent key colour (which
    # `_as_rgb` honours for every mode but RGB).
    keyed = mode != "RGB" and "transparency" in image.info
    if mode not in _REDUCIBLE or keyed:
        image = image.convert("RGBA" if keyed or mode == "PA" else "RGB")
    return image.reduce(factor)


def _colour_managed(image: Image.Image) -> Image.Image:
    profile = image.info.get("icc_profile")
    if not profile or image.mode not in ("RGB", "CMYK"):
        return image
    digest = hashlib.sha1(profile, usedforsecurity=False).hexdigest()
    transform = _to_srgb(digest, profile, image.mode)
    if transform is None:
        return image
    try:
        return ImageCms.applyTransform(image, transform) or image
    except Exception:
        return image


def _pillow_pixels(
    image: ImageFile.ImageFile, fmt: Format, size: int, long_edge: int, order: str
) -> np.ndarray:
    width, height = image.size
    if fmt is Format.JPEG:
        image.draft("RGB", fit(width, height, long_edge))
    # All the bytes to the decoder in one call, not in Pillow's 64 KB steps: ~1 ms less
    # for a 4 MB JPEG, and one wait for the GIL afterwards instead of ~60. Truncation is
    # still detected (the next read comes back empty).
    image.decodermaxblock = max(image.decodermaxblock, size)
    image.seek(0)
    image.load()
    rgb = _as_rgb(_colour_managed(_shrunk(image, long_edge)))
    return packed(rgb, order)


def _needs_colour_transform(image: Image.Image) -> bool:
    profile = image.info.get("icc_profile")
    if not profile or image.mode not in ("RGB", "CMYK"):
        return False
    digest = hashlib.sha1(profile, usedforsecurity=False).hexdigest()
    return _to_srgb(digest, profile, image.mode) is not None


def _jpeg_pixels(data: bytes, image: Image.Image, long_edge: int, order: str) -> np.ndarray | None:
    """A plain JPEG's pixels, as stored (not yet upright), at the largest of Pillow's draft
    scales that still covers `long_edge`; None when Pillow's way must decode it."""
    if image.mode not in ("RGB", "L") or _needs_colour_transform(image):
        return None
    width, height = image.size
    target_w, target_h = fit(width, height, long_edge)
    most = min(width // target_w, height // target_h)
    scale = next(s for s in _DCT_SCALES if s <= most)
    try:
        if simplejpeg.decode_jpeg_header(data)[:2] != (height, width):
            return None  # two parsers disagree on the frame: let Pillow's checks decide
        # strict: any libjpeg-turbo warning (a truncated or corrupt stream) raises.
        pixels = simplejpeg.decode_jpeg(
            data, order, min_width=-(-width // scale), min_height=-(-height // scale)
        )
    except Exception:
        return None
    return pixels


def decode(data: bytes, max_pixels: int, long_edge: int, *, bgr: bool = False) -> Decoded:
    """Untrusted bytes → upright sRGB pixels with a long edge of at least `long_edge`
    (or the original size when smaller); in OpenCV's BGR order when `bgr`, at no cost."""
    fmt = sniff(data)
    if fmt is None:
        raise unsupported("not JPEG, PNG, WebP or HEIF")
    image = _open(data, fmt, max_pixels)
    orientation = _orientation(image)
    width, height = image.size
    order = "BGR" if bgr else "RGB"
    try:
        fast = _jpeg_pixels(data, image, long_edge, order) if fmt is Format.JPEG else None
        if fast is not None:
            pixels = fast
        else:
            pixels = _pillow_pixels(image, fmt, len(data), long_edge, order)
        if orientation in _UPRIGHT:
            pixels = _UPRIGHT[orientation](pixels)
            if orientation >= 5:
                width, height = height, width
    except Refused:
        raise
    except Exception as exc:  # truncated, corrupt, or a decoder limit: the file's fault
        raise undecodable(f"{type(exc).__name__}: {exc}") from None
    if pixels.ndim != 3 or pixels.shape[2] != 3 or pixels.size == 0:
        raise undecodable(f"unexpected pixel layout {pixels.shape}")
    return Decoded(pixels=pixels, width=width, height=height, format=fmt)
