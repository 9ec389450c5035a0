"""The nightly schedule, checked against astral for Brive-la-Gaillarde on 14 July 2027."""

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from astral import LocationInfo
from astral.sun import sun

from wall.config import ConfigError, ScheduleSection, load_settings
from wall.schedule import ScheduleError, next_shows, show_at, validate_schedule

PARIS = ZoneInfo("Europe/Paris")
BRIVE = {"latitude": 45.159, "longitude": 1.533, "timezone": "Europe/Paris"}


def _section(**values: Any) -> ScheduleSection:
    """Brive's schedule with the defaults, as `wall.toml` would give it."""
    return ScheduleSection(**{**BRIVE, **values})


def _astral_sunset(day: date) -> datetime:
    """The reference: astral itself, independently of wall/schedule.py."""
    observer = LocationInfo("Brive", "France", "Europe/Paris", 45.159, 1.533).observer
    return sun(observer, day, tzinfo=PARIS)["sunset"]


def test_brive_on_14_july_starts_15_minutes_after_sunset() -> None:
    show = show_at(_section(), datetime(2027, 7, 14, 23, 0, tzinfo=PARIS))
    assert show is not None
    expected = _astral_sunset(date(2027, 7, 14)) + timedelta(minutes=15)
    assert abs((show.start - expected).total_seconds()) <= 1
    assert show.end == datetime(2027, 7, 14, 23, 30, tzinfo=PARIS)
    assert show.end.utcoffset() == timedelta(hours=2)  # summer time


def test_fourteen_next_shows_one_a_night() -> None:
    shows = next_shows(_section(), datetime(2027, 7, 14, 12, 0, tzinfo=PARIS), 14)
    assert len(shows) == 14
    assert [s.start.date() for s in shows] == [date(2027, 7, 14 + n) for n in range(14)]
    for show in shows:
        expected = _astral_sunset(show.start.date()) + timedelta(minutes=15)
        assert abs((show.start - expected).total_seconds()) <= 1
        assert show.end.time().isoformat() == "23:30:00"


def test_a_show_in_progress_is_listed_first() -> None:
    shows = next_shows(_section(), datetime(2027, 7, 14, 23, 0, tzinfo=PARIS), 2)
    assert [s.start.date() for s in shows] == [date(2027, 7, 14), date(2027, 7, 15)]


def test_show_crossing_midnight_ends_next_day() -> None:
    section = _section(start="22:00", end="01:00")
    after_midnight = datetime(2027, 7, 15, 0, 30, tzinfo=PARIS)
    show = show_at(section, after_midnight)
    assert show is not None
    assert show.start == datetime(2027, 7, 14, 22, 0, tzinfo=PARIS)
    assert show.end == datetime(2027, 7, 15, 1, 0, tzinfo=PARIS)
    assert show_at(section, datetime(2027, 7, 15, 1, 0, tzinfo=PARIS)) is None
    assert next_shows(section, after_midnight, 1) == [show]


def test_season_ends_are_inclusive() -> None:
    section = _section(start="22:00", end="23:00")
    for day in (date(2027, 6, 1), date(2027, 9, 30)):
        moment = datetime(day.year, day.month, day.day, 22, 30, tzinfo=PARIS)
        assert show_at(section, moment) is not None, day
    for day in (date(2027, 5, 31), date(2027, 10, 1)):
        moment = datetime(day.year, day.month, day.day, 22, 30, tzinfo=PARIS)
        assert show_at(section, moment) is None, day


def test_next_shows_skip_the_off_season() -> None:
    shows = next_shows(_section(), datetime(2027, 9, 29, 12, 0, tzinfo=PARIS), 3)
    assert [s.start.date() for s in shows] == [
        date(2027, 9, 29),
        date(2027, 9, 30),
        date(2028, 6, 1),
    ]


def test_season_wrapping_the_year_end() -> None:
    section = _section(season_start="12-01", season_end="01-15", start="20:00", end="23:00")
    on = [date(2027, 12, 1), date(2027, 12, 31), date(2028, 1, 1), date(2028, 1, 15)]
    off = [date(2027, 11, 30), date(2028, 1, 16)]
    for day in on + off:
        moment = datetime(day.year, day.month, day.day, 21, 0, tzinfo=PARIS)
        assert (show_at(section, moment) is not None) == (day in on), day


def test_season_with_years_is_that_season_only() -> None:
    section = _section(season_start="2027-07-01", season_end="2027-07-03")
    shows = next_shows(section, datetime(2027, 1, 1, tzinfo=PARIS), 14)
    assert [s.start.date() for s in shows] == [date(2027, 7, d) for d in (1, 2, 3)]


def test_night_off_is_skipped() -> None:
    section = _section(nights_off=["2027-07-15"])
    shows = next_shows(section, datetime(2027, 7, 14, 12, 0, tzinfo=PARIS), 2)
    assert [s.start.date() for s in shows] == [date(2027, 7, 14), date(2027, 7, 16)]


def test_special_night_replaces_that_nights_times() -> None:
    section = _section(special_nights=["2027-07-14 sunset 01:30"])
    shows = next_shows(section, datetime(2027, 7, 14, 12, 0, tzinfo=PARIS), 2)
    assert abs((shows[0].start - _astral_sunset(date(2027, 7, 14))).total_seconds()) <= 1
    assert shows[0].end == datetime(2027, 7, 15, 1, 30, tzinfo=PARIS)
    assert shows[1].end == datetime(2027, 7, 15, 23, 30, tzinfo=PARIS)  # back to normal


def test_polar_day_is_a_clear_error_naming_start() -> None:
    with pytest.raises(ScheduleError, match=r"\[schedule\] start: no sunset on 2028-06-"):
        validate_schedule(_section(latitude=78.0, longitude=15.0, timezone="Europe/Oslo"))


def test_polar_day_stops_load_settings(tmp_path: Path) -> None:
    config = tmp_path / "wall.toml"
    config.write_text('[schedule]\nlatitude = 78.0\ntimezone = "Europe/Oslo"\n')
    with pytest.raises(ConfigError, match=r"\[schedule\] start: no sunset"):
        load_settings(config)


def test_clock_times_at_high_latitude_are_fine() -> None:
    validate_schedule(_section(latitude=78.0, start="22:00", end="02:00"))


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"start": "dusk"}, r"\[schedule\] start: 'dusk' is not a time"),
        ({"end": "25:00"}, r"\[schedule\] end: '25:00' is not a clock time"),
        ({"start": "sunset+"}, r"\[schedule\] start: 'sunset\+': give the offset"),
        ({"timezone": "Mars/Olympus"}, r"\[schedule\] timezone"),
        ({"nights_off": ["14/07/2027"]}, r"\[schedule\] nights_off"),
        ({"special_nights": ["2027-07-14 22:00"]}, r"\[schedule\] special_nights"),
        ({"special_nights": ["2027-12-31 22:00 02:00"]}, r"outside the season"),
        ({"season_end": "2027-09-30"}, r"give both with a year or neither"),
        ({"season_end": "02-31"}, r"\[schedule\] season_end: '02-31' is not a date"),
    ],
)
def test_bad_values_name_their_key(values: dict[str, Any], message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        validate_schedule(_section(**values))


def test_default_schedule_loads() -> None:
    assert load_settings().schedule.start == "sunset+15m"


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        show_at(_section(), datetime(2027, 7, 14, 23, 0))
