"""Each moderator's last decision, kept for the few seconds in which it may be undone."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from wall.domain import PhotoStatus

UNDO_WINDOW_S = 10.0  # long enough to see the mistake on a toast, short enough to be "just now"


@dataclass(frozen=True, slots=True)
class LastDecision:
    photo_id: str
    before: PhotoStatus
    version_after: int
    at: float


class UndoLedger:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._last: dict[str, LastDecision] = {}

    def record(self, username: str, photo_id: str, before: PhotoStatus, version_after: int) -> None:
        self._last[username] = LastDecision(photo_id, before, version_after, self._clock())

    def take(self, username: str) -> LastDecision | None:
        """The decision to undo, or None; raises `UndoExpired` past the window."""
        last = self._last.pop(username, None)
        if last is None:
            return None
        if self._clock() - last.at > UNDO_WINDOW_S:
            raise UndoExpired(last.photo_id)
        return last


class UndoExpired(Exception):
    pass
