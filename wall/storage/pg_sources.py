"""The PostgreSQL implementation of `SourceStateRepository`, for one wall of a cluster."""

from __future__ import annotations

import asyncpg

from wall.domain import utcnow
from wall.storage.pg_db import PgDatabase


class PgSourceStateRepository:
    def __init__(self, db: PgDatabase) -> None:
        self.db = db
        self.wall = db.wall_id

    async def get(self, source: str, key: str) -> str | None:
        async def query(conn: asyncpg.Connection) -> str | None:
            value = await conn.fetchval(
                "SELECT value FROM source_state WHERE wall_id = $1 AND source = $2 AND key = $3",
                self.wall,
                source,
                key,
            )
            return str(value) if value is not None else None

        return await self.db.read(query)

    async def set(self, source: str, key: str, value: str) -> None:
        async def upsert(conn: asyncpg.Connection) -> None:
            await conn.execute(
                "INSERT INTO source_state (wall_id, source, key, value, updated_at)"
                " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (wall_id, source, key)"
                " DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                self.wall, source, key, value, utcnow(),
            )  # fmt: skip

        await self.db.write(upsert)

    async def has_source_ref(self, source_ref: str) -> bool:
        async def query(conn: asyncpg.Connection) -> bool:
            found = await conn.fetchval(
                "SELECT 1 FROM photos WHERE wall_id = $1 AND source_ref = $2"
                " AND status != 'deleted' LIMIT 1",
                self.wall,
                source_ref,
            )
            return found is not None

        return await self.db.read(query)
