"""Fixtures: every test gets its own data dir and, when it asks, its own server: the app in
the test process (`app_server`) for API tests, the real server on a loopback socket
(`live_server`, in a thread) for sockets and browsers, a `wall serve` process
(`process_server`) for tests about a process."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol, TypeVar

import pytest
from playwright.sync_api import Browser

from tests.helpers.app_server import AppServer
from tests.helpers.browser import launch_chromium
from tests.helpers.server import LiveServer
from tests.helpers.socket_server import SocketServer

# Fixtures of the real services a cluster runs on, started only by the tests that ask.
pytest_plugins = ["tests.helpers.postgres", "tests.helpers.seaweed", "tests.helpers.stores"]

# Hostile images from Pillow's own tests (licence inside): the project carries them, a clone
# alone runs every test.
CORPUS_DIR = Path(__file__).resolve().parent / "corpus" / "pillow-tests"
SAMPLES_DIR = Path(__file__).resolve().parents[1] / "wall" / "samples"


def pytest_collection_finish() -> None:
    """What the imports and the collection made lives for the whole run: frozen out of the
    collector's reach, each later full collection (the display tests' `sdl` fixture, pytest's
    own at the end) walks only what the tests made: ~33 s of CPU a run before."""
    gc.collect()
    gc.freeze()


class _Startable(Protocol):
    def start(self) -> Any: ...

    def stop(self) -> None: ...


Server = TypeVar("Server", bound=_Startable)


@contextmanager
def _servers(
    kind: Callable[..., Server], root: Path, prefix: str
) -> Iterator[Callable[..., Server]]:
    """A factory of started servers with extra config sections; all stopped on leaving."""
    started: list[Server] = []

    def factory(**sections: dict[str, Any]) -> Server:
        folder = root / f"{prefix}{len(started)}"
        folder.mkdir()
        server = kind(folder, **sections)
        server.start()
        started.append(server)
        return server

    try:
        yield factory
    finally:
        for server in started:
            server.stop()


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Callable[..., SocketServer]]:
    """The real server listening on loopback, in a thread of the test process."""
    with _servers(SocketServer, tmp_path, "server") as factory:
        yield factory


@pytest.fixture
def live_server(make_server: Callable[..., SocketServer]) -> SocketServer:
    return make_server()


@pytest.fixture
def make_process_server(tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    """Real `wall serve` processes: for the tests about a process (a kill, its memory)."""
    with _servers(LiveServer, tmp_path, "process") as factory:
        yield factory


@pytest.fixture
def process_server(make_process_server: Callable[..., LiveServer]) -> LiveServer:
    return make_process_server()


@pytest.fixture
def make_app_server(tmp_path: Path) -> Iterator[Callable[..., AppServer]]:
    """As `make_server`, with the app run in the test process: no interpreter to boot."""
    with _servers(AppServer, tmp_path, "app") as factory:
        yield factory


@pytest.fixture
def app_server(make_app_server: Callable[..., AppServer]) -> AppServer:
    return make_app_server()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium per test module of the browser tests."""
    with launch_chromium() as chromium:
        yield chromium
