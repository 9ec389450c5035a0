"""What the moderation socket says about each event, with the backlog that follows it."""

from __future__ import annotations

from typing import Any

from moderation.policy import Policy
from moderation.present import Presenter
from wall.domain import PhotoStatus
from wall.events import Event, PhotoChanged, PhotoCreated, PhotoDeleted, Resync
from wall.storage.base import Store

POLICY_ACTOR = "policy"


class ModerationTranslator:
    def __init__(self, store: Store, policy: Policy) -> None:
        self.store = store
        self.presenter = Presenter(store, policy)

    async def backlog(self) -> int:
        return (await self.store.photos.list(PhotoStatus.PENDING, limit=0)).total

    async def __call__(self, event: Event) -> list[dict[str, Any]]:
        message = await self._message(event)
        if message is None:
            return []
        if message["type"] != "resync":
            message["backlog"] = await self.backlog()
        return [message]

    async def _message(self, event: Event) -> dict[str, Any] | None:
        if isinstance(event, PhotoCreated):
            photo = (await self.presenter.photo(event.photo)).model_dump(mode="json")
            if event.photo.status is PhotoStatus.PENDING:
                return {"type": "photo.pending", "photo": photo}
            return {"type": "photo.decided", "photo": photo, "by": POLICY_ACTOR}
        if isinstance(event, PhotoChanged):
            photo = (await self.presenter.photo(event.photo)).model_dump(mode="json")
            if event.photo.status is PhotoStatus.PENDING:  # an undo puts it back in the queue
                return {"type": "photo.pending", "photo": photo, "by": event.actor}
            return {"type": "photo.decided", "photo": photo, "by": event.actor}
        if isinstance(event, PhotoDeleted):
            return {"type": "photo.deleted", "photo_id": event.photo_id}
        if isinstance(event, Resync):
            return {"type": "resync"}
        return None
