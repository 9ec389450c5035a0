"""When a slide goes on the wall: windows on the wall's clock (across midnight too), cadence on
the monotonic clock and never exceeded, "between layouts" only when a layout's turn ends."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from display.slide_schedule import PHOTOS_BETWEEN_SLIDES_S, SlideSchedule, Slot
from wall.announcements import Window

PARIS = ZoneInfo("Europe/Paris")
JULY_14 = Window(date(2027, 7, 14), date(2027, 7, 14), time(21, 0), time(23, 0))


def paris(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2027, 7, day, hour, minute, second, tzinfo=PARIS)


def schedule_of(*slots: Slot) -> SlideSchedule:
    schedule = SlideSchedule()
    schedule.replace(slots, PARIS)
    return schedule


def run(
    schedule: SlideSchedule, start: datetime, seconds: int, turn_s: float | None = None
) -> list[tuple[float, str]]:
    """Plays `seconds` of a night second by second as the display does: a slide that starts
    stays its time, then the photos; `turn_s`: a layout's turn (boundaries)."""
    starts: list[tuple[float, str]] = []
    until = None
    for mono in range(seconds):
        if until is not None:
            if mono < until:
                continue
            schedule.ended(mono)
            until = None
        boundary = turn_s is not None and mono > 0 and mono % turn_s == 0
        slot = schedule.due(mono, start + timedelta(seconds=mono), boundary)
        if slot is not None:
            schedule.started(slot.id, mono)
            starts.append((mono, slot.id))
            until = mono + slot.seconds
    return starts


def test_a_slide_shows_inside_its_window_only() -> None:
    schedule = schedule_of(Slot("concert", JULY_14, 600.0, 10))
    assert schedule.due(0, paris(14, 20, 59, 59), False) is None
    assert schedule.due(0, paris(13, 21, 30), False) is None  # the night before
    assert schedule.due(0, paris(15, 21, 30), False) is None  # the night after
    assert schedule.due(0, paris(14, 23, 0), False) is None  # the end is not in it
    found = schedule.due(0, paris(14, 21, 0), False)
    assert found is not None and found.id == "concert"
    # The wall's clock, not UTC's: 21:00 in Paris in July is 19:00 UTC.
    assert schedule.due(0, datetime(2027, 7, 14, 19, 0, 30, tzinfo=UTC), False) is not None
    assert schedule.due(0, datetime(2027, 7, 14, 21, 0, 30, tzinfo=UTC), False) is None


def test_a_window_across_midnight_runs_into_the_next_morning() -> None:
    late = Window(date(2027, 7, 13), date(2027, 7, 14), time(22, 0), time(1, 0))
    schedule = schedule_of(Slot("late", late, 60.0, 10))
    inside = [paris(13, 22, 0), paris(14, 0, 30), paris(14, 23, 59), paris(15, 0, 59, 59)]
    outside = [paris(13, 0, 30), paris(13, 21, 59), paris(14, 1, 0), paris(15, 22, 30)]
    assert all(schedule.due(0, moment, False) is not None for moment in inside)
    assert all(schedule.due(0, moment, False) is None for moment in outside)
    whole_day = Window(date(2027, 7, 14), date(2027, 7, 14), time(0, 0), time(0, 0))
    schedule = schedule_of(Slot("day", whole_day, 60.0, 10))
    assert schedule.due(0, paris(14, 0, 0), False) is not None
    assert schedule.due(0, paris(14, 23, 59), False) is not None
    assert schedule.due(0, paris(15, 0, 0), False) is None


def test_every_n_minutes_is_never_exceeded_and_kept_to() -> None:
    schedule = schedule_of(Slot("concert", JULY_14, 5 * 60.0, 10))
    starts = run(schedule, paris(14, 21, 0), 2 * 3600)
    times = [at for at, _id in starts]
    assert times[0] == 0  # at once when the window opens
    assert all(b - a >= 300 for a, b in zip(times, times[1:], strict=False))
    assert all(b - a == 300 for a, b in zip(times, times[1:], strict=False))
    assert len(times) == 24  # 21:00 to 23:00, every five minutes: no showing lost either


def test_the_window_closes_on_the_cadence() -> None:
    schedule = schedule_of(Slot("concert", JULY_14, 10 * 60.0, 10))
    starts = run(schedule, paris(14, 22, 30), 3600)
    assert [at for at, _id in starts] == [0, 600, 1200]  # nothing from 23:00 on


def test_between_layouts_only_when_a_turn_ends_once_per_turn_in_turns() -> None:
    schedule = schedule_of(Slot("expo", JULY_14, None, 8), Slot("tickets", JULY_14, None, 8))
    assert schedule.due(0, paris(14, 21, 30), boundary=False) is None
    starts = run(schedule, paris(14, 21, 30), 900, turn_s=90)
    assert [at for at, _id in starts] == list(range(90, 900, 90))  # every boundary, no other
    assert [slide_id for _at, slide_id in starts][:4] == ["expo", "tickets", "expo", "tickets"]


def test_photos_keep_the_wall_between_two_slides() -> None:
    schedule = schedule_of(
        Slot("a", JULY_14, 60.0, 10), Slot("b", JULY_14, 60.0, 10), Slot("c", JULY_14, 60.0, 10)
    )
    starts = run(schedule, paris(14, 21, 0), 600)
    times = [at for at, _id in starts]
    assert all(
        b - a >= 10 + PHOTOS_BETWEEN_SLIDES_S for a, b in zip(times, times[1:], strict=False)
    )
    by_slide: dict[str, list[float]] = {}
    for at, slide_id in starts:
        by_slide.setdefault(slide_id, []).append(at)
    for moments in by_slide.values():
        assert all(b - a >= 60 for a, b in zip(moments, moments[1:], strict=False))
    assert set(by_slide) == {"a", "b", "c"}


def test_an_edited_list_keeps_each_slides_cadence() -> None:
    schedule = schedule_of(Slot("concert", JULY_14, 600.0, 10))
    assert schedule.due(0, paris(14, 21, 0), False) is not None
    schedule.started("concert", 0)
    schedule.ended(10)
    edited = Slot("concert", JULY_14, 900.0, 12)
    schedule.replace([edited], PARIS)
    assert schedule.due(600, paris(14, 21, 10), False) is None  # now every 15 minutes
    assert schedule.due(900, paris(14, 21, 15), False) == edited


def test_upcoming_names_what_to_draw_ahead() -> None:
    schedule = schedule_of(Slot("soon", JULY_14, 300.0, 10), Slot("boundary", JULY_14, None, 10))
    schedule.started("soon", 0)
    schedule.ended(10)
    coming = schedule.upcoming(100, paris(14, 21, 2), next_boundary=150, within_s=300)
    assert [slot.id for slot in coming] == ["boundary", "soon"]  # at 150, then at 300
    near = schedule.upcoming(100, paris(14, 21, 2), next_boundary=150, within_s=60)
    assert [slot.id for slot in near] == ["boundary"]
    assert schedule.upcoming(100, paris(14, 20, 0), next_boundary=150, within_s=300) == []
