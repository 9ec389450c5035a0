"""Announcements: the office's own slides between the visitors' photos ("concert tonight").

An operator writes one in the console: an image they upload, or a title and a short text in
French and English over an optional photo. Each has a window (the first and last night, and
the nightly start and end times, in the wall's timezone) and a cadence (every N minutes, or
once between two layouts). The rules here are plain functions of their arguments, shared by
the server (validation, the console's "on now") and the display (when to show a slide), so
the two cannot disagree about a window.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# What an operator may write: a title reads across the wall in one or two lines, a text in
# three or four; more would be small print nobody reads from the square.
TITLE_MAX = 80
TEXT_MAX = 240
# Cadence bounds: a slide every minute already crowds the photos out; once in four hours
# is the least a night of three hours can ask.
EVERY_MIN = 1
EVERY_MAX = 240
# How long a slide stays up: long enough to read two languages, short enough not to bore.
SECONDS_MIN = 4
SECONDS_MAX = 60
SECONDS_DEFAULT = 10
# A window longer than a season is a forgotten slide.
MAX_WINDOW_DAYS = 400


class SlideKind(enum.StrEnum):
    """An uploaded image shown alone, or words laid out in the wall's style."""

    IMAGE = "image"
    TEXT = "text"


@dataclass(frozen=True, slots=True)
class SlideImage:
    """The announcement's own rendition in the media store: re-encoded, no metadata, fitted
    to the wall's size. The uploaded file itself is never kept."""

    key: str
    width: int
    height: int
    size: int
    mime: str = "image/jpeg"


@dataclass(frozen=True, slots=True)
class Window:
    """Nights `first_day`..`last_day` (inclusive), each from `start` to `end` local time; an
    end at or before the start runs into the next morning (21:00-01:00), the same time at
    both ends is the whole day."""

    first_day: date
    last_day: date
    start: time
    end: time

    def contains(self, moment: datetime, zone: ZoneInfo) -> bool:
        """Whether the aware `moment` falls in the window, read on the wall's clock."""
        local = moment.astimezone(zone)
        day, clock = local.date(), local.time().replace(tzinfo=None)
        if self.start < self.end:
            return self._night(day) and self.start <= clock < self.end
        # Across midnight: the evening belongs to today's night, the small hours to
        # yesterday's (a window ending 01:00 on its last night still runs until 01:00).
        return (self._night(day) and clock >= self.start) or (
            self._night(day - timedelta(days=1)) and clock < self.end
        )

    def _night(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day

    def ended(self, moment: datetime, zone: ZoneInfo) -> bool:
        """Past its last night's end: nothing left to show (the console greys it)."""
        last_end = datetime.combine(self.last_day, self.end, zone)
        if self.end <= self.start:
            last_end += timedelta(days=1)
        return moment >= last_end


@dataclass(frozen=True, slots=True)
class Announcement:
    """One slide as stored. `every_minutes` None: once between two layouts."""

    id: str
    kind: SlideKind
    title_fr: str
    title_en: str
    text_fr: str
    text_en: str
    window: Window
    every_minutes: int | None
    seconds: int
    image: SlideImage | None
    version: int
    created_at: datetime
    updated_at: datetime
    created_by: str
    updated_by: str


@dataclass(frozen=True, slots=True)
class AnnouncementDraft:
    """What an operator sends to create or change one (the image comes apart, as bytes)."""

    kind: SlideKind
    title_fr: str
    title_en: str
    text_fr: str
    text_en: str
    window: Window
    every_minutes: int | None
    seconds: int = SECONDS_DEFAULT


class AnnouncementInvalid(ValueError):
    """A draft the wall will not show; `code` and `field` make the console's clear error."""

    def __init__(self, code: str, field: str) -> None:
        super().__init__(f"{field}: {code}")
        self.code = code
        self.field = field


def check_draft(draft: AnnouncementDraft, has_image: bool) -> AnnouncementDraft:
    """The draft with its texts trimmed, or `AnnouncementInvalid` naming the first fault."""
    texts = {
        "title_fr": draft.title_fr.strip(),
        "title_en": draft.title_en.strip(),
        "text_fr": draft.text_fr.strip(),
        "text_en": draft.text_en.strip(),
    }
    for name, value in texts.items():
        limit = TITLE_MAX if name.startswith("title") else TEXT_MAX
        if len(value) > limit:
            raise AnnouncementInvalid("text_too_long", name)
    if draft.kind is SlideKind.TEXT and not texts["title_fr"]:
        raise AnnouncementInvalid("text_empty", "title_fr")
    if draft.kind is SlideKind.IMAGE and not has_image:
        raise AnnouncementInvalid("image_required", "image")
    window = draft.window
    if window.last_day < window.first_day:
        raise AnnouncementInvalid("window_backwards", "last_day")
    if (window.last_day - window.first_day).days > MAX_WINDOW_DAYS:
        raise AnnouncementInvalid("window_too_long", "last_day")
    if draft.every_minutes is not None and not EVERY_MIN <= draft.every_minutes <= EVERY_MAX:
        raise AnnouncementInvalid("invalid_field", "every_minutes")
    if not SECONDS_MIN <= draft.seconds <= SECONDS_MAX:
        raise AnnouncementInvalid("invalid_field", "seconds")
    return AnnouncementDraft(
        kind=draft.kind,
        window=window,
        every_minutes=draft.every_minutes,
        seconds=draft.seconds,
        **texts,
    )


def clock_text(moment: time) -> str:
    """ "21:30": the form windows are written in, on the wire and in the console."""
    return moment.strftime("%H:%M")
