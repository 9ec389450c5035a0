"""In-memory index of perceptual hashes: one vectorised XOR + popcount over all photos.

A million 64-bit hashes are 8 MB and a query costs about a millisecond (numpy's
`bitwise_count`), so no external index is needed at the scale of one town's summer.
"""

from __future__ import annotations

import numpy as np

INITIAL_CAPACITY = 1024


class NearDuplicateIndex:
    def __init__(self) -> None:
        self._hashes = np.zeros(INITIAL_CAPACITY, dtype=np.uint64)
        self._ids: list[str] = []

    def __len__(self) -> int:
        return len(self._ids)

    def load(self, pairs: list[tuple[str, int]]) -> None:
        self._ids = [pid for pid, _ in pairs]
        capacity = max(INITIAL_CAPACITY, 2 * len(pairs))
        self._hashes = np.zeros(capacity, dtype=np.uint64)
        self._hashes[: len(pairs)] = np.array([h for _, h in pairs], dtype=np.uint64)

    def add(self, photo_id: str, phash: int) -> None:
        if len(self._ids) == len(self._hashes):
            self._hashes = np.concatenate([self._hashes, np.zeros_like(self._hashes)])
        self._hashes[len(self._ids)] = np.uint64(phash)
        self._ids.append(photo_id)

    def forget(self, photo_id: str) -> None:
        """An erased photo leaves no trace here either: its re-upload is not a "duplicate"."""
        try:
            index = self._ids.index(photo_id)
        except ValueError:
            return
        last = len(self._ids) - 1
        self._hashes[index] = self._hashes[last]  # the last one fills the hole
        self._ids[index] = self._ids[last]
        self._ids.pop()

    def nearest(self, phash: int, exclude: str | None = None) -> tuple[str, int] | None:
        """The closest photo and its Hamming distance, or None when the index is empty.
        `exclude`: a photo already indexed that asks which *other* photo it resembles."""
        count = len(self._ids)
        if count == 0:
            return None
        distances = np.bitwise_count(self._hashes[:count] ^ np.uint64(phash))
        # The two closest, in one vectorised pass: the excluded photo is at most one of them.
        closest = np.argpartition(distances, min(1, count - 1))[:2]
        for index in sorted(closest.tolist(), key=lambda i: (int(distances[i]), i)):
            if self._ids[index] != exclude:
                return self._ids[index], int(distances[index])
        return None
