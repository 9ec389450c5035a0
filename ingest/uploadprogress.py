"""How many bytes of each upload in flight the server has actually received.

A browser's upload progress counts what it has handed to the network stack: on a phone the
socket buffers swallow a whole downscaled photo at once, so the page's bar used to read
100 % while the bytes were still crawling over the air. The page asks here instead. Entries
are keyed by the upload's X-Progress-Key (one per try) bound to its device (only that device
can read them) and kept a while after the last byte (the answer may still be on its way).

They live in the store's glimpses: behind a load balancer the page's question may reach
another process than the upload. Writes are spaced (`WRITE_EVERY_S`), the first and the last
byte always written, so a slow phone's upload costs a few small writes, not one per chunk.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import Message, Receive

from wall.storage.base import GlimpseStore

KEEP_S = 120.0  # an upload is forgotten this long after its last byte
WRITE_EVERY_S = 0.25  # the page asks about twice a second
KIND = "upload-progress"


@dataclass(frozen=True, slots=True)
class Received:
    received: int
    total: int  # the Content-Length the browser announced; 0 when it did not


class UploadProgress:
    def __init__(self, glimpses: GlimpseStore, clock: Callable[[], float] = time.monotonic):
        self._glimpses = glimpses
        self._clock = clock

    async def get(self, key: str) -> Received | None:
        found = await self._glimpses.get(KIND, key, KEEP_S)
        if found is None:
            return None
        received, _, total = found.value.decode().partition("/")
        return Received(int(received), int(total))

    async def _write(self, key: str, received: int, total: int) -> None:
        await self._glimpses.put(KIND, key, f"{received}/{total}".encode())

    async def counting(self, key: str, total: int, receive: Receive) -> Receive:
        """`receive`, counting the body's bytes into `key` as they arrive."""
        await self._write(key, 0, total)
        received = 0
        written_at = self._clock()

        async def counted() -> Message:
            nonlocal received, written_at
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                last = not message.get("more_body", False)
                if last or self._clock() - written_at >= WRITE_EVERY_S:
                    written_at = self._clock()
                    await self._write(key, received, total)
            return message

        return counted
