"""The photomosaic layout: the wall's photos as the tiles of one picture (split from
test_layouts.py so the suite's four workers finish together)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from display.layouts import photomosaic
from display.layouts.target import load_target
from tests.display.test_layouts import (
    COLOUR_TOLERANCE,
    HD,
    MAGENTA,
    cropped_to,
    mean_delta_e,
    random_colour_photos,
    share_of,
)
from tests.helpers.layout_rig import LayoutRig, sample_pixels, textured
from wall.config import DisplaySection


def test_photomosaic_resembles_its_target(
    make_rig: Callable[[tuple[int, int]], LayoutRig],
) -> None:
    rig = make_rig(HD)
    target = cropped_to(load_target(""), HD)
    unrelated = cropped_to(sample_pixels()["astronaut"], HD)
    layout = photomosaic.create(DisplaySection())
    layout.start(HD, 0.0)
    rig.run(layout, 0.1)
    before = rig.pixels()  # no photos yet: the target itself, dimmed
    assert mean_delta_e(before, (target * photomosaic.DIM).astype(np.uint8), (32, 18)) < 6

    random_colour_photos(rig, 400)
    rig.run(layout, 8.0)
    frame = rig.pixels()
    assert mean_delta_e(frame, before, (32, 18)) > 5  # the photos took over
    to_target = mean_delta_e(frame, target, (32, 18))
    to_unrelated = mean_delta_e(frame, unrelated, (32, 18))
    assert to_target < 15
    assert to_target < 0.4 * to_unrelated


def cell_means(
    pixels: np.ndarray, layout: photomosaic.Photomosaic, cells: np.ndarray
) -> np.ndarray:
    """(N, 3) mean RGB of the given photomosaic cells on screen."""
    grid = layout._grid
    means = []
    for cell in cells.tolist():
        x, y = grid.cell_xy(cell)
        block = pixels[max(0, y) : y + grid.cell, max(0, x) : x + grid.cell]
        means.append(block.reshape(-1, 3).mean(axis=0))
    return np.asarray(means)


def test_photomosaic_fresh_photo_flies_in_takes_its_cells_and_leaves_at_once(
    make_rig: Callable[[tuple[int, int]], LayoutRig],
) -> None:
    rig = make_rig(HD)
    layout = photomosaic.create(DisplaySection())
    layout.start(HD, 0.0)
    random_colour_photos(rig, 100, avoid=MAGENTA)
    rig.run(layout, 4.0)
    before = share_of(rig.pixels(), MAGENTA, COLOUR_TOLERANCE)

    # Approved: within 2 s it is seen large, a fifth of the wall at least.
    rig.add("fresh", textured(MAGENTA, (160, 120), seed=5), fresh=True)
    approved_at = rig.now
    rig.run(
        layout,
        2.0,
        until=lambda: share_of(rig.pixels(), MAGENTA, COLOUR_TOLERANCE) > before + 0.2,
    )
    assert rig.now - approved_at < 2.0, "the fresh photo was not seen large"

    # Then it lands in its share of cells (the magenta band of the target suits it best).
    rig.run(layout, 4.0)
    number = layout._index["fresh"]
    cells = np.flatnonzero(layout.drawn == number)
    assert cells.size >= round(layout.assigner.share) * 0.8
    pixels = rig.pixels()
    assert share_of(pixels, MAGENTA, COLOUR_TOLERANCE) < before + 0.05  # landed, not flying
    # Each of its tiles shows the photo, its colour moved toward its cell's (the correction).
    shown = cell_means(pixels, layout, cells)
    wanted = np.asarray(layout._cell_rgb, float)[cells]
    photo_to_cell = np.abs(np.asarray(MAGENTA) - wanted).max(axis=1)
    assert (np.abs(shown - np.asarray(MAGENTA)).max(axis=1) < 0.85 * photo_to_cell).all()
    assert (np.abs(shown - wanted).max(axis=1) < 0.85 * photo_to_cell).all()

    rig.remove("fresh")
    rig.step(layout, rig.now + 1 / 60)
    # At the next frame other photos (or the dimmed target) show in all of its cells.
    assert not (layout.drawn == number).any()
    after = rig.pixels()
    grid = layout._grid
    for cell in cells.tolist():
        x, y = grid.cell_xy(cell)
        area = np.s_[max(0, y) : y + grid.cell, max(0, x) : x + grid.cell]
        assert np.abs(after[area].astype(np.int16) - pixels[area]).mean() > 10


def test_photomosaic_of_15_photos_is_a_living_picture(
    make_rig: Callable[[tuple[int, int]], LayoutRig],
) -> None:
    rig = make_rig(HD)
    target = cropped_to(load_target(""), HD)
    unrelated = cropped_to(sample_pixels()["astronaut"], HD)
    layout = photomosaic.create(DisplaySection())
    layout.start(HD, 0.0)
    random_colour_photos(rig, 15, seed=4)
    rig.run(layout, 5.0)

    frames = [rig.pixels()]
    for _ in range(18):  # 90 s, a frame every 5 s: never the same picture twice in a row
        rig.run(layout, 5.0, fps=20)
        frames.append(rig.pixels())
    for earlier, later in zip(frames, frames[1:], strict=False):
        changed = np.abs(earlier.astype(np.int16) - later).max(axis=2) > 30
        assert changed.mean() > 0.01

    drawn = layout.drawn
    assert (drawn >= 0).all()  # every cell a photo, no dimmed target left
    counts = np.bincount(drawn, minlength=15)
    assert counts.min() > 0.3 * drawn.size / 15  # each photo its share, many cells each
    grid = layout._grid
    cells = drawn.reshape(grid.rows, grid.cols)
    beside = (cells[:, 1:] == cells[:, :-1]).mean() + (cells[1:] == cells[:-1]).mean()
    assert beside < 0.02  # repeats apart
    frame = frames[-1]
    to_target = mean_delta_e(frame, target, (32, 18))
    assert to_target < 15
    assert to_target < 0.4 * mean_delta_e(frame, unrelated, (32, 18))


def test_photomosaic_of_2000_photos_shows_nearly_each_once(
    make_rig: Callable[[tuple[int, int]], LayoutRig],
) -> None:
    rig = make_rig(HD)
    target = cropped_to(load_target(""), HD)
    layout = photomosaic.create(DisplaySection())
    layout.start(HD, 0.0)
    random_colour_photos(rig, 2000, seed=6)
    rig.run(layout, 10.0)
    drawn = layout.drawn
    assert (drawn >= 0).mean() > 0.98
    counts = np.bincount(drawn[drawn >= 0])
    assert counts.max() <= 1  # more photos than cells: none twice
    frame = rig.pixels()
    assert mean_delta_e(frame, target, (32, 18)) < 10


# -- LED walls ---------------------------------------------------------------------------
