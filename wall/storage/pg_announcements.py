"""The PostgreSQL implementation of `AnnouncementRepository` (migration 0007).

A change, its audit row and the wall's notification (`announcements.changed`: no text, the
relay reads the list as committed) go in one transaction, so every process of the wall tells
its displays, in commit order. The image's media key is locked as a photo's renditions are,
so the orphan collection of another process cannot wipe a file a new row is naming.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from wall.announcements import Announcement, AnnouncementDraft, SlideImage, SlideKind, Window
from wall.domain import utcnow
from wall.storage.announcement_repo import (
    CREATE_ACTION,
    DELETE_ACTION,
    EDIT_ACTION,
    AnnouncementConflict,
    AnnouncementNotFound,
    audit_reason,
)
from wall.storage.pg_db import PgDatabase, notify
from wall.storage.pg_photos import lock_media_keys, write_audit

CHANGED_EVENT = "announcements.changed"  # the relay's word for it (wall.storage.pg_events)
_COLUMNS = (
    "kind",
    "title_fr",
    "title_en",
    "text_fr",
    "text_en",
    "first_day",
    "last_day",
    "start_time",
    "end_time",
    "every_minutes",
    "seconds",
    "image_key",
    "image_width",
    "image_height",
    "image_size",
    "image_mime",
)


def _announcement(row: asyncpg.Record) -> Announcement:
    image = None
    if row["image_key"]:
        image = SlideImage(
            row["image_key"],
            row["image_width"],
            row["image_height"],
            row["image_size"],
            row["image_mime"],
        )
    return Announcement(
        id=row["id"],
        kind=SlideKind(row["kind"]),
        title_fr=row["title_fr"],
        title_en=row["title_en"],
        text_fr=row["text_fr"],
        text_en=row["text_en"],
        window=Window(row["first_day"], row["last_day"], row["start_time"], row["end_time"]),
        every_minutes=row["every_minutes"],
        seconds=row["seconds"],
        image=image,
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        created_by=row["created_by"],
        updated_by=row["updated_by"],
    )


def _values(draft: AnnouncementDraft, image: SlideImage | None) -> list[Any]:
    window = draft.window
    return [
        draft.kind.value,
        draft.title_fr,
        draft.title_en,
        draft.text_fr,
        draft.text_en,
        window.first_day,
        window.last_day,
        window.start.replace(second=0, microsecond=0),
        window.end.replace(second=0, microsecond=0),
        draft.every_minutes,
        draft.seconds,
        image.key if image else "",
        image.width if image else 0,
        image.height if image else 0,
        image.size if image else 0,
        image.mime if image else "image/jpeg",
    ]


async def load_announcements(conn: asyncpg.Connection, wall: str) -> list[Announcement]:
    """The wall's announcements, oldest first (also what the event relay reads)."""
    rows = await conn.fetch(
        "SELECT * FROM announcements WHERE wall_id = $1 ORDER BY created_at, id", wall
    )
    return [_announcement(row) for row in rows]


async def _load(conn: asyncpg.Connection, wall: str, announcement_id: str) -> Announcement | None:
    row = await conn.fetchrow(
        "SELECT * FROM announcements WHERE wall_id = $1 AND id = $2", wall, announcement_id
    )
    return _announcement(row) if row else None


class PgAnnouncementRepository:
    def __init__(self, db: PgDatabase) -> None:
        self.db = db
        self.wall = db.wall_id

    async def _changed(
        self, conn: asyncpg.Connection, actor: str, action: str, reason: str
    ) -> None:
        # No photo: NULL in `photo_id`, as an exhibition export's row (the column allows it).
        await write_audit(conn, self.wall, None, actor, action, None, None, reason)  # type: ignore[arg-type]
        await notify(conn, self.wall, e=CHANGED_EVENT, id="")

    async def add(
        self, announcement_id: str, draft: AnnouncementDraft, image: SlideImage | None, actor: str
    ) -> Announcement:
        columns = ", ".join(_COLUMNS)
        marks = ", ".join(f"${i}" for i in range(3, len(_COLUMNS) + 3))
        tail = len(_COLUMNS) + 3

        async def insert(conn: asyncpg.Connection) -> Announcement:
            if image is not None:
                await lock_media_keys(conn, [image.key])
            now = utcnow()
            await conn.execute(
                f"INSERT INTO announcements (wall_id, id, {columns}, created_at, updated_at,"
                f" created_by, updated_by) VALUES ($1, $2, {marks}, ${tail}, ${tail},"
                f" ${tail + 1}, ${tail + 1})",
                self.wall, announcement_id, *_values(draft, image), now, actor,
            )  # fmt: skip
            reason = audit_reason(announcement_id, draft)
            await self._changed(conn, actor, CREATE_ACTION, reason)
            found = await _load(conn, self.wall, announcement_id)
            assert found is not None
            return found

        return await self.db.write(insert)

    async def get(self, announcement_id: str) -> Announcement | None:
        return await self.db.read(lambda conn: _load(conn, self.wall, announcement_id))

    async def all(self) -> list[Announcement]:
        return await self.db.read(lambda conn: load_announcements(conn, self.wall))

    async def update(
        self,
        announcement_id: str,
        draft: AnnouncementDraft,
        image: SlideImage | None,
        actor: str,
        expected_version: int,
    ) -> tuple[Announcement, SlideImage | None]:
        sets = ", ".join(f"{column} = ${i}" for i, column in enumerate(_COLUMNS, start=3))
        tail = len(_COLUMNS) + 3

        async def change(conn: asyncpg.Connection) -> tuple[Announcement, SlideImage | None]:
            if image is not None:
                await lock_media_keys(conn, [image.key])
            row = await conn.fetchrow(
                "SELECT * FROM announcements WHERE wall_id = $1 AND id = $2 FOR UPDATE",
                self.wall,
                announcement_id,
            )
            if row is None:
                raise AnnouncementNotFound(announcement_id)
            before = _announcement(row)
            if before.version != expected_version:
                raise AnnouncementConflict(announcement_id)
            await conn.execute(
                f"UPDATE announcements SET {sets}, version = version + 1, updated_at = ${tail},"
                f" updated_by = ${tail + 1} WHERE wall_id = $1 AND id = $2",
                self.wall, announcement_id, *_values(draft, image), utcnow(), actor,
            )  # fmt: skip
            reason = audit_reason(announcement_id, draft)
            await self._changed(conn, actor, EDIT_ACTION, reason)
            after = await _load(conn, self.wall, announcement_id)
            assert after is not None
            replaced = before.image if before.image and before.image != image else None
            return after, replaced

        return await self.db.write(change)

    async def delete(self, announcement_id: str, actor: str) -> Announcement:
        async def remove(conn: asyncpg.Connection) -> Announcement:
            row = await conn.fetchrow(
                "DELETE FROM announcements WHERE wall_id = $1 AND id = $2 RETURNING *",
                self.wall,
                announcement_id,
            )
            if row is None:
                raise AnnouncementNotFound(announcement_id)
            before = _announcement(row)
            reason = audit_reason(announcement_id, before)
            await self._changed(conn, actor, DELETE_ACTION, reason)
            return before

        return await self.db.write(remove)
