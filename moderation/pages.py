"""The moderators' tablet page (`/moderate`): one HTML shell, the work happens in its scripts.

The shell is a staff page (`staff.pages`: base template, sign-in and session scripts); like
every staff page it carries no session data, so it can be cached and served to anyone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from moderation import texts
from moderation.schemas import MAX_REASON
from moderation.undo import UNDO_WINDOW_S
from staff import pages as staff_pages
from wall.config import Settings
from wall.domain import UPLOAD_SOURCE
from wall.webpage import PageKit, page_language

PAGES = PageKit(Path(__file__).parent / "web", "/static/moderation", uses=(staff_pages.PAGES,))

router = APIRouter()


def configured_sources(settings: Settings) -> list[str]:
    """The source names this wall's photos can carry, as the sources record them: the upload
    page, then each `[[sources.*]]` table. A filter chip for a source that cannot send
    anything would only ever show an empty queue."""
    names = [UPLOAD_SOURCE]
    for mastodon in settings.sources.mastodon:  # named as ingest.sources.mastodon names them
        names.append(mastodon.name or urlsplit(mastodon.instance).hostname or mastodon.instance)
    names += [webcam.name for webcam in settings.sources.webcam]
    names += [folder.source for folder in settings.sources.folder]
    names += [bluesky.name for bluesky in settings.sources.bluesky]
    return list(dict.fromkeys(names))


def _script_data(lang: str, settings: Settings) -> dict[str, Any]:
    """What the scripts need: texts, limits, and the codes whose labels they may show."""
    return {
        **staff_pages.page_data(lang, texts.texts(lang)),
        "undo_window_ms": round(UNDO_WINDOW_S * 1000),
        "flags": list(texts.FLAGS),
        "sources": configured_sources(settings),
        "reasons": list(texts.REJECT_REASONS),
    }


@router.get("/moderate", response_class=HTMLResponse, include_in_schema=False)
def moderate_page(request: Request) -> HTMLResponse:
    """The tablet page: sign-in, the pending queue, decisions, the live wall strip."""
    lang, _ = page_language(request)
    settings: Settings = request.app.state.settings
    context = {
        "t": texts.texts(lang),
        "wall_name": settings.wall.name,
        "script_data": _script_data(lang, settings),
        "reasons": texts.REJECT_REASONS,
        "reason_max": MAX_REASON,
    }
    return PAGES.render(request, "moderate.html", context)
