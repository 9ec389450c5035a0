"""The moderators' tablet page (`/moderate`): one HTML shell, the work happens in its scripts.

The shell carries no session data: the scripts ask `/api/auth/me` and show the sign-in form
when it answers 401, so the page itself can be cached and served to anyone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from moderation import texts
from wall.config import Settings
from wall.domain import UPLOAD_SOURCE
from wall.webpage import PageKit, page_language

PAGES = PageKit(Path(__file__).parent / "web")
STATIC_DIR = PAGES.static_dir
STATIC_URL = "/static/moderation"

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
    return list(dict.fromkeys(names))


def _script_data(lang: str, settings: Settings) -> dict[str, Any]:
    """What the scripts need: texts, and the codes whose labels they may show."""
    return {
        "lang": lang,
        "texts": texts.texts(lang),
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
        "static_url": STATIC_URL,
        "script_data": _script_data(lang, settings),
        "reasons": texts.REJECT_REASONS,
    }
    return PAGES.render(request, "moderate.html", context)
