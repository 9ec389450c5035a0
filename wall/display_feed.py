"""What the display feed says about each event: `photo.approved`, `photo.removed`,
`show.start`, `show.stop`, and `config.changed` on each connection."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from wall.config import Settings
from wall.domain import PhotoStatus, ShowState
from wall.events import Event, PhotoChanged, PhotoCreated, PhotoDeleted, Resync, ShowChanged
from wall.schemas import SourceCredit, WallPhoto


def source_credits(settings: Settings) -> dict[str, SourceCredit]:
    """The configured network and webcam sources by the name their photos carry, so the
    wall credits "#murbrive sur Mastodon" or a webcam's place, never an internal name."""
    credits: dict[str, SourceCredit] = {}
    for source in settings.sources.mastodon:
        host = urlsplit(source.instance).hostname or source.instance
        kind = "pixelfed" if "pixelfed" in host else "mastodon"
        credits[source.name or host] = SourceCredit(kind=kind, label="#" + source.tag.lstrip("#"))
    for webcam in settings.sources.webcam:
        credits[webcam.name] = SourceCredit(kind="webcam", label=webcam.name)
    return credits


def _approved(photo_payload: WallPhoto) -> dict[str, Any]:
    return {"type": "photo.approved", "photo": photo_payload.model_dump(mode="json")}


def _removed(photo_id: str) -> dict[str, Any]:
    return {"type": "photo.removed", "photo_id": photo_id}


def config_message(settings: Settings) -> dict[str, Any]:
    """`config.changed`: what the wall says, as this server is configured. Sent on every
    connection, so a display elsewhere needs only the server's address and token, and an
    edited wall.toml reaches the wall when the server restarts."""
    return {
        "type": "config.changed",
        "config": {
            "wall_name": settings.wall.name,
            "hashtag": settings.wall.hashtag,
            "qr_target": settings.display.qr_target or settings.wall.public_url,
            "cta_fr": settings.display.cta_fr,
            "cta_en": settings.display.cta_en,
        },
    }


def show_message(state: ShowState) -> dict[str, Any]:
    """`show.start` when the wall must light up, `show.stop` for true black."""
    return {"type": "show.start" if state.lit else "show.stop", "show": state.as_json()}


async def translate_for_display(
    event: Event, credits: Mapping[str, SourceCredit] | None = None
) -> list[dict[str, Any]]:
    """`credits`: `source_credits` of the server's settings (bound when the feed is made)."""
    if isinstance(event, PhotoCreated) and event.photo.is_public:
        return [_approved(WallPhoto.of(event.photo, credits))]
    if isinstance(event, PhotoChanged):
        if event.photo.is_public and event.before is not PhotoStatus.APPROVED:
            return [_approved(WallPhoto.of(event.photo, credits))]
        if event.left_wall:
            return [_removed(event.photo.id)]
    if isinstance(event, PhotoDeleted) and event.was_public:
        return [_removed(event.photo_id)]
    if isinstance(event, ShowChanged):
        return [show_message(event.state)]
    if isinstance(event, Resync):
        return [{"type": "resync"}]
    return []
