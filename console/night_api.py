"""The night's figures and its contact sheet, for the operator console (operators only).

`GET /api/console/night?night=YYYY-MM-DD` → the figures (`console.night`); without `night`, the
current night (from noon) or the last one (in the morning).
`GET /api/console/contact-sheet?night=YYYY-MM-DD&format=pdf|jpeg` → the file, as a download.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from console.contact_sheet import SheetFormat, build_contact_sheet, heading, sheet_photos
from console.deps import ConsoleDep, ConsoleServices
from console.night import (
    InvalidNight,
    Night,
    NightFigures,
    night_at,
    night_figures,
    parse_night,
)
from console.season import period_from, programme
from console.season_report import figures_csv, night_column
from console.speakers import speaker_label
from staff import texts as staff_texts
from staff.auth import CurrentOperator
from wall.domain import utcnow
from wall.errors import ApiError, request_language

router = APIRouter()


class SourceFiguresOut(BaseModel):
    source: str
    received: int
    approved: int
    rejected: int


class HourFiguresOut(BaseModel):
    hour: int  # local, 12..23 then 0..11
    received: int
    approved: int


class SpeakerFiguresOut(BaseModel):
    speaker: str  # "visiting", "resident", "newcomer", "" (unsaid)
    label: str  # in the request's language
    received: int
    approved: int
    contributors: int


class NightFiguresOut(BaseModel):
    night: date
    timezone: str
    start: datetime  # local, with its offset
    end: datetime
    received: int
    approved: int
    rejected: int
    removed: int
    deleted: int
    shown: int
    contributors: int
    by_source: list[SourceFiguresOut]
    by_hour: list[HourFiguresOut]
    by_speaker: list[SpeakerFiguresOut]

    @classmethod
    def of(cls, figures: NightFigures, lang: str) -> NightFiguresOut:
        night = figures.night
        return cls(
            night=night.day,
            timezone=night.zone.key,
            start=night.start,
            end=night.end,
            received=figures.received,
            approved=figures.approved,
            rejected=figures.rejected,
            removed=figures.removed,
            deleted=figures.deleted,
            shown=figures.shown,
            contributors=figures.contributors,
            by_source=[
                SourceFiguresOut.model_validate(s, from_attributes=True) for s in figures.by_source
            ],
            by_hour=[
                HourFiguresOut.model_validate(h, from_attributes=True) for h in figures.by_hour
            ],
            by_speaker=[
                SpeakerFiguresOut(label=speaker_label(s.speaker, lang), **asdict(s))
                for s in figures.by_speaker
            ],
        )


def _night(services: ConsoleServices, night: str | None) -> Night:
    timezone = services.settings.schedule.timezone
    if night is None or not night.strip():
        return night_at(utcnow(), timezone)
    try:
        return parse_night(night.strip(), timezone)
    except InvalidNight:
        raise ApiError(400, "invalid_field", field="night") from None


def _format(value: str) -> SheetFormat:
    try:
        return SheetFormat(value.strip().lower())
    except ValueError:
        raise ApiError(400, "invalid_field", field="format") from None


@router.get("/api/console/night", response_model=NightFiguresOut)
async def night_figures_api(
    request: Request, _: CurrentOperator, services: ConsoleDep, night: str | None = None
) -> NightFiguresOut:
    figures = await night_figures(services.store, _night(services, night))
    return NightFiguresOut.of(figures, request_language(request))


@router.get("/api/console/night.csv")
async def night_csv(
    request: Request, _: CurrentOperator, services: ConsoleDep, night: str | None = None
) -> Response:
    """The night's figures as one CSV line, with the season report's columns (sources, who
    is speaking): nights downloaded one by one paste under one another."""
    chosen = _night(services, night)
    counts = await services.store.figures.counts(chosen.start, chosen.end)
    period = period_from(None, chosen.day, chosen.day, counts)
    period.nights, period.show_hours = programme(services.settings.schedule, chosen.day, chosen.day)
    lang = request_language(request)
    labels = staff_texts.photo_source_labels(lang)
    data = figures_csv([(chosen.day.isoformat(), period)], period, labels, lang, night_column(lang))
    return Response(
        data,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="wall-{chosen.day.isoformat()}.csv"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/api/console/contact-sheet")
async def contact_sheet(
    request: Request,
    _: CurrentOperator,
    services: ConsoleDep,
    night: str | None = None,
    sheet_format: Annotated[str, Query(alias="format")] = "pdf",
) -> Response:
    chosen = _night(services, night)
    fmt = _format(sheet_format)
    lang = request_language(request)
    photos = await services.store.figures.approved_between(chosen.start, chosen.end)
    head = heading(services.settings.wall.name, chosen.day, len(photos), lang)
    entries = sheet_photos(photos, chosen.zone, lang)
    # Decoding a few hundred thumbnails and encoding pages takes seconds: off the loop.
    data = await asyncio.to_thread(
        build_contact_sheet, services.store.media, head, entries, fmt, lang
    )
    filename = f"wall-{chosen.day.isoformat()}.{fmt.extension}"
    return Response(
        data,
        media_type=fmt.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
