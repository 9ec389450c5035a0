"""The seams inside the renderer: what layouts may ask of the photo library and rotation.

The main thread owns pygame; everything here is called from it. `ImageSource.get` never
blocks: it answers with a ready Surface or schedules the decode and scale on a worker and
answers None, so a layout keeps its previous picture for another frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

import pygame

from wall.schemas import WallPhoto

# cover: cropped to fill the slot; contain: whole, black bars; fill: whole, over a blurred,
# darkened cover of itself (no bars: a panorama in a square tile).
Fit = Literal["cover", "contain", "fill"]


@dataclass(frozen=True, slots=True)
class Shown:
    """What a layout put on screen: rotation uses it for fairness and the bound on waiting."""

    photo_id: str
    area: float  # share of the wall's pixels, 0..1
    seconds: float


class ImageSource(Protocol):
    def get(
        self, photo_id: str, size: tuple[int, int], fit: Fit = "cover"
    ) -> pygame.Surface | None:
        """A Surface of exactly `size`, or None while a worker prepares it."""
        ...

    def tile_colour(self, photo_id: str) -> tuple[float, float, float] | None:
        """Mean colour in L*a*b* (from the feed's metadata), for photomosaic matching."""
        ...


class Rotation(Protocol):
    def photos(self) -> list[WallPhoto]:
        """Every approved photo whose renditions are cached, in no particular order."""
        ...

    def next_photo(self, exclude: set[str]) -> WallPhoto | None:
        """The photo to show next: fresh ones first, then the longest unseen, within fair share."""
        ...

    def take_fresh(self) -> list[WallPhoto]:
        """Newly approved photos not yet announced to a layout (each returned once)."""
        ...

    def is_live(self, photo_id: str) -> bool:
        """False once the photo was removed: layouts drop it at their next frame."""
        ...

    def record(self, shown: Shown) -> None: ...


class Layout(Protocol):
    name: str

    def start(self, size: tuple[int, int], now: float) -> None:
        """Becomes the current layout on a wall of `size` pixels."""
        ...

    def update(self, now: float, source: ImageSource, rotation: Rotation) -> None:
        """Plain logic: choose photos, start transitions (times from `now`, never frame counts)."""
        ...

    def draw(self, canvas: pygame.Surface, now: float) -> list[pygame.Rect]:
        """Paints what changed onto the persistent canvas; returns the changed rectangles."""
        ...
