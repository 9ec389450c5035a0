"""The layouts in turn, each `layout_seconds`; a broken one is skipped, the show never stops.

Layout modules are imported by name (`display/layouts/<name>.py`, which defines
`create(settings) -> Layout`, or `create(settings, live)` for one that shows live windows)
only when the playlist first reaches them, so a missing or failing module costs a log line,
not the display.

A layout may say it cannot play now (`available(now)` false: a live window whose stream
stalled) or that it plays without photos (`needs_photos = False`): the playlist passes over
the first and keeps the second on an empty wall.
"""

from __future__ import annotations

import importlib
import inspect
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from display.contracts import Layout
from wall.config import DisplaySection

if TYPE_CHECKING:
    from display.live import LiveWindows

log = logging.getLogger(__name__)

# A layout that failed to load or kept raising is tried again after this long: a transient
# fault (a target image being replaced) heals without a restart; a real bug logs rarely.
RETRY_BROKEN_S = 300.0
# A layout raising on this many frames in a row is given up for its turn.
FAILURES_BEFORE_SKIP = 3

Loader = Callable[[str, DisplaySection], Layout]


def import_layout(name: str, settings: DisplaySection) -> Layout:
    return layout_loader(None)(name, settings)


def layout_loader(live: LiveWindows | None) -> Loader:
    """Imports layouts by name, handing `live` to those whose `create` takes it."""

    def load(name: str, settings: DisplaySection) -> Layout:
        module = importlib.import_module(f"display.layouts.{name}")
        if "live" in inspect.signature(module.create).parameters:
            live_layout: Layout = module.create(settings, live=live)
            return live_layout
        layout: Layout = module.create(settings)
        return layout

    return load


def playable(layout: Layout, now: float, has_photos: bool) -> bool:
    """Whether `layout` can hold the wall now: photos if it needs them, its source if any."""
    if not has_photos and getattr(layout, "needs_photos", True):
        return False
    available: Callable[[float], bool] | None = getattr(layout, "available", None)
    return available is None or available(now)


class Playlist:
    """Which layout is on, and since when; `current` switches when its time is up."""

    def __init__(
        self,
        names: list[str],
        settings: DisplaySection,
        seconds: float,
        loader: Loader = import_layout,
    ) -> None:
        self._names = names
        self._settings = settings
        self._seconds = seconds
        self._loader = loader
        self._layouts: dict[str, Layout] = {}
        self._broken_until: dict[str, float] = {}
        self._index = -1
        self._since = 0.0
        self._failures = 0
        self.layout: Layout | None = None
        self.needs_start = False  # a new layout came on: the runner calls its start()
        self.shown_names: list[str] = []  # every layout that went on, in order of first show

    @property
    def name(self) -> str | None:
        return self._names[self._index] if self.layout is not None else None

    @property
    def seconds(self) -> float:
        """Each layout's turn."""
        return self._seconds

    def turn_over(self, now: float) -> bool:
        """Whether the running layout's turn has ended (the next `current` moves on): the
        moment an announcement "between layouts" may take the wall."""
        return self.layout is not None and now - self._since >= self._seconds

    def turn_ends_at(self) -> float | None:
        return self._since + self._seconds if self.layout is not None else None

    @property
    def standalone(self) -> bool:
        """Whether a layout of the playlist plays without photos (a live window)."""
        return any(not getattr(layout, "needs_photos", True) for layout in self._layouts.values())

    def current(self, now: float, has_photos: bool = True) -> Layout | None:
        """The layout for this frame; a new one when the turn is over or the layout cannot
        play any more (the caller starts it)."""
        layout = self.layout
        if (
            layout is None
            or now - self._since >= self._seconds
            or not playable(layout, now, has_photos)
        ):
            self._advance(now, has_photos)
        return self.layout

    def _advance(self, now: float, has_photos: bool = True) -> None:
        previous, self.layout = self.layout, None
        for step in range(1, len(self._names) + 1):
            index = (self._index + step) % len(self._names)
            layout = self._load(self._names[index], now)
            if layout is not None and playable(layout, now, has_photos):
                self._index, self.layout, self._since = index, layout, now
                self._failures = 0
                self.needs_start = self.needs_start or layout is not previous
                if self._names[index] not in self.shown_names:
                    self.shown_names.append(self._names[index])
                return

    def preload(self, now: float) -> None:
        """Creates every layout before the first frame: a layout may take tens of ms to build
        (a photomosaic's target picture), a cost no frame should carry."""
        for name in self._names:
            self._load(name, now)

    def _load(self, name: str, now: float) -> Layout | None:
        if name in self._layouts:
            return self._layouts[name]
        if now < self._broken_until.get(name, -1.0):
            return None
        try:
            layout = self._loader(name, self._settings)
        except Exception:  # a missing or broken module: log it, play the others
            log.exception("layout %r could not be loaded; skipping it", name)
            self._broken_until[name] = now + RETRY_BROKEN_S
            return None
        self._layouts[name] = layout
        return layout

    def failed(self, now: float) -> None:
        """The current layout raised this frame; after a few in a row it loses its turn."""
        self._failures += 1
        if self._failures >= FAILURES_BEFORE_SKIP and self.layout is not None:
            name = self._names[self._index]
            log.error("layout %r keeps failing; skipping to the next", name)
            self._layouts.pop(name, None)
            self._broken_until[name] = now + RETRY_BROKEN_S
            self._advance(now)

    def succeeded(self) -> None:
        self._failures = 0
