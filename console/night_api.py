"""The night's figures and its contact sheet, for the operator console (operators only).

`GET /api/console/night?night=YYYY-MM-DD` → the figures (`console.night`); without `night`, the
current night (from noon) or the last one (in the morning).
`GET /api/console/contact-sheet?night=YYYY-MM-DD&format=pdf|jpeg` → the file, as a download.
"""

from __future__ import annotations

import asyncio
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

    @classmethod
    def of(cls, figures: NightFigures) -> NightFiguresOut:
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
    _: CurrentOperator, services: ConsoleDep, night: str | None = None
) -> NightFiguresOut:
    return NightFiguresOut.of(await night_figures(services.store, _night(services, night)))


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
