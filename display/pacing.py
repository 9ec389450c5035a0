"""The frame rate the render loop declares: the configured one while frames fit, half of it
(even pacing: every frame on screen for two refreshes) when they do not.

A wall that misses every third frame stutters; one that shows every frame for exactly two
refreshes moves a little less smoothly but evenly, and the layouts take their time from the
clock, so motion keeps its speed. The governor watches a rolling window of frame costs:

* down: at the full rate, `DOWN_LATE` late frames among the last `WINDOW` frames, or a median
  cost above `DOWN_MEDIAN_SHARE` of the budget (a loop about to miss);
* up again: at the half rate, after `hold_s` (10 s at first), when the last `UP_WINDOW`
  frames' 90th percentile is under `UP_SHARE` of the full rate's budget. A full rate that
  fails again within `RELAPSE_S` doubles the hold (up to `MAX_HOLD_S`): no flapping.

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
DOWN_LATE = 3  # this many late frames in the window: the rate is halved
DOWN_MEDIAN_SHARE = 0.9  # or a median cost above this share of the budget
UP_WINDOW = 90  # frames at the half rate before going back up (3 s at 30 fps)
UP_SHARE = 0.6  # their p90 under this share of the full rate's budget: room again
HOLD_S = 10.0  # at the half rate at least this long
MAX_HOLD_S = 600.0
RELAPSE_S = 60.0  # a full rate that fails again within this doubles the hold
MIN_REDUCED_FPS = 20  # below this, halving would be worse than the odd late frame


@dataclass(frozen=True)
class RateChange:
    at: float  # time.monotonic()
    frame: int  # the loop's frame index
    fps: int
    reason: str


class RateGovernor:
    """Call `note(cost_s, late, now, frame)` once per frame; read `fps` and `period`."""

    def __init__(self, fps: int, *, adaptive: bool = True) -> None:
        self.configured_fps = fps
        self.fps = fps
        self._reduced_fps = fps // 2 if adaptive and fps // 2 >= MIN_REDUCED_FPS else fps
        self._costs: deque[float] = deque(maxlen=WINDOW)
        self._late: deque[bool] = deque(maxlen=WINDOW)
        self._hold_s = HOLD_S
        self._since = 0.0  # when the current rate began
        self.changes: list[RateChange] = []
        self.frames_at: dict[int, int] = {}

    @property
    def reduced(self) -> bool:
        return self.fps != self.configured_fps

    @property
    def period(self) -> float:
        return 1.0 / self.fps

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
        if self._reduced_fps == self.configured_fps:
            return False
        if not self.reduced:
            return self._maybe_down(now, frame)
        return self._maybe_up(now, frame)

    def _maybe_down(self, now: float, frame: int) -> bool:
        if len(self._costs) < DOWN_LATE:
            return False
        late = sum(self._late)
        median = percentile(sorted(self._costs), 0.5)
        if late < DOWN_LATE and (
            len(self._costs) < WINDOW or median <= DOWN_MEDIAN_SHARE * self.full_period
        ):
            return False
        if self.changes and now - self._since < RELAPSE_S:
            self._hold_s = min(MAX_HOLD_S, self._hold_s * 2)
        elif self.changes:
            self._hold_s = HOLD_S
        reason = (
            f"{late} of the last {len(self._late)} frames late, median cost "
            f"{median * 1000:.1f} ms against {self.full_period * 1000:.1f} ms"
        )
        self._change(self._reduced_fps, now, frame, reason)
        log.warning(
            "frame rate %d -> %d fps, every frame shown for two refreshes: %s "
            "(back to %d fps when there is room, checked after %.0f s)",
            self.configured_fps,
            self.fps,
            reason,
            self.configured_fps,
            self._hold_s,
        )
        return True

    def _maybe_up(self, now: float, frame: int) -> bool:
        if now - self._since < self._hold_s or len(self._costs) < UP_WINDOW:
            return False
        p90 = percentile(sorted(self._costs), 0.9)
        if p90 >= UP_SHARE * self.full_period:
            return False
        reason = f"p90 frame cost {p90 * 1000:.1f} ms over the last {len(self._costs)} frames"
        self._change(self.configured_fps, now, frame, reason)
        log.info("frame rate back to %d fps: %s", self.fps, reason)
        return True

    def _change(self, fps: int, now: float, frame: int, reason: str) -> None:
        self.fps = fps
        self._since = now
        window = WINDOW if fps == self.configured_fps else UP_WINDOW
        self._costs = deque(maxlen=window)
        self._late = deque(maxlen=window)
        self.changes.append(RateChange(now, frame, fps, reason))

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
