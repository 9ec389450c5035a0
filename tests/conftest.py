"""Fixtures: every test gets its own data dir and, when it asks, its own real server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.server import LiveServer

# Hostile images from Pillow's own tests (licence inside): the project carries them, a clone
# alone runs every test.
CORPUS_DIR = Path(__file__).resolve().parent / "corpus" / "pillow-tests"
SAMPLES_DIR = Path(__file__).resolve().parents[1] / "wall" / "samples"


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    """Builds and starts servers with extra config sections; all are stopped afterwards."""
    started: list[LiveServer] = []

    def factory(**sections: dict[str, Any]) -> LiveServer:
        root = tmp_path / f"server{len(started)}"
        root.mkdir()
        server = LiveServer(root, **sections).start()
        started.append(server)
        return server

    yield factory
    for server in started:
        server.stop()


@pytest.fixture
def live_server(make_server: Callable[..., LiveServer]) -> LiveServer:
    return make_server()
