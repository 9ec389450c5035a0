"""The server's show loop: decides each second whether the wall is lit, and says so.

The schedule (`wall/schedule.py`) gives the windows; the operator's "blank the wall now"
switch overrides them and survives a restart (a wall blanked for an incident must not light
up again because the mini-PC rebooted). Every change goes out as a `ShowChanged` event:
the display feed turns it into `show.start` / `show.stop`, the projectors follow it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from wall.config import ScheduleSection
from wall.domain import ShowReason, ShowState
from wall.events import EventBus, ShowChanged
from wall.schedule import NightPlan, Show, next_shows, night_plans, show_at
from wall.storage.base import SourceStateRepository

log = logging.getLogger(__name__)

# A show starts within this of its time; one schedule computation costs well under 1 ms.
TICK_S = 1.0
# The console lists two weeks of shows; the display keeps them to start and stop on time
# while it cannot reach the server.
UPCOMING_SHOWS = 14
# Upcoming shows only change at midnight or at a show's end: recomputed this often.
UPCOMING_REFRESH_S = 600.0
# The blank switch lives in the small per-owner state table the sources use.
STATE_OWNER = "show"
BLANKED_KEY = "blanked"

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class ShowController:
    """Owns the lit/dark decision; everything else asks it or listens to its events."""

    def __init__(
        self,
        settings: ScheduleSection,
        bus: EventBus,
        state_store: SourceStateRepository,
        clock: Clock = _utc_now,
    ) -> None:
        self._settings = settings
        self._bus = bus
        self._state_store = state_store
        self._clock = clock
        self._blanked = False
        self._upcoming: tuple[Show, ...] = ()
        self._upcoming_at: datetime | None = None
        self._state = ShowState(lit=False, reason=ShowReason.BETWEEN_SHOWS)
        self._task: asyncio.Task[None] | None = None
        self._listeners: list[Callable[[], None]] = []
        self._switch_unreadable = False

    def on_change(self, listener: Callable[[], None]) -> None:
        """Called on the event loop after each change (the projectors act on it at once)."""
        self._listeners.append(listener)

    @property
    def schedule_enabled(self) -> bool:
        return self._settings.enabled

    @property
    def blanked(self) -> bool:
        return self._blanked

    @property
    def state(self) -> ShowState:
        return self._state

    async def start(self) -> None:
        self._blanked = await self._state_store.get(STATE_OWNER, BLANKED_KEY) == "1"
        self._state = self._compute(self._clock())
        log.info("show: %s", self._describe(self._state))
        self._task = asyncio.create_task(self._run(), name="show-loop")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def set_blanked(self, blanked: bool, actor: str) -> ShowState:
        """The operator's switch: takes effect now and is remembered across restarts."""
        await self._state_store.set(STATE_OWNER, BLANKED_KEY, "1" if blanked else "0")
        self._blanked = blanked
        log.warning("show: %s %s the wall", actor, "blanked" if blanked else "unblanked")
        self.tick()
        return self._state

    def upcoming(self, count: int = UPCOMING_SHOWS) -> list[Show]:
        """The next shows, one in progress first (empty when the schedule is off)."""
        if not self._settings.enabled:
            return []
        return next_shows(self._settings, self._clock(), count)

    def upcoming_nights(self, count: int = UPCOMING_SHOWS) -> list[NightPlan]:
        """The same shows with the nights off between them, each named by its kind."""
        if not self._settings.enabled:
            return []
        return night_plans(self._settings, self._clock(), count)

    def power_wanted(self, now: datetime, lead: timedelta) -> bool | None:
        """Whether the projectors should be on at `now`, `lead` ahead of a show for the lamp
        to warm up. None without a schedule: nobody decided when shows are, so the
        projectors are left as the staff set them."""
        if not self._settings.enabled:
            return None
        return show_at(self._settings, now) is not None or (
            show_at(self._settings, now + lead) is not None
        )

    def tick(self) -> None:
        """Recomputes the state and publishes it if it changed (on the event loop)."""
        state = self._compute(self._clock())
        if state.lit != self._state.lit or state.reason != self._state.reason:
            log.info("show: %s", self._describe(state))
            self._state = state
            self._bus.publish(ShowChanged(state=state))
            for listener in self._listeners:
                listener()
        else:
            self._state = state

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(TICK_S)
            await self._follow_switch()
            try:
                self.tick()
            except Exception:  # the loop must outlive a surprise: the next tick retries
                log.exception("show: the schedule could not be computed")

    async def _follow_switch(self) -> None:
        """The switch as stored: in a cluster an operator may flip it through another
        process. A store that cannot answer keeps the last known position."""
        try:
            blanked = await self._state_store.get(STATE_OWNER, BLANKED_KEY) == "1"
        except Exception as exc:  # the store's trouble must not stop the show
            if not self._switch_unreadable:
                log.warning("show: cannot read the blank switch (%s); keeping it as it was", exc)
            self._switch_unreadable = True
            return
        self._switch_unreadable = False
        self._blanked = blanked

    def _compute(self, now: datetime) -> ShowState:
        upcoming = tuple((show.start, show.end) for show in self._cached_upcoming(now))
        if self._blanked:
            return ShowState(lit=False, reason=ShowReason.BLANKED, upcoming=upcoming)
        if not self._settings.enabled:
            return ShowState(lit=True, reason=ShowReason.ALWAYS)
        show = show_at(self._settings, now)
        if show is None:
            return ShowState(lit=False, reason=ShowReason.BETWEEN_SHOWS, upcoming=upcoming)
        return ShowState(
            lit=True, reason=ShowReason.SHOW, start=show.start, end=show.end, upcoming=upcoming
        )

    def _cached_upcoming(self, now: datetime) -> tuple[Show, ...]:
        if not self._settings.enabled:
            return ()
        stale = self._upcoming_at is None or abs((now - self._upcoming_at).total_seconds()) > (
            UPCOMING_REFRESH_S
        )
        if stale or (self._upcoming and self._upcoming[0].end <= now):
            self._upcoming = tuple(next_shows(self._settings, now, UPCOMING_SHOWS))
            self._upcoming_at = now
        return self._upcoming

    @staticmethod
    def _describe(state: ShowState) -> str:
        if state.reason is ShowReason.SHOW and state.end is not None:
            return f"lit, show until {state.end.isoformat()}"
        return f"{'lit' if state.lit else 'dark'} ({state.reason.value})"
