"""When an announcement goes on the wall: plain logic, no pygame, no clock of its own.

Two clocks come in with every question. The wall's clock (an aware datetime) decides whether
a slide is inside its window, read in the wall's timezone: windows are written as a person
reads the clock on the square. The monotonic clock (seconds) measures cadence: "every 15
minutes" must not be shortened or stretched by an NTP step or a daylight-saving change.

A slide is never shown more often than asked: an "every N minutes" slide waits N minutes
from the start of its last showing; a "between layouts" slide goes on only when a layout's
turn ends, at most once per turn, and several of them take turns. One slide at a time, and
the photos keep at least `PHOTOS_BETWEEN_SLIDES_S` between two slides.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from wall.announcements import Window

# The wall is the visitors' first: after a slide, their photos hold the wall this long
# before another slide may come (a cadence is a ceiling, never a promise to crowd them out).
PHOTOS_BETWEEN_SLIDES_S = 20.0
NEVER = float("-inf")


@dataclass(frozen=True, slots=True)
class Slot:
    """What the schedule needs of one announcement."""

    id: str
    window: Window
    every_s: float | None  # None: once between two layouts
    seconds: float  # on screen this long


class SlideSchedule:
    """Which slide, if any, should start now; remembers when each one last started."""

    def __init__(self, zone: ZoneInfo | None = None) -> None:
        self._zone = zone or ZoneInfo("UTC")
        self._slots: dict[str, Slot] = {}
        self._last_start: dict[str, float] = {}
        self._last_end = NEVER

    def replace(self, slots: Iterable[Slot], zone: ZoneInfo) -> None:
        """The server's new list; an edited slide keeps its cadence (same id)."""
        self._zone = zone
        self._slots = {slot.id: slot for slot in slots}
        self._last_start = {k: v for k, v in self._last_start.items() if k in self._slots}

    @property
    def slots(self) -> list[Slot]:
        return list(self._slots.values())

    def in_window(self, slot: Slot, wall: datetime) -> bool:
        return slot.window.contains(wall, self._zone)

    def due(
        self,
        mono: float,
        wall: datetime,
        boundary: bool,
        ready: Callable[[str], bool] = lambda _id: True,
    ) -> Slot | None:
        """The slide to start now: in its window, its cadence allowing it (a "between
        layouts" one only at a `boundary`), prepared (`ready`); the longest unseen first."""
        if mono - self._last_end < PHOTOS_BETWEEN_SLIDES_S:
            return None
        candidates = [
            slot
            for slot in self._slots.values()
            if self._allowed(slot, mono, boundary) and self.in_window(slot, wall) and ready(slot.id)
        ]
        if not candidates:
            return None
        return min(candidates, key=lambda slot: (self._last_start.get(slot.id, NEVER), slot.id))

    def _allowed(self, slot: Slot, mono: float, boundary: bool) -> bool:
        if slot.every_s is None:
            return boundary
        return mono - self._last_start.get(slot.id, NEVER) >= slot.every_s

    def upcoming(
        self, mono: float, wall: datetime, next_boundary: float | None, within_s: float
    ) -> list[Slot]:
        """Slides in their window that may start within `within_s` (at once, at their
        cadence, or at `next_boundary`), soonest first: what the display draws ahead, so
        none waits for its drawing, and no more (a drawn slide is a whole frame of memory)."""
        soonest: list[tuple[float, Slot]] = []
        gap_over = self._last_end + PHOTOS_BETWEEN_SLIDES_S
        for slot in self._slots.values():
            if not self.in_window(slot, wall):
                continue
            if slot.every_s is None:
                if next_boundary is None:
                    continue
                at = next_boundary
            else:
                at = self._last_start.get(slot.id, NEVER) + slot.every_s
            soonest.append((max(at, gap_over, mono), slot))
        soonest.sort(key=lambda pair: (pair[0], self._last_start.get(pair[1].id, NEVER)))
        return [slot for at, slot in soonest if at <= mono + within_s]

    def started(self, slot_id: str, mono: float) -> None:
        self._last_start[slot_id] = mono

    def ended(self, mono: float) -> None:
        self._last_end = mono
