"""The mosaic and photomosaic layouts, headless, judged on the pixels of their frames.

Time is an explicit clock stepped frame by frame; the photo library's decoders run on their
own threads as in `wall display` (see tests/helpers/layout_rig.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import cv2
import numpy as np
import pygame
import pytest

from display.contracts import Shown
from display.layouts import mosaic, photomosaic
from display.layouts.bento import bento
from display.layouts.target import load_target
from tests.helpers.layout_rig import LayoutRig, sample_pixels, textured
from wall.config import DisplaySection

pytestmark = pytest.mark.timeout(180)

HD = (1280, 720)
# Mid-tone colours, none near the mosaic's dark placeholder or gutters.
PALETTE = [
    (200, 80, 60), (60, 160, 90), (70, 110, 200), (220, 190, 70), (150, 90, 180),
    (90, 190, 190), (230, 140, 160), (120, 140, 70), (180, 120, 80), (100, 100, 150),
    (210, 210, 200), (160, 60, 110), (80, 150, 140), (190, 160, 120), (130, 170, 220),
    (240, 120, 40),
]  # fmt: skip
MAGENTA = (240, 20, 200)  # no palette photo comes near it
COLOUR_TOLERANCE = 45  # a textured photo's pixels stay this close to its colour


def share_of(pixels: np.ndarray, colour: tuple[int, int, int], tolerance: int) -> float:
    """Share of the frame's pixels within `tolerance` (per channel) of `colour`."""
    distance = np.abs(pixels.astype(np.int16) - np.asarray(colour, np.int16)).max(axis=2)
    return float((distance <= tolerance).mean())


def unpainted(pixels: np.ndarray) -> np.ndarray:
    """Mask of pixels left as the mosaic's gutters or empty-tile placeholder."""
    masks = [
        np.abs(pixels.astype(np.int16) - np.asarray(colour, np.int16)).max(axis=2) <= 3
        for colour in (mosaic.BACKGROUND, mosaic.PLACEHOLDER)
    ]
    return masks[0] | masks[1]


def start_mosaic(rig: LayoutRig, photos: int = len(PALETTE)) -> mosaic.Mosaic:
    for number in range(photos):
        rig.add(f"p{number}", textured(PALETTE[number % len(PALETTE)], seed=number))
    layout = mosaic.create(DisplaySection())
    layout.start(rig.size, rig.now)
    rig.run(layout, 4.0)
    return layout


def largest_block_share(size: tuple[int, int]) -> float:
    return max(block.area for block in bento(*size)) / (size[0] * size[1])


def mean_delta_e(first: np.ndarray, second: np.ndarray, grid: tuple[int, int]) -> float:
    """Mean CIE76 ΔE between two RGB pictures reduced to `grid` (the wall seen from afar)."""
    small = [
        cv2.cvtColor(
            cv2.resize(picture, grid, interpolation=cv2.INTER_AREA).astype(np.float32) / 255,
            cv2.COLOR_RGB2Lab,
        )
        for picture in (first, second)
    ]
    return float(np.linalg.norm(small[0] - small[1], axis=2).mean())


def cropped_to(picture: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The centre of `picture` with the wall's aspect ratio (as the photomosaic crops)."""
    height, width = picture.shape[:2]
    want = size[0] / size[1]
    if width / height > want:
        crop = round(height * want)
        return picture[:, (width - crop) // 2 : (width - crop) // 2 + crop]
    crop = round(width / want)
    return picture[(height - crop) // 2 : (height - crop) // 2 + crop]


# -- mosaic ------------------------------------------------------------------------------


def test_mosaic_fills_the_wall(make_rig: Callable[[tuple[int, int]], LayoutRig]) -> None:
    rig = make_rig(HD)
    records: list[Shown] = []
    record = rig.rotation.record

    def spy(shown: Shown) -> None:
        records.append(shown)
        record(shown)

    rig.rotation.record = spy  # type: ignore[method-assign]
    layout = start_mosaic(rig)
    rig.run(layout, 6.0)  # past one report to rotation

    pixels = rig.pixels()
    empty = unpainted(pixels)
    assert empty.mean() < 0.05  # the gutters only
    height, width = empty.shape
    for row in range(8):  # no large dark area anywhere: each eighth of the wall is painted
        for col in range(8):
            block = empty[
                row * height // 8 : (row + 1) * height // 8,
                col * width // 8 : (col + 1) * width // 8,
            ]
            assert block.mean() < 0.25, (row, col)
    assert records and all(0 < r.area < 1 and r.seconds > 0 for r in records)


def test_mosaic_repaints_only_what_changes(
    make_rig: Callable[[tuple[int, int]], LayoutRig],
) -> None:
    rig = make_rig(HD)
    layout = start_mosaic(rig)
    changed_area = []
    for _frame in range(240):  # four seconds: a few tile changes
        rects = rig.step(layout, rig.now + 1 / 60)
        changed_area.append(sum(r.width * r.height for r in rects) / (HD[0] * HD[1]))
        time.sleep(0.002)
    assert max(changed_area) < 0.5  # never the whole frame once running
    assert 0 < sum(1 for a in changed_area if a > 0) < 240  # some frames change nothing


def test_fresh_photo_enters_large_within_seconds_and_leaves_at_once(
    make_rig: Callable[[tuple[int, int]], LayoutRig],
) -> None:
    rig = make_rig(HD)
    layout = start_mosaic(rig)
    large = largest_block_share(HD)

    rig.add("fresh", textured(MAGENTA, (800, 600), seed=99), fresh=True)
    approved_at = rig.now
    rig.run(
        layout,
        5.0,
        until=lambda: share_of(rig.pixels(), MAGENTA, COLOUR_TOLERANCE) > 0.8 * large,
    )
    assert rig.now - approved_at <= 3.0, "the fresh photo did not show, large, within 3 s"

    rig.remove("fresh")
    rig.step(layout, rig.now + 1 / 60)
    assert share_of(rig.pixels(), MAGENTA, COLOUR_TOLERANCE) < 0.001
    rig.run(layout, 2.0)  # and it does not come back
    assert share_of(rig.pixels(), MAGENTA, COLOUR_TOLERANCE) < 0.001


def side_by_side(first: pygame.Rect, second: pygame.Rect) -> bool:
    """Whether two tiles share an edge: only a gutter between them, along a common side."""
    gap_x = max(first.left, second.left) - min(first.right, second.right)
    gap_y = max(first.top, second.top) - min(first.bottom, second.bottom)
    return (0 <= gap_x <= 8 and gap_y < 0) or (0 <= gap_y <= 8 and gap_x < 0)


def test_no_photo_ever_sits_beside_itself(
    make_rig: Callable[[tuple[int, int]], LayoutRig],
) -> None:
    """Fewer photos than tiles: photos repeat, never in two tiles that share an edge."""
    rig = make_rig(HD)
    layout = start_mosaic(rig, photos=8)
    tiles = layout._tiles
    assert len(tiles) > 2 * 8  # repeats are needed to fill this wall
    pairs = [(a, b) for a in tiles for b in tiles if a is not b and side_by_side(a.rect, b.rect)]
    assert len(pairs) > len(tiles)
    frames, repeats = 0, 0
    end = rig.now + 90.0  # about 30 tile changes, each a re-layout of one tile
    while rig.now < end:
        rig.step(layout, rig.now + 1 / 20)
        frames += 1
        shown = [tile.photo.id if tile.photo else None for tile in tiles]
        repeats = max(repeats, len(shown) - len(set(shown)))
        for first, second in pairs:
            if first.photo is not None and second.photo is not None:
                assert first.photo.id != second.photo.id, f"{first.photo.id} beside itself"
        time.sleep(0.002)
    assert repeats > 0  # the wall did repeat photos, apart
    assert unpainted(rig.pixels()).mean() < 0.15  # and stayed filled


def bars(pixels: np.ndarray) -> int:
    """Rows and columns of a tile that are dark from edge to edge (a letterbox's bars)."""
    dark = pixels.max(axis=2) < 40
    return int(dark.all(axis=1).sum() + dark.all(axis=0).sum())


def test_panorama_and_portrait_fill_their_tiles_whole(
    make_rig: Callable[[tuple[int, int]], LayoutRig],
) -> None:
    rig = make_rig(HD)
    layout = start_mosaic(rig, photos=40)  # more photos than tiles: no repeats
    rig.add("panorama", textured(MAGENTA, (2000, 200), seed=7), fresh=True)
    rig.add("portrait", textured((40, 200, 240), (600, 1200), seed=8), fresh=True)
    rig.run(layout, 4.0)
    pixels = rig.pixels()
    for photo_id in ("panorama", "portrait"):
        tile = next(t for t in layout._tiles if t.photo and t.photo.id == photo_id)
        rect = tile.rect
        inside = pixels[rect.top : rect.bottom, rect.left : rect.right]
        assert bars(inside) == 0, f"black bars around the {photo_id}"
    # The panorama is whole (a cover crop would show a tenth of it, filling the tile), over
    # a darkened copy of itself that does not read as the photo.
    panorama = next(t for t in layout._tiles if t.photo and t.photo.id == "panorama").rect
    shown = share_of(pixels, MAGENTA, COLOUR_TOLERANCE) * HD[0] * HD[1]
    assert 0.6 * panorama.width**2 / 10 < shown < 1.5 * panorama.width**2 / 10


# -- photomosaic -------------------------------------------------------------------------


def random_colour_photos(
    rig: LayoutRig, count: int, seed: int = 1, avoid: tuple[int, int, int] | None = None
) -> None:
    """Photos of colours drawn across the RGB cube (none within 120 levels of `avoid`)."""
    rng = np.random.default_rng(seed)
    number = 0
    while number < count:
        colour = rng.integers(0, 256, 3)
        if avoid is not None and np.abs(colour - np.asarray(avoid)).max() < 120:
            continue
        rig.add(f"c{number}", textured(tuple(colour.tolist()), (160, 120), seed=number))
        number += 1


@pytest.mark.parametrize("size", [(192, 192), (768, 256)])
def test_led_sizes_render_both_layouts(
    make_rig: Callable[[tuple[int, int]], LayoutRig], size: tuple[int, int]
) -> None:
    rig = make_rig(size)
    grid = (16, 16) if size[0] == size[1] else (24, 8)
    layout = start_mosaic(rig, photos=12)
    assert unpainted(rig.pixels()).mean() < 0.08
    assert len(bento(*size)) < len(bento(1920, 1080))  # fewer, larger photos

    target = cropped_to(load_target(""), size)
    unrelated = cropped_to(sample_pixels()["astronaut"], size)
    pictured = photomosaic.create(DisplaySection())
    pictured.start(size, rig.now)
    random_colour_photos(rig, 120, seed=2)
    rig.run(pictured, 5.0)
    frame = rig.pixels()
    assert mean_delta_e(frame, target, grid) < 0.5 * mean_delta_e(frame, unrelated, grid)
    layout.start(size, rig.now)  # back to the mosaic: it repaints the whole wall
    rig.step(layout, rig.now + 1 / 60)
    assert unpainted(rig.pixels()).mean() < 0.08
