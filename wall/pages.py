"""The visitor's pages: the phone upload page (`/`) and the receipt page (`/r/{photo_id}`).

Both are thin HTML shells rendered in the visitor's language; the work (downscaling, upload with
retries, status and deletion) happens in their scripts against the JSON API. The receipt token
never reaches this router: it travels in the URL fragment, which browsers do not send.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from wall import i18n
from wall.api.photos import MAX_AUTHOR, MAX_CAPTION
from wall.config import Settings

WEB_DIR = Path(__file__).parent / "web"
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"

LANG_COOKIE = "lang"
LANG_COOKIE_MAX_AGE_S = 365 * 24 * 3600  # a returning visitor keeps their language all season
# Ids are opaque to this page (url-safe base64 today); anything else cannot be ours.
PHOTO_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

router = APIRouter()


@cache
def _templates() -> Environment:
    """One Jinja environment, built on first use; autoescape protects every visitor string."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def asset_version() -> str:
    """A digest of the static files: `?v=` lets phones cache them until they change."""
    digest = hashlib.sha256()
    for path in sorted(STATIC_DIR.glob("*")):
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _language(request: Request) -> tuple[str, bool]:
    """The page language, and whether the visitor chose it explicitly (`?lang=`)."""
    query_lang = request.query_params.get("lang")
    lang = i18n.pick_language(
        query_lang,
        request.cookies.get(LANG_COOKIE),
        request.headers.get("accept-language"),
    )
    return lang, i18n.normalise_language(query_lang) is not None


def _script_data(lang: str) -> dict[str, Any]:
    """What the scripts need to speak the visitor's language, as one JSON block."""
    return {"lang": lang, "texts": i18n.texts(lang), "errors": i18n.ERROR_MESSAGES[lang]}


def _render(
    request: Request,
    template: str,
    page_context: Callable[[str, Settings], dict[str, Any]],
    status_code: int = 200,
) -> HTMLResponse:
    """Render a page in the visitor's language, remembering an explicit choice in a cookie."""
    lang, chosen = _language(request)
    settings: Settings = request.app.state.settings
    html = (
        _templates()
        .get_template(template)
        .render(
            lang=lang,
            other_lang="en" if lang == "fr" else "fr",
            t=i18n.texts(lang),
            wall_name=settings.wall.name,
            hashtag=settings.wall.hashtag,
            asset_version=asset_version(),
            script_data=_script_data(lang),
            **page_context(lang, settings),
        )
    )
    response = HTMLResponse(html, status_code=status_code)
    response.headers["Content-Language"] = lang
    response.headers["Vary"] = "Accept-Language, Cookie"
    response.headers["Cache-Control"] = "no-cache"
    if chosen:
        response.set_cookie(
            LANG_COOKIE, lang, max_age=LANG_COOKIE_MAX_AGE_S, samesite="lax", httponly=True
        )
    return response


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def upload_page(request: Request) -> HTMLResponse:
    """The phone page a visitor reaches from the QR code on the wall."""

    def context(lang: str, settings: Settings) -> dict[str, Any]:
        schedule = settings.schedule
        season = i18n.season_text(lang, schedule.season_start, schedule.season_end)
        return {
            "consent": i18n.consent_text(lang, settings.wall.name, season),
            "consent_version": i18n.CONSENT_VERSION,
            "max_bytes": settings.upload.max_bytes,
            "caption_max": MAX_CAPTION,
            "author_max": MAX_AUTHOR,
        }

    return _render(request, "upload.html", context)


@router.get("/r/{photo_id}", response_class=HTMLResponse, include_in_schema=False)
def receipt_page(request: Request, photo_id: str) -> HTMLResponse:
    """Where a contributor follows their photo and deletes it; the token stays in the fragment."""
    valid = PHOTO_ID_PATTERN.fullmatch(photo_id) is not None

    def context(lang: str, _settings: Settings) -> dict[str, Any]:
        message = i18n.texts(lang)["loading"] if valid else i18n.error_message("not_found", lang)
        return {"photo_id": photo_id if valid else "", "initial_message": message}

    return _render(request, "receipt.html", context, status_code=200 if valid else 404)
