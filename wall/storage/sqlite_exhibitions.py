"""The SQLite implementation of `ExhibitionRepository` (migration 0009).

"Printable" is one SQL condition (`PRINTABLE`), read at every listing: a photo whose consent
or print rendition is gone drops out without anyone having to remember the exhibitions, and
the migration's trigger takes a deleted photo out of them in the delete's own transaction.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from wall.domain import Photo, PhotoStatus, utcnow
from wall.storage.base import (
    Exhibition,
    ExhibitionExists,
    ExhibitionFull,
    ExhibitionNotFound,
    NotPrintable,
    PhotoNotFound,
    PhotoPage,
    username_key,
)
from wall.storage.sqlite_db import Database
from wall.storage.sqlite_photos import _load_rows

# The photo `p` may be printed: on the wall or taken off it (never deleted), its consent
# covers print (scopes are comma-separated), and its print rendition exists.
PRINT_CONSENTED = "instr(',' || p.consent_scopes || ',', ',print,') > 0"
HAS_PRINT = "EXISTS (SELECT 1 FROM renditions r WHERE r.photo_id = p.id AND r.kind = 'print')"
PRINTABLE = f"p.status IN ('approved', 'removed') AND {PRINT_CONSENTED} AND {HAS_PRINT}"
EXPORT_ACTION = "exhibition.export"

_WITH_COUNT = f"""
SELECT e.*, (
    SELECT COUNT(*) FROM exhibition_photos x JOIN photos p ON p.id = x.photo_id
    WHERE x.exhibition_id = e.id AND {PRINTABLE}
) AS photo_count
FROM exhibitions e
"""


def _exhibition(row: sqlite3.Row) -> Exhibition:
    return Exhibition(
        id=row["id"],
        name=row["name"],
        created_at=datetime.fromisoformat(row["created_at"]),
        created_by=row["created_by"],
        photo_count=int(row["photo_count"]),
    )


def _exists(conn: sqlite3.Connection, exhibition_id: str) -> None:
    if conn.execute("SELECT 1 FROM exhibitions WHERE id = ?", (exhibition_id,)).fetchone() is None:
        raise ExhibitionNotFound(exhibition_id)


def _check_printable(conn: sqlite3.Connection, photo_id: str) -> None:
    row = conn.execute(
        f"SELECT p.status, {PRINT_CONSENTED} AND {HAS_PRINT} AS printable"
        " FROM photos p WHERE p.id = ?",
        (photo_id,),
    ).fetchone()
    if row is None or row["status"] == PhotoStatus.DELETED.value:
        raise PhotoNotFound(photo_id)
    if not row["printable"]:
        raise NotPrintable(photo_id, "no_print_consent")
    if row["status"] != PhotoStatus.APPROVED.value:
        raise NotPrintable(photo_id, "not_approved")


def _add(
    conn: sqlite3.Connection, exhibition_id: str, photo_id: str, actor: str, limit: int
) -> None:
    _exists(conn, exhibition_id)
    _check_printable(conn, photo_id)
    already = conn.execute(
        "SELECT 1 FROM exhibition_photos WHERE exhibition_id = ? AND photo_id = ?",
        (exhibition_id, photo_id),
    ).fetchone()
    if already is not None:
        return
    count, last = conn.execute(
        "SELECT COUNT(*), COALESCE(MAX(position), 0) FROM exhibition_photos"
        " WHERE exhibition_id = ?",
        (exhibition_id,),
    ).fetchone()
    if count >= limit:
        raise ExhibitionFull(exhibition_id)
    conn.execute(
        "INSERT INTO exhibition_photos (exhibition_id, photo_id, position, added_at, added_by)"
        " VALUES (?, ?, ?, ?, ?)",
        (exhibition_id, photo_id, last + 1, utcnow().isoformat(), actor),
    )


class SqliteExhibitionRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, exhibition_id: str, name: str, actor: str) -> Exhibition:
        now = utcnow()

        def insert(conn: sqlite3.Connection) -> None:
            try:
                conn.execute(
                    "INSERT INTO exhibitions (id, name, name_key, created_at, created_by)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (exhibition_id, name, username_key(name), now.isoformat(), actor),
                )
            except sqlite3.IntegrityError:
                raise ExhibitionExists(name) from None

        await self.db.write(insert)
        return Exhibition(exhibition_id, name, now, actor, 0)

    async def list_all(self) -> list[Exhibition]:
        def query(conn: sqlite3.Connection) -> list[Exhibition]:
            rows = conn.execute(f"{_WITH_COUNT} ORDER BY e.created_at DESC, e.id").fetchall()
            return [_exhibition(row) for row in rows]

        return await self.db.read(query)

    async def get(self, exhibition_id: str) -> Exhibition | None:
        def query(conn: sqlite3.Connection) -> Exhibition | None:
            row = conn.execute(f"{_WITH_COUNT} WHERE e.id = ?", (exhibition_id,)).fetchone()
            return _exhibition(row) if row else None

        return await self.db.read(query)

    async def remove(self, exhibition_id: str, actor: str) -> None:
        del actor  # the exhibition goes whole; exports, not selections, are audited

        def delete(conn: sqlite3.Connection) -> None:
            if conn.execute("DELETE FROM exhibitions WHERE id = ?", (exhibition_id,)).rowcount == 0:
                raise ExhibitionNotFound(exhibition_id)

        await self.db.write(delete)

    async def add_photo(self, exhibition_id: str, photo_id: str, actor: str, limit: int) -> None:
        await self.db.write(lambda conn: _add(conn, exhibition_id, photo_id, actor, limit))

    async def drop_photo(self, exhibition_id: str, photo_id: str) -> None:
        def delete(conn: sqlite3.Connection) -> None:
            _exists(conn, exhibition_id)
            conn.execute(
                "DELETE FROM exhibition_photos WHERE exhibition_id = ? AND photo_id = ?",
                (exhibition_id, photo_id),
            )

        await self.db.write(delete)

    async def photos(self, exhibition_id: str) -> list[Photo]:
        def query(conn: sqlite3.Connection) -> list[Photo]:
            rows = conn.execute(
                "SELECT p.* FROM exhibition_photos x JOIN photos p ON p.id = x.photo_id"
                f" WHERE x.exhibition_id = ? AND {PRINTABLE} ORDER BY x.position",
                (exhibition_id,),
            ).fetchall()
            return _load_rows(conn, rows)

        return await self.db.read(query)

    async def candidates(self, limit: int, offset: int = 0) -> PhotoPage:
        where = f"p.status = 'approved' AND {PRINT_CONSENTED} AND {HAS_PRINT}"

        def query(conn: sqlite3.Connection) -> PhotoPage:
            total = conn.execute(f"SELECT COUNT(*) FROM photos p WHERE {where}").fetchone()[0]
            rows = conn.execute(
                f"SELECT p.* FROM photos p WHERE {where}"
                " ORDER BY p.updated_at DESC, p.id DESC LIMIT ? OFFSET ?",
                (limit, offset),
            ).fetchall()
            return PhotoPage(_load_rows(conn, rows), int(total))

        return await self.db.read(query)

    async def record_export(self, exhibition_id: str, actor: str, photo_count: int) -> None:
        def insert(conn: sqlite3.Connection) -> None:
            name = conn.execute(
                "SELECT name FROM exhibitions WHERE id = ?", (exhibition_id,)
            ).fetchone()
            if name is None:
                raise ExhibitionNotFound(exhibition_id)
            conn.execute(
                "INSERT INTO audit (at, photo_id, actor, action, from_status, to_status, reason)"
                " VALUES (?, NULL, ?, ?, NULL, NULL, ?)",
                (
                    utcnow().isoformat(),
                    actor,
                    EXPORT_ACTION,
                    f"{exhibition_id} {name[0]} ({photo_count} photos)",
                ),
            )

        await self.db.write(insert)
