"""The moderators' tablet page (`/moderate`): one HTML shell, the work happens in its scripts.

The shell carries no session data: the scripts ask `/api/auth/me` and show the sign-in form
when it answers 401, so the page itself can be cached and served to anyone.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from moderation import texts
from wall import i18n
from wall.config import Settings
from wall.pages import LANG_COOKIE, LANG_COOKIE_MAX_AGE_S

WEB_DIR = Path(__file__).parent / "web"
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
STATIC_URL = "/static/moderation"

router = APIRouter()


@cache
def _templates() -> Environment:
    """One Jinja environment, built on first use; autoescape on every value."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def asset_version() -> str:
    """A digest of the page's static files, for `?v=` (cached until they change)."""
    digest = hashlib.sha256()
    for path in sorted(STATIC_DIR.glob("*")):
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _language(request: Request) -> tuple[str, bool]:
    """The page language, and whether it was chosen explicitly (`?lang=`)."""
    query_lang = request.query_params.get("lang")
    lang = i18n.pick_language(
        query_lang, request.cookies.get(LANG_COOKIE), request.headers.get("accept-language")
    )
    return lang, i18n.normalise_language(query_lang) is not None


def _script_data(lang: str) -> dict[str, Any]:
    """What the scripts need: texts, and the codes whose labels they may show."""
    return {
        "lang": lang,
        "texts": texts.texts(lang),
        "flags": list(texts.FLAGS),
        "sources": list(texts.SOURCES),
        "reasons": list(texts.REJECT_REASONS),
    }


@router.get("/moderate", response_class=HTMLResponse, include_in_schema=False)
def moderate_page(request: Request) -> HTMLResponse:
    """The tablet page: sign-in, the pending queue, decisions, the live wall strip."""
    lang, chosen = _language(request)
    settings: Settings = request.app.state.settings
    html = (
        _templates()
        .get_template("moderate.html")
        .render(
            lang=lang,
            other_lang="en" if lang == "fr" else "fr",
            t=texts.texts(lang),
            wall_name=settings.wall.name,
            static_url=STATIC_URL,
            asset_version=asset_version(),
            script_data=_script_data(lang),
            reasons=texts.REJECT_REASONS,
        )
    )
    response = HTMLResponse(html)
    response.headers["Content-Language"] = lang
    response.headers["Vary"] = "Accept-Language, Cookie"
    response.headers["Cache-Control"] = "no-cache"
    if chosen:
        response.set_cookie(
            LANG_COOKIE, lang, max_age=LANG_COOKIE_MAX_AGE_S, samesite="lax", httponly=True
        )
    return response
