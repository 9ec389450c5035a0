"""Upload allowances on both backends: a phone's bucket and its address's ceiling, spent
together or not at all; on a cluster, shared by every process of the wall."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.helpers.postgres import PostgresServer
from tests.helpers.stores import open_backend, run_on
from wall.storage.base import Charge, Store


def test_a_bucket_allows_its_burst_then_says_how_long_to_wait(any_store: Store) -> None:
    async def scenario(store: Store) -> None:
        phone = [Charge("device", "phone-a", 3)]
        assert [await store.limits.spend_all(phone) for _ in range(3)] == [0.0, 0.0, 0.0]
        wait = await store.limits.spend_all(phone)
        assert 19.0 < wait <= 20.0  # one token every 20 s at 3 a minute
        assert await store.limits.spend_all([Charge("device", "phone-b", 3)]) == 0.0

    run_on(any_store, scenario)


def test_a_refused_phone_spends_nothing_of_its_address(any_store: Store) -> None:
    async def scenario(store: Store) -> None:
        ceiling = Charge("address", "10.0.0.1", 4)
        greedy = Charge("device", "greedy", 1)
        assert await store.limits.spend_all([greedy, ceiling]) == 0.0
        for _ in range(5):  # refused by its own limit: the address keeps its tokens
            assert await store.limits.spend_all([greedy, ceiling]) > 0
        others = [Charge("device", f"phone-{i}", 1) for i in range(3)]
        assert [await store.limits.spend_all([p, ceiling]) for p in others] == [0.0] * 3
        assert await store.limits.spend_all([Charge("device", "late", 1), ceiling]) > 0

    run_on(any_store, scenario)


def test_processes_of_one_wall_share_the_buckets_and_walls_do_not(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    dsn = postgres_server.fresh_database()
    processes = [
        open_backend("cluster", tmp_path / f"p{i}", postgres_server, "brive", dsn) for i in range(3)
    ]
    other_wall = open_backend("cluster", tmp_path / "t", postgres_server, "tulle", dsn)

    async def scenario() -> None:
        for store in (*processes, other_wall):
            await store.photos.open()
        try:
            phone = [Charge("device", "phone-a", 5)]
            waits = await asyncio.gather(
                *(processes[i % 3].limits.spend_all(phone) for i in range(12))
            )
            assert sum(wait == 0.0 for wait in waits) == 5  # not 5 per process
            assert await other_wall.limits.spend_all(phone) == 0.0
        finally:
            for store in (*processes, other_wall):
                await store.photos.close()

    asyncio.run(scenario())
