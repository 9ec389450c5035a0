"""A season's figures for the office's board: month by month, what arrived and from where,
what was approved, how many people took part, how many hours the wall was programmed, and
who was speaking (visiting, living here, just moved here, unsaid).

The season is `[schedule] season_start`..`season_end` (inclusive nights; "MM-DD" bounds recur
every year and may wrap the year end, "YYYY-MM-DD" bounds name one season). A month holds the
nights whose evening falls in it, each night running noon to noon like the night's figures
(`console.night`): a show from 22:00 on 31 July to 01:00 belongs to July. Contributors are
counted once per month and once for the season (a regular of July and August is one person
in the season's total, two in the months').
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from console.night import night_of
from wall.config import ScheduleSection
from wall.schedule import show_for_night
from wall.storage.base import NightCounts, QuarterCount, Store


class InvalidSeason(ValueError):
    """A year with no season to report (outside the calendar or the configured years)."""


@dataclass(frozen=True, slots=True)
class Season:
    year: int  # the year the season starts in
    first: date  # its first night
    last: date  # its last night (inclusive)


@dataclass(frozen=True, slots=True)
class SpeakerFigures:
    received: int = 0
    approved: int = 0
    contributors: int = 0


@dataclass(slots=True)
class PeriodFigures:
    """One month of the season, or the whole season (`month` None)."""

    month: date | None  # the month's first day
    first: date  # first night counted
    last: date  # last night counted
    nights: int = 0  # nights with a show in the programme
    show_hours: float = 0.0  # their programmed length, hours
    received: int = 0
    approved: int = 0
    rejected: int = 0
    contributors: int = 0
    shown: int = 0
    by_source: dict[str, tuple[int, int]] = field(default_factory=dict)  # (received, approved)
    by_speaker: dict[str, SpeakerFigures] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SeasonFigures:
    season: Season
    timezone: str
    programmed: bool  # a [schedule] is in force: the show hours mean something
    months: list[PeriodFigures]
    total: PeriodFigures


def _bound(value: str) -> tuple[int | None, int, int]:
    parts = [int(part) for part in value.split("-")]
    return (parts[0] if len(parts) == 3 else None), parts[-2], parts[-1]


def season_of(schedule: ScheduleSection, year: int | None, today: date) -> Season:
    """The season starting in `year`; without one, the running season or the last one begun.

    A season with written years is the only one there is: `year` must be its start's (or
    None). Raises `InvalidSeason` for a year with no season."""
    start_year, start_month, start_day = _bound(schedule.season_start)
    end_year, end_month, end_day = _bound(schedule.season_end)
    if start_year is not None and end_year is not None:
        if year not in (None, start_year):
            raise InvalidSeason(str(year))
        return Season(
            start_year, date(start_year, start_month, start_day), date(end_year, end_month, end_day)
        )
    if year is None:
        year = (
            today.year if (today.month, today.day) >= (start_month, start_day) else today.year - 1
        )
    try:
        first = date(year, start_month, start_day)
        last = date(year, end_month, end_day)
        if last < first:
            last = date(year + 1, end_month, end_day)  # wraps the year end
        night_of(last, schedule.timezone)  # its noon-to-noon span must exist too
    except (ValueError, OverflowError):
        raise InvalidSeason(str(year)) from None
    return Season(year, first, last)


def months_of(season: Season) -> list[tuple[date, date, date]]:
    """(month's first day, first night, last night) for each month the season touches."""
    months = []
    night = season.first
    while night <= season.last:
        month = night.replace(day=1)
        following = (month + timedelta(days=32)).replace(day=1)
        last = min(season.last, following - timedelta(days=1))
        months.append((month, night, last))
        night = last + timedelta(days=1)
    return months


def programme(schedule: ScheduleSection, first: date, last: date) -> tuple[int, float]:
    """Nights with a show between `first` and `last`, and their programmed hours."""
    if not schedule.enabled:
        return 0, 0.0
    nights, seconds = 0, 0.0
    night = first
    while night <= last:
        show = show_for_night(schedule, night)
        if show is not None:
            nights += 1
            seconds += (show.end - show.start).total_seconds()
        night += timedelta(days=1)
    return nights, round(seconds / 3600, 1)


def _sources(
    received: list[QuarterCount], approved: list[QuarterCount]
) -> dict[str, tuple[int, int]]:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for count in received:
        totals[count.source][0] += count.count
    for count in approved:
        totals[count.source][1] += count.count
    ordered = sorted(totals.items(), key=lambda item: (-item[1][0], -item[1][1], item[0]))
    return {name: (pair[0], pair[1]) for name, pair in ordered}


def period_from(month: date | None, first: date, last: date, counts: NightCounts) -> PeriodFigures:
    """The raw counts of a range of nights, summed the way the board reads them."""
    return PeriodFigures(
        month=month,
        first=first,
        last=last,
        received=sum(c.count for c in counts.received),
        approved=sum(c.count for c in counts.approved),
        rejected=sum(c.count for c in counts.rejected),
        contributors=counts.contributors,
        shown=counts.shown,
        by_source=_sources(counts.received, counts.approved),
        by_speaker={
            s.speaker: SpeakerFigures(s.received, s.approved, s.contributors)
            for s in counts.speakers
        },
    )


async def _period(
    store: Store, timezone: str, month: date | None, first: date, last: date
) -> PeriodFigures:
    start = night_of(first, timezone).start
    end = night_of(last, timezone).end
    return period_from(month, first, last, await store.figures.counts(start, end))


async def season_figures(store: Store, schedule: ScheduleSection, season: Season) -> SeasonFigures:
    """One range query per month and one for the whole season (its distinct contributors)."""
    zone = schedule.timezone
    months = []
    for month, first, last in months_of(season):
        figures = await _period(store, zone, month, first, last)
        figures.nights, figures.show_hours = programme(schedule, first, last)
        months.append(figures)
    total = await _period(store, zone, None, season.first, season.last)
    total.nights = sum(m.nights for m in months)
    total.show_hours = round(sum(m.show_hours for m in months), 1)
    return SeasonFigures(season, zone, schedule.enabled, months, total)
