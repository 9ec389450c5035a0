"""`GlimpseStore` for a cluster: an UNLOGGED table, ages on the database's clock (one clock
for every process), old rows swept now and then."""

from __future__ import annotations

import random
from collections.abc import Sequence

import asyncpg

from wall.storage.base import Glimpse
from wall.storage.pg_db import PgDatabase

FORGET_AFTER = "15 minutes"  # longer than any glimpse is asked for
FORGET_ONE_IN = 500


class PgGlimpses:
    def __init__(self, db: PgDatabase) -> None:
        self.db = db
        self.wall = db.wall_id

    async def put(self, kind: str, key: str, value: bytes) -> None:
        await self.put_many(kind, [key], value)

    async def put_many(self, kind: str, keys: Sequence[str], value: bytes) -> None:
        if not keys:
            return

        async def upsert(conn: asyncpg.Connection) -> None:
            await conn.execute(
                "INSERT INTO glimpses (wall_id, kind, key, value, at)"
                " SELECT $1, $2, k, $4, clock_timestamp() FROM unnest($3::text[]) AS k"
                " ON CONFLICT (wall_id, kind, key)"
                " DO UPDATE SET value = excluded.value, at = excluded.at",
                self.wall, kind, list(keys), value,
            )  # fmt: skip
            if random.randrange(FORGET_ONE_IN) == 0:
                await conn.execute(
                    f"DELETE FROM glimpses WHERE at < now() - interval '{FORGET_AFTER}'"
                )

        await self.db.write(upsert)

    async def get(self, kind: str, key: str, max_age_s: float) -> Glimpse | None:
        async def query(conn: asyncpg.Connection) -> Glimpse | None:
            row = await conn.fetchrow(
                "SELECT value, at, extract(epoch FROM clock_timestamp() - at) AS age"
                " FROM glimpses WHERE wall_id = $1 AND kind = $2 AND key = $3",
                self.wall,
                kind,
                key,
            )
            if row is None or float(row["age"]) > max_age_s:
                return None
            return Glimpse(bytes(row["value"]), row["at"], max(0.0, float(row["age"])))

        return await self.db.read(query)

    async def get_all(self, kind: str, max_age_s: float) -> dict[str, Glimpse]:
        async def query(conn: asyncpg.Connection) -> dict[str, Glimpse]:
            rows = await conn.fetch(
                "SELECT key, value, at, extract(epoch FROM clock_timestamp() - at) AS age"
                " FROM glimpses WHERE wall_id = $1 AND kind = $2"
                " AND at > clock_timestamp() - make_interval(secs => $3)",
                self.wall,
                kind,
                max_age_s,
            )
            return {
                row["key"]: Glimpse(bytes(row["value"]), row["at"], max(0.0, float(row["age"])))
                for row in rows
            }

        return await self.db.read(query)
