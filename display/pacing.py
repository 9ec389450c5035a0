"""The frame rate the render loop declares: the configured one while frames fit, else a whole
fraction of it (half, a third, a quarter: 30, 20, 15 fps from 60) with even pacing, every
frame on screen for the same number of refreshes.

A wall that misses every third frame stutters; one that shows every frame for exactly two
refreshes moves a little less smoothly but evenly, and the layouts take their time from the
clock, so motion keeps its speed. The governor watches a rolling window of frame costs:

* down one step: `DOWN_LATE` late frames among the last `WINDOW` frames while the median
  frame costs over `DOWN_MEDIAN_SHARE` of the budget (frames that are costly, not a spike
  or two from a busy machine, which no lower rate would absorb), or a quarter of the window
  at `DOWN_P75_SHARE` of the budget or more (a loop about to miss); never below `MIN_FPS`;
* up one step: after `hold_s` (10 s at first), when the last `UP_WINDOW` frames' 90th
  percentile is under `UP_SHARE` of the faster rate's budget. A rate that fails again
  within `RELAPSE_S` of going up doubles the hold (up to `MAX_HOLD_S`): no flapping.

Each change is logged (the console's words) and kept for the stats.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from typing import Any

from display.frames import percentile

log = logging.getLogger(__name__)

WINDOW = 30  # frames in the rolling measure at the full rate (half a second at 60 fps)
DOWN_LATE = 3  # this many late frames in the window, with costly frames: one step down
DOWN_MEDIAN_SHARE = 0.6  # costly: a median above this share of the budget
DOWN_P75_SHARE = 0.9  # or a p75 above this share (judged over DOWN_P75_MIN frames at least)
DOWN_P75_MIN = 8
UP_WINDOW = 90  # frames at a lower rate before going back up (3 s at 30 fps)
UP_SHARE = 0.6  # their p90 under this share of the faster rate's budget: room again
HOLD_S = 10.0  # at a lower rate at least this long
MAX_HOLD_S = 600.0
RELAPSE_S = 60.0  # a faster rate that fails again within this doubles the hold
MIN_FPS = 15  # below this, motion would judder more than the odd late frame disturbs
MAX_DIVISOR = 4


@dataclass(frozen=True)
class RateChange:
    at: float  # time.monotonic()
    frame: int  # the loop's frame index
    fps: int
    reason: str


class RateGovernor:
    """Call `note(cost_s, late, now, frame)` once per frame; read `fps` and `period` (the
    declared rate: `configured_fps / divisor`, rounded for display; `period` is exact)."""

    def __init__(self, fps: int, *, adaptive: bool = True) -> None:
        self.configured_fps = fps
        self.fps = fps
        self.divisor = 1  # each frame on screen for this many refreshes
        self._max_divisor = 1
        while (
            adaptive
            and self._max_divisor < MAX_DIVISOR
            and fps / (self._max_divisor + 1) >= MIN_FPS
        ):
            self._max_divisor += 1
        self._costs: deque[float] = deque(maxlen=WINDOW)
        self._late: deque[bool] = deque(maxlen=WINDOW)
        self._hold_s = HOLD_S
        self._since = 0.0  # when the current rate began
        self.changes: list[RateChange] = []
        self.frames_at: dict[int, int] = {}

    @property
    def reduced(self) -> bool:
        return self.divisor > 1

    @property
    def period(self) -> float:
        return self.divisor / self.configured_fps

    @property
    def full_period(self) -> float:
        return 1.0 / self.configured_fps

    def note(self, cost_s: float, late: bool, now: float, frame: int) -> bool:
        """One frame's cost (the render thread's work, no pacing wait) and whether it missed
        its slot; True when the rate changes from the next frame on."""
        self.frames_at[self.fps] = self.frames_at.get(self.fps, 0) + 1
        if not self.changes and not self._costs:
            self._since = now
        self._costs.append(cost_s)
        self._late.append(late)
        return self._maybe_down(now, frame) or self._maybe_up(now, frame)

    def _maybe_down(self, now: float, frame: int) -> bool:
        if self.divisor >= self._max_divisor or len(self._costs) < DOWN_LATE:
            return False
        late = sum(self._late)
        ordered = sorted(self._costs)
        median = percentile(ordered, 0.5)
        costly = late >= DOWN_LATE and median > DOWN_MEDIAN_SHARE * self.period
        near = len(ordered) >= DOWN_P75_MIN and percentile(ordered, 0.75) > (
            DOWN_P75_SHARE * self.period
        )
        if not costly and not near:
            return False
        before_last = self.changes[-2].fps if len(self.changes) > 1 else self.configured_fps
        went_up = bool(self.changes) and self.changes[-1].fps > before_last
        if went_up and now - self._since < RELAPSE_S:
            self._hold_s = min(MAX_HOLD_S, self._hold_s * 2)
        elif went_up:
            self._hold_s = HOLD_S
        reason = (
            f"{late} of the last {len(self._late)} frames late, median cost "
            f"{median * 1000:.1f} ms against {self.period * 1000:.1f} ms"
        )
        before = self.fps
        self._change(self.divisor + 1, now, frame, reason)
        log.warning(
            "frame rate %d -> %d fps, every frame shown for %d refreshes: %s "
            "(faster again when there is room, checked after %.0f s)",
            before,
            self.fps,
            self.divisor,
            reason,
            self._hold_s,
        )
        return True

    def _maybe_up(self, now: float, frame: int) -> bool:
        if self.divisor == 1 or now - self._since < self._hold_s:
            return False
        if len(self._costs) < UP_WINDOW:
            return False
        p90 = percentile(sorted(self._costs), 0.9)
        faster = (self.divisor - 1) / self.configured_fps
        if p90 >= UP_SHARE * faster:
            return False
        reason = f"p90 frame cost {p90 * 1000:.1f} ms over the last {len(self._costs)} frames"
        self._change(self.divisor - 1, now, frame, reason)
        log.info("frame rate up to %d fps: %s", self.fps, reason)
        return True

    def _change(self, divisor: int, now: float, frame: int, reason: str) -> None:
        self.divisor = divisor
        self.fps = round(self.configured_fps / divisor)
        self._since = now
        window = WINDOW if divisor == 1 else UP_WINDOW
        self._costs = deque(maxlen=window)
        self._late = deque(maxlen=window)
        self.changes.append(RateChange(now, frame, self.fps, reason))

    def describe(self) -> str:
        """In words, for systemd's status line."""
        if self.reduced:
            return f"{self.fps} fps declared (frames too costly for {self.configured_fps})"
        return f"{self.fps} fps declared"

    @property
    def header(self) -> str:
        """`X-Wall-Fps` on the preview posts: declared/configured, e.g. "30/60"."""
        return f"{self.fps}/{self.configured_fps}"

    def report(self) -> dict[str, Any]:
        return {
            "fps_declared": self.fps,
            "fps_configured": self.configured_fps,
            "budget_ms": round(self.period * 1000, 3),
            "frames_at_fps": {str(fps): n for fps, n in sorted(self.frames_at.items())},
            "rate_changes": [
                {"frame": c.frame, "fps": c.fps, "reason": c.reason} for c in self.changes
            ],
        }
