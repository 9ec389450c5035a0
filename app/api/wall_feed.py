"""The display feed's HTTP half: every approved photo, for a display's snapshot; the
announcements and their images; the live windows' MJPEG streams, whose frames were blurred by
the process that captures them."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from app.deps import ServicesDep
from ingest.live_windows import LiveChannel
from staff.auth import SESSION_COOKIE
from wall.display_feed import announcements_message, approved_photos, is_display
from wall.errors import ApiError
from wall.schemas import WallSnapshot
from wall.storage.media import BadMediaKey, check_key
from wall.wire import AnnouncementsMessage

router = APIRouter()

LIVE_BOUNDARY = "frame"
# A camera silent this long ends the stream: the display shows its last frame, drops the
# window and reconnects; no connection is held open for ever on a dead camera.
LIVE_STALL_S = 15.0
LIVE_RETRY_AFTER_S = "5"
# A newest frame older than this is not live: a display would take it for now.
LIVE_STALE_S = 5.0


@router.get("/api/wall/photos", response_model=WallSnapshot)
async def wall_photos(request: Request, services: ServicesDep) -> WallSnapshot:
    if not is_display(request, services.secrets.display_token):
        raise ApiError(401, "unauthorized")
    return WallSnapshot(photos=await approved_photos(services.store, services.settings))


@router.get("/api/wall/announcements", response_model=AnnouncementsMessage)
async def wall_announcements(request: Request, services: ServicesDep) -> AnnouncementsMessage:
    """The socket's `announcements` message, for a display that fell behind (`resync`)."""
    if not is_display(request, services.secrets.display_token):
        raise ApiError(401, "unauthorized")
    found = await services.store.announcements.all()
    return announcements_message(found, services.settings.schedule.timezone)


@router.get("/api/wall/announcement-images/{key}")
async def announcement_image(key: str, request: Request, services: ServicesDep) -> Response:
    """A slide's image, named by its content: for the display (token) or the staff (their
    session); only while an announcement names it."""
    allowed = is_display(request, services.secrets.display_token) or (
        await services.sessions.resolve(request.cookies.get(SESSION_COOKIE)) is not None
    )
    if not allowed:
        raise ApiError(401, "unauthorized")
    try:
        check_key(key)
    except BadMediaKey:
        raise ApiError(404, "not_found") from None
    named = await services.store.announcements.all()
    image = next((a.image for a in named if a.image is not None and a.image.key == key), None)
    if image is None:
        raise ApiError(404, "not_found")
    data = await services.announcements.image_bytes(image)
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=86400"}
    return Response(data, media_type=image.mime, headers=headers)


@router.get("/api/wall/live/{name}")
async def live_window(name: str, request: Request, services: ServicesDep) -> StreamingResponse:
    """`multipart/x-mixed-replace` of JPEG frames, each as it is published: a display that
    reads slowly skips frames, it never makes the camera wait."""
    if not is_display(request, services.secrets.display_token):
        raise ApiError(401, "unauthorized")
    if not any(c.live and c.name == name for c in services.settings.sources.webcam):
        raise ApiError(404, "live_not_found")
    channel = services.sources.live.get(name)
    latest = channel.latest if channel is not None else None
    # Not started, stalled, or captured by another process of the wall.
    if channel is None or latest is None or time.monotonic() - latest.at > LIVE_STALE_S:
        raise ApiError(503, "live_unavailable", headers={"Retry-After": LIVE_RETRY_AFTER_S})
    return StreamingResponse(
        _parts(channel, request),
        media_type=f"multipart/x-mixed-replace; boundary={LIVE_BOUNDARY}",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _parts(channel: LiveChannel, request: Request) -> AsyncIterator[bytes]:
    seq = 0
    while not await request.is_disconnected():
        frame = await channel.after(seq, LIVE_STALL_S)
        if frame is None or frame.seq == seq:
            return
        seq = frame.seq
        head = (
            f"--{LIVE_BOUNDARY}\r\nContent-Type: image/jpeg\r\n"
            f"Content-Length: {len(frame.jpeg)}\r\n\r\n"
        )
        yield head.encode() + frame.jpeg + b"\r\n"
