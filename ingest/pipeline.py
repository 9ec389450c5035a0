"""The processing pipeline: untrusted bytes → renditions, hashes and signals.

A pure function (no I/O, no globals but the read-only face model), so the same code serves
uploads, hashtags, webcams, folders and `wall import`, and runs in any worker.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ingest import hashing, renditions, signals
from ingest.decode import decode
from ingest.errors import too_large, undecodable
from ingest.faces import FaceDetector
from wall.domain import RenditionKind, Signals

FACE_INPUT_EDGE = 256  # faces of 4 % of the width and up (the ones a moderator cares about), ~11 ms
BRIGHTNESS_EDGE = 64


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


def _encoded(kind: RenditionKind, rgb: np.ndarray, quality: int) -> EncodedRendition:
    height, width = rgb.shape[:2]
    return EncodedRendition(kind, renditions.encode_jpeg(rgb, quality), width, height)


def _signals(thumb: np.ndarray, width: int, height: int, detector: FaceDetector | None) -> Signals:
    gray = cv2.cvtColor(thumb, cv2.COLOR_RGB2GRAY)
    small = renditions.fit_long_edge(thumb, BRIGHTNESS_EDGE)
    dark, bright = signals.clipped(gray)
    faces = detector.detect(thumb, FACE_INPUT_EDGE) if detector else []
    thumb_area = float(thumb.shape[0] * thumb.shape[1])
    return Signals(
        width=width,
        height=height,
        sharpness=round(signals.sharpness(gray), 2),
        brightness=signals.mean_lab(small)[0],
        clipped_dark=dark,
        clipped_bright=bright,
        face_count=len(faces),
        face_area=round(min(1.0, sum(f.width * f.height for f in faces) / thumb_area), 4),
    )


def process(data: bytes, spec: PipelineSpec, detector: FaceDetector | None) -> Processed:
    """Raises `Refused` with the contract's code for anything we will not take."""
    if not data:
        raise undecodable("empty file")
    if len(data) > spec.max_bytes:
        raise too_large(f"{len(data)} bytes")
    decoded = decode(data, spec.max_pixels, spec.display_long_edge)
    display = renditions.fit_long_edge(decoded.pixels, spec.display_long_edge)
    thumb = renditions.fit_long_edge(display, spec.thumb_long_edge)
    tile = renditions.centre_square(thumb, spec.tile_size)
    quality = spec.jpeg_quality
    return Processed(
        sha256=hashing.sha256_hex(data),
        phash=hashing.phash(thumb),
        mean_lab=signals.mean_lab(tile),
        signals=_signals(
            thumb, decoded.width, decoded.height, detector if spec.detect_faces else None
        ),
        renditions=(
            _encoded(RenditionKind.DISPLAY, display, quality),
            _encoded(RenditionKind.THUMB, thumb, quality),
            _encoded(RenditionKind.TILE, tile, quality),
        ),
    )
