"""A throw-away PostgreSQL server for the tests: Debian's own binaries, a cluster in a temp
folder, TCP on a free loopback port, `fsync=off` (tests only: nothing here must survive a
power cut). Each test gets a fresh database copied from a migrated template (~0.1 s).

`initdb` refuses to run as root: as root, the server runs as the `postgres` user.
"""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import pytest

from wall.storage.pg_db import PgDatabase

START_TIMEOUT_S = 30.0
TEMPLATE = "wall_template"


def _bindir() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if candidates:
        return Path(candidates[0]).parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="wall-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self._as_postgres = os.geteuid() == 0
        self._counter = 0

    def _run(self, *args: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self._as_postgres else []
        subprocess.run([*prefix, *args], check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        if self._as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(
            str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres",
            "-A", "trust", "-E", "UTF8", "--no-sync",
        )  # fmt: skip
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} -c fsync=off"
            " -c synchronous_commit=off -c full_page_writes=off"
            f" -c unix_socket_directories={self.root} -c max_connections=300"
        )
        self._run(
            str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", options,
            "-l", str(self.root / "log"), "-w", "-t", str(int(START_TIMEOUT_S)), "start",
        )  # fmt: skip

    def restart(self) -> None:
        """A real restart (fast shutdown, start): connections drop, data stays. The log goes
        to the file again (else the new server holds `_run`'s output pipe open: a hang)."""
        self._run(
            str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"),
            "-m", "fast", "-w", "-t", str(int(START_TIMEOUT_S)), "restart",
        )  # fmt: skip

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _admin(self, sql: str) -> None:
        async def run() -> None:
            conn = await asyncpg.connect(self.dsn(), timeout=10)
            try:
                await conn.execute(sql)
            finally:
                await conn.close()

        asyncio.run(run())

    def prepare_template(self) -> None:
        """A database with the schema migrated once: every test's database copies it."""
        self._admin(f"CREATE DATABASE {TEMPLATE}")

        async def migrate() -> None:
            db = PgDatabase(self.dsn(TEMPLATE), "template")
            await db.open()
            await db.close()

        asyncio.run(migrate())

    def fresh_database(self) -> str:
        self._counter += 1
        name = f"t{os.getpid()}_{self._counter}"
        self._admin(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return self.dsn(name)


@contextmanager
def started_postgres() -> Iterator[PostgresServer]:
    """A throw-away server with its migrated template, stopped and removed on leaving."""
    bindir = _bindir()
    if bindir is None:
        pytest.fail("PostgreSQL's server is not installed (apt install postgresql; .ci/run does)")
    server = PostgresServer(bindir)
    server.start()
    try:
        server.prepare_template()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    with started_postgres() as server:
        yield server
