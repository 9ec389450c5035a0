"""`create_app` in the test process: the same wall.toml and data dir as `LiveServer`, the app's
lifespan run on an event loop of its own thread, and clients that speak ASGI to it directly.

An API test pays for building the app, not for booting an interpreter and importing OpenCV in
a child process each time. Tests about a process, a socket or a browser keep `LiveServer`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import httpx
from fastapi import FastAPI

from tests.helpers.server import free_port, server_config, without_safety_check, write_config
from wall.config import load_settings

LIFESPAN_TIMEOUT_S = 30.0
REQUEST_TIMEOUT_S = 30.0  # as `LiveServer.client()`
PEER = ("127.0.0.1", 40000)  # what the app sees as the client, as from a loopback socket
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"  # as `wall` configures it
T = TypeVar("T")


class _Chunks(httpx.AsyncByteStream):
    """A body read in the test's thread, handed to the app in the same pieces."""

    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks:
            yield chunk


class _AppTransport(httpx.BaseTransport):
    """A sync httpx transport that runs each request through the app on the server's loop."""

    def __init__(self, server: AppServer) -> None:
        self._server = server
        # A crash answers 500, as uvicorn would, instead of raising into the test.
        self._asgi = httpx.ASGITransport(app=server.app, client=PEER, raise_app_exceptions=False)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        # Read a sync body (a generator, a file) here, in its pieces; the headers go as they
        # are, so a body without Content-Length still reaches the app as one (chunked).
        assert isinstance(request.stream, httpx.SyncByteStream)
        chunks = list(request.stream)
        stream = _Chunks(chunks)
        inner = httpx.Request(request.method, request.url, headers=request.headers, stream=stream)
        status, headers, content = self._server.call(self._send(inner))
        return httpx.Response(status, headers=headers, stream=httpx.ByteStream(content))

    async def _send(self, request: httpx.Request) -> tuple[int, httpx.Headers, bytes]:
        response = await self._asgi.handle_async_request(request)
        content = await response.aread()
        return response.status_code, response.headers, content


class _Lifespan:
    """Drives the ASGI lifespan protocol, as uvicorn does: startup before the first request,
    shutdown (the services' stop) at the end."""

    def __init__(self, app: FastAPI) -> None:
        self._app = app
        self._to_app: asyncio.Queue[dict[str, str]] = asyncio.Queue()
        self._from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def startup(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
        self._task = asyncio.create_task(self._app(scope, self._to_app.get, self._from_app.put))
        await self._exchange("lifespan.startup")

    async def shutdown(self) -> None:
        await self._exchange("lifespan.shutdown")
        assert self._task is not None
        await self._task

    async def _exchange(self, message: str) -> None:
        await self._to_app.put({"type": message})
        answer = await self._from_app.get()
        if answer["type"] != f"{message}.complete":
            raise RuntimeError(f"{message} failed: {answer.get('message', answer)}")


class AppServer:
    """`create_app` of a test config, started by its lifespan; restartable on the same data dir.

    Same surface as `LiveServer` where a process does not matter: `root`, `data_dir`,
    `config`, `display_token`, `url`, `start()`, `stop()`, `alive()`, `client()`, `log()`.
    `url` is the address the app is asked at (Host, Origin), but nothing listens there: a test
    that needs a socket uses `LiveServer`. `log()` holds the test process's log records at INFO
    while the app ran, as `wall serve` writes them (uvicorn's access log aside).
    """

    def __init__(self, root: Path, **sections: Any) -> None:
        self.root = root
        self.data_dir = root / "data"
        self.port = free_port()  # only named in the settings and the Host header, as before
        config = server_config(root, without_safety_check(sections))
        self.config = write_config(root / "wall.toml", config)
        self.display_token = config["wall"]["display_token"]
        self.url = f"http://127.0.0.1:{self.port}"
        self.app: FastAPI | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lifespan: _Lifespan | None = None
        self.log_path = root / "server.log"
        self._log_handler: logging.Handler | None = None
        self._root_level = logging.WARNING

    def start(self) -> AppServer:
        from app.server import create_app  # here, not at import: conftest loads this module

        # The settings `wall serve --host 127.0.0.1 --port N` would load.
        settings = load_settings(self.config, server={"host": "127.0.0.1", "port": self.port})
        self._start_log()
        self.app = create_app(settings)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._lifespan = _Lifespan(self.app)
        try:
            self.call(self._lifespan.startup(), LIFESPAN_TIMEOUT_S)
        except BaseException:
            self._close_loop()  # a failed start leaves no thread or log handler behind
            raise
        return self

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float = REQUEST_TIMEOUT_S) -> T:
        """Runs `coroutine` on the app's loop and waits for its result."""
        assert self._loop is not None, "server not started"
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def _start_log(self) -> None:
        """INFO and up into `server.log`, as `wall`'s own `logging.basicConfig` would."""
        self._log_handler = logging.FileHandler(self.log_path, encoding="utf-8")
        self._log_handler.setFormatter(logging.Formatter(LOG_FORMAT))
        root = logging.getLogger()
        self._root_level = root.level
        root.setLevel(min(root.level, logging.INFO) or logging.INFO)
        root.addHandler(self._log_handler)

    def _stop_log(self) -> None:
        if self._log_handler is not None:
            root = logging.getLogger()
            root.removeHandler(self._log_handler)
            root.setLevel(self._root_level)
            self._log_handler.close()
            self._log_handler = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def client(self, **kwargs: Any) -> httpx.Client:
        assert self.app is not None, "server not started"
        return httpx.Client(
            base_url=self.url,
            timeout=REQUEST_TIMEOUT_S,
            transport=_AppTransport(self),
            **kwargs,
        )

    def stop(self) -> None:
        """The services' stop (lifespan shutdown), then the loop: what SIGTERM does to uvicorn."""
        if not self.alive():
            return
        assert self._loop is not None and self._lifespan is not None
        try:
            self.call(self._lifespan.shutdown(), LIFESPAN_TIMEOUT_S)
        finally:
            self._close_loop()

    def _close_loop(self) -> None:
        assert self._loop is not None and self._thread is not None
        try:
            self.call(_cancel_the_rest(), LIFESPAN_TIMEOUT_S)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(LIFESPAN_TIMEOUT_S)
            self._loop.close()
            self._thread = None
            self._stop_log()


async def _cancel_the_rest() -> None:
    """Tasks the app left behind (none should be) end with the loop, not after it."""
    current = asyncio.current_task()
    others = [task for task in asyncio.all_tasks() if task is not current]
    for task in others:
        task.cancel()
    await asyncio.gather(*others, return_exceptions=True)
