"""The SQLite implementation of `AnnouncementRepository` (migration 0008).

Each change and its audit row commit together on the writer thread, as a decision does.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, time
from typing import Any

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
from wall.storage.sqlite_db import Database

_COLUMNS = (
    "kind, title_fr, title_en, text_fr, text_en, first_day, last_day, start_time, end_time,"
    " every_minutes, seconds, image_key, image_width, image_height, image_size, image_mime"
)


def _image(row: sqlite3.Row) -> SlideImage | None:
    if not row["image_key"]:
        return None
    return SlideImage(
        row["image_key"],
        row["image_width"],
        row["image_height"],
        row["image_size"],
        row["image_mime"],
    )


def _announcement(row: sqlite3.Row) -> Announcement:
    return Announcement(
        id=row["id"],
        kind=SlideKind(row["kind"]),
        title_fr=row["title_fr"],
        title_en=row["title_en"],
        text_fr=row["text_fr"],
        text_en=row["text_en"],
        window=Window(
            date.fromisoformat(row["first_day"]),
            date.fromisoformat(row["last_day"]),
            time.fromisoformat(row["start_time"]),
            time.fromisoformat(row["end_time"]),
        ),
        every_minutes=row["every_minutes"],
        seconds=row["seconds"],
        image=_image(row),
        version=row["version"],
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
        created_by=row["created_by"],
        updated_by=row["updated_by"],
    )


def _values(draft: AnnouncementDraft, image: SlideImage | None) -> tuple[Any, ...]:
    window = draft.window
    return (
        draft.kind.value,
        draft.title_fr,
        draft.title_en,
        draft.text_fr,
        draft.text_en,
        window.first_day.isoformat(),
        window.last_day.isoformat(),
        window.start.strftime("%H:%M"),
        window.end.strftime("%H:%M"),
        draft.every_minutes,
        draft.seconds,
        image.key if image else "",
        image.width if image else 0,
        image.height if image else 0,
        image.size if image else 0,
        image.mime if image else "image/jpeg",
    )


def _audit(conn: sqlite3.Connection, actor: str, action: str, reason: str) -> None:
    conn.execute(
        "INSERT INTO audit (at, photo_id, actor, action, from_status, to_status, reason)"
        " VALUES (?, NULL, ?, ?, NULL, NULL, ?)",
        (utcnow().isoformat(), actor, action, reason),
    )


def _load(conn: sqlite3.Connection, announcement_id: str) -> Announcement | None:
    row = conn.execute("SELECT * FROM announcements WHERE id = ?", (announcement_id,)).fetchone()
    return _announcement(row) if row else None


class SqliteAnnouncementRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(
        self, announcement_id: str, draft: AnnouncementDraft, image: SlideImage | None, actor: str
    ) -> Announcement:
        now = utcnow().isoformat()

        def insert(conn: sqlite3.Connection) -> Announcement:
            conn.execute(
                f"INSERT INTO announcements (id, {_COLUMNS}, created_at, updated_at,"
                " created_by, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                " ?, ?, ?, ?, ?)",
                (announcement_id, *_values(draft, image), now, now, actor, actor),
            )
            _audit(conn, actor, CREATE_ACTION, audit_reason(announcement_id, draft))
            found = _load(conn, announcement_id)
            assert found is not None
            return found

        return await self.db.write(insert)

    async def get(self, announcement_id: str) -> Announcement | None:
        return await self.db.read(lambda conn: _load(conn, announcement_id))

    async def all(self) -> list[Announcement]:
        def query(conn: sqlite3.Connection) -> list[Announcement]:
            rows = conn.execute("SELECT * FROM announcements ORDER BY created_at, id")
            return [_announcement(row) for row in rows]

        return await self.db.read(query)

    async def update(
        self,
        announcement_id: str,
        draft: AnnouncementDraft,
        image: SlideImage | None,
        actor: str,
        expected_version: int,
    ) -> tuple[Announcement, SlideImage | None]:
        def change(conn: sqlite3.Connection) -> tuple[Announcement, SlideImage | None]:
            before = _load(conn, announcement_id)
            if before is None:
                raise AnnouncementNotFound(announcement_id)
            if before.version != expected_version:
                raise AnnouncementConflict(announcement_id)
            sets = ", ".join(f"{column.strip()} = ?" for column in _COLUMNS.split(","))
            conn.execute(
                f"UPDATE announcements SET {sets}, version = version + 1, updated_at = ?,"
                " updated_by = ? WHERE id = ?",
                (*_values(draft, image), utcnow().isoformat(), actor, announcement_id),
            )
            _audit(conn, actor, EDIT_ACTION, audit_reason(announcement_id, draft))
            after = _load(conn, announcement_id)
            assert after is not None
            replaced = before.image if before.image and before.image != image else None
            return after, replaced

        return await self.db.write(change)

    async def delete(self, announcement_id: str, actor: str) -> Announcement:
        def remove(conn: sqlite3.Connection) -> Announcement:
            before = _load(conn, announcement_id)
            if before is None:
                raise AnnouncementNotFound(announcement_id)
            conn.execute("DELETE FROM announcements WHERE id = ?", (announcement_id,))
            _audit(conn, actor, DELETE_ACTION, audit_reason(announcement_id, before))
            return before

        return await self.db.write(remove)
