"""The PostgreSQL implementation of `ShownRepository`: what came on a wall, by quarter hour."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import asyncpg

from wall.storage.pg_db import PgDatabase
from wall.storage.sqlite_shown import quarter_of


class PgShownRepository:
    """Writes only what is new in this process's quarter: every process of a wall may get the
    display's reports (behind a load balancer), and the insert ignores what another wrote."""

    def __init__(self, db: PgDatabase) -> None:
        self.db = db
        self.wall = db.wall_id
        self._slot: datetime | None = None
        self._recorded: set[str] = set()

    async def record_shown(self, photo_ids: Sequence[str], at: datetime) -> None:
        slot = quarter_of(at)
        if slot != self._slot:
            self._slot, self._recorded = slot, set()
        fresh = sorted(set(photo_ids) - self._recorded)
        if not fresh:
            return
        shown_at = at.astimezone(UTC)

        async def insert(conn: asyncpg.Connection) -> None:
            # Through a SELECT on photos: an id the display still caches after a delete, or
            # one it made up, leaves no row.
            await conn.execute(
                "INSERT INTO shown (wall_id, photo_id, slot, shown_at)"
                " SELECT wall_id, id, $2, $3 FROM photos"
                " WHERE wall_id = $1 AND id = ANY($4::text[]) AND status != 'deleted'"
                " ON CONFLICT DO NOTHING",
                self.wall, slot, shown_at, fresh,
            )  # fmt: skip

        await self.db.write(insert)
        if slot == self._slot:  # a report from another quarter may have come in meanwhile
            self._recorded.update(fresh)

    async def last_shown(self, photo_id: str) -> datetime | None:
        async def query(conn: asyncpg.Connection) -> datetime | None:
            found: datetime | None = await conn.fetchval(
                "SELECT max(shown_at) FROM shown WHERE wall_id = $1 AND photo_id = $2",
                self.wall,
                photo_id,
            )
            return found

        return await self.db.read(query)
