"""The real server on a loopback socket, run in a thread of the test process.

The same `create_app`, the same uvicorn configuration as `wall serve` (app.listening), the
same data-dir lock, a real port that browsers and raw sockets reach. What it saves is a child
interpreter: importing the app and OpenCV again cost ~2.4 s of CPU per start, 130 starts a
run. Tests about a process itself (a kill, a signal, its memory, a second process on the same
data) keep `LiveServer`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Any

import httpx
import uvicorn

from tests.helpers import http
from tests.helpers.app_server import AppServer
from tests.helpers.server import free_port
from wall.config import load_settings
from wall.datadir import DataDirLock
from wall.logs import install_redaction

START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 30.0
UVICORN_LOGGERS = ("uvicorn", "uvicorn.access")  # they do not propagate to the root
BIND_ATTEMPTS = 3


class PortTaken(Exception):
    """uvicorn could not bind the chosen port: something took it since `free_port()`."""


def _not_the_tests_thread(record: logging.LogRecord) -> bool:
    """The server's log holds what its threads said, not the test's own client (whose httpx
    logs each URL it asks, receipt tokens included)."""
    return record.threadName != threading.main_thread().name


class SocketServer(AppServer):
    """`LiveServer`'s surface (`url`, `port`, `client()`, `start()`, `stop()`, `alive()`,
    `log()`), with uvicorn serving in a thread instead of a child process."""

    def __init__(self, root: Any, **sections: Any) -> None:
        super().__init__(root, **sections)
        self._server: uvicorn.Server | None = None
        self._lock: DataDirLock | None = None
        self._failure: BaseException | None = None
        self._started_once = False

    def start(self) -> SocketServer:
        """Starts on `port`. Before its first start, a port another process took meanwhile (a
        client's ephemeral port, another worker's server) is given up for a fresh one: once
        started, a restart keeps its address, as a real server's would."""
        for attempt in range(BIND_ATTEMPTS):
            try:
                return self._start_once()
            except PortTaken:
                if self._started_once or attempt == BIND_ATTEMPTS - 1:
                    raise
                self.port = free_port()
                self.url = f"http://127.0.0.1:{self.port}"
        raise AssertionError("unreachable")

    def _start_once(self) -> SocketServer:
        from app.listening import uvicorn_config
        from app.server import create_app

        settings = load_settings(self.config, server={"host": "127.0.0.1", "port": self.port})
        if not settings.storage.database:
            self._lock = DataDirLock(settings.wall.data_dir).acquire()
        self._start_log()
        self.app = create_app(settings)
        self._server = uvicorn.Server(uvicorn_config(self.app, settings))
        self._log_uvicorn()
        self._failure = None
        self._thread = threading.Thread(target=self._serve, name="wall-serve", daemon=True)
        self._thread.start()
        self._wait_started()
        self._started_once = True
        install_redaction()
        return self

    def _serve(self) -> None:
        assert self._server is not None
        try:
            asyncio.run(self._server.serve())
        except BaseException as exc:  # noqa: BLE001 - reported by start() or stop()
            self._failure = exc

    def _wait_started(self) -> None:
        assert self._server is not None and self._thread is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                log = self.log()
                self.stop()
                if "address already in use" in log:
                    raise PortTaken(self.port)
                raise RuntimeError(f"server did not start ({self._failure!r}):\n{log}")
            time.sleep(0.02)

    def _start_log(self) -> None:
        super()._start_log()
        assert self._log_handler is not None
        self._log_handler.addFilter(_not_the_tests_thread)

    def _log_uvicorn(self) -> None:
        """uvicorn's loggers, once its configuration has set them up (which drops handlers)."""
        assert self._log_handler is not None
        for name in UVICORN_LOGGERS:
            logging.getLogger(name).addHandler(self._log_handler)

    def _stop_log(self) -> None:
        if self._log_handler is not None:
            for name in UVICORN_LOGGERS:
                logging.getLogger(name).removeHandler(self._log_handler)
        super()._stop_log()

    def client(self, **kwargs: Any) -> httpx.Client:
        return http.client(self.url, timeout=30.0, **kwargs)

    def stop(self) -> None:
        """What SIGTERM does to `wall serve`: uvicorn's graceful exit, lifespan shutdown."""
        thread, server = self._thread, self._server
        if thread is not None and server is not None:
            server.should_exit = True
            thread.join(STOP_TIMEOUT_S)
            if thread.is_alive():
                server.force_exit = True
                thread.join(STOP_TIMEOUT_S)
        self._thread = None
        self._server = None
        self._stop_log()
        if self._lock is not None:
            self._lock.release()
            self._lock = None
