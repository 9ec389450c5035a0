"""The season's figures and its report, for operators.

`GET /api/console/season?year=YYYY` → the figures as JSON (the console's panel); without
`year`, the running season or the last one begun. `GET /api/console/season-report?year=YYYY
&format=pdf|csv` → the report as a download for the office's board.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request, Response

from console.deps import ConsoleDep, ConsoleServices
from console.season import (
    InvalidSeason,
    PeriodFigures,
    Season,
    SpeakerFigures,
    season_figures,
    season_of,
)
from console.season_report import season_csv, speakers_of
from console.speakers import speaker_label
from staff import texts as staff_texts
from staff.auth import CurrentOperator
from wall.domain import utcnow
from wall.errors import ApiError, request_language

router = APIRouter()

REPORT_FORMATS = {"pdf": "application/pdf", "csv": "text/csv; charset=utf-8"}
YEARS = range(2000, 2200)  # far beyond any season this wall will report


def _season(services: ConsoleServices, year: str | None) -> Season:
    schedule = services.settings.schedule
    today = utcnow().astimezone(ZoneInfo(schedule.timezone)).date()
    chosen = None
    if year is not None and year.strip():
        digits = year.strip()
        # ASCII digits only: "²".isdigit() is true, and int("²") raises.
        if not (digits.isascii() and digits.isdigit()) or int(digits) not in YEARS:
            raise ApiError(400, "invalid_field", field="year")
        chosen = int(digits)
    try:
        return season_of(schedule, chosen, today)
    except InvalidSeason:
        raise ApiError(400, "invalid_field", field="year") from None


def _speaker_out(period: PeriodFigures, code: str, lang: str) -> dict[str, Any]:
    found = period.by_speaker.get(code, SpeakerFigures())
    return {"speaker": code, "label": speaker_label(code, lang), **asdict(found)}


def _period_out(period: PeriodFigures, speakers: list[str], lang: str) -> dict[str, Any]:
    return {
        "month": period.month.strftime("%Y-%m") if period.month else None,
        "first_night": period.first.isoformat(),
        "last_night": period.last.isoformat(),
        "nights": period.nights,
        "show_hours": period.show_hours,
        "received": period.received,
        "approved": period.approved,
        "rejected": period.rejected,
        "contributors": period.contributors,
        "shown": period.shown,
        "by_source": [
            {"source": name, "received": pair[0], "approved": pair[1]}
            for name, pair in period.by_source.items()
        ],
        "by_speaker": [_speaker_out(period, code, lang) for code in speakers],
    }


@router.get("/api/console/season")
async def season(
    request: Request, _: CurrentOperator, services: ConsoleDep, year: str | None = None
) -> dict[str, Any]:
    chosen = _season(services, year)
    figures = await season_figures(services.store, services.settings.schedule, chosen)
    lang = request_language(request)
    speakers = speakers_of(figures.total)
    return {
        "year": chosen.year,
        "first_night": chosen.first.isoformat(),
        "last_night": chosen.last.isoformat(),
        "timezone": figures.timezone,
        "programmed": figures.programmed,
        "months": [_period_out(m, speakers, lang) for m in figures.months],
        "total": _period_out(figures.total, speakers, lang),
    }


@router.get("/api/console/season-report")
async def season_report(
    request: Request,
    _: CurrentOperator,
    services: ConsoleDep,
    year: str | None = None,
    report_format: Annotated[str, Query(alias="format")] = "pdf",
) -> Response:
    fmt = report_format.strip().lower()
    if fmt not in REPORT_FORMATS:
        raise ApiError(400, "invalid_field", field="format")
    chosen = _season(services, year)
    figures = await season_figures(services.store, services.settings.schedule, chosen)
    lang = request_language(request)
    labels = staff_texts.photo_source_labels(lang)
    if fmt == "csv":
        data = season_csv(figures, labels, lang)
    else:
        made = utcnow().astimezone(ZoneInfo(figures.timezone))
        wall = services.settings.wall.name
        from console.season_pdf import season_pdf  # fpdf2 loads with the first report

        data = await asyncio.to_thread(season_pdf, figures, wall, labels, made, lang)
    filename = f"saison-{chosen.year}.{fmt}"
    return Response(
        data,
        media_type=REPORT_FORMATS[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
