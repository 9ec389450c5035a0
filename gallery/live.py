"""The gallery's live half: what each event of the wall's bus means for the public gallery.

A photo joins when it becomes approved and its consent covers online publication; it leaves
when it leaves the wall (removed, or undone back to the queue) or is deleted by its
contributor or retention. The feed is `wall.live.LiveFeed`: one subscriber to the bus per
process, bounded per-client queues, `resync` to a client that falls behind. In a cluster every
process's bus hears every process's changes (the store relays them), so a socket on any
process sees them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from pydantic import BaseModel

from gallery.schemas import GalleryAdded, GalleryPhoto, GalleryRemoved
from wall.config import Settings
from wall.display_feed import source_credits
from wall.domain import ConsentScope, Photo, PhotoStatus
from wall.events import Event, EventBus, PhotoChanged, PhotoCreated, PhotoDeleted, Resync
from wall.live import LiveFeed
from wall.schemas import SourceCredit
from wall.wire import ResyncMessage


def is_online(photo: Photo) -> bool:
    """On the gallery: approved, and its contributor agreed to online publication (a photo
    sent under a consent text that did not name it never is)."""
    consent = photo.consent
    return photo.is_public and consent is not None and ConsentScope.ONLINE in consent.scopes


def gallery_photos(photos: list[Photo], credits: Mapping[str, SourceCredit]) -> list[GalleryPhoto]:
    shown = (GalleryPhoto.of(photo, credits) for photo in photos if is_online(photo))
    return [photo for photo in shown if photo is not None]


async def translate(event: Event, credits: Mapping[str, SourceCredit]) -> list[BaseModel]:
    """The gallery's messages for one event of the bus (most events mean nothing to it)."""
    if isinstance(event, PhotoCreated | PhotoChanged) and is_online(event.photo):
        joined = isinstance(event, PhotoCreated) or event.before is not PhotoStatus.APPROVED
        photo = GalleryPhoto.of(event.photo, credits)
        return [GalleryAdded(photo=photo)] if joined and photo is not None else []
    if isinstance(event, PhotoChanged) and event.left_wall:
        return [GalleryRemoved(photo_id=event.photo.id)]
    if isinstance(event, PhotoDeleted) and event.was_public:
        return [GalleryRemoved(photo_id=event.photo_id)]
    if isinstance(event, Resync):
        return [ResyncMessage()]
    return []


def gallery_feed(bus: EventBus, settings: Settings) -> LiveFeed:
    """The feed `/ws/gallery` serves; started only when `[gallery] enabled`."""
    return LiveFeed("gallery", bus, partial(translate, credits=source_credits(settings)))
