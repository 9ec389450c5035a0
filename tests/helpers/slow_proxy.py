"""A TCP relay in front of the real server that lets a phone's upload crawl, as over the air.

The browser hands a whole photo to its socket at once (the kernel's buffers swallow it), so
its own upload events read 100 % while this relay still passes the bytes on at `rate` bytes
per second: the server only gets what has really travelled. The answer to an upload can be
held back `answer_delay_s`, so the page's "checking" moment can be seen.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

CHUNK = 8192
UPLOAD_MARK = b"POST /api/photos"


@dataclass
class SlowProxy:
    upstream_port: int
    rate: float  # bytes per second, client to server
    answer_delay_s: float = 0.0
    port: int = 0
    forwarded: int = 0  # bytes passed on since the last upload request began
    _server: socket.socket = field(default_factory=socket.socket)
    _stop: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _client_to_server(
        self, client: socket.socket, upstream: socket.socket, posting: threading.Event
    ) -> None:
        with suppress(OSError):  # either side hung up: the browser's or the server's business
            while data := client.recv(CHUNK):
                if UPLOAD_MARK in data:
                    self.forwarded = 0
                    posting.set()
                upstream.sendall(data)
                self.forwarded += len(data)
                time.sleep(len(data) / self.rate)
            upstream.shutdown(socket.SHUT_WR)

    def _server_to_client(
        self, upstream: socket.socket, client: socket.socket, posting: threading.Event
    ) -> None:
        with suppress(OSError):
            while data := upstream.recv(CHUNK):
                if posting.is_set():
                    posting.clear()
                    time.sleep(self.answer_delay_s)
                client.sendall(data)
            client.shutdown(socket.SHUT_WR)

    def _relay(self, client: socket.socket) -> None:
        with client, socket.create_connection(("127.0.0.1", self.upstream_port)) as upstream:
            posting = threading.Event()
            pumps = [
                threading.Thread(target=pump, args=(a, b, posting), daemon=True)
                for pump, a, b in (
                    (self._client_to_server, client, upstream),
                    (self._server_to_client, upstream, client),
                )
            ]
            for pump in pumps:
                pump.start()
            for pump in pumps:
                pump.join()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    @contextmanager
    def running(self) -> Iterator[SlowProxy]:
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(32)
        self.port = self._server.getsockname()[1]
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            self._server.close()
            thread.join(timeout=5)
