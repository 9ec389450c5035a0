"""Stop reading an upload body the moment it passes the limit, or falls too far behind.

Pure ASGI (not BaseHTTPMiddleware) so the body still streams: a 2 GB POST costs us at most
`limit` bytes of reading, never 2 GB of disk or memory. A body trickled a byte at a time
would hold a connection and a request slot for hours: each chunk must come within
`BODY_IDLE_S`, and the whole body within `BODY_GRACE_S` plus its size at `BODY_MIN_RATE`
(a phone on a weak 3G link sends a downscaled photo at 20–50 kB/s; 8 kB/s is far below).
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MULTIPART_OVERHEAD = 64 * 1024  # boundaries, headers and the small text fields
BODY_IDLE_S = 20.0  # no byte for this long: the sender is gone or stalling on purpose
BODY_GRACE_S = 30.0
BODY_MIN_RATE = 8 * 1024  # bytes per second, over the whole body


class BodyTooLarge(Exception):
    pass


class BodyTooSlow(Exception):
    """The body stalled, or came slower than any real phone sends one."""


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, limit: int, paths: frozenset[str]) -> None:
        self.app = app
        self.limit = limit + MULTIPART_OVERHEAD
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            scope.setdefault("state", {})["body_too_large"] = True
        received = 0
        loop = asyncio.get_running_loop()
        expected = int(declared) if declared is not None and declared.isdigit() else self.limit
        deadline = loop.time() + BODY_GRACE_S + min(expected, self.limit) / BODY_MIN_RATE

        async def limited_receive() -> Message:
            nonlocal received
            if scope.get("state", {}).get("body_too_large"):
                raise BodyTooLarge()
            wait = min(BODY_IDLE_S, deadline - loop.time())
            try:
                message = await asyncio.wait_for(receive(), timeout=max(wait, 0.001))
            except TimeoutError:
                raise BodyTooSlow() from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge()
            return message

        await self.app(scope, limited_receive, send)
