"""The storage interface of announcements (both backends implement it; `Store.announcements`).

Kept beside `base.py` rather than in it: a slide is not a photo, and nothing of the photo
lifecycle applies. Every change writes its audit row (who, when, what: actions
`announcement.create`, `announcement.edit`, `announcement.delete`, the slide's id and title
as the reason) in its own transaction, as a moderator's decision does, and a cluster's
PostgreSQL notifies every process of the wall in that transaction too.
"""

from __future__ import annotations

import builtins
from typing import Protocol

from wall.announcements import Announcement, AnnouncementDraft, SlideImage
from wall.storage.base import StorageError

CREATE_ACTION = "announcement.create"
EDIT_ACTION = "announcement.edit"
DELETE_ACTION = "announcement.delete"


class AnnouncementNotFound(StorageError):
    pass


class AnnouncementConflict(StorageError):
    """Someone else changed it first (optimistic concurrency on `version`)."""


def audit_reason(announcement_id: str, slide: Announcement | AnnouncementDraft) -> str:
    """What the audit row says of the slide: its id, and a title for a person reading."""
    title = slide.title_fr or slide.title_en or f"({slide.kind.value})"
    return f"{announcement_id} {title}"


class AnnouncementRepository(Protocol):
    async def add(
        self, announcement_id: str, draft: AnnouncementDraft, image: SlideImage | None, actor: str
    ) -> Announcement: ...

    async def get(self, announcement_id: str) -> Announcement | None: ...

    # `list` would shadow the builtin in the annotations below it.
    async def all(self) -> builtins.list[Announcement]:
        """Every announcement, oldest first (past ones too: the console lists them greyed)."""
        ...

    async def update(
        self,
        announcement_id: str,
        draft: AnnouncementDraft,
        image: SlideImage | None,
        actor: str,
        expected_version: int,
    ) -> tuple[Announcement, SlideImage | None]:
        """The announcement as changed, and its former image when the change replaced or
        dropped it (the caller wipes its file if no row names it any more). Raises
        `AnnouncementNotFound`, `AnnouncementConflict`."""
        ...

    async def delete(self, announcement_id: str, actor: str) -> Announcement:
        """The announcement as it was; raises `AnnouncementNotFound`."""
        ...
