"""The visitor's pages: the phone upload page (`/`) and the receipt page (`/r/{photo_id}`).

Both are thin HTML shells rendered in the visitor's language; the work (downscaling, upload with
retries, status and deletion) happens in their scripts against the JSON API. The receipt token
never reaches this router: it travels in the URL fragment, which browsers do not send.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ingest.deps import IngestServices
from ingest.upload_api import MAX_AUTHOR, MAX_CAPTION
from ingest.visitors import identify, keep_device
from show.tonight import show_promise
from wall import i18n
from wall.config import Settings
from wall.domain import Speaker
from wall.webpage import KIT, PageKit, page_language

# Templates and scripts in ingest/web; the scripts build on the shared kit (`/static/kit`).
PAGES = PageKit(Path(__file__).parent / "web", "/static/ingest", uses=(KIT,))
# Ids are opaque to this page (url-safe base64 today); anything else cannot be ours.
PHOTO_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

# The one-tap "who is speaking" choices, in the page's order: nothing said first (checked).
SPEAKER_CHOICES = (Speaker.UNSAID, Speaker.VISITING, Speaker.RESIDENT, Speaker.NEWCOMER)

router = APIRouter()


def _render(
    request: Request,
    template: str,
    page_context: Callable[[str, Settings], dict[str, Any]],
    status_code: int = 200,
) -> HTMLResponse:
    """Render a visitor page with the texts and data its scripts need."""
    lang, _ = page_language(request)
    settings: Settings = request.app.state.settings
    context = {
        "t": i18n.texts(lang),
        "wall_name": settings.wall.name,
        "hashtag": settings.wall.hashtag,
        "script_data": {
            "lang": lang,
            "texts": i18n.texts(lang),
            "errors": i18n.ERROR_MESSAGES[lang],
        },
        **page_context(lang, settings),
    }
    return PAGES.render(request, template, context, status_code)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def upload_page(request: Request) -> HTMLResponse:
    """The phone page a visitor reaches from the QR code on the wall."""

    def context(lang: str, settings: Settings) -> dict[str, Any]:
        schedule = settings.schedule
        season = i18n.season_text(lang, schedule.season_start, schedule.season_end)
        services: IngestServices = request.app.state.services
        show = services.show
        promise = show_promise(lang, schedule, show.upcoming(1), datetime.now(UTC))
        online = settings.gallery.enabled  # the consent then names the online gallery
        return {
            "promise": promise,
            "consent": i18n.consent_text(lang, settings.wall.name, season, online),
            "consent_version": i18n.consent_version(online),
            "speakers": SPEAKER_CHOICES,
            "retention": i18n.texts(lang)["retention_notice"].format(
                days=settings.wall.retention_days
            ),
            "max_bytes": settings.upload.max_bytes,
            "caption_max": MAX_CAPTION,
            "author_max": MAX_AUTHOR,
        }

    response = _render(request, "upload.html", context)
    _keep_device(request, response)
    return response


def _keep_device(request: Request, response: HTMLResponse) -> None:
    """The phone's device token, set here so that its first upload already carries it."""
    services: IngestServices = request.app.state.services
    visitor = identify(request, services.devices, services.settings)
    keep_device(response, visitor, services.settings.wall.public_url)


@router.get("/r/{photo_id}", response_class=HTMLResponse, include_in_schema=False)
def receipt_page(request: Request, photo_id: str) -> HTMLResponse:
    """Where a contributor follows their photo and deletes it; the token stays in the fragment."""
    valid = PHOTO_ID_PATTERN.fullmatch(photo_id) is not None

    def context(lang: str, _settings: Settings) -> dict[str, Any]:
        message = i18n.texts(lang)["loading"] if valid else i18n.error_message("not_found", lang)
        return {"photo_id": photo_id if valid else "", "initial_message": message}

    return _render(request, "receipt.html", context, status_code=200 if valid else 404)
