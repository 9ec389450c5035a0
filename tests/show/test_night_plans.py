"""The programme the console lists (`wall.schedule.night_plans`): the next shows with the
nights off between them and special nights named, on the wall's calendar."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from wall.config import ScheduleSection
from wall.schedule import next_shows, night_plans

PARIS = ZoneInfo("Europe/Paris")
SUMMER = {
    "enabled": True,
    "season_start": "06-01",
    "season_end": "09-30",
    "start": "21:30",
    "end": "00:30",
    "timezone": "Europe/Paris",
    "nights_off": ["2027-07-13", "2027-07-16"],
    "special_nights": ["2027-07-14 22:00 01:00"],
}


def test_nights_off_and_special_nights_are_listed_among_the_shows() -> None:
    settings = ScheduleSection(**SUMMER)
    noon = datetime(2027, 7, 12, 12, 0, tzinfo=PARIS)
    plans = night_plans(settings, noon, count=3)
    assert [(p.night, p.kind) for p in plans] == [
        (date(2027, 7, 12), "show"),
        (date(2027, 7, 13), "off"),
        (date(2027, 7, 14), "special"),
        (date(2027, 7, 15), "show"),
    ]  # three shows; the night off on the 16th comes after the last: not listed
    special = plans[2].show
    assert special is not None
    assert (special.start.hour, special.end.hour, special.end.day) == (22, 1, 15)
    assert plans[1].show is None
    # The same shows as the display's list, in the same order.
    shows = [p.show for p in plans if p.show is not None]
    assert shows == next_shows(settings, noon, 3)


def test_a_special_night_on_a_night_off_is_a_special_night() -> None:
    settings = ScheduleSection(**{**SUMMER, "nights_off": ["2027-07-14"]})
    plans = night_plans(settings, datetime(2027, 7, 14, 12, 0, tzinfo=PARIS), count=1)
    assert [(p.night, p.kind) for p in plans] == [(date(2027, 7, 14), "special")]


def test_a_night_off_already_past_is_not_listed() -> None:
    settings = ScheduleSection(**{**SUMMER, "nights_off": ["2027-07-11"]})
    plans = night_plans(settings, datetime(2027, 7, 12, 1, 0, tzinfo=PARIS), count=2)
    assert [(p.night, p.kind) for p in plans] == [
        (date(2027, 7, 12), "show"),
        (date(2027, 7, 13), "show"),
    ]
