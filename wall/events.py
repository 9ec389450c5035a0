"""The spine: one stream of small events, fanned out to bounded per-subscriber queues.

Events carry the photo as it is after the change, so no subscriber reads the database per
event. A subscriber that falls behind is told to resynchronise (it gets a `Resync` marker
and its backlog is dropped); the publisher never blocks on a slow socket.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import ClassVar

from wall.announcements import Announcement
from wall.domain import Photo, PhotoStatus, ShowState, utcnow
from wall.fanout import DropToResync

SUBSCRIBER_QUEUE_LIMIT = 1024  # a socket this far behind is better off with a snapshot


@dataclass(frozen=True, slots=True)
class Event:
    name: ClassVar[str] = "event"
    at: str = field(default_factory=lambda: utcnow().isoformat(), kw_only=True)


@dataclass(frozen=True, slots=True)
class PhotoCreated(Event):
    """A photo entered the system: pending, or auto-approved, or auto-rejected."""

    name: ClassVar[str] = "photo.created"
    photo: Photo


@dataclass(frozen=True, slots=True)
class PhotoChanged(Event):
    """A decision (or its undo) moved a photo from `before` to `photo.status`."""

    name: ClassVar[str] = "photo.changed"
    photo: Photo
    before: PhotoStatus
    actor: str
    reason: str = ""

    @property
    def left_wall(self) -> bool:
        return self.before is PhotoStatus.APPROVED and not self.photo.is_public


@dataclass(frozen=True, slots=True)
class PhotoDeleted(Event):
    """Erased by its contributor or by retention: only a tombstone remains."""

    name: ClassVar[str] = "photo.deleted"
    photo_id: str
    was_public: bool


@dataclass(frozen=True, slots=True)
class ShowChanged(Event):
    """The wall went lit or dark: a show began or ended, or an operator blanked it."""

    name: ClassVar[str] = "show.changed"
    state: ShowState


@dataclass(frozen=True, slots=True)
class AnnouncementsChanged(Event):
    """An operator created, changed or deleted an announcement: every one the wall has now,
    so a display needs no other read to replace its list."""

    name: ClassVar[str] = "announcements.changed"
    announcements: tuple[Announcement, ...]


@dataclass(frozen=True, slots=True)
class Resync(Event):
    """Sent to a subscriber whose queue overflowed: it must reload a snapshot."""

    name: ClassVar[str] = "resync"


class Subscription(DropToResync[Event]):
    """One subscriber's bounded queue (`wall.fanout`): falling behind yields a `Resync`."""

    def __init__(self, bus: EventBus, limit: int) -> None:
        super().__init__(limit, Resync)
        self._bus = bus

    async def __aiter__(self) -> AsyncIterator[Event]:
        while True:
            yield await self.queue.get()

    def close(self) -> None:
        self._bus.unsubscribe(self)


class EventBus:
    """In-process fan-out of the wall's events.

    `relayed`: the store sends each photo event to every process of the wall itself (a
    cluster: PostgreSQL NOTIFY in the change's transaction), and a relay `publish`es what
    it hears, in commit order, in every process, this one included. Then `announce` of a
    change this process made publishes nothing, or it would arrive twice.
    """

    def __init__(self, queue_limit: int = SUBSCRIBER_QUEUE_LIMIT, relayed: bool = False) -> None:
        self._subscribers: set[Subscription] = set()
        self._queue_limit = queue_limit
        self.relayed = relayed
        self.published = 0

    def subscribe(self) -> Subscription:
        sub = Subscription(self, self._queue_limit)
        self._subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subscribers.discard(sub)

    def announce(self, event: Event) -> None:
        """A photo change this process just committed: published here, unless the cluster
        relays it (see the class)."""
        if not self.relayed:
            self.publish(event)

    def resync_all(self) -> None:
        """Events may have been missed (the relay lost its connection): every subscriber
        reloads a snapshot."""
        for sub in list(self._subscribers):
            sub.offer_resync()

    def publish(self, event: Event) -> None:
        """Must be called on the event loop's thread."""
        self.published += 1
        for sub in list(self._subscribers):
            sub.offer(event)
