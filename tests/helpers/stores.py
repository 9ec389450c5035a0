"""Both storage backends behind one fixture: the contract suites run every test on the
embedded store (SQLite + files) and on the cluster's (PostgreSQL, a real server)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest

from tests.helpers.postgres import PostgresServer
from wall.config import StorageSection
from wall.storage import open_embedded_store, open_store
from wall.storage.base import Store

BACKENDS = ("embedded", "cluster")
T = TypeVar("T")


def open_backend(
    backend: str,
    data_dir: Path,
    postgres: PostgresServer | None,
    wall_id: str = "main",
    dsn: str | None = None,
) -> Store:
    """A store of `backend`, built (not opened): `await store.photos.open()` connects."""
    if backend == "embedded":
        return open_embedded_store(data_dir)
    assert postgres is not None
    storage = StorageSection(database=dsn or postgres.fresh_database())
    return open_store(storage, wall_id, data_dir)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def run_on(store: Store, scenario: Callable[[Store], Awaitable[T]]) -> T:
    """Opens the store, runs the scenario and closes the store on one event loop (an
    asyncpg pool belongs to the loop that made it)."""

    async def whole() -> T:
        await store.photos.open()
        try:
            return await scenario(store)
        finally:
            await store.photos.close()  # the repositories share one database

    return asyncio.run(whole())


@pytest.fixture
def any_store(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """A built store of the test's backend, each test with its own database: run the test's
    scenario with `run_on`."""
    postgres = request.getfixturevalue("postgres_server") if backend == "cluster" else None
    return open_backend(backend, tmp_path / "data", postgres)
