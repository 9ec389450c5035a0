"""The layouts' plain parts, without a screen: the bento grid, the colour matcher, the target."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from display.layouts.bento import bento
from display.layouts.matching import EMPTY, CellAssigner
from display.layouts.target import DEFAULT_TARGET, cell_colours, grid_for, load_target, to_lab

WALLS = [(1920, 1080), (3840, 2160), (1280, 720), (768, 256), (192, 192), (1080, 1920)]


@pytest.mark.parametrize("size", WALLS)
def test_bento_tiles_the_wall_without_overlap(size: tuple[int, int]) -> None:
    width, height = size
    blocks = bento(width, height)
    covered = np.zeros((height, width), dtype=np.int8)
    for block in blocks:
        assert block.x >= 0 and block.y >= 0
        assert block.x + block.width <= width and block.y + block.height <= height
        covered[block.y : block.y + block.height, block.x : block.x + block.width] += 1
    assert covered.max() == 1  # no overlap
    assert covered.mean() > 0.9  # the gutters only
    assert any(block.large for block in blocks)  # a place for a fresh photo
    assert bento(width, height) == blocks  # the same wall always gets the same grid


def test_bento_has_fewer_larger_photos_on_small_walls() -> None:
    hd, led = bento(1920, 1080), bento(192, 192)
    assert len(led) < len(hd)
    assert min(b.width for b in led) >= 48  # a photo still reads on an LED panel


def full_grid(size: tuple[int, int]) -> tuple[CellAssigner, int]:
    grid = grid_for(*size)
    colours = cell_colours(load_target(""), grid).reshape(-1, 3)
    return CellAssigner(to_lab(colours), grid.cols), grid.cols


def random_labs(count: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return to_lab(rng.integers(0, 256, (count, 3)).astype(np.uint8))


def test_assigner_shares_the_cells_by_count_and_keeps_repeats_apart() -> None:
    assigner, cols = full_grid((1920, 1080))
    for number, lab in enumerate(random_labs(15, 1)):
        assigner.add(number, tuple(lab.tolist()))
    for start in range(0, assigner.cells, 48):  # a frame's batch, as the layout fills
        assigner.assign(np.arange(start, min(start + 48, assigner.cells)))
    assert (assigner.occupant != EMPTY).all()
    counts = np.bincount(assigner.occupant, minlength=15)
    assert counts.min() > 0.3 * assigner.share and counts.max() <= assigner.limit
    cells = assigner.occupant.reshape(-1, cols)
    assert not (cells[:, 1:] == cells[:, :-1]).any() and not (cells[1:] == cells[:-1]).any()
    assert not (cells[1:, 1:] == cells[:-1, :-1]).any()  # nor on a diagonal
    changed = assigner.assign(np.arange(0, assigner.cells, 7), change=True)
    assert changed.size == len(range(0, assigner.cells, 7))  # a change is another photo


def test_a_fresh_photo_claims_its_best_cells_apart_and_leaves_them_empty() -> None:
    lab = np.array([[50, 40, 0]] * 10 + [[50, 0, 0]] * 90, np.float32)
    assigner = CellAssigner(lab, cols=10)
    assigner.add(0, (50.0, 0.0, 0.0))
    assigner.add(1, (50.0, 5.0, 0.0))
    assigner.assign(np.arange(100))
    assigner.add(2, (50.0, 40.0, 0.0))  # a perfect match for the first row
    taken = assigner.claim(2, 5)
    assert set(taken.tolist()) == {0, 2, 4, 6, 8}  # the red row, never side by side
    assert assigner.best_cell(2) < 10
    freed = assigner.remove(2)
    assert set(freed.tolist()) == set(taken.tolist())
    assert (assigner.occupant[freed] == EMPTY).all() and assigner.photos == 2


def test_assigning_a_frame_s_batch_is_cheap() -> None:
    assigner, _cols = full_grid((3840, 2160))
    for number, lab in enumerate(random_labs(2000, 3)):
        assigner.add(number, tuple(lab.tolist()))
    times = []
    for start in range(0, assigner.cells, 48):
        # CPU time: a test running beside this one (the suite runs in parallel) does not count
        # against the budget; numpy's own threads, if any, do.
        began = time.process_time()
        assigner.assign(np.arange(start, min(start + 48, assigner.cells)))
        times.append(time.process_time() - began)
    assert (assigner.occupant != EMPTY).all()
    counts = np.bincount(assigner.occupant)
    assert counts.max() <= assigner.limit <= 3  # 3,600 cells, 2,000 photos
    assert (counts > 0).sum() > 0.6 * 2000  # most photos in the first fill, the rest in turns
    assert np.median(times) < 0.004  # bench/render.py measures p99 in the loop


def test_grid_cells_follow_the_wall() -> None:
    assert grid_for(1920, 1080).cell == 30 and grid_for(1920, 1080).count == 64 * 36
    assert grid_for(3840, 2160).count == 80 * 45
    small = grid_for(192, 192)
    assert small.rows == 12 and small.count < 200  # fewer, larger cells on an LED panel
    wide = grid_for(768, 256)
    assert wide.cols * wide.cell >= 768 and wide.rows * wide.cell >= 256


def test_a_broken_target_falls_back_to_the_shipped_one(tmp_path: Path) -> None:
    broken = tmp_path / "landmark.png"
    broken.write_bytes(b"not a picture")
    assert DEFAULT_TARGET.stat().st_size < 20_000  # small enough to ship
    assert np.array_equal(load_target(str(broken)), load_target(""))
    assert np.array_equal(load_target(str(tmp_path / "missing.jpg")), load_target(""))
