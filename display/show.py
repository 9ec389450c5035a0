"""Whether the display lights the wall: the server says so; without it, the saved shows do.

The server's `show.start` / `show.stop` carry the coming show windows. They are saved next
to the catalog, so a display that loses the server (or restarts without it) still starts
and stops on time; a blanked wall stays black until the server says otherwise.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from display.saved import load_saved, save
from wall.wire import ShowWindow

log = logging.getLogger(__name__)

SHOW_FILE = "show.json"


@dataclass(frozen=True, slots=True)
class ShowPlan:
    """The server's last word: lit or not, why, and the coming windows (epoch seconds)."""

    lit: bool
    reason: str
    windows: tuple[tuple[float, float], ...] = ()

    @classmethod
    def from_message(cls, show: dict[str, Any]) -> ShowPlan:
        """From the `show` object of a `show.start`/`show.stop` message; ValueError if bad."""
        return cls.of(ShowWindow.model_validate(show))

    @classmethod
    def of(cls, show: ShowWindow) -> ShowPlan:
        """From a validated `show`; ValueError if a moment is not ISO 8601."""
        windows = tuple(
            (datetime.fromisoformat(start).timestamp(), datetime.fromisoformat(end).timestamp())
            for start, end in show.upcoming
        )
        if show.start and show.end:
            running = (
                datetime.fromisoformat(show.start).timestamp(),
                datetime.fromisoformat(show.end).timestamp(),
            )
            windows = (running, *[w for w in windows if w != running])
        return cls(lit=show.lit, reason=show.reason, windows=windows)

    def lit_at(self, now: float, connected: bool) -> bool:
        """Connected, the server decides. Alone, follow the saved windows, except that a
        wall always lit stays lit and a blanked wall stays black."""
        if connected:
            return self.lit
        if self.reason == "blanked":
            return False
        if self.reason == "always":
            return True
        return any(start <= now < end for start, end in self.windows)

    def as_json(self) -> dict[str, Any]:
        return {"lit": self.lit, "reason": self.reason, "windows": [list(w) for w in self.windows]}


def load_plan(folder: Path) -> ShowPlan | None:
    """The plan saved by a previous run; None (lit, as before any schedule) if none."""
    data = load_saved(folder, SHOW_FILE)
    if data is None:
        return None
    try:
        windows = tuple((float(a), float(b)) for a, b in data["windows"])
        return ShowPlan(bool(data["lit"]), str(data["reason"]), windows)
    except (ValueError, KeyError, TypeError) as exc:
        log.warning("ignoring the saved show plan: %s", exc)
        return None


def save_plan(folder: Path, plan: ShowPlan) -> None:
    save(folder, SHOW_FILE, plan.as_json())
