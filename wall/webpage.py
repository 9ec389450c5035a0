"""What every HTML page of the wall shares: autoescaped templates, `?v=` asset digests, and
the page language (explicit `?lang=`, then the cookie, then Accept-Language)."""

from __future__ import annotations

import hashlib
from functools import cached_property
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from wall import i18n

LANG_COOKIE = "lang"
SHARED_WEB_DIR = Path(__file__).parent / "web"  # visitor and console pages, served at /static
LANG_COOKIE_MAX_AGE_S = 365 * 24 * 3600  # a returning visitor keeps their language all season


def page_language(request: Request) -> tuple[str, bool]:
    """The page language, and whether it was chosen explicitly (`?lang=`)."""
    query_lang = request.query_params.get("lang")
    lang = i18n.pick_language(
        query_lang, request.cookies.get(LANG_COOKIE), request.headers.get("accept-language")
    )
    return lang, i18n.normalise_language(query_lang) is not None


class PageKit:
    """Templates and static files of one package's pages (`<web_dir>/templates|static`)."""

    def __init__(self, web_dir: Path) -> None:
        self.templates_dir = web_dir / "templates"
        self.static_dir = web_dir / "static"

    @cached_property
    def environment(self) -> Environment:
        return Environment(
            loader=FileSystemLoader(self.templates_dir),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )

    @cached_property
    def asset_version(self) -> str:
        """A digest of the static files: `?v=` lets phones cache them until they change."""
        digest = hashlib.sha256()
        for path in sorted(self.static_dir.glob("*")):
            if path.is_file():
                digest.update(path.name.encode())
                digest.update(path.read_bytes())
        return digest.hexdigest()[:12]

    def render(
        self,
        request: Request,
        template: str,
        context: dict[str, Any],
        status_code: int = 200,
    ) -> HTMLResponse:
        """The page in the request's language; an explicit choice is kept in a cookie."""
        lang, chosen = page_language(request)
        html = self.environment.get_template(template).render(
            lang=lang,
            other_lang="en" if lang == "fr" else "fr",
            asset_version=self.asset_version,
            **context,
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
