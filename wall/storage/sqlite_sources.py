"""The SQLite implementation of `SourceStateRepository`."""

from __future__ import annotations

import sqlite3

from wall.domain import utcnow
from wall.storage.sqlite_db import Database


class SqliteSourceStateRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, source: str, key: str) -> str | None:
        def query(conn: sqlite3.Connection) -> str | None:
            row = conn.execute(
                "SELECT value FROM source_state WHERE source = ? AND key = ?", (source, key)
            ).fetchone()
            return str(row[0]) if row else None

        return await self.db.read(query)

    async def set(self, source: str, key: str, value: str) -> None:
        def upsert(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO source_state (source, key, value, updated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (source, key) DO UPDATE SET value = excluded.value,"
                " updated_at = excluded.updated_at",
                (source, key, value, utcnow().isoformat()),
            )

        await self.db.write(upsert)

    async def has_source_ref(self, source_ref: str) -> bool:
        def query(conn: sqlite3.Connection) -> bool:
            row = conn.execute(
                "SELECT 1 FROM photos WHERE source_ref = ? AND status != 'deleted' LIMIT 1",
                (source_ref,),
            ).fetchone()
            return row is not None

        return await self.db.read(query)
