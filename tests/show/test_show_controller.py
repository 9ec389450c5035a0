"""The server's show loop across a show's start and end, with a clock the test moves
(a real SQLite store keeps the blank switch)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from show.controller import ShowController
from wall.config import ScheduleSection
from wall.domain import ShowReason
from wall.events import EventBus, ShowChanged
from wall.storage import open_embedded_store

PARIS_SUMMER = ScheduleSection(
    enabled=True, season_start="06-01", season_end="09-30", start="21:30", end="00:30"
)


class MovableClock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


def paris(text: str) -> datetime:
    """A wall-clock time in Brive (CEST in summer: UTC+2)."""
    return datetime.fromisoformat(text + "+02:00")


def run(coro_fn):  # type: ignore[no-untyped-def]
    return asyncio.run(coro_fn())


def test_state_follows_the_show_across_its_start_midnight_and_end(tmp_path: Path) -> None:
    async def scenario() -> list[tuple[bool, ShowReason]]:
        store = open_embedded_store(tmp_path)
        bus = EventBus()
        events = bus.subscribe()
        clock = MovableClock(paris("2027-07-14T21:29:59"))
        show = ShowController(PARIS_SUMMER, bus, store.sources, clock)
        await show.start()
        seen = [(show.state.lit, show.state.reason)]
        for moment in ("21:30:00", "23:59:59"):
            clock.moment = paris(f"2027-07-14T{moment}")
            show.tick()
        for moment in ("00:00:00", "00:29:59", "00:30:00"):
            clock.moment = paris(f"2027-07-15T{moment}")
            show.tick()
        await show.stop()
        while not events.queue.empty():
            event = events.queue.get_nowait()
            assert isinstance(event, ShowChanged)
            seen.append((event.state.lit, event.state.reason))
        await store.photos.close()
        return seen

    assert run(scenario) == [
        (False, ShowReason.BETWEEN_SHOWS),
        (True, ShowReason.SHOW),  # 21:30 sharp; no event repeated during the show
        (False, ShowReason.BETWEEN_SHOWS),  # 00:30 next day
    ]


def test_running_show_carries_its_window_and_the_coming_ones(tmp_path: Path) -> None:
    async def scenario() -> None:
        store = open_embedded_store(tmp_path)
        clock = MovableClock(paris("2027-07-14T22:00:00"))
        show = ShowController(PARIS_SUMMER, EventBus(), store.sources, clock)
        await show.start()
        state = show.state
        assert state.lit and state.start == paris("2027-07-14T21:30:00")
        assert state.end == paris("2027-07-15T00:30:00")
        assert len(state.upcoming) == 14 and state.upcoming[0] == (state.start, state.end)
        assert state.upcoming[1][0] == paris("2027-07-15T21:30:00")
        await show.stop()
        await store.photos.close()

    run(scenario)


def test_projectors_are_wanted_from_the_lead_time_before_a_show_until_its_end(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        store = open_embedded_store(tmp_path)
        show = ShowController(PARIS_SUMMER, EventBus(), store.sources)
        lead = timedelta(minutes=2)
        assert show.power_wanted(paris("2027-07-14T21:27:59"), lead) is False
        assert show.power_wanted(paris("2027-07-14T21:28:00"), lead) is True
        assert show.power_wanted(paris("2027-07-15T00:29:59"), lead) is True
        assert show.power_wanted(paris("2027-07-15T00:30:00"), lead) is False
        assert show.power_wanted(paris("2027-10-14T21:30:00"), lead) is False  # off-season
        always = ShowController(ScheduleSection(), EventBus(), store.sources)
        assert always.power_wanted(datetime.now(UTC), lead) is None  # staff decide
        await store.photos.close()

    run(scenario)


def test_blank_switch_wins_over_the_show_and_is_remembered(tmp_path: Path) -> None:
    async def scenario() -> None:
        store = open_embedded_store(tmp_path)
        clock = MovableClock(paris("2027-07-14T22:00:00"))
        show = ShowController(PARIS_SUMMER, EventBus(), store.sources, clock)
        await show.start()
        state = await show.set_blanked(True, "regie")
        assert (state.lit, state.reason) == (False, ShowReason.BLANKED)
        await show.stop()
        again = ShowController(PARIS_SUMMER, EventBus(), store.sources, clock)
        await again.start()
        assert again.blanked and not again.state.lit
        assert (await again.set_blanked(False, "regie")).reason is ShowReason.SHOW
        await again.stop()
        await store.photos.close()

    run(scenario)
