"""What the upload page promises about when a photo reaches the wall.

"Ce soir" only when a show falls on tonight: a visitor who reads it on a night off, or out of
season, feels cheated. Without a schedule the wall is lit whenever the display runs, so the
page promises no time at all; that is still true.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from wall import i18n
from wall.config import ScheduleSection
from wall.schedule import Show

# A show that starts before this hour belongs to the evening before ("tonight, from 0:30").
MORNING_HOUR = 6


def _clock(lang: str, moment: datetime) -> str:
    if lang == "fr":
        return f"{moment.hour}{i18n.NBSP}h{i18n.NBSP}{moment.minute:02d}"
    return f"{moment.hour}:{moment.minute:02d}"


def _day(lang: str, moment: datetime) -> str:
    month = i18n.MONTHS[lang][moment.month - 1]
    if lang == "fr":
        return f"{'1er' if moment.day == 1 else moment.day}{i18n.NBSP}{month}"
    return f"{moment.day}{i18n.NBSP}{month}"


def _is_tonight(start: datetime, now: datetime) -> bool:
    """Later today, or in the small hours that end tonight's evening."""
    if start.date() == now.date():
        return True
    return start.date() == now.date() + timedelta(days=1) and start.hour < MORNING_HOUR


def show_promise(lang: str, schedule: ScheduleSection, upcoming: list[Show], now: datetime) -> str:
    """The intro's first sentence, from the next show (`upcoming[0]`, one running first)."""
    lang = lang if lang in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE
    texts = i18n.texts(lang)
    if not schedule.enabled:
        return texts["intro_anytime"]
    if not upcoming:
        return texts["intro_no_show"]
    zone = ZoneInfo(schedule.timezone)
    start, here = upcoming[0].start.astimezone(zone), now.astimezone(zone)
    if start <= here:
        return texts["intro_tonight"]
    if _is_tonight(start, here):
        return texts["intro_tonight_from"].format(time=_clock(lang, start))
    later = texts["intro_next_show"].format(day=_day(lang, start), time=_clock(lang, start))
    return f"{texts['intro_anytime']} {later}"
