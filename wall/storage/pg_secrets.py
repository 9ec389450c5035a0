"""A cluster's secrets: one row per wall and name. The first process to start writes it; the
others, started at the same moment, read the same value (insert-or-nothing, then read)."""

from __future__ import annotations

import asyncpg

from wall.storage.pg_db import PgDatabase


class PgSecretRepository:
    def __init__(self, db: PgDatabase) -> None:
        self.db = db
        self.wall = db.wall_id

    async def get_or_create(self, name: str, make: str) -> str:
        async def upsert(conn: asyncpg.Connection) -> str:
            await conn.execute(
                "INSERT INTO instance_secrets (wall_id, name, value) VALUES ($1, $2, $3)"
                " ON CONFLICT DO NOTHING",
                self.wall,
                name,
                make,
            )
            value = await conn.fetchval(
                "SELECT value FROM instance_secrets WHERE wall_id = $1 AND name = $2",
                self.wall,
                name,
            )
            return str(value)

        return await self.db.write(upsert)
