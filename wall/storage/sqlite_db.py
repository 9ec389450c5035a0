"""SQLite in WAL mode with one writer thread and versioned migrations.

One owner for writes: every write runs on a single thread holding the only write
connection, so transactions never fight over the lock; readers use their own
connections on a small pool and see the last committed state (WAL).
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

READER_THREADS = 4
BUSY_TIMEOUT_MS = 10_000  # a reader waiting on a checkpoint; far above any real wait


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    # FULL: a committed upload survives a power cut, not only a process kill.
    conn.execute("PRAGMA synchronous = FULL")
    # Deleted content is overwritten with zeros, not left in free pages for a file reader:
    # a contributor's erased caption must not survive in the database file.
    conn.execute("PRAGMA secure_delete = ON")
    return conn


def _migrations() -> list[tuple[int, str]]:
    folder = resources.files("wall.storage") / "migrations"
    found = []
    for entry in folder.iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), entry.read_text(encoding="utf-8")))
    return sorted(found)


def migrate(conn: sqlite3.Connection) -> int:
    """Applies the migrations newer than `PRAGMA user_version`, each in its own transaction."""
    current = int(conn.execute("PRAGMA user_version").fetchone()[0])
    for version, script in _migrations():
        if version <= current:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in script.split(";\n"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        current = version
    return current


class Database:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._writer_pool = ThreadPoolExecutor(1, thread_name_prefix="sqlite-writer")
        self._reader_pool = ThreadPoolExecutor(READER_THREADS, thread_name_prefix="sqlite-reader")
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._writer = _connect(path)
        self._writer.execute("PRAGMA journal_mode = WAL")
        self.schema_version = migrate(self._writer)

    def _reader(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = _connect(self.path)
            conn.execute("PRAGMA query_only = ON")
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    def _in_transaction(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        conn = self._writer
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = fn(conn)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return result

    async def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Runs `fn` in one transaction on the writer thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer_pool, self._in_transaction, fn)

    async def checkpoint(self) -> None:
        """Copies the WAL into the database and empties it (after an erasure: the old pages
        of an erased row must not linger in the -wal file). A reader holding an old snapshot
        can make it partial; the next one finishes the work."""

        def truncate() -> None:
            self._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")

        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._writer_pool, truncate)

    async def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._reader_pool, lambda: fn(self._reader()))

    def close(self) -> None:
        self._writer_pool.shutdown(wait=True)
        self._reader_pool.shutdown(wait=True)
        with self._readers_lock:
            for conn in self._readers:
                conn.close()
        self._writer.close()
