"""One leader per wall for the jobs that must run once (pollers, webcams, folders, retention,
projectors): a session-level advisory lock held on a connection of its own.

The lock lives as long as the leader's connection: a leader killed outright (SIGKILL, power
cut) drops its socket, PostgreSQL releases the lock, and a follower that asks every
`CLAIM_EVERY_S` takes over. A leader that loses its connection stops its jobs at once: it
can no longer know that nobody else has taken them.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable

import asyncpg

from wall.storage.pg_db import CONNECTION_ERRORS, PgDatabase

log = logging.getLogger(__name__)

CLAIM_EVERY_S = 1.0  # a follower's patience: the takeover delay after a leader dies
CHECK_EVERY_S = 2.0  # how often a leader makes sure its connection (and lock) still holds


def lock_key(wall_id: str, job: str) -> int:
    """A signed 64-bit key per wall and job, the same in every process."""
    digest = hashlib.sha256(f"wall-leader\0{wall_id}\0{job}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PgLeadership:
    """Runs `on_gain` when this process becomes the wall's leader for `job`, `on_loss` when
    it stops being one; `is_leader` says which it is now."""

    def __init__(self, db: PgDatabase, job: str) -> None:
        self.db = db
        self.job = job
        self.key = lock_key(db.wall_id, job)
        self.is_leader = False
        self._task: asyncio.Task[None] | None = None

    def start(
        self, on_gain: Callable[[], Awaitable[None]], on_loss: Callable[[], Awaitable[None]]
    ) -> None:
        self._task = asyncio.create_task(self._run(on_gain, on_loss), name=f"leader:{self.job}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(
        self, on_gain: Callable[[], Awaitable[None]], on_loss: Callable[[], Awaitable[None]]
    ) -> None:
        while True:
            try:
                conn = await asyncpg.connect(self.db.dsn, timeout=5)
            except CONNECTION_ERRORS as exc:
                log.warning("leader %s: database unreachable (%s)", self.job, exc)
                await asyncio.sleep(CLAIM_EVERY_S)
                continue
            try:
                await self._claim_and_hold(conn, on_gain)
            except (*CONNECTION_ERRORS, asyncpg.PostgresError) as exc:
                log.warning("leader %s: connection lost (%s)", self.job, exc)
            finally:
                if self.is_leader:
                    self.is_leader = False
                    log.warning("leader %s: no longer the wall's leader; jobs stopped", self.job)
                    await asyncio.shield(on_loss())
                if not conn.is_closed():
                    conn.terminate()
            await asyncio.sleep(CLAIM_EVERY_S)

    async def _claim_and_hold(
        self, conn: asyncpg.Connection, on_gain: Callable[[], Awaitable[None]]
    ) -> None:
        while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", self.key):
            await asyncio.sleep(CLAIM_EVERY_S)
        self.is_leader = True
        log.info("leader %s: this process runs the wall's jobs", self.job)
        await on_gain()
        while True:
            await asyncio.sleep(CHECK_EVERY_S)
            await conn.fetchval("SELECT 1", timeout=CHECK_EVERY_S)
