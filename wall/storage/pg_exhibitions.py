"""The PostgreSQL implementation of `ExhibitionRepository`, for one wall of a cluster.

The same statements as `sqlite_exhibitions`, with the wall in every one; an add takes a row
lock on its exhibition so that two operators adding at once count (and number) in turn.
"""

from __future__ import annotations

import asyncpg

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
from wall.storage.pg_db import PgDatabase
from wall.storage.pg_photos import load_photos
from wall.storage.sqlite_exhibitions import EXPORT_ACTION

PRINT_CONSENTED = "position(',print,' in ',' || p.consent_scopes || ',') > 0"
HAS_PRINT = (
    "EXISTS (SELECT 1 FROM renditions r"
    " WHERE r.wall_id = p.wall_id AND r.photo_id = p.id AND r.kind = 'print')"
)
PRINTABLE = f"p.status IN ('approved', 'removed') AND {PRINT_CONSENTED} AND {HAS_PRINT}"

_WITH_COUNT = f"""
SELECT e.*, (
    SELECT count(*) FROM exhibition_photos x
    JOIN photos p ON p.wall_id = x.wall_id AND p.id = x.photo_id
    WHERE x.wall_id = e.wall_id AND x.exhibition_id = e.id AND {PRINTABLE}
) AS photo_count
FROM exhibitions e
"""


def _exhibition(row: asyncpg.Record) -> Exhibition:
    return Exhibition(
        id=row["id"],
        name=row["name"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        photo_count=int(row["photo_count"]),
    )


class PgExhibitionRepository:
    def __init__(self, db: PgDatabase) -> None:
        self.db = db
        self.wall = db.wall_id

    async def create(self, exhibition_id: str, name: str, actor: str) -> Exhibition:
        now = utcnow()

        async def insert(conn: asyncpg.Connection) -> None:
            try:
                await conn.execute(
                    "INSERT INTO exhibitions (wall_id, id, name, name_key, created_at, created_by)"
                    " VALUES ($1, $2, $3, $4, $5, $6)",
                    self.wall, exhibition_id, name, username_key(name), now, actor,
                )  # fmt: skip
            except asyncpg.UniqueViolationError:
                raise ExhibitionExists(name) from None

        await self.db.write(insert)
        return Exhibition(exhibition_id, name, now, actor, 0)

    async def list_all(self) -> list[Exhibition]:
        async def query(conn: asyncpg.Connection) -> list[Exhibition]:
            rows = await conn.fetch(
                f"{_WITH_COUNT} WHERE e.wall_id = $1 ORDER BY e.created_at DESC, e.id", self.wall
            )
            return [_exhibition(row) for row in rows]

        return await self.db.read(query)

    async def get(self, exhibition_id: str) -> Exhibition | None:
        async def query(conn: asyncpg.Connection) -> Exhibition | None:
            row = await conn.fetchrow(
                f"{_WITH_COUNT} WHERE e.wall_id = $1 AND e.id = $2", self.wall, exhibition_id
            )
            return _exhibition(row) if row else None

        return await self.db.read(query)

    async def remove(self, exhibition_id: str, actor: str) -> None:
        del actor  # the exhibition goes whole; exports, not selections, are audited

        async def delete(conn: asyncpg.Connection) -> None:
            done = await conn.execute(
                "DELETE FROM exhibitions WHERE wall_id = $1 AND id = $2", self.wall, exhibition_id
            )
            if done == "DELETE 0":
                raise ExhibitionNotFound(exhibition_id)

        await self.db.write(delete)

    async def _lock(self, conn: asyncpg.Connection, exhibition_id: str) -> None:
        found = await conn.fetchval(
            "SELECT 1 FROM exhibitions WHERE wall_id = $1 AND id = $2 FOR UPDATE",
            self.wall,
            exhibition_id,
        )
        if found is None:
            raise ExhibitionNotFound(exhibition_id)

    async def _check_printable(self, conn: asyncpg.Connection, photo_id: str) -> None:
        row = await conn.fetchrow(
            f"SELECT p.status, {PRINT_CONSENTED} AND {HAS_PRINT} AS printable"
            " FROM photos p WHERE p.wall_id = $1 AND p.id = $2 FOR SHARE",
            self.wall,
            photo_id,
        )
        if row is None or row["status"] == PhotoStatus.DELETED.value:
            raise PhotoNotFound(photo_id)
        if not row["printable"]:
            raise NotPrintable(photo_id, "no_print_consent")
        if row["status"] != PhotoStatus.APPROVED.value:
            raise NotPrintable(photo_id, "not_approved")

    async def add_photo(self, exhibition_id: str, photo_id: str, actor: str, limit: int) -> None:
        async def insert(conn: asyncpg.Connection) -> None:
            await self._lock(conn, exhibition_id)
            # FOR SHARE: a delete of this photo waits for the insert (then its trigger
            # takes the photo out again), or the insert sees the photo deleted.
            await self._check_printable(conn, photo_id)
            row = await conn.fetchrow(
                "SELECT count(*) AS n, COALESCE(max(position), 0) AS last,"
                " bool_or(photo_id = $3) AS already"
                " FROM exhibition_photos WHERE wall_id = $1 AND exhibition_id = $2",
                self.wall,
                exhibition_id,
                photo_id,
            )
            if row["already"]:
                return
            if row["n"] >= limit:
                raise ExhibitionFull(exhibition_id)
            await conn.execute(
                "INSERT INTO exhibition_photos"
                " (wall_id, exhibition_id, photo_id, position, added_at, added_by)"
                " VALUES ($1, $2, $3, $4, $5, $6)",
                self.wall, exhibition_id, photo_id, row["last"] + 1, utcnow(), actor,
            )  # fmt: skip

        await self.db.write(insert)

    async def drop_photo(self, exhibition_id: str, photo_id: str) -> None:
        async def delete(conn: asyncpg.Connection) -> None:
            await self._lock(conn, exhibition_id)
            await conn.execute(
                "DELETE FROM exhibition_photos"
                " WHERE wall_id = $1 AND exhibition_id = $2 AND photo_id = $3",
                self.wall,
                exhibition_id,
                photo_id,
            )

        await self.db.write(delete)

    async def photos(self, exhibition_id: str) -> list[Photo]:
        where = (
            "EXISTS (SELECT 1 FROM exhibition_photos x WHERE x.wall_id = p.wall_id"
            f" AND x.photo_id = p.id AND x.exhibition_id = $2) AND {PRINTABLE}"
        )
        order = (
            "ORDER BY (SELECT x.position FROM exhibition_photos x WHERE x.wall_id = p.wall_id"
            " AND x.photo_id = p.id AND x.exhibition_id = $2)"
        )

        async def query(conn: asyncpg.Connection) -> list[Photo]:
            return await load_photos(conn, self.wall, where, [exhibition_id], order)

        return await self.db.read(query)

    async def candidates(self, limit: int, offset: int = 0) -> PhotoPage:
        where = f"p.status = 'approved' AND {PRINT_CONSENTED} AND {HAS_PRINT}"
        order = 'ORDER BY p.updated_at DESC, p.id COLLATE "C" DESC LIMIT $2 OFFSET $3'

        async def query(conn: asyncpg.Connection) -> PhotoPage:
            async with conn.transaction(isolation="repeatable_read", readonly=True):
                total = await conn.fetchval(
                    f"SELECT count(*) FROM photos p WHERE p.wall_id = $1 AND {where}", self.wall
                )
                photos = await load_photos(conn, self.wall, where, [limit, offset], order)
            return PhotoPage(photos, int(total))

        return await self.db.read(query)

    async def record_export(self, exhibition_id: str, actor: str, photo_count: int) -> None:
        async def insert(conn: asyncpg.Connection) -> None:
            name = await conn.fetchval(
                "SELECT name FROM exhibitions WHERE wall_id = $1 AND id = $2",
                self.wall,
                exhibition_id,
            )
            if name is None:
                raise ExhibitionNotFound(exhibition_id)
            await conn.execute(
                "INSERT INTO audit (wall_id, at, photo_id, actor, action, reason)"
                " VALUES ($1, $2, NULL, $3, $4, $5)",
                self.wall, utcnow(), actor, EXPORT_ACTION,
                f"{exhibition_id} {name} ({photo_count} photos)",
            )  # fmt: skip

        await self.db.write(insert)
