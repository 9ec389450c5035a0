"""A display that cannot reach the server follows the show plan it saved: it lights the wall
inside the saved show windows and keeps true black outside them."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from display.show import ShowPlan, load_plan, save_plan
from tests.helpers.wall_display import HeadlessDisplay

NOW = 1_800_000_000.0


def test_connected_the_server_decides() -> None:
    plan = ShowPlan(lit=False, reason="between_shows", windows=((NOW - 10, NOW + 10),))
    assert plan.lit_at(NOW, connected=True) is False


@pytest.mark.parametrize(
    ("reason", "windows", "lit"),
    [
        ("between_shows", ((NOW - 10, NOW + 10),), True),  # a show began while we were alone
        ("show", ((NOW - 100, NOW - 1),), False),  # it ended while we were alone
        ("show", ((NOW - 100, NOW),), False),  # the end is exclusive
        ("blanked", ((NOW - 10, NOW + 10),), False),  # an operator's black stays black
        ("always", (), True),
    ],
)
def test_alone_the_saved_windows_decide(
    reason: str, windows: tuple[tuple[float, float], ...], lit: bool
) -> None:
    plan = ShowPlan(lit=not lit, reason=reason, windows=windows)
    assert plan.lit_at(NOW, connected=False) is lit


def test_plan_from_a_show_message_puts_the_running_show_first() -> None:
    plan = ShowPlan.from_message(
        {
            "lit": True,
            "reason": "show",
            "start": "2027-07-14T21:30:00+02:00",
            "end": "2027-07-15T00:30:00+02:00",
            "upcoming": [
                ["2027-07-14T21:30:00+02:00", "2027-07-15T00:30:00+02:00"],
                ["2027-07-15T21:29:00+02:00", "2027-07-16T00:30:00+02:00"],
            ],
        }
    )
    assert len(plan.windows) == 2 and plan.windows[0][1] - plan.windows[0][0] == 3 * 3600
    with pytest.raises(ValueError):
        ShowPlan.from_message({"lit": True, "reason": "show", "upcoming": [["soon", "later"]]})


def test_a_damaged_saved_plan_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "show.json").write_text("{not json")
    assert load_plan(tmp_path) is None
    assert load_plan(tmp_path / "nothing") is None


@pytest.mark.parametrize("inside", [True, False])
def test_restarted_without_the_server_the_display_follows_the_saved_plan(
    tmp_path: Path, inside: bool
) -> None:
    now = time.time()
    window = (now - 600, now + 600) if inside else (now + 3600, now + 7200)
    display = HeadlessDisplay(tmp_path / "display", None, frames=30)
    save_plan(display.cache, ShowPlan(lit=False, reason="between_shows", windows=(window,)))
    display.start()
    stats = display.finish(stop=False)
    last = display.latest()
    assert last is not None
    if inside:  # the idle screen (no photos cached): lit, not black
        assert last.mean() > 20 and stats["dark_frames"] == 0
    else:
        assert int(last.max()) == 0 and stats["dark_frames"] == 30
