"""The renderer's real photo library and rotation over a rendition cache in a temp dir.

Layout tests and `bench/render.py` drive layouts through `LayoutRig.step(layout, now)` with a
clock of their choosing; the library's decoders run on their own threads as in `wall
display`. Photos are made in memory: renditions written as the server serves them (display,
thumb, tile JPEGs) and `mean_lab` measured on the tile as ingest measures it.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np
import pygame
from PIL import Image

from display.cache import RenditionCache
from display.contracts import Layout
from display.library import PhotoLibrary
from display.rotation import FairRotation
from ingest.signals import mean_lab
from wall.schemas import WallPhoto

SAMPLES = Path(__file__).resolve().parents[2] / "wall" / "samples"
DISPLAY_EDGE, THUMB_EDGE, TILE_SIDE = 1920, 400, 128  # the server's defaults


def sample_pixels() -> dict[str, np.ndarray]:
    """The shipped sample photos as RGB arrays, by file stem."""
    return {
        path.stem: np.asarray(Image.open(path).convert("RGB"))
        for path in sorted(SAMPLES.glob("*.jpg"))
    }


def textured(
    colour: tuple[int, int, int], size: tuple[int, int] = (320, 240), seed: int = 0
) -> np.ndarray:
    """A photo-like RGB array of one colour: a gentle gradient and noise around it."""
    width, height = size
    rng = np.random.default_rng(seed)
    ramp = np.linspace(-20, 20, width, dtype=np.float32)[None, :, None]
    noise = rng.normal(0, 10, (height, width, 3)).astype(np.float32)
    pixels = np.asarray(colour, np.float32)[None, None, :] + ramp + noise
    return np.clip(pixels, 0, 255).astype(np.uint8)


def cache_root(root: Path) -> Path:
    return root / "display-cache"


def _jpeg(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def _fit_long_edge(pixels: np.ndarray, edge: int) -> np.ndarray:
    height, width = pixels.shape[:2]
    scale = edge / max(width, height)
    if scale >= 1:
        return pixels
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)


def _centre_square(pixels: np.ndarray, side: int) -> np.ndarray:
    height, width = pixels.shape[:2]
    short = min(width, height)
    top, left = (height - short) // 2, (width - short) // 2
    square = pixels[top : top + short, left : left + short]
    return cv2.resize(square, (side, side), interpolation=cv2.INTER_AREA)


@dataclass(frozen=True)
class Renditions:
    """A photo as the server serves it: JPEG files by kind, and what the feed says of it."""

    files: dict[str, bytes]
    width: int
    height: int
    mean_lab: tuple[float, float, float]


def make_renditions(pixels: np.ndarray) -> Renditions:
    display = _fit_long_edge(pixels, DISPLAY_EDGE)
    thumb = _fit_long_edge(display, THUMB_EDGE)
    tile = _centre_square(thumb, TILE_SIDE)
    files = {"display": _jpeg(display), "thumb": _jpeg(thumb), "tile": _jpeg(tile)}
    return Renditions(files, display.shape[1], display.shape[0], mean_lab(tile))


def wall_photo(photo_id: str, renditions: Renditions) -> WallPhoto:
    stamp = datetime.now(UTC)
    return WallPhoto(
        id=photo_id,
        caption="",
        author="test",
        source="test",
        contributor=photo_id,
        created_at=stamp,
        approved_at=stamp,
        width=renditions.width,
        height=renditions.height,
        mean_lab=renditions.mean_lab,
        urls={},
    )


class LayoutRig:
    """A headless wall of `size`: the canvas, the real library and rotation, a clock.

    The rendition cache lives in `<root>/display-cache`; files already there when the rig
    starts are indexed, as `wall display` indexes its cache at start."""

    def __init__(
        self, root: Path, size: tuple[int, int], *, contributor_share: float = 1.0
    ) -> None:
        os.environ["SDL_VIDEODRIVER"] = "dummy"  # headless, whatever the machine has
        pygame.display.init()
        self.screen = pygame.display.set_mode(size)
        self.canvas = pygame.Surface(size).convert()
        self.size = size
        self.now = 0.0
        self.cache = RenditionCache(cache_root(root), 1 << 40)
        self.library = PhotoLibrary(self.cache, refetch=lambda _photo_id, _kind: None)
        self.library.start()
        self.rotation = FairRotation(10.0, contributor_share, clock=lambda: self.now)
        self.photos: dict[str, WallPhoto] = {}

    def add(self, photo_id: str, pixels: np.ndarray, *, fresh: bool = False) -> WallPhoto:
        """Caches the photo's renditions and announces it, as the feed and downloads do."""
        renditions = make_renditions(pixels)
        for kind, data in renditions.files.items():
            self.cache.put(photo_id, kind, data)
        photo = wall_photo(photo_id, renditions)
        self.announce(photo, fresh=fresh)
        return photo

    def announce(self, photo: WallPhoto, *, fresh: bool) -> None:
        """A photo whose renditions are cached becomes showable (the feed's `ready`)."""
        self.photos[photo.id] = photo
        self.library.know(photo)
        self.rotation.add(photo, fresh=fresh)

    def remove(self, photo_id: str) -> None:
        """`photo.removed`, as the render loop's command table applies it."""
        self.rotation.remove(photo_id)
        self.library.forget(photo_id)

    def step(self, layout: Layout, now: float) -> list[pygame.Rect]:
        """One frame: the library's conversions, then the layout's update and draw."""
        self.now = now
        self.library.pump()
        layout.update(now, self.library, self.rotation)
        return layout.draw(self.canvas, now)

    def run(
        self,
        layout: Layout,
        seconds: float,
        *,
        fps: int = 60,
        until: Callable[[], bool] | None = None,
        real_pause_s: float = 0.002,
    ) -> float:
        """Frames for `seconds` of clock time (or until `until()`); returns the clock then.

        Each frame pauses `real_pause_s` of real time so the decoders, on their own threads,
        progress as they would between the frames of a 60 fps loop."""
        end = self.now + seconds
        while self.now < end:
            self.step(layout, self.now + 1 / fps)
            if until is not None and until():
                break
            time.sleep(real_pause_s)
        return self.now

    def pixels(self) -> np.ndarray:
        """The canvas as (height, width, 3) RGB: slow, for tests only."""
        return pygame.surfarray.array3d(self.canvas).transpose(1, 0, 2)

    def close(self) -> None:
        self.library.stop()
        pygame.display.quit()
