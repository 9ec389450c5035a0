"""The display feed, both halves: who may read it, the snapshot, and what it says about each
event (`photo.approved`, `photo.removed`, `show.start`, `show.stop`, `announcements`,
`resync`), with `config.changed`, `live.windows` and `announcements` on each connection.
The messages are `wall.wire` models; the HTTP snapshot (`GET /api/wall/photos`) and the
socket's are built by the one `approved_photos` here, and the display token is checked by the
one `is_display`, for the socket and HTTP alike.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection

from wall.announcements import Announcement
from wall.config import Settings
from wall.domain import PhotoStatus, ShowState
from wall.events import (
    AnnouncementsChanged,
    Event,
    PhotoChanged,
    PhotoCreated,
    PhotoDeleted,
    Resync,
    ShowChanged,
)
from wall.schemas import SourceCredit, WallPhoto
from wall.storage.base import Store
from wall.wire import (
    AnnouncementsMessage,
    ConfigChanged,
    DisplayMessage,
    LiveWindow,
    LiveWindows,
    PhotoApproved,
    PhotoRemoved,
    ResyncMessage,
    ShowMessage,
    WallAnnouncement,
    WallConfig,
)

SNAPSHOT_LIMIT = 100_000  # every approved photo: a wall never holds more in one season


def presented_token(connection: HTTPConnection) -> str:
    """`Authorization: Bearer <token>`, else `?token=` (a browser source, a media URL)."""
    header = connection.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return connection.query_params.get("token", "")


def is_display(connection: HTTPConnection, display_token: str) -> bool:
    """Whether the request or socket carries the display token (compared in constant time)."""
    token = presented_token(connection)
    return bool(token) and hmac.compare_digest(token, display_token)


async def approved_photos(store: Store, settings: Settings) -> list[WallPhoto]:
    """Every approved photo as the display sees it, credited: the snapshot, HTTP or socket."""
    page = await store.photos.list(PhotoStatus.APPROVED, limit=SNAPSHOT_LIMIT)
    credits = source_credits(settings)
    return [WallPhoto.of(p, credits) for p in page.photos]


def source_credits(settings: Settings) -> dict[str, SourceCredit]:
    """The configured network and webcam sources by the name their photos carry, so the
    wall credits "#murbrive sur Mastodon" or a webcam's place, never an internal name."""
    credits: dict[str, SourceCredit] = {}
    for source in settings.sources.mastodon:
        host = urlsplit(source.instance).hostname or source.instance
        kind = "pixelfed" if "pixelfed" in host else "mastodon"
        credits[source.name or host] = SourceCredit(kind=kind, label="#" + source.tag.lstrip("#"))
    for bluesky in settings.sources.bluesky:
        credits[bluesky.name] = SourceCredit(kind="bluesky", label="#" + bluesky.tag.lstrip("#"))
    for webcam in settings.sources.webcam:
        credits[webcam.name] = SourceCredit(kind="webcam", label=webcam.name)
    return credits


def _approved(photo: WallPhoto) -> PhotoApproved:
    return PhotoApproved(photo=photo)


def config_message(settings: Settings) -> ConfigChanged:
    """`config.changed`: what the wall says, as this server is configured. Sent on every
    connection, so a display elsewhere needs only the server's address and token, and an
    edited wall.toml reaches the wall when the server restarts."""
    return ConfigChanged(
        config=WallConfig(
            wall_name=settings.wall.name,
            hashtag=settings.wall.hashtag,
            qr_target=settings.display.qr_target or settings.wall.public_url,
            cta_fr=settings.display.cta_fr,
            cta_en=settings.display.cta_en,
        )
    )


def live_path(name: str) -> str:
    return f"/api/wall/live/{name}"


def live_windows_message(settings: Settings) -> LiveWindows:
    """`live.windows`: the webcams configured `live`, as this server is configured."""
    return LiveWindows(
        windows=[
            LiveWindow(name=c.name, place=c.caption, url=live_path(c.name), fps=c.live_fps)
            for c in settings.sources.webcam
            if c.live
        ]
    )


def announcements_message(
    announcements: Sequence[Announcement], timezone: str
) -> AnnouncementsMessage:
    """`announcements`: every slide of the wall, with the clock their windows are read on
    (`[schedule] timezone`), so a display elsewhere needs no wall.toml of its own for it."""
    return AnnouncementsMessage(
        timezone=timezone, announcements=[WallAnnouncement.of(a) for a in announcements]
    )


def show_message(state: ShowState) -> ShowMessage:
    """`show.start` when the wall must light up, `show.stop` for true black."""
    return ShowMessage.of(state)


async def translate_for_display(
    event: Event, credits: Mapping[str, SourceCredit] | None = None, timezone: str = "UTC"
) -> list[DisplayMessage]:
    """`credits`: `source_credits` of the server's settings, `timezone` its `[schedule]
    timezone` (both bound when the feed is made)."""
    if isinstance(event, PhotoCreated) and event.photo.is_public:
        return [_approved(WallPhoto.of(event.photo, credits))]
    if isinstance(event, PhotoChanged):
        if event.photo.is_public and event.before is not PhotoStatus.APPROVED:
            return [_approved(WallPhoto.of(event.photo, credits))]
        if event.left_wall:
            return [PhotoRemoved(photo_id=event.photo.id)]
    if isinstance(event, PhotoDeleted) and event.was_public:
        return [PhotoRemoved(photo_id=event.photo_id)]
    if isinstance(event, ShowChanged):
        return [show_message(event.state)]
    if isinstance(event, AnnouncementsChanged):
        return [announcements_message(event.announcements, timezone)]
    if isinstance(event, Resync):
        return [ResyncMessage()]
    return []
