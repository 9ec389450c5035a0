"""The declared frame rate: half the configured one, evenly paced, when frames do not fit
(`display.pacing`), and back when there is room; in the real loop with an injected cost."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import pygame
import pytest

from display import pacing
from display.commands import PhotoReady
from display.pacing import DOWN_LATE, DOWN_P75_MIN, HOLD_S, UP_WINDOW, WINDOW, RateGovernor
from tests.display.test_runner import runner_for, screen
from tests.helpers.wall_display import wall_photo

__all__ = ["screen"]  # the fixture, shared with test_runner

FULL, HALF = 1 / 60, 1 / 30
COSTLY_S = 0.021  # over a 60 fps frame's 16.7 ms, well under a 30 fps frame's 33.3 ms


def uneven(index: int) -> float:
    """Frames alternately costly and cheap: only a held present shows them evenly."""
    return COSTLY_S if index % 2 else 0.004


def feed(governor: RateGovernor, cost: float, frames: int, start: float, period: float) -> float:
    """`frames` frames of `cost` seconds, one each `period`; the time after the last."""
    now = start
    for _ in range(frames):
        governor.note(cost, cost > governor.period, now, 0)
        now += period
    return now


def test_frames_that_fit_keep_the_configured_rate() -> None:
    governor = RateGovernor(60)
    feed(governor, 0.012, 600, 0.0, FULL)
    assert governor.fps == 60 and not governor.changes
    assert governor.report()["frames_at_fps"] == {"60": 600}


def test_a_few_late_frames_halve_the_rate_and_room_brings_it_back_not_at_once() -> None:
    governor = RateGovernor(60)
    now = feed(governor, COSTLY_S, DOWN_LATE, 0.0, FULL)
    assert governor.fps == 30 and governor.period == HALF
    assert governor.header == "30/60" and "30 fps declared" in governor.describe()
    now = feed(governor, 0.004, round((HOLD_S - 1) * 30), now, HALF)
    assert governor.fps == 30, "held at least HOLD_S, cheap frames or not"
    now = feed(governor, 0.004, 60, now, HALF)
    assert governor.fps == 60
    # The full rate fails again within a minute: down, and this time held twice as long.
    now = feed(governor, COSTLY_S, WINDOW // 4 + 1, now, FULL)
    assert governor.fps == 30
    now = feed(governor, 0.004, round((2 * HOLD_S - 2) * 30), now, HALF)
    assert governor.fps == 30
    feed(governor, 0.004, 90, now, HALF)
    assert [change.fps for change in governor.changes] == [30, 60, 30, 60]


def test_frames_near_the_budget_halve_the_rate_before_they_are_late() -> None:
    governor = RateGovernor(60)
    feed(governor, 0.016, 30, 0.0, FULL)  # none late, each with 0.7 ms to spare
    assert governor.fps == 30


def test_spikes_of_a_busy_machine_do_not_lower_the_rate() -> None:
    """A few late frames among cheap ones (a layout's start, another process taking the
    core): no lower rate would have absorbed them."""
    governor = RateGovernor(60)
    now = 0.0
    for frame in range(600):
        cost = 0.040 if frame % 25 == 0 else 0.006
        governor.note(cost, cost > governor.period, now, frame)
        now += FULL
    assert governor.fps == 60 and not governor.changes


def test_room_means_well_under_the_full_budget() -> None:
    governor = RateGovernor(60)
    now = feed(governor, COSTLY_S, DOWN_LATE, 0.0, FULL)
    feed(governor, 0.012, round(3 * HOLD_S * 30), now, HALF)  # fits 60 fps, but barely
    assert governor.fps == 30


def test_when_even_half_does_not_fit_a_third_then_a_quarter_never_less() -> None:
    governor = RateGovernor(60)
    now = feed(governor, 0.040, DOWN_LATE, 0.0, FULL)
    assert governor.fps == 30
    now = feed(governor, 0.040, DOWN_LATE, now, HALF)
    assert governor.fps == 20 and governor.divisor == 3 and governor.period == 3 / 60
    now = feed(governor, 0.080, DOWN_LATE, now, 3 / 60)
    feed(governor, 0.200, 100, now, 4 / 60)
    assert governor.fps == 15 and governor.header == "15/60"
    assert [change.fps for change in governor.changes] == [30, 20, 15]


def test_a_low_configured_rate_is_never_lowered_below_15_fps() -> None:
    governor = RateGovernor(24)
    feed(governor, 0.08, 100, 0.0, 1 / 24)
    assert governor.fps == 24 and not governor.changes
    adaptive_off = RateGovernor(60, adaptive=False)
    feed(adaptive_off, 0.05, 100, 0.0, FULL)
    assert adaptive_off.fps == 60


class Clocked:
    """A real (trivial) layout that keeps the `now` each frame is drawn for."""

    name = "clocked"

    def __init__(self) -> None:
        self.times: list[float] = []

    def start(self, size: tuple[int, int], now: float) -> None:  # noqa: ARG002
        pass

    def update(self, now: float, source: object, rotation: object) -> None:  # noqa: ARG002
        pass

    def draw(self, canvas: pygame.Surface, now: float) -> list[pygame.Rect]:
        self.times.append(now)
        return [canvas.fill((int(now * 600) % 256, 0, 0), (0, 0, 40, 40))]


@pytest.mark.quiet_cpu  # real frame timing: run alone (see the Makefile)
def test_costly_frames_in_the_loop_go_to_an_even_30_fps_and_say_so(
    screen: pygame.Surface, tmp_path: Path
) -> None:
    """Every other frame costs 21 ms more (the knob for tests): after a few late frames the
    loop declares 30 fps, misses no more, shows a frame every 33.3 ms however long each took,
    and each frame's animation time is its slot's: motion keeps its speed and is even."""
    layout = Clocked()
    shown: list[float] = []
    frames = 120
    runner, _frames, library = runner_for(
        screen,
        tmp_path,
        ["spotlight"],
        [PhotoReady(wall_photo("magenta"), fresh=True)],
        frames,
        frame_sink=lambda _surface, _index, _when: shown.append(time.monotonic()),
        extra_cost=uneven,
    )
    runner.playlist._loader = lambda _name, _settings: layout
    library.start()
    try:
        stats = runner.run().report()
    finally:
        library.stop()
    report = runner.pacing.report()
    assert len(layout.times) >= frames - 1, "the layout drew (almost) every frame"
    assert runner.declared_fps == 30 and report["fps_declared"] == 30
    assert report["rate_changes"][0]["frame"] < DOWN_P75_MIN  # half of them late: at once
    assert stats["late_frames"] <= DOWN_P75_MIN // 2 + frames // 100, stats
    after = slice(report["rate_changes"][0]["frame"] + 2, None)
    intervals = [b - a for a, b in zip(shown[after], shown[after][1:], strict=False)]
    assert abs(statistics.median(intervals) - HALF) < 0.002, intervals
    on_time = sum(abs(interval - HALF) < 0.005 for interval in intervals)
    assert on_time >= 0.95 * len(intervals), intervals
    steps = [b - a for a, b in zip(layout.times[after], layout.times[after][1:], strict=False)]
    assert sum(abs(step - HALF) < 1e-6 for step in steps) >= 0.95 * len(steps), steps


@pytest.mark.quiet_cpu  # real frame timing: run alone (see the Makefile)
def test_room_again_brings_the_loop_back_to_60(
    screen: pygame.Surface, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pacing, "HOLD_S", 0.5)
    monkeypatch.setattr(pacing, "UP_WINDOW", 15)
    assert UP_WINDOW > 15
    runner, _frames, library = runner_for(
        screen,
        tmp_path,
        ["spotlight"],
        [PhotoReady(wall_photo("magenta"), fresh=True)],
        90,
        extra_cost=lambda index: COSTLY_S if index < 10 else 0.0,
    )
    library.start()
    try:
        runner.run()
    finally:
        library.stop()
    assert [change.fps for change in runner.pacing.changes] == [30, 60]
    assert runner.declared_fps == 60


class VsyncFlip:
    """A presenter whose flip waits for the next refresh of a 60 Hz display, as SDL's does
    with vsync: the frame reaches the screen on the refresh after the call."""

    def __init__(self, surface: pygame.Surface) -> None:
        self._surface = surface
        self._origin = time.monotonic()
        self.flips: list[int] = []  # the refresh each frame went up on

    def present(self, changed: list[pygame.Rect] | None) -> None:  # noqa: ARG002
        refresh = int((time.monotonic() - self._origin) / FULL) + 1
        time.sleep(max(0.0, self._origin + refresh * FULL - time.monotonic()))
        self.flips.append(refresh)

    def shown(self) -> pygame.Surface:
        return self._surface


@pytest.mark.quiet_cpu  # real frame timing: run alone (see the Makefile)
def test_with_vsync_each_frame_is_up_for_exactly_two_refreshes(
    screen: pygame.Surface, tmp_path: Path
) -> None:
    presenter = VsyncFlip(screen)
    runner, _frames, library = runner_for(
        screen,
        tmp_path,
        ["spotlight"],
        [PhotoReady(wall_photo("magenta"), fresh=True)],
        90,
        presenter=presenter,
        vsync=True,
        extra_cost=uneven,
    )
    library.start()
    try:
        stats = runner.run().report()
    finally:
        library.stop()
    assert runner.declared_fps == 30
    switched = runner.pacing.changes[0].frame + 1
    flips = presenter.flips[switched:]
    held = [b - a for a, b in zip(flips, flips[1:], strict=False)]
    assert held.count(2) >= 0.95 * len(held), held
    assert stats["late_frames"] <= DOWN_P75_MIN // 2 + 1
