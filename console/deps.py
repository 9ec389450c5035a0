"""What the console's routers read of the app's services: a narrow view, not the container.

The sources are seen only through their health board, so the console does not import
ingest; the app package's `Services` satisfies this (checked there by mypy).
"""

from __future__ import annotations

from typing import Annotated, Any, Protocol

from fastapi import Depends

from show.controller import ShowController
from show.preview import PreviewBoard
from show.projectors.controller import ProjectorController
from wall.config import Settings
from wall.deps import services_of
from wall.instance import InstanceSecrets
from wall.presence import FeedPresence
from wall.storage.base import Store


class SourceHealthBoard(Protocol):
    async def current_health(self) -> list[dict[str, Any]]:
        """Each source's health as a mapping of `SourceHealthOut`'s fields: this process's
        when it runs the sources, else the wall leader's last report."""
        ...


class ConsoleServices(Protocol):
    settings: Settings
    secrets: InstanceSecrets  # the display's token, for its preview posts
    store: Store
    show: ShowController
    preview: PreviewBoard
    displays: FeedPresence
    projectors: ProjectorController

    def gallery_snippet(self, lang: str) -> str:
        """The online gallery's `<iframe>` for the office's website, in `lang`; "" when
        `[gallery] enabled` is false (the app builds it: the console does not import the
        gallery)."""
        ...

    @property
    def sources(self) -> SourceHealthBoard:
        """Read-only: the console reports on the sources, it does not run them."""
        ...


ConsoleDep = Annotated[ConsoleServices, Depends(services_of)]
