"""Fixtures: every test gets its own data dir and, when it asks, its own server: the app in
the test process (`app_server`) for API tests, a real `wall serve` process (`live_server`) for
tests about a process, a socket or a browser."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.app_server import AppServer
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


@pytest.fixture
def make_app_server(tmp_path: Path) -> Iterator[Callable[..., AppServer]]:
    """As `make_server`, with the app run in the test process: no interpreter to boot."""
    started: list[AppServer] = []

    def factory(**sections: dict[str, Any]) -> AppServer:
        root = tmp_path / f"app{len(started)}"
        root.mkdir()
        server = AppServer(root, **sections).start()
        started.append(server)
        return server

    yield factory
    for server in started:
        server.stop()


@pytest.fixture
def app_server(make_app_server: Callable[..., AppServer]) -> AppServer:
    return make_app_server()
