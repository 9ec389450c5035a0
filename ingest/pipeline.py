"""The processing pipeline: untrusted bytes → renditions, hashes and signals.

A pure function (no I/O, no globals but the read-only face and safety models), so the same
code serves uploads, hashtags, webcams, folders and `wall import`, and runs in any worker.

Pixels are in OpenCV's BGR order from the decode to the encodes: the decoder writes them so
(simplejpeg for plain JPEGs, else one packing copy out of Pillow), and OpenCV then resizes
and encodes them where they lie, with no conversion nor copy back into Pillow
(bench/ingest.py measures each stage).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ingest import hashing, heap, renditions, safety, signals
from ingest.decode import decode
from ingest.errors import too_large, undecodable
from ingest.faces import FaceDetector
from wall.domain import RenditionKind, Signals

heap.keep_freed_pages()  # per photo: ~1,700 fewer page faults (see ingest.heap)

# The net finds faces from ~18 px wide on its input: at 256 px, faces from ~7 % of the photo's
# width, ~10 ms. Measured (a face pasted on the samples, 42 placements each): 256 px finds
# 0/42 at 5 %, 3/42 at 6 %, 38/42 at 7 %; reaching 5 % takes 352 px (37/42), ~22 ms.
FACE_INPUT_EDGE = 256
BRIGHTNESS_EDGE = 64
# Decode at full size: a JPEG's DCT scale 1, no shrinking of other formats (see `decode.fit`).
FULL_SIZE = 1 << 30


@dataclass(frozen=True, slots=True)
class PipelineSpec:
    """The slice of settings the pipeline needs; picklable, so it can cross to a process."""

    max_bytes: int = 25 * 1024 * 1024
    max_pixels: int = 50_000_000
    display_long_edge: int = 1920
    thumb_long_edge: int = 400
    tile_size: int = 128
    jpeg_quality: int = 85
    detect_faces: bool = True
    safety_check: bool = True  # open_nsfw's score of the thumb (ingest.safety), ~20 ms


@dataclass(frozen=True, slots=True)
class EncodedRendition:
    kind: RenditionKind
    data: bytes
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class Processed:
    sha256: str
    phash: int
    mean_lab: tuple[float, float, float]
    signals: Signals
    renditions: tuple[EncodedRendition, ...]


def _encoded(kind: RenditionKind, bgr: np.ndarray, quality: int) -> EncodedRendition:
    height, width = bgr.shape[:2]
    return EncodedRendition(kind, renditions.encode_jpeg(bgr, quality), width, height)


def _signals(
    thumb: np.ndarray,
    gray: np.ndarray,
    size: tuple[int, int],
    detector: FaceDetector | None,
    safety_check: bool,
) -> Signals:
    """Measured on the thumb: the pixels are decoded once, and the thumb is what every check
    needs (the face net sees 256 px, the safety net 224)."""
    small = renditions.fit_long_edge(thumb, BRIGHTNESS_EDGE)
    dark, bright = signals.clipped(gray)
    faces = detector.detect(thumb, FACE_INPUT_EDGE, bgr=True) if detector else []
    thumb_area = float(thumb.shape[0] * thumb.shape[1])
    return Signals(
        width=size[0],
        height=size[1],
        sharpness=round(signals.sharpness(gray), 2),
        brightness=signals.mean_lab(small, bgr=True)[0],
        clipped_dark=dark,
        clipped_bright=bright,
        face_count=len(faces),
        face_area=round(min(1.0, sum(f.width * f.height for f in faces) / thumb_area), 4),
        nsfw_score=safety.nsfw_score(thumb) if safety_check else None,
    )


def process(
    data: bytes, spec: PipelineSpec, detector: FaceDetector | None, keep_print: bool = False
) -> Processed:
    """Raises `Refused` with the contract's code for anything we will not take.

    `keep_print`: the contributor consented to prints, and a print rendition is made too:
    the whole photo decoded at full size (instead of at the display's DCT scale), upright,
    sRGB, re-encoded with nothing of the original's metadata. Other photos cost the same
    as ever."""
    if not data:
        raise undecodable("empty file")
    if len(data) > spec.max_bytes:
        raise too_large(f"{len(data)} bytes")
    long_edge = FULL_SIZE if keep_print else spec.display_long_edge
    decoded = decode(data, spec.max_pixels, long_edge, bgr=True)
    display = renditions.fit_long_edge(decoded.pixels, spec.display_long_edge)
    thumb = renditions.fit_long_edge(display, spec.thumb_long_edge)
    tile = renditions.centre_square(thumb, spec.tile_size)
    gray = cv2.cvtColor(thumb, cv2.COLOR_BGR2GRAY)
    quality = spec.jpeg_quality
    return Processed(
        sha256=hashing.sha256_hex(data),
        phash=hashing.phash(gray),
        mean_lab=signals.mean_lab(tile, bgr=True),
        signals=_signals(
            thumb,
            gray,
            (decoded.width, decoded.height),
            detector if spec.detect_faces else None,
            spec.safety_check,
        ),
        renditions=(
            _encoded(RenditionKind.DISPLAY, display, quality),
            _encoded(RenditionKind.THUMB, thumb, quality),
            _encoded(RenditionKind.TILE, tile, quality),
            *([_print(decoded.pixels)] if keep_print else []),
        ),
    )


def _print(full: np.ndarray) -> EncodedRendition:
    height, width = full.shape[:2]
    return EncodedRendition(RenditionKind.PRINT, renditions.encode_print_jpeg(full), width, height)
