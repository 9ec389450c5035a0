"""Per-client token buckets: a steady allowance with a burst, answered with Retry-After."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence

from wall.storage.base import Charge

MAX_TRACKED_CLIENTS = 100_000  # oldest buckets are forgotten first: memory stays bounded


class RateLimiter:
    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def _tokens(self, client: str, now: float) -> float:
        tokens, last = self._buckets.get(client, (self.capacity, now))
        return min(self.capacity, tokens + (now - last) * self.rate)

    def wait(self, client: str) -> float:
        """The seconds `client` must wait before its next request; 0 now. Spends nothing."""
        tokens = self._tokens(client, self._clock())
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate

    def acquire(self, client: str) -> float:
        """0 when allowed (and a token is spent), else the seconds to wait."""
        now = self._clock()
        tokens = self._tokens(client, now)
        self._buckets.pop(client, None)
        if tokens >= 1.0:
            self._buckets[client] = (tokens - 1.0, now)
            wait = 0.0
        else:
            self._buckets[client] = (tokens, now)
            wait = (1.0 - tokens) / self.rate
        while len(self._buckets) > MAX_TRACKED_CLIENTS:
            self._buckets.popitem(last=False)
        return wait

    @staticmethod
    def retry_after(wait: float) -> str:
        return str(max(1, math.ceil(wait)))


def acquire_all(charges: Sequence[tuple[RateLimiter, str]]) -> float:
    """Spend one token in each (limiter, client) only if all of them allow it, else nothing:
    a phone refused by its own limit must not use up its Wi-Fi's shared ceiling.
    Returns 0 when allowed, else the longest wait."""
    wait = max((limiter.wait(client) for limiter, client in charges), default=0.0)
    if wait > 0:
        return wait
    for limiter, client in charges:
        limiter.acquire(client)
    return 0.0


class MemoryRateLimits:
    """`RateLimits` of one process (the embedded store): a `RateLimiter` per allowance."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._limiters: dict[tuple[str, int], RateLimiter] = {}

    def _limiter(self, charge: Charge) -> RateLimiter:
        key = (charge.kind, charge.per_minute)
        if key not in self._limiters:
            self._limiters[key] = RateLimiter(charge.per_minute, self._clock)
        return self._limiters[key]

    async def spend_all(self, charges: Sequence[Charge]) -> float:
        return acquire_all([(self._limiter(charge), charge.key) for charge in charges])
