"""What the moderation socket says about each event, with the backlog that follows it.

The messages are `wall.wire` models (`hello`, `photo.pending`, `photo.decided`,
`photo.deleted`, `resync`), fanned out by `wall.live` like the display's.
"""

from __future__ import annotations

from moderation.policy import Policy
from moderation.present import Presenter
from wall.domain import PhotoStatus
from wall.events import Event, PhotoChanged, PhotoCreated, PhotoDeleted, Resync
from wall.storage.base import Store
from wall.wire import (
    Hello,
    ModerationMessage,
    PhotoDecided,
    PhotoErased,
    PhotoPending,
    ResyncMessage,
)

POLICY_ACTOR = "policy"


class ModerationTranslator:
    def __init__(self, store: Store, policy: Policy) -> None:
        self.store = store
        self.presenter = Presenter(store, policy)

    async def backlog(self) -> int:
        return (await self.store.photos.list(PhotoStatus.PENDING, limit=0)).total

    async def greeting(self) -> list[ModerationMessage]:
        """`hello` on each connection: how many photos wait, before any event."""
        return [Hello(backlog=await self.backlog())]

    async def __call__(self, event: Event) -> list[ModerationMessage]:
        if isinstance(event, Resync):
            return [ResyncMessage()]
        message = await self._message(event)
        return [] if message is None else [message]

    async def _message(self, event: Event) -> ModerationMessage | None:
        if isinstance(event, PhotoCreated):
            photo = await self.presenter.photo(event.photo)
            if event.photo.status is PhotoStatus.PENDING:
                return PhotoPending(photo=photo, backlog=await self.backlog())
            return PhotoDecided(photo=photo, by=POLICY_ACTOR, backlog=await self.backlog())
        if isinstance(event, PhotoChanged):
            photo = await self.presenter.photo(event.photo)
            if event.photo.status is PhotoStatus.PENDING:  # an undo puts it back in the queue
                return PhotoPending(photo=photo, by=event.actor, backlog=await self.backlog())
            return PhotoDecided(photo=photo, by=event.actor, backlog=await self.backlog())
        if isinstance(event, PhotoDeleted):
            return PhotoErased(photo_id=event.photo_id, backlog=await self.backlog())
        return None
