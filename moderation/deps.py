"""What moderation's routers read of the app's services: a narrow view, not the container
(the app package's `Services` satisfies it, checked there by mypy)."""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import Depends

from moderation.live import ModerationTranslator
from moderation.policy import Policy
from wall.deps import services_of
from wall.lifecycle import PhotoLifecycle
from wall.live import LiveFeed
from wall.storage.base import Store


class ModerationServices(Protocol):
    store: Store
    policy: Policy
    lifecycle: PhotoLifecycle
    moderation_translator: ModerationTranslator
    moderation_feed: LiveFeed


ModerationDep = Annotated[ModerationServices, Depends(services_of)]
