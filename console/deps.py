"""What the console's routers read of the app's services: a narrow view, not the container.

The sources are seen only through their health board, so the console does not import
ingest; the app package's `Services` satisfies this (checked there by mypy).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Protocol

from fastapi import Depends

from show.controller import ShowController
from show.preview import PreviewBoard
from show.projectors.controller import ProjectorController
from wall.config import Settings
from wall.deps import services_of
from wall.instance import InstanceSecrets
from wall.live import LiveFeed
from wall.storage.base import Store


class SourceHealthBoard(Protocol):
    @property
    def health(self) -> Mapping[str, object]:
        """Each source's name and its health (read by attribute into `SourceHealthOut`)."""
        ...


class ConsoleServices(Protocol):
    settings: Settings
    secrets: InstanceSecrets  # the display's token, for its preview posts
    store: Store
    show: ShowController
    preview: PreviewBoard
    display_feed: LiveFeed
    projectors: ProjectorController

    @property
    def sources(self) -> SourceHealthBoard:
        """Read-only: the console reports on the sources, it does not run them."""
        ...


ConsoleDep = Annotated[ConsoleServices, Depends(services_of)]
