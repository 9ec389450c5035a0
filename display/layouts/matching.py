"""Which photo goes in which photomosaic cell: every cell holds a photo, repeats kept apart.

A photo's share of the cells follows the count: with 15 photos each fills about a fifteenth of
the picture, with 2,000 (more than the cells) each appears at most once and they take turns.
Cells are (re)assigned in batches: the colour distance of each to every photo in one numpy
product, then, among the closest, the first photo that is not already in one of its eight
neighbouring cells and is still under its share. A photo that holds more than its share is
also a little more expensive, so the less used take their turn; the layout's colour
correction bridges the remaining distance to the cell. About a millisecond per batch of 48
cells against 2,000 photos; a fresh photo claims its cells in one pass over the grid.
Plain numpy, no pygame: unit-tested alone.
"""

from __future__ import annotations

import math

import numpy as np

EMPTY = -1
# A photo may hold this many times its even share of the cells (at least one cell): the
# well-matched ones take more, none takes the whole sky.
SHARE_SLACK = 1.5
# ΔE added to a photo's distance per even share of cells it already holds: with few photos
# each is used about as often as the others, with many the unseen come before the shown.
USAGE_WEIGHT_DE = 12.0
# With few photos (each due several cells), one whose colour is far from the whole picture
# would never win a cell: under this share of its due it is this much closer (the colour
# correction bridges the rest). Every photo of the 15 is seen, many times.
FLOOR_SHARE = 0.4
FLOOR_BONUS_DE = 40.0
CANDIDATES = 24  # the closest photos considered for a cell
# Noise on the distances (ΔE): a flat region does not take a run of one photo, and a cell
# that changes does not always go back to the same second-best.
JITTER_DE = 3.0
# A fresh photo's cells are picked among this many times as many of its best cells, none
# beside another.
CLAIM_POOL = 4
_STEPS = [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)]


class CellAssigner:
    """Per-cell occupant (photos are small integers) and each photo's count of cells."""

    def __init__(self, cell_lab: np.ndarray, cols: int, seed: int = 0) -> None:
        self._lab = np.ascontiguousarray(cell_lab, dtype=np.float32).reshape(-1, 3)
        # |cell - photo|² = |cell|² - 2 cell·photo + |photo|²: one matrix product per batch.
        self._norm = np.einsum("ij,ij->i", self._lab, self._lab)
        count = len(self._lab)
        self._near = _neighbour_table(count, cols)
        # One more slot than cells: the neighbour table points off-grid neighbours at it.
        self._occupant = np.full(count + 1, EMPTY, dtype=np.int32)
        self.occupant = self._occupant[:count]
        self.distance = np.zeros(count, dtype=np.float32)  # ΔE of the occupant to its cell
        self._photo_lab = np.zeros((64, 3), dtype=np.float32)
        self._live = np.zeros(64, dtype=bool)
        self.usage = np.zeros(64, dtype=np.int64)  # cells held, per photo
        self._photos = 0
        self._rng = np.random.default_rng(seed)

    @property
    def cells(self) -> int:
        return len(self._lab)

    @property
    def photos(self) -> int:
        return self._photos

    @property
    def share(self) -> float:
        """Cells per photo if all were used evenly."""
        return self.cells / max(1, self._photos)

    @property
    def limit(self) -> int:
        """The most cells one photo may hold."""
        return max(1, math.ceil(self.share * SHARE_SLACK))

    def add(self, photo: int, lab: tuple[float, float, float]) -> None:
        """The photo joins the pool; it takes cells as they are (re)assigned or claimed."""
        if photo >= len(self._live):
            grow = max(photo + 1, 2 * len(self._live))
            self._photo_lab = np.resize(self._photo_lab, (grow, 3))
            self._live = np.concatenate([self._live, np.zeros(grow - len(self._live), bool)])
            self.usage = np.concatenate([self.usage, np.zeros(grow - len(self.usage), np.int64)])
        self._photo_lab[photo] = lab
        if not self._live[photo]:
            self._live[photo] = True
            self._photos += 1

    def remove(self, photo: int) -> np.ndarray:
        """The photo's cells, now empty."""
        freed = np.flatnonzero(self.occupant == photo)
        self.occupant[freed] = EMPTY
        if photo < len(self._live) and self._live[photo]:
            self._live[photo] = False
            self._photos -= 1
            self.usage[photo] = 0
        return freed

    def assign(self, cells: np.ndarray, *, change: bool = False) -> np.ndarray:
        """Gives each of `cells` its best photo (another one than now when `change`);
        returns the cells whose occupant changed."""
        live = np.flatnonzero(self._live)
        if not live.size or not cells.size:
            return cells[:0]
        ranked, cost, distances = self._ranked(cells, live)
        changed = []
        for row, cell in enumerate(cells.tolist()):
            columns = ranked[row]
            pick = self._pick(cell, live[columns], change, strict=True)
            if pick is None:  # the closest are all used up: the cheapest still under its share
                pick = self._cheapest_left(cell, live, cost[row], change)
            if pick is None:
                pick = self._pick(cell, live[columns], change, strict=False)
            if pick is None:
                continue
            column = int(np.searchsorted(live, pick))
            self._put(cell, pick, float(distances[row, column]))
            changed.append(cell)
        return np.asarray(changed, dtype=np.int64)

    def claim(self, photo: int, count: int) -> np.ndarray:
        """A fresh photo takes its `count` best cells, none beside another: it is seen at
        once, at its own share, wherever it matches the picture best."""
        colour = self._photo_lab[photo]
        squared = self._norm - 2 * (self._lab @ colour) + float(colour @ colour)
        pool = min(self.cells, CLAIM_POOL * count)
        best = np.argpartition(squared, pool - 1)[:pool]
        best = best[np.argsort(squared[best])]
        taken: list[int] = []
        for cell in best.tolist():
            if len(taken) >= count:
                break
            if photo in self._occupant[self._near[cell]]:
                continue
            self._put(cell, photo, math.sqrt(max(0.0, float(squared[cell]))))
            taken.append(cell)
        return np.asarray(taken, dtype=np.int64)

    def best_cell(self, photo: int) -> int:
        """The cell whose colour is closest to the photo's: where a fresh photo lands."""
        colour = self._photo_lab[photo]
        return int(np.argmin(self._norm - 2 * (self._lab @ colour)))

    def _ranked(
        self, cells: np.ndarray, live: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per cell, the CANDIDATES cheapest photos (columns of `live`), cheapest first; the
        cost and the ΔE of every live photo to each cell."""
        colours = self._photo_lab[live]
        squared = (
            self._norm[cells, None]
            - 2 * (self._lab[cells] @ colours.T)
            + np.einsum("ij,ij->i", colours, colours)[None, :]
        )
        distances = np.sqrt(np.maximum(squared, 0.0))
        usage = self.usage[live]
        cost = distances + (USAGE_WEIGHT_DE / self.share) * usage[None, :]
        if self.share >= 2:
            cost -= np.where(usage < FLOOR_SHARE * self.share, FLOOR_BONUS_DE, 0.0)[None, :]
        cost += self._rng.random(cost.shape, dtype=np.float32) * JITTER_DE
        keep = min(CANDIDATES, live.size)
        if keep < live.size:
            ranked = np.argpartition(cost, keep - 1, axis=1)[:, :keep]
        else:
            ranked = np.broadcast_to(np.arange(live.size), cost.shape)
        order = np.argsort(np.take_along_axis(cost, ranked, axis=1), axis=1)
        return np.take_along_axis(ranked, order, axis=1), cost, distances

    def _pick(self, cell: int, candidates: np.ndarray, change: bool, *, strict: bool) -> int | None:
        """The first candidate apart from its neighbours and under its share; unless
        `strict`, else the first apart from its neighbours, else the first (fewer photos
        than neighbours)."""
        current = int(self.occupant[cell])
        near = set(self._occupant[self._near[cell]].tolist())
        limit = self.limit
        apart = None
        for photo in candidates.tolist():
            if photo == current and change:
                continue
            if photo in near:
                continue
            if photo == current or self.usage[photo] < limit:
                return photo
            if apart is None:
                apart = photo
        if strict:
            return None
        if apart is not None:
            return apart
        others = [p for p in candidates.tolist() if p != current or not change]
        return others[0] if others else None

    def _cheapest_left(
        self, cell: int, live: np.ndarray, cost: np.ndarray, change: bool
    ) -> int | None:
        """Over every live photo (one vectorised pass): the cheapest under its share and
        apart from its neighbours, None if there is none."""
        allowed = self.usage[live] < self.limit
        taken = self._occupant[self._near[cell]]
        if change:
            taken = np.append(taken, self.occupant[cell])
        taken = taken[taken != EMPTY]
        allowed[np.searchsorted(live, taken)] = False  # occupants are live photos
        if not allowed.any():
            return None
        return int(live[np.argmin(np.where(allowed, cost, np.inf))])

    def _put(self, cell: int, photo: int, distance: float) -> None:
        current = int(self.occupant[cell])
        if current == photo:
            self.distance[cell] = distance
            return
        if current != EMPTY:
            self.usage[current] -= 1
        self.occupant[cell] = photo
        self.usage[photo] += 1
        self.distance[cell] = distance


def _neighbour_table(count: int, cols: int) -> np.ndarray:
    """(cells, 8) indices of each cell's neighbours; `count` (a spare slot) off the grid."""
    rows = count // cols
    index = np.arange(count)
    row, col = index // cols, index % cols
    table = np.full((count, len(_STEPS)), count, dtype=np.int64)
    for k, (dr, dc) in enumerate(_STEPS):
        r, c = row + dr, col + dc
        inside = (r >= 0) & (r < rows) & (c >= 0) & (c < cols)
        table[inside, k] = (r * cols + c)[inside]
    return table
