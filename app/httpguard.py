"""The HTTP protocol `wall serve` speaks: uvicorn's httptools one, with a deadline for the
request's headers.

uvicorn times out an idle kept-alive connection, but not one that opens and then sends its
headers a byte every few seconds (slowloris): hundreds of those hold file descriptors and
request slots forever. Here a connection whose request line and headers are not complete
within `HEADER_TIMEOUT_S` of their first byte (or of the connection) is closed.
"""

from __future__ import annotations

import asyncio
from asyncio import TimerHandle

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HEADER_TIMEOUT_S = 10.0  # a phone on a poor link sends its headers in well under a second


class HeaderDeadlineProtocol(HttpToolsProtocol):
    _header_timer: TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_header_clock()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._start_header_clock()

    def on_headers_complete(self) -> None:
        self._stop_header_clock()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_header_clock()
        super().connection_lost(exc)

    def _start_header_clock(self) -> None:
        self._stop_header_clock()
        self._header_timer = self.loop.call_later(HEADER_TIMEOUT_S, self._headers_too_slow)

    def _stop_header_clock(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.close()
