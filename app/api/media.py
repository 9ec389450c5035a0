"""Renditions over HTTP: approved photos are public; others need a key to see them."""

from __future__ import annotations

import contextlib
import logging

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, StreamingResponse

from app.deps import ServicesDep
from app.services import Services
from staff.auth import SESSION_COOKIE
from wall import display_feed
from wall.domain import Photo, PhotoStatus, RenditionKind
from wall.errors import ApiError
from wall.instance import token_matches
from wall.storage.base import (
    MEDIA_RETRY_AFTER_S,
    InvalidTransition,
    MediaUnavailable,
    PhotoNotFound,
    VersionConflict,
)

log = logging.getLogger(__name__)
router = APIRouter()
MEDIA_ACTOR = "media-check"
MISSING_REASON = "media_missing"

PUBLIC_CACHE = "public, max-age=86400"  # ids are never reused; removal is pushed by events
PRIVATE_CACHE = "private, no-store"


def is_display(request: Request, services: Services) -> bool:
    """The display token's one check (`wall.display_feed.is_display`), for this server."""
    return display_feed.is_display(request, services.secrets.display_token)


async def _may_see(request: Request, services: Services, photo: Photo) -> bool:
    if photo.is_public or is_display(request, services):
        return True
    if await services.sessions.resolve(request.cookies.get(SESSION_COOKIE)) is not None:
        return True  # a moderator or operator, deciding on it
    receipt = request.query_params.get("token", "")
    stored = await services.store.photos.receipt_hash(photo.id)
    return bool(receipt and stored and token_matches(receipt, stored))


@router.get("/media/{kind}/{name}")
async def rendition(kind: str, name: str, request: Request, services: ServicesDep) -> Response:
    photo_id, _, ext = name.rpartition(".")
    try:
        rendition_kind = RenditionKind(kind)
    except ValueError:
        raise ApiError(404, "not_found") from None
    if not rendition_kind.served:  # the print rendition leaves only in an exhibition package
        raise ApiError(404, "not_found")
    photo = await services.store.photos.get(photo_id) if photo_id else None
    if photo is None or rendition_kind not in photo.renditions:
        raise ApiError(404, "not_found")
    found = photo.renditions[rendition_kind]
    if ext != found.ext or not await _may_see(request, services, photo):
        raise ApiError(404, "not_found")
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": PUBLIC_CACHE if photo.is_public else PRIVATE_CACHE,
    }
    path = services.store.media.local_path(found.key)
    if path is None:
        # A remote store: streamed through, its reads in the thread pool, never the loop.
        try:
            body = await services.store.media.open(found.key)
        except FileNotFoundError:
            await _missing(services, photo, found.key)
            raise ApiError(404, "not_found") from None
        except MediaUnavailable:
            raise ApiError(503, "unavailable", {"Retry-After": MEDIA_RETRY_AFTER_S}) from None
        headers["Content-Length"] = str(body.size)
        return StreamingResponse(body.chunks, media_type=found.mime, headers=headers)
    if not path.is_file():
        await _missing(services, photo, found.key)
        raise ApiError(404, "not_found")
    return FileResponse(path, media_type=found.mime, headers=headers)


async def _missing(services: Services, photo: Photo, key: str) -> None:
    """A committed photo whose file is gone (a disk error, a hand in the data dir): said in
    the log, and off the wall, where it would be a hole every display keeps asking for. The
    moderators see it removed with the reason; the row stays for them to decide."""
    log.error("media: %s of photo %s is missing (key %s)", key.split(".")[-1], photo.id, key)
    if photo.status is PhotoStatus.APPROVED:
        with contextlib.suppress(PhotoNotFound, VersionConflict, InvalidTransition):
            await services.lifecycle.transition(
                photo.id, PhotoStatus.REMOVED, MEDIA_ACTOR, MISSING_REASON
            )
