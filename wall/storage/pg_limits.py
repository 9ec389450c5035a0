"""`RateLimits` for a cluster: one row per bucket, refilled and spent in one transaction
under row locks, on the database's clock (one clock for every process)."""

from __future__ import annotations

import random
from collections.abc import Sequence

import asyncpg

from wall.storage.base import Charge
from wall.storage.pg_db import PgDatabase

FORGET_AFTER = "10 minutes"  # a bucket untouched this long is full again: its row can go
FORGET_ONE_IN = 500  # an occasional sweep, not one per upload


class PgRateLimits:
    def __init__(self, db: PgDatabase) -> None:
        self.db = db
        self.wall = db.wall_id

    async def spend_all(self, charges: Sequence[Charge]) -> float:
        # Locked in one order (kind, key) in every process: two uploads never deadlock.
        ordered = sorted(charges, key=lambda c: (c.kind, c.key))

        async def spend(conn: asyncpg.Connection) -> float:
            now = await conn.fetchval("SELECT clock_timestamp()")
            levels = [await self._level(conn, charge, now) for charge in ordered]
            wait = max(
                (
                    (1.0 - tokens) / (charge.per_minute / 60.0)
                    for charge, tokens in zip(ordered, levels, strict=True)
                    if tokens < 1.0
                ),
                default=0.0,
            )
            if wait == 0.0:
                for charge, tokens in zip(ordered, levels, strict=True):
                    await self._store(conn, charge, tokens - 1.0, now)
            if random.randrange(FORGET_ONE_IN) == 0:
                await conn.execute(
                    f"DELETE FROM rate_buckets WHERE updated_at < now() - interval '{FORGET_AFTER}'"
                )
            return wait

        return await self.db.write(spend)

    async def _level(self, conn: asyncpg.Connection, charge: Charge, now: object) -> float:
        """The bucket's tokens now (refilled since its last spend), its row locked."""
        await conn.execute(
            "INSERT INTO rate_buckets (wall_id, kind, key, tokens, updated_at)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            self.wall, charge.kind, charge.key, float(charge.per_minute), now,
        )  # fmt: skip
        row = await conn.fetchrow(
            "SELECT tokens, extract(epoch FROM ($4 - updated_at)) AS idle FROM rate_buckets"
            " WHERE wall_id = $1 AND kind = $2 AND key = $3 FOR UPDATE",
            self.wall, charge.kind, charge.key, now,
        )  # fmt: skip
        refill = max(0.0, float(row["idle"])) * charge.per_minute / 60.0
        return float(min(float(charge.per_minute), row["tokens"] + refill))

    async def _store(
        self, conn: asyncpg.Connection, charge: Charge, tokens: float, now: object
    ) -> None:
        await conn.execute(
            "UPDATE rate_buckets SET tokens = $4, updated_at = $5"
            " WHERE wall_id = $1 AND kind = $2 AND key = $3",
            self.wall, charge.kind, charge.key, tokens, now,
        )  # fmt: skip
