"""PostgreSQL for a cluster: one asyncpg pool per process, migrations run once under a lock.

Every repository of the cluster backend is bound to one wall (`wall_id`) and says so in every
statement: walls sharing a database share nothing visible. asyncpg rather than psycopg 3: the
repositories are async already, asyncpg speaks the binary protocol with prepared statements
cached per connection, and LISTEN/NOTIFY is a callback on a connection (see bench/RESULTS.md).
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any, TypeVar

import asyncpg

from wall.storage.base import StorageUnavailable

T = TypeVar("T")

POOL_MIN = 1
POOL_MAX = 10  # per process: a cluster of N processes holds at most N × 10 connections
CONNECT_TIMEOUT_S = 5.0
COMMAND_TIMEOUT_S = 30.0
# One number for the whole cluster: every process that starts takes it before migrating, so
# ten processes starting together migrate once, the others wait and find the work done.
MIGRATION_LOCK = 0x5741_4C4C_0001  # "WALL", 1


# What asyncpg raises when the server is gone or going: the caller gets one error to map.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.InterfaceError,
    asyncpg.exceptions.PostgresConnectionError,  # SQLSTATE class 08
    # A connection cut in the middle of a statement can leave asyncpg's protocol in a state it
    # refuses the next one from ("cannot switch to state…"): the connection is gone all the same.
    asyncpg.exceptions.InternalClientError,
)


def channel(wall_id: str) -> str:
    """The wall's NOTIFY channel: a process hears only its own wall's events."""
    return f"wall_events_{wall_id}"


async def notify(conn: asyncpg.Connection, wall_id: str, **payload: Any) -> None:
    """Queues an event in the caller's transaction: delivered at commit, never before, in
    commit order (see `wall.storage.pg_events`)."""
    await conn.execute("SELECT pg_notify($1, $2)", channel(wall_id), json.dumps(payload))


def _migrations() -> list[tuple[int, str]]:
    folder = resources.files("wall.storage") / "pg_migrations"
    found = []
    for entry in folder.iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), entry.read_text(encoding="utf-8")))
    return sorted(found)


async def migrate(conn: asyncpg.Connection) -> int:
    """Applies the migrations newer than the recorded version, each in its own transaction,
    under the cluster-wide migration lock."""
    await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
    try:
        await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        current = await conn.fetchval("SELECT max(version) FROM schema_version") or 0
        for version, script in _migrations():
            if version <= current:
                continue
            async with conn.transaction():
                await conn.execute(script)
                await conn.execute("INSERT INTO schema_version (version) VALUES ($1)", version)
            current = version
        return int(current)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)


async def _init_connection(conn: asyncpg.Connection) -> None:
    """JSON columns arrive as Python values, not text to parse at every call site."""
    for name in ("json", "jsonb"):
        await conn.set_type_codec(name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


class PgDatabase:
    """The process's pool on the cluster's database, and the one wall it serves. Built
    without I/O (the services are built before the event loop runs); `open` connects."""

    def __init__(self, dsn: str, wall_id: str) -> None:
        self.dsn = dsn
        self.wall_id = wall_id
        self._pool: asyncpg.Pool | None = None

    async def open(self) -> None:
        """Connects and migrates (once for the whole cluster); idempotent."""
        if self._pool is not None:
            return
        try:
            pool = await asyncpg.create_pool(
                self.dsn,
                min_size=POOL_MIN,
                max_size=POOL_MAX,
                timeout=CONNECT_TIMEOUT_S,
                command_timeout=COMMAND_TIMEOUT_S,
                server_settings={"application_name": f"wall:{self.wall_id}:{os.getpid()}"},
                init=_init_connection,
            )
            assert pool is not None
            async with pool.acquire() as conn:
                await migrate(conn)
        except CONNECTION_ERRORS as exc:
            raise StorageUnavailable(f"the database cannot be reached: {exc}") from exc
        self._pool = pool

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise StorageUnavailable("the database is not open yet")
        return self._pool

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection; a lost server is `StorageUnavailable`, never a driver error."""
        try:
            async with self.pool.acquire(timeout=CONNECT_TIMEOUT_S) as conn:
                yield conn
        except CONNECTION_ERRORS as exc:
            raise StorageUnavailable(f"the database cannot be reached: {exc}") from exc

    async def read(self, fn: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        async with self.connection() as conn:
            return await fn(conn)

    async def write(self, fn: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        """Runs `fn` in one transaction."""
        async with self.connection() as conn, conn.transaction():
            return await fn(conn)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
