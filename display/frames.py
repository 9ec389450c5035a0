"""Frame-time statistics, measured on every frame and logged every minute.

A frame's time is the render thread's work for it (commands, update, draw, compose, flip; on
the GPU path the texture upload and present take the flip's place, timed the same way); a late
frame is one that missed its slot: over the budget of 1/fps.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

log = logging.getLogger(__name__)

LOG_INTERVAL_S = 60.0


def percentile(sorted_values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile of values already sorted."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(share * len(sorted_values)))
    return sorted_values[rank - 1]


def summarise(durations_s: Sequence[float], late: int) -> dict[str, float | int]:
    ordered = sorted(durations_s)
    return {
        "frames": len(ordered),
        "p50_ms": round(percentile(ordered, 0.50) * 1000, 3),
        "p95_ms": round(percentile(ordered, 0.95) * 1000, 3),
        "p99_ms": round(percentile(ordered, 0.99) * 1000, 3),
        "max_ms": round((ordered[-1] if ordered else 0.0) * 1000, 3),
        "late_frames": late,
    }


class FrameStats:
    """Every frame of the run (for the headless report) and the current minute (for the log)."""

    def __init__(self, budget_s: float, keep_all: bool) -> None:
        self.budget_s = budget_s
        self._keep_all = keep_all
        self._all: list[float] = []
        self._late_all = 0
        self._minute: list[float] = []
        self._late_minute = 0
        self._minute_start: float | None = None

    def add(self, duration_s: float, now: float, late: bool | None = None) -> None:
        """`late` defaults to "over the budget"; a vsync'd loop judges by its flip interval."""
        is_late = duration_s > self.budget_s if late is None else late
        if self._keep_all:
            self._all.append(duration_s)
        self._late_all += is_late
        self._minute.append(duration_s)
        self._late_minute += is_late
        if self._minute_start is None:
            self._minute_start = now
        elif now - self._minute_start >= LOG_INTERVAL_S:
            log.info(
                "frame times over the last minute: %s", summarise(self._minute, self._late_minute)
            )
            self._minute, self._late_minute, self._minute_start = [], 0, now

    def report(self) -> dict[str, float | int]:
        """The whole run (headless) or else the current minute."""
        if self._keep_all:
            return summarise(self._all, self._late_all)
        return summarise(self._minute, self._late_minute)
