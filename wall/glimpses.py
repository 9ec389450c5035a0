"""`GlimpseStore` of one process (the embedded store): a bounded map per kind, oldest first
out, ages on the monotonic clock."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from wall.storage.base import Glimpse

MAX_PER_KIND = 4096  # far more than uploads in flight or photos on screen at once


class MemoryGlimpses:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._kinds: dict[str, OrderedDict[str, tuple[bytes, datetime, float]]] = {}

    async def put(self, kind: str, key: str, value: bytes) -> None:
        entries = self._kinds.setdefault(kind, OrderedDict())
        entries.pop(key, None)
        entries[key] = (value, datetime.now(UTC), self._clock())
        while len(entries) > MAX_PER_KIND:
            entries.popitem(last=False)

    async def put_many(self, kind: str, keys: Sequence[str], value: bytes) -> None:
        for key in keys:
            await self.put(kind, key, value)

    async def get(self, kind: str, key: str, max_age_s: float) -> Glimpse | None:
        entries = self._kinds.get(kind)
        found = entries.get(key) if entries is not None else None
        if found is None:
            return None
        value, at, put_at = found
        age = self._clock() - put_at
        return Glimpse(value, at, age) if age <= max_age_s else None

    async def get_all(self, kind: str, max_age_s: float) -> dict[str, Glimpse]:
        found = {}
        for key in list(self._kinds.get(kind, {})):
            glimpse = await self.get(kind, key, max_age_s)
            if glimpse is not None:
                found[key] = glimpse
        return found
