"""Glimpses on both backends: short-lived values every process of a wall sees (the display's
picture, an upload's bytes received, the photos on screen now), aged on one clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from tests.helpers.postgres import PostgresServer
from tests.helpers.stores import open_backend, run_on
from wall.storage.base import Store


def test_a_glimpse_is_the_last_value_put_while_young_enough(any_store: Store) -> None:
    async def scenario(store: Store) -> None:
        assert await store.glimpses.get("preview", "wall", 5) is None
        await store.glimpses.put("preview", "wall", b"first")
        await store.glimpses.put("preview", "wall", b"second")
        found = await store.glimpses.get("preview", "wall", 5)
        assert found is not None
        assert found.value == b"second"
        assert 0 <= found.age_s < 2
        assert abs((datetime.now(UTC) - found.at).total_seconds()) < 5
        await asyncio.sleep(0.3)
        assert await store.glimpses.get("preview", "wall", 0.2) is None  # too old now
        assert await store.glimpses.get("other-kind", "wall", 5) is None

    run_on(any_store, scenario)


def test_many_keys_at_once(any_store: Store) -> None:
    async def scenario(store: Store) -> None:
        await store.glimpses.put_many("came-on", ["a", "b", "c"], b"")
        await store.glimpses.put_many("came-on", [], b"")
        for key in "abc":
            assert await store.glimpses.get("came-on", key, 5) is not None
        assert await store.glimpses.get("came-on", "d", 5) is None
        everything = await store.glimpses.get_all("came-on", 5)
        assert sorted(everything) == ["a", "b", "c"]
        await asyncio.sleep(0.3)
        await store.glimpses.put("came-on", "e", b"1")
        assert list(await store.glimpses.get_all("came-on", 0.2)) == ["e"]

    run_on(any_store, scenario)


def test_every_process_of_a_wall_sees_them_and_no_other_wall(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    dsn = postgres_server.fresh_database()
    one = open_backend("cluster", tmp_path / "1", postgres_server, "brive", dsn)
    two = open_backend("cluster", tmp_path / "2", postgres_server, "brive", dsn)
    other = open_backend("cluster", tmp_path / "3", postgres_server, "tulle", dsn)

    async def scenario() -> None:
        for store in (one, two, other):
            await store.photos.open()
        try:
            await one.glimpses.put("upload-progress", "k", b"512/1024")
            seen = await two.glimpses.get("upload-progress", "k", 5)
            assert seen is not None and seen.value == b"512/1024"
            assert await other.glimpses.get("upload-progress", "k", 5) is None
        finally:
            for store in (one, two, other):
                await store.photos.close()

    asyncio.run(scenario())
