"""When the wall is lit: the nightly show windows computed from `[schedule]`.

Pure functions, no I/O and no clock: the caller passes the moment, so the console, the
server's show loop and the tests all get the same answer for the same instant. A "night" is
named by the date its show starts (the evening); an end earlier than the start is on the next
day, because a summer show often runs past midnight.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from astral import Observer
from astral.sun import sunrise, sunset

if TYPE_CHECKING:
    from wall.config import ScheduleSection

# "21:30", "sunset", "sunset+15m", "sunrise-1h", "sunset+1h30m"
_TIME = re.compile(
    r"^(?:(?P<hour>\d{1,2}):(?P<minute>\d{2})"
    r"|(?P<event>sunset|sunrise)(?:(?P<sign>[+-])(?:(?P<oh>\d+)h)?(?:(?P<om>\d+)m)?)?)$"
)
# Enough to find the next shows across a whole off-season, bounded so a season that is
# over for good (dates with a year) cannot loop forever.
_SEARCH_NIGHTS = 800
# Recurring seasons ("MM-DD") are checked in a leap year so "02-29" is a real date.
_CHECK_YEAR = 2028


class ScheduleError(ValueError):
    """A `[schedule]` value that cannot give a show; the message names the key."""


@dataclass(frozen=True)
class Show:
    """One night's show: aware datetimes in the wall's timezone, end after start."""

    start: datetime
    end: datetime


def _parse_time(spec: str, key: str) -> re.Match[str]:
    """Check a time spec once, so a typo is reported with its key rather than mid-season."""
    match = _TIME.match(spec.strip())
    if match is None:
        raise ScheduleError(
            f"[schedule] {key}: {spec!r} is not a time; "
            'use "21:30", "sunset", "sunset+15m", "sunrise-1h" or "sunset+1h30m"'
        )
    if match["hour"] is not None and (int(match["hour"]) > 23 or int(match["minute"]) > 59):
        raise ScheduleError(f"[schedule] {key}: {spec!r} is not a clock time (00:00 to 23:59)")
    if match["sign"] is not None and match["oh"] is None and match["om"] is None:
        raise ScheduleError(f"[schedule] {key}: {spec!r}: give the offset, e.g. sunset+15m")
    return match


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    """Timezones are looked up once: the schedule is computed every second by the show loop."""
    return ZoneInfo(name)


def _observer(settings: ScheduleSection) -> Observer:
    """The wall's place on Earth, which is what sunset depends on."""
    return Observer(settings.latitude, settings.longitude)


def _resolve(settings: ScheduleSection, spec: str, day: date, key: str) -> datetime:
    """The instant `spec` names on `day`; astral's ValueError (polar day/night) names the key."""
    match = _parse_time(spec, key)
    zone = _zone(settings.timezone)
    if match["hour"] is not None:
        return datetime.combine(day, time(int(match["hour"]), int(match["minute"])), tzinfo=zone)
    event = sunset if match["event"] == "sunset" else sunrise
    try:
        base = event(_observer(settings), day, tzinfo=zone)
    except ValueError as exc:
        raise ScheduleError(
            f"[schedule] {key}: no {match['event']} on {day.isoformat()} at latitude "
            f'{settings.latitude} ({exc}); use a clock time such as "22:00"'
        ) from None
    offset = timedelta(hours=int(match["oh"] or 0), minutes=int(match["om"] or 0))
    return base - offset if match["sign"] == "-" else base + offset


def _night_times(settings: ScheduleSection, night: date) -> tuple[str, str, str] | None:
    """(start, end, key) for `night`, or None when the wall stays dark that night."""
    if not _in_season(settings, night):
        return None  # the consent text names the season: never show outside it
    for entry in settings.special_nights:
        day, start, end = _split_special(entry)
        if day == night:
            return start, end, "special_nights"  # the more specific rule wins over nights_off
    if night.isoformat() in settings.nights_off:
        return None
    return settings.start, settings.end, "start"


def _split_special(entry: str) -> tuple[date, str, str]:
    """A special night is "YYYY-MM-DD START END", e.g. "2027-07-14 22:00 01:00"."""
    parts = entry.split()
    try:
        day = date.fromisoformat(parts[0])
        if len(parts) != 3:
            raise ValueError
    except (ValueError, IndexError):
        raise ScheduleError(
            f'[schedule] special_nights: {entry!r}: write "YYYY-MM-DD START END", '
            'e.g. "2027-07-14 22:00 01:00"'
        ) from None
    return day, parts[1], parts[2]


def show_for_night(settings: ScheduleSection, night: date) -> Show | None:
    """The show that starts on the evening of `night`; an end before the start is next day."""
    times = _night_times(settings, night)
    if times is None:
        return None
    start_spec, end_spec, key = times
    start = _resolve(settings, start_spec, night, key)
    end_key = "end" if key == "start" else key
    end = _resolve(settings, end_spec, night, end_key)
    if end <= start:
        end = _resolve(settings, end_spec, night + timedelta(days=1), end_key)
    return Show(start, end)


def _bound(value: str, key: str) -> tuple[int | None, int, int]:
    """(year or None, month, day) of a season bound, rejecting dates like "02-31"."""
    parts = [int(part) for part in value.split("-")]
    year = parts[0] if len(parts) == 3 else None
    month, day = parts[-2:]
    try:
        date(year or _CHECK_YEAR, month, day)
    except ValueError:
        raise ScheduleError(f"[schedule] {key}: {value!r} is not a date") from None
    return year, month, day


def _in_season(settings: ScheduleSection, night: date) -> bool:
    """Season bounds are inclusive; "MM-DD" bounds recur yearly and may wrap the year end."""
    first = _bound(settings.season_start, "season_start")
    last = _bound(settings.season_end, "season_end")
    if first[0] is not None and last[0] is not None:
        return date(first[0], first[1], first[2]) <= night <= date(last[0], last[1], last[2])
    here = (night.month, night.day)
    if first[1:] <= last[1:]:
        return first[1:] <= here <= last[1:]
    return here >= first[1:] or here <= last[1:]


def _local_date(settings: ScheduleSection, moment: datetime) -> date:
    """The wall's calendar date at `moment`; naive datetimes are refused (which zone?)."""
    if moment.tzinfo is None:
        raise ValueError("schedule: give an aware datetime (with its timezone)")
    return moment.astimezone(_zone(settings.timezone)).date()


def next_shows(settings: ScheduleSection, after: datetime, count: int) -> list[Show]:
    """The next `count` shows not yet over at `after` (one in progress comes first)."""
    night = _local_date(settings, after) - timedelta(days=1)  # yesterday's may still run
    shows: list[Show] = []
    for _ in range(_SEARCH_NIGHTS):
        if len(shows) >= count:
            break
        show = show_for_night(settings, night)
        if show is not None and show.end > after:
            shows.append(show)
        night += timedelta(days=1)
    return shows


NightKind = Literal["show", "special", "off"]


@dataclass(frozen=True)
class NightPlan:
    """One night of the programme as the staff read it: a show, a special night (its own
    times), or a night off ("relâche") that has no show on purpose."""

    night: date
    kind: NightKind
    show: Show | None  # None on a night off


def _night_kind(settings: ScheduleSection, night: date) -> NightKind | None:
    """Which rule decides `night`; None outside the season (not worth a line)."""
    if not _in_season(settings, night):
        return None
    if any(_split_special(entry)[0] == night for entry in settings.special_nights):
        return "special"  # the more specific rule wins over nights_off, as in _night_times
    return "off" if night.isoformat() in settings.nights_off else "show"


def night_plans(settings: ScheduleSection, after: datetime, count: int) -> list[NightPlan]:
    """The next `count` shows not yet over at `after`, with the nights off between them
    (from tonight on): the programme the console lists."""
    today = _local_date(settings, after)
    night = today - timedelta(days=1)  # yesterday's may still run
    plans: list[NightPlan] = []
    shows = 0
    for _ in range(_SEARCH_NIGHTS):
        if shows >= count:
            break
        kind = _night_kind(settings, night)
        if kind == "off" and night >= today:
            plans.append(NightPlan(night, "off", None))
        elif kind in ("show", "special"):
            show = show_for_night(settings, night)
            if show is not None and show.end > after:
                plans.append(NightPlan(night, kind, show))
                shows += 1
        night += timedelta(days=1)
    while plans and plans[-1].kind == "off":
        plans.pop()  # a night off after the last listed show would read as the season's end
    return plans


def show_at(settings: ScheduleSection, moment: datetime) -> Show | None:
    """The show running at `moment` (start inclusive, end exclusive), or None: wall dark."""
    today = _local_date(settings, moment)
    for night in (today - timedelta(days=1), today):
        show = show_for_night(settings, night)
        if show is not None and show.start <= moment < show.end:
            return show
    return None


def _season_nights(settings: ScheduleSection) -> list[date]:
    """Every night of one season: the configured one, or a recurring one in a leap year."""
    first = _bound(settings.season_start, "season_start")
    last = _bound(settings.season_end, "season_end")
    if (first[0] is None) != (last[0] is None):
        raise ScheduleError("[schedule] season_start, season_end: give both with a year or neither")
    start = date(first[0] or _CHECK_YEAR, first[1], first[2])
    end = date(last[0] or _CHECK_YEAR, last[1], last[2])
    if end < start and first[0] is None:
        end = end.replace(year=end.year + 1)  # wraps the year end (checked in 2028-2029)
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def validate_schedule(settings: ScheduleSection) -> None:
    """Compute every night of the season once, so a bad value stops `wall serve` at start-up
    with its key named, instead of leaving the wall dark on the first night it matters."""
    try:
        _zone(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(
            f"[schedule] timezone: {settings.timezone!r} is not a timezone (e.g. Europe/Paris)"
        ) from None
    _parse_time(settings.start, "start")
    _parse_time(settings.end, "end")
    for entry in settings.nights_off:
        try:
            date.fromisoformat(entry)
        except ValueError:
            raise ScheduleError(f"[schedule] nights_off: {entry!r} is not YYYY-MM-DD") from None
    for entry in settings.special_nights:
        day, start, end = _split_special(entry)
        _parse_time(start, "special_nights")
        _parse_time(end, "special_nights")
        if not _in_season(settings, day):
            raise ScheduleError(f"[schedule] special_nights: {entry!r} is outside the season")
        show_for_night(settings, day)
    for night in _season_nights(settings):
        show_for_night(settings, night)
