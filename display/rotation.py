"""Which photo goes on screen next: fresh first, nobody forgotten, nobody hogging the wall.

Plain Python on the render thread, driven by a clock passed in (tests step a fake one):
- fresh photos (approved while the display watched) come first, in order of arrival;
- then the longest unseen, so every photo returns within the bound: with N photos and a layout
  that changes a slot every s seconds, the wait is about N·s, and an overdue photo may cut in
  after a few fresh ones so a stream of new photos cannot starve the old;
- a contributor who already had `contributor_share` of the recent appearances is passed over
  while someone else's photo waits.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from display.contracts import Shown
from wall.schemas import WallPhoto

# Fair share is judged over the recent past: long enough to span several slides and tile
# changes, short enough that yesterday's flood does not count against someone tonight.
SHARE_WINDOW_S = 300.0
# While overdue photos wait, at most this many fresh ones go first in a row.
FRESH_STREAK_LIMIT = 3
# A photo unseen for this share of the bound counts as overdue and may cut in.
OVERDUE_SHARE = 0.75


@dataclass(slots=True)
class _Entry:
    photo: WallPhoto
    added_at: float
    order: int
    fresh: bool
    last_shown: float = -math.inf
    screen_seconds: float = 0.0  # area-weighted, from layouts' records


@dataclass(slots=True)
class _Ledger:
    """Appearances per contributor in the last SHARE_WINDOW_S."""

    entries: deque[tuple[float, str]] = field(default_factory=deque)
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, now: float, contributor: str) -> None:
        self.entries.append((now, contributor))
        self.counts[contributor] += 1

    def trim(self, now: float) -> None:
        while self.entries and self.entries[0][0] < now - SHARE_WINDOW_S:
            _when, contributor = self.entries.popleft()
            self.counts[contributor] -= 1
            if not self.counts[contributor]:
                del self.counts[contributor]

    def share(self, contributor: str) -> float:
        total = len(self.entries)
        return self.counts[contributor] / total if total else 0.0


class FairRotation:
    """Implements `display.contracts.Rotation` over the photos announced ready by the feed."""

    def __init__(
        self,
        max_minutes: float,
        contributor_share: float,
        clock: Callable[[], float],
    ) -> None:
        self._bound_s = max_minutes * 60.0
        self._share = contributor_share
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._ledger = _Ledger()
        self._order = 0
        self._fresh_streak = 0
        self._shown_since: set[str] = set()

    # The feed's side (through the render loop's command table)

    def add(self, photo: WallPhoto, fresh: bool) -> None:
        """Idempotent: a photo announced twice keeps its history."""
        entry = self._entries.get(photo.id)
        if entry is not None:
            entry.photo = photo
            return
        self._order += 1
        self._entries[photo.id] = _Entry(photo, self._clock(), self._order, fresh)

    def remove(self, photo_id: str) -> None:
        self._entries.pop(photo_id, None)
        self._shown_since.discard(photo_id)  # deleted: it leaves no trace in the figures

    def retain(self, live_ids: Iterable[str]) -> None:
        keep = set(live_ids)
        for photo_id in [p for p in self._entries if p not in keep]:
            del self._entries[photo_id]

    def __len__(self) -> int:
        return len(self._entries)

    # The layouts' side (display.contracts.Rotation)

    def photos(self) -> list[WallPhoto]:
        return [entry.photo for entry in self._entries.values()]

    def is_live(self, photo_id: str) -> bool:
        return photo_id in self._entries

    def get(self, photo_id: str) -> WallPhoto | None:
        entry = self._entries.get(photo_id)
        return entry.photo if entry else None

    def take_fresh(self) -> list[WallPhoto]:
        """The layout that takes them shows them: they count as shown from now."""
        now = self._clock()
        self._ledger.trim(now)
        fresh = [e for e in self._entries.values() if e.fresh]
        fresh.sort(key=lambda e: e.order)
        for entry in fresh:
            self._mark_shown(entry, now)
        return [entry.photo for entry in fresh]

    def record(self, shown: Shown) -> None:
        entry = self._entries.get(shown.photo_id)
        if entry is not None:
            entry.screen_seconds += shown.area * shown.seconds
            entry.last_shown = max(entry.last_shown, self._clock())
            entry.fresh = False

    def next_photo(self, exclude: set[str]) -> WallPhoto | None:
        now = self._clock()
        self._ledger.trim(now)
        candidates = [e for pid, e in self._entries.items() if pid not in exclude]
        if not candidates:
            return None
        eligible = [e for e in candidates if self._ledger.share(e.photo.contributor) < self._share]
        entry = self._choose(eligible or candidates, now)
        self._fresh_streak = self._fresh_streak + 1 if entry.fresh else 0
        self._mark_shown(entry, now)
        return entry.photo

    def take_shown(self) -> list[str]:
        """The photos that went on screen since the last call (for the night's figures)."""
        shown, self._shown_since = list(self._shown_since), set()
        return shown

    def _mark_shown(self, entry: _Entry, now: float) -> None:
        self._shown_since.add(entry.photo.id)
        entry.fresh = False
        entry.last_shown = now
        self._ledger.add(now, entry.photo.contributor)

    def _choose(self, pool: list[_Entry], now: float) -> _Entry:
        fresh = [e for e in pool if e.fresh]
        longest = min(pool, key=self._waiting_key)
        if not fresh:
            return longest
        overdue = not longest.fresh and now - _since(longest) >= self._bound_s * OVERDUE_SHARE
        if overdue and self._fresh_streak >= FRESH_STREAK_LIMIT:
            return longest
        return min(fresh, key=lambda e: e.order)

    @staticmethod
    def _waiting_key(entry: _Entry) -> tuple[float, float]:
        # Waiting longest first; among photos that arrived together, the newest approval.
        return (_since(entry), -entry.photo.approved_at.timestamp())

    def stats(self) -> dict[str, float]:
        """For the minute log: how many photos and the longest wait right now."""
        now = self._clock()
        return {
            "photos": len(self._entries),
            "longest_wait_s": round(
                max((now - _since(e) for e in self._entries.values()), default=0.0), 1
            ),
        }


def _since(entry: _Entry) -> float:
    """When its wait began: last time on screen, else when it became showable."""
    return entry.last_shown if entry.last_shown > -math.inf else entry.added_at
