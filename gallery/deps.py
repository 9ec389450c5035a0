"""What the gallery's routers read of the app's services: a narrow view, not the container
(the app package's `Services` satisfies it, checked there by mypy)."""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import Depends

from wall.config import Settings
from wall.deps import services_of
from wall.live import LiveFeed
from wall.storage.base import Store


class GalleryServices(Protocol):
    settings: Settings
    store: Store
    gallery_feed: LiveFeed


GalleryDep = Annotated[GalleryServices, Depends(services_of)]
