"""A night and its figures: what arrived, what moderators decided, what came on the wall.

A "night" is named by the evening's date in the wall's timezone (`[schedule] timezone`) and
runs from 12:00 local that day to 12:00 local the next day. A show crosses midnight (21:30 to
01:00 is one show, one night for the staff), and noon is the hour furthest from any show, so
no show is ever cut in two; a calendar day would split every show at midnight.

Hours are the wall's local hours, ordered as the night runs (12, 13, ... 23, 0, ... 11). On
the nights the clocks change, the repeated hour adds into one slot and the skipped one stays
at zero: a chart of 24 bars every night.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from console.speakers import SPEAKERS
from wall.storage.base import NightCounts, QuarterCount, Store

NIGHT_TURN = time(12, 0)  # noon: the hour furthest from any show
HOURS_OF_A_NIGHT = [(NIGHT_TURN.hour + step) % 24 for step in range(24)]
_NIGHT_NAME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII digits only (fullmatch)


class InvalidNight(ValueError):
    """Not a night we can name: not YYYY-MM-DD, not a date, or past the calendar's ends."""


@dataclass(frozen=True, slots=True)
class Night:
    day: date  # the evening's date: the night's name
    zone: ZoneInfo
    start: datetime  # 12:00 local that day, aware (local)
    end: datetime  # 12:00 local the next day, aware (local)


def night_of(day: date, timezone: str) -> Night:
    """The night named `day`; raises `InvalidNight` at the calendar's ends."""
    zone = ZoneInfo(timezone)
    try:
        start = datetime.combine(day, NIGHT_TURN, zone)
        end = datetime.combine(day + timedelta(days=1), NIGHT_TURN, zone)
        for bound in (start, end):
            bound.astimezone(UTC)  # raises for the first and last days of the calendar
    except OverflowError:
        raise InvalidNight(day.isoformat()) from None
    return Night(day, zone, start, end)


def night_at(moment: datetime, timezone: str) -> Night:
    """The night `moment` falls in: tonight's from noon on, last night's in the morning."""
    if moment.tzinfo is None:
        raise ValueError("night: give an aware datetime (with its timezone)")
    local = moment.astimezone(ZoneInfo(timezone))
    day = local.date() if local.time() >= NIGHT_TURN else local.date() - timedelta(days=1)
    return night_of(day, timezone)


def parse_night(text: str, timezone: str) -> Night:
    """The night a name like "2027-07-14" names; raises `InvalidNight` for anything else."""
    if not _NIGHT_NAME.fullmatch(text):
        raise InvalidNight(text)
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidNight(text) from None
    return night_of(day, timezone)


@dataclass(frozen=True, slots=True)
class SourceFigures:
    source: str
    received: int
    approved: int
    rejected: int


@dataclass(frozen=True, slots=True)
class HourFigures:
    hour: int  # local
    received: int
    approved: int


@dataclass(frozen=True, slots=True)
class SpeakerFigures:
    """Who is speaking (`console.speakers`): arrivals, standing approvals, contributors."""

    speaker: str
    received: int
    approved: int
    contributors: int


@dataclass(frozen=True, slots=True)
class NightFigures:
    night: Night
    received: int
    approved: int
    rejected: int
    removed: int
    deleted: int
    shown: int
    contributors: int
    by_source: list[SourceFigures]
    by_hour: list[HourFigures]
    by_speaker: list[SpeakerFigures]  # every speaker, in `SPEAKERS` order, zeros included


def _per_source(counts: Iterable[QuarterCount]) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for count in counts:
        totals[count.source] += count.count
    return totals


def _per_hour(counts: Iterable[QuarterCount], zone: ZoneInfo) -> dict[int, int]:
    """A UTC quarter lies within one local hour: offsets are whole quarters everywhere."""
    totals: dict[int, int] = defaultdict(int)
    for count in counts:
        totals[count.quarter.astimezone(zone).hour] += count.count
    return totals


def _per_speaker(counts: NightCounts) -> list[SpeakerFigures]:
    found = {c.speaker: c for c in counts.speakers}
    codes = [*SPEAKERS, *sorted(set(found) - set(SPEAKERS))]
    figures = []
    for code in codes:
        count = found.get(code)
        numbers = (count.received, count.approved, count.contributors) if count else (0, 0, 0)
        figures.append(SpeakerFigures(code, *numbers))
    return figures


def figures_from(night: Night, counts: NightCounts) -> NightFigures:
    """The console's figures from the raw counts: totals, per source, per local hour."""
    received = _per_source(counts.received)
    approved = _per_source(counts.approved)
    rejected = _per_source(counts.rejected)
    sources = sorted(set(received) | set(approved) | set(rejected))
    by_source = [
        SourceFigures(name, received.get(name, 0), approved.get(name, 0), rejected.get(name, 0))
        for name in sources
    ]
    by_source.sort(key=lambda s: (-s.received, -s.approved, s.source))
    received_hours = _per_hour(counts.received, night.zone)
    approved_hours = _per_hour(counts.approved, night.zone)
    return NightFigures(
        night=night,
        received=sum(received.values()),
        approved=sum(approved.values()),
        rejected=sum(rejected.values()),
        removed=counts.removed,
        deleted=counts.deleted,
        shown=counts.shown,
        contributors=counts.contributors,
        by_source=by_source,
        by_hour=[
            HourFigures(hour, received_hours.get(hour, 0), approved_hours.get(hour, 0))
            for hour in HOURS_OF_A_NIGHT
        ],
        by_speaker=_per_speaker(counts),
    )


async def night_figures(store: Store, night: Night) -> NightFigures:
    return figures_from(night, await store.figures.counts(night.start, night.end))
