"""The gallery pages: `/galerie` (the public page, phone first) and `/galerie/embed` (the
compact version the office puts on its website in an `<iframe>`).

Thin HTML shells in the visitor's language (`?lang=`, the cookie, Accept-Language); their
script loads the photos from `/api/gallery/photos` and follows `/ws/gallery`. Both may be
framed by the wall itself and `[gallery] embed_origins` (`gallery.framing`), no one else.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from gallery import texts as gallery_texts
from gallery.api import MAX_PAGE_SIZE, PAGE_SIZE
from gallery.framing import framed_policy
from wall.config import Settings
from wall.i18n import DEFAULT_LANGUAGE, SPEAKER_CREDITS
from wall.webpage import KIT, PageKit, page_language

PAGES = PageKit(Path(__file__).parent / "web", "/static/gallery", uses=(KIT,))
GALLERY_PATH = "/galerie"
EMBED_PATH = "/galerie/embed"
EMBED_PAGE_SIZE = 24  # a website's box of a few rows: the rest is one tap away

router = APIRouter()


def _render(request: Request, template: str, embed: bool) -> HTMLResponse:
    lang, _ = page_language(request)
    settings: Settings = request.app.state.settings
    words = gallery_texts.texts(lang)
    context: dict[str, Any] = {
        "t": words,
        "wall_name": settings.wall.name,
        "hashtag": settings.wall.hashtag,
        "full_url": f"{GALLERY_PATH}?lang={lang}",
        "script_data": {
            "lang": lang,
            "texts": words,
            "networks": gallery_texts.NETWORKS,
            "speakers": SPEAKER_CREDITS.get(lang, SPEAKER_CREDITS[DEFAULT_LANGUAGE]),
            "timezone": settings.schedule.timezone,
            "page_size": min(EMBED_PAGE_SIZE if embed else PAGE_SIZE, MAX_PAGE_SIZE),
            "embed": embed,
        },
    }
    response = PAGES.render(request, template, context)
    policy = response.headers["Content-Security-Policy"]
    origins = settings.gallery.embed_origins
    response.headers["Content-Security-Policy"] = framed_policy(policy, origins)
    return response


@router.get(GALLERY_PATH, response_class=HTMLResponse, include_in_schema=False)
def gallery_page(request: Request) -> HTMLResponse:
    """The public gallery: every online-consented photo of the wall, newest first, live."""
    return _render(request, "gallery.html", embed=False)


@router.get(EMBED_PATH, response_class=HTMLResponse, include_in_schema=False)
def embed_page(request: Request) -> HTMLResponse:
    """The compact gallery for the office's website: the newest photos and a link to all."""
    return _render(request, "embed.html", embed=True)


# The box the snippet asks for: three rows of thumbnails on a desktop site, scrolling inside.
SNIPPET_HEIGHT_PX = 640


def embed_snippet(settings: Settings, lang: str) -> str:
    """The `<iframe>` the office pastes into its website (the console shows it to copy): the
    embed in `lang`, titled for screen readers, loaded when scrolled near."""
    url = f"{settings.wall.public_url.rstrip('/')}{EMBED_PATH}?lang={lang}"
    title = gallery_texts.texts(lang)["embed_heading"].format(wall=settings.wall.name)
    return (
        f'<iframe src="{escape(url)}" title="{escape(title)}" width="100%" '
        f'height="{SNIPPET_HEIGHT_PX}" style="border:0" loading="lazy"></iframe>'
    )
