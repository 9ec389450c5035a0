"""An operator's image for an announcement, made safe as a visitor's photo is.

The same decode (`ingest.decode`: the sniffed format's plugin only, the pixel limit checked
from the header before any pixel, EXIF orientation applied, colour converted to sRGB), then
one rendition fitted to the wall's size and re-encoded: nothing of the file's metadata (EXIF,
GPS, XMP, its profile) survives, and the original is never stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.decode import decode, fit
from ingest.errors import too_large
from ingest.renditions import encode_jpeg, resize


@dataclass(frozen=True, slots=True)
class SlideRendition:
    jpeg: bytes
    width: int
    height: int


def slide_rendition(
    data: bytes, max_bytes: int, max_pixels: int, size: tuple[int, int], quality: int
) -> SlideRendition:
    """The image fitted inside `size` (never enlarged), as a clean JPEG; `Refused` (with the
    contract's code: `too_large`, `unsupported_type`, `undecodable`, `too_many_pixels`)."""
    if len(data) > max_bytes:
        raise too_large(f"{len(data)} bytes")
    decoded = decode(data, max_pixels, max(size), bgr=True)
    height, width = decoded.pixels.shape[:2]
    scale = min(1.0, size[0] / width, size[1] / height)
    target = fit(width, height, max(1, round(max(width, height) * scale)))
    pixels = resize(decoded.pixels, target)
    return SlideRendition(encode_jpeg(pixels, quality), target[0], target[1])
