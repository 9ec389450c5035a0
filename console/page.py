"""The operator console (`/console`): one HTML shell; its scripts poll the operators' APIs.

Like `/moderate`, the shell carries no session data: the scripts ask `/api/auth/me` and show
the sign-in form when it answers 401. The sign-in and request helpers are the moderators'
page's own scripts (`/static/moderation/mod-common.js`, `mod-session.js`), served with their
own `?v=` digest; the console's layout and panels are under `/static/console*`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from console import texts as console_texts
from console.night import NIGHT_TURN
from moderation import pages as moderation_pages
from wall.config import Settings
from wall.webpage import SHARED_WEB_DIR, PageKit, page_language

# The console's template and files still share wall/web with the visitor pages: one `/static`
# mount and one `?v=` digest for both (moving them would change their URLs).
PAGES = PageKit(SHARED_WEB_DIR)
STATIC_URL = "/static"  # wall/web/static, mounted by the app package

router = APIRouter()


def _script_data(lang: str, settings: Settings) -> dict[str, Any]:
    """What the scripts need: texts, the wall's timezone, and the codes they may label."""
    return {
        "lang": lang,
        "texts": console_texts.texts(lang),
        "timezone": settings.schedule.timezone,
        # A night runs noon to noon in the wall's timezone (console/night.py): the picker's default.
        "night_turn_hour": NIGHT_TURN.hour,
        "photo_sources": console_texts.photo_source_labels(lang),
        "roles": list(console_texts.ROLES),
    }


@router.get("/console", response_class=HTMLResponse, include_in_schema=False)
def console_page(request: Request) -> HTMLResponse:
    """The staff's page: the wall now, the show and its switch, health, accounts, the night."""
    lang, _ = page_language(request)
    settings: Settings = request.app.state.settings
    context = {
        "t": console_texts.texts(lang),
        "wall_name": settings.wall.name,
        "static_url": STATIC_URL,
        "mod_static_url": moderation_pages.STATIC_URL,
        "mod_asset_version": moderation_pages.PAGES.asset_version,
        "script_data": _script_data(lang, settings),
        "roles": console_texts.ROLES,
    }
    return PAGES.render(request, "console.html", context)
