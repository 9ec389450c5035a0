"""The real `SourceSupervisor` on a real store: a failing source never stops another."""

from __future__ import annotations

import asyncio
import time
from itertools import pairwise
from pathlib import Path

import pytest

from app.services import Services
from ingest.service import Submission
from ingest.sources import supervisor
from ingest.sources.base import SourceContext
from ingest.sources.supervisor import SourceSupervisor
from tests.conftest import SAMPLES_DIR
from tests.helpers.server import write_config
from wall.config import load_settings

FIRST_RETRY_S = 0.2  # the real first delay (2 s) scaled down: the same doubling, sooner


class UnpluggedCamera:
    """Fails at once on every start, as a camera whose cable is out."""

    name = "gate-cam"
    kind = "test"

    def __init__(self) -> None:
        self.starts: list[float] = []

    async def run(self, context: SourceContext) -> None:  # noqa: ARG002 (the Source protocol)
        self.starts.append(time.monotonic())
        raise RuntimeError("camera unplugged")


class SteadyFeed:
    """Imports one real photo, then keeps reporting success, as a healthy poller does."""

    name = "steady"
    kind = "test"

    def __init__(self) -> None:
        self.rounds = 0

    async def run(self, context: SourceContext) -> None:
        data = (SAMPLES_DIR / "coffee.jpg").read_bytes()
        await context.ingest(lambda: data, Submission(source=self.name, source_ref="steady:1"))
        while True:
            self.rounds += 1
            context.health.succeeded()
            await asyncio.sleep(0.05)


async def _wait_for_starts(camera: UnpluggedCamera, count: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while len(camera.starts) < count:
        assert time.monotonic() < deadline, f"only {len(camera.starts)} starts"
        await asyncio.sleep(0.02)


async def _supervise(services: Services) -> None:
    watcher = SourceSupervisor(services.ingest, services.store.sources)
    camera, feed = UnpluggedCamera(), SteadyFeed()
    watcher.start([camera, feed])
    try:
        await _wait_for_starts(camera, 4)
        health = watcher.health["gate-cam"]
        assert health.state == "retrying"
        assert health.last_error == "RuntimeError: camera unplugged"
        assert health.last_error_code == "crashed"  # "see the server log", in their language
        assert health.last_error_at is not None
        gaps = [later - earlier for earlier, later in pairwise(camera.starts)]
        # No hot loop, and the wait doubles with each failure in a row: each gap is at least
        # its doubled delay less the jitter (a loaded machine may only make a gap longer).
        for failures, gap in enumerate(gaps[:3]):
            floor = FIRST_RETRY_S * 2**failures * (1 - supervisor.JITTER) - 0.01
            assert gap >= floor, (failures, gaps)
        rounds_before = feed.rounds
        await asyncio.sleep(0.3)
        assert feed.rounds > rounds_before  # the other source kept running all along
        steady = watcher.health["steady"]
        assert (steady.state, steady.imported, steady.last_error) == ("ok", 1, "")
        assert steady.last_success is not None
    finally:
        await watcher.stop()
    assert {h.state for h in watcher.health.values()} == {"stopped"}
    photos = await services.store.photos.list(None, limit=10, source="steady")
    assert photos.total == 1


def test_a_failing_source_backs_off_while_another_keeps_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(supervisor, "FIRST_RETRY_S", FIRST_RETRY_S)
    config = write_config(
        tmp_path / "wall.toml",
        {"wall": {"data_dir": str(tmp_path / "data")}, "ingest": {"detect_faces": False}},
    )
    services = Services.build(load_settings(config))

    async def scenario() -> None:
        await services.start()
        try:
            await _supervise(services)
        finally:
            await services.stop()

    asyncio.run(scenario())
