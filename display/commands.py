"""What the feed thread tells the render loop: the loop applies these through one table.

Small frozen values, so the only thing shared between threads is a queue of immutable data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from display.overlays import CallToAction
from display.show import ShowPlan
from wall.schemas import WallPhoto
from wall.wire import AnnouncementsMessage


@dataclass(frozen=True, slots=True)
class PhotoReady:
    """An approved photo whose display rendition is in the cache: it may go on screen."""

    photo: WallPhoto
    fresh: bool  # approved while we watched: shown first


@dataclass(frozen=True, slots=True)
class PhotoGone:
    """Removed, rejected or deleted: off the wall at the next frame."""

    photo_id: str


@dataclass(frozen=True, slots=True)
class Resync:
    """The whole set of approved photos after a snapshot: anything else leaves the wall."""

    live_ids: frozenset[str]


@dataclass(frozen=True, slots=True)
class ShowUpdate:
    """The server lit or darkened the wall (or a saved plan was loaded at start)."""

    plan: ShowPlan


@dataclass(frozen=True, slots=True)
class TextsUpdate:
    """The server's name, hashtag, QR target and call to action for the wall."""

    cta: CallToAction


@dataclass(frozen=True, slots=True)
class AnnouncementsUpdate:
    """The wall's announcements, their images in the cache (or the saved list at start)."""

    message: AnnouncementsMessage


Command = PhotoReady | PhotoGone | Resync | ShowUpdate | TextsUpdate | AnnouncementsUpdate
CommandSink = Callable[[Command], None]
