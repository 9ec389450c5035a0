"""The operator console (`/console`): one HTML shell; its scripts poll the operators' APIs.

A staff page like `/moderate` (`staff.pages`: base template, sign-in and session scripts,
no session data in the shell); the console's own layout and panels are in console/web,
served at `/static/console`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from console import announcement_texts
from console import texts as console_texts
from console.deps import ConsoleServices
from console.exhibitions_api import MAX_PHOTOS
from console.night import NIGHT_TURN
from console.speakers import SPEAKERS, speaker_labels
from staff import pages as staff_pages
from wall.config import Settings
from wall.webpage import PageKit, page_language

PAGES = PageKit(Path(__file__).parent / "web", "/static/console", uses=(staff_pages.PAGES,))

router = APIRouter()


def _texts(lang: str) -> dict[str, str]:
    """The console's words, its announcements card's included."""
    return {**console_texts.texts(lang), **announcement_texts.texts(lang)}


def _script_data(lang: str, settings: Settings) -> dict[str, Any]:
    """What the scripts need: texts, the wall's timezone, and the codes they may label."""
    return {
        **staff_pages.page_data(lang, _texts(lang)),
        "timezone": settings.schedule.timezone,
        # A night runs noon to noon in the wall's timezone (console/night.py): the picker's default.
        "night_turn_hour": NIGHT_TURN.hour,
        "photo_sources": console_texts.photo_source_labels(lang),
        "roles": list(console_texts.ROLES),
        # Who is speaking (figures, exhibitions): labels by code, in the tables' order.
        "speakers": speaker_labels(lang),
        "speaker_order": list(SPEAKERS),
        "exhibition_max_photos": MAX_PHOTOS,
    }


@router.get("/console", response_class=HTMLResponse, include_in_schema=False)
def console_page(request: Request) -> HTMLResponse:
    """The staff's page: the wall now, the show and its switch, health, accounts, the night."""
    lang, _ = page_language(request)
    settings: Settings = request.app.state.settings
    services: ConsoleServices = request.app.state.services
    context = {
        "gallery_snippet": services.gallery_snippet(lang),
        "gallery_origins": ", ".join(settings.gallery.embed_origins),
        "t": _texts(lang),
        "wall_name": settings.wall.name,
        "script_data": _script_data(lang, settings),
        "roles": console_texts.ROLES,
        "limits": staff_pages.limits(),
    }
    return PAGES.render(request, "console.html", context)
