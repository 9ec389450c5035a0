"""`create_app(settings)`: builds the services and wires the routers. Nothing at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api import display_ws, media, ops, wall_feed
from app.services import Services
from console import (
    announcements_api,
    exhibitions_api,
    night_api,
    projectors_api,
    season_api,
    sources_api,
)
from console import api as console_api
from console import page as console_page
from gallery import api as gallery_api
from gallery import page as gallery_page
from ingest import pages
from ingest import upload_api as photos
from moderation import api as moderation_api
from moderation import pages as moderation_pages
from staff import auth_api
from staff import pages as staff_pages
from wall import webpage
from wall.bodylimit import BodyLimitMiddleware
from wall.config import Settings
from wall.errors import install_error_handlers

IMMUTABLE_CACHE = "public, max-age=31536000, immutable"
UPLOAD_PATHS = frozenset({"/api/photos"})
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", webpage.CONTENT_SECURITY_POLICY.encode()),
]


FRAME_ANCESTORS = b"frame-ancestors "
NOT_FRAMED = b"frame-ancestors 'none'"


def _names_its_ancestors(headers: list[tuple[bytes, bytes]]) -> bool:
    """A page whose own policy lets some site frame it (the gallery's: `gallery.framing`):
    `X-Frame-Options: DENY` would refuse what that policy allows."""
    return any(
        name == b"content-security-policy" and FRAME_ANCESTORS in value and NOT_FRAMED not in value
        for name, value in headers
    )


class SecurityHeadersMiddleware:
    """Pure ASGI: adds the headers to every response without buffering bodies; a header
    the response set itself stays, and a page that names its own frame ancestors gets no
    `X-Frame-Options`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name for name, _ in headers}
                if _names_its_ancestors(headers):
                    present.add(b"x-frame-options")
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class VersionedStaticFiles(StaticFiles):
    """Files asked for with `?v=<digest>` never change: phones may keep them all season."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if b"v=" in scope.get("query_string", b"") and response.status_code == 200:
            response.headers["Cache-Control"] = IMMUTABLE_CACHE
        return response


def create_app(settings: Settings) -> FastAPI:
    services = Services.build(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await services.start()
        await services.start_show()
        await services.start_wall_jobs()
        try:
            yield
        finally:
            await services.stop()

    app = FastAPI(title="Mur participatif", version="0.1.0", lifespan=lifespan)
    app.state.services = services
    app.state.settings = settings
    install_error_handlers(app, on_storage_full=services.metrics.storage_full.inc)
    for router in (
        photos.router,
        media.router,
        ops.router,
        wall_feed.router,
        display_ws.router,
        console_api.router,
        night_api.router,
        announcements_api.router,
        exhibitions_api.router,
        season_api.router,
        auth_api.router,
        sources_api.router,
        projectors_api.router,
        moderation_api.router,
        pages.router,
        moderation_pages.router,
        console_page.router,
    ):
        app.include_router(router)
    page_kits = [pages.PAGES, moderation_pages.PAGES, console_page.PAGES, staff_pages.PAGES]
    if settings.gallery.enabled:  # else nothing of it exists: 404 on its every path
        app.include_router(gallery_api.router)
        app.include_router(gallery_page.router)
        page_kits.append(gallery_page.PAGES)
    # Each package's page files; the shared kit's "/static" last, which would take them all.
    for kit in page_kits:
        app.mount(kit.static_url, VersionedStaticFiles(directory=kit.static_dir))
    app.mount("/static", VersionedStaticFiles(directory=webpage.KIT.static_dir), name="static")
    app.add_middleware(BodyLimitMiddleware, limit=settings.upload.max_bytes, paths=UPLOAD_PATHS)
    app.add_middleware(SecurityHeadersMiddleware)
    return app
