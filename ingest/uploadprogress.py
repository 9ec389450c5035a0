"""How many bytes of each upload in flight the server has actually received.

A browser's upload progress counts what it has handed to the network stack: on a phone the
socket buffers swallow a whole downscaled photo at once, so the page's bar used to read
100 % while the bytes were still crawling over the air. The page asks here instead. Entries
are keyed by the upload's X-Progress-Key (one per try) bound to its device (only that device
can read them), kept a while after the last byte (the answer may still be on its way), and
bounded in number.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import Message, Receive

MAX_TRACKED_UPLOADS = 4096  # far more than uploads in flight at once; oldest forgotten first
KEEP_S = 120.0  # an upload is forgotten this long after its last byte


@dataclass
class Received:
    received: int
    total: int  # the Content-Length the browser announced; 0 when it did not
    updated: float


class UploadProgress:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._uploads: OrderedDict[str, Received] = OrderedDict()

    def _forget_old(self) -> None:
        horizon = self._clock() - KEEP_S
        while self._uploads and (
            len(self._uploads) > MAX_TRACKED_UPLOADS
            or next(iter(self._uploads.values())).updated < horizon
        ):
            self._uploads.popitem(last=False)

    def _touch(self, key: str, received: int, total: int) -> None:
        self._uploads.pop(key, None)
        self._uploads[key] = Received(received, total, self._clock())
        self._forget_old()

    def get(self, key: str) -> Received | None:
        self._forget_old()
        return self._uploads.get(key)

    def counting(self, key: str, total: int, receive: Receive) -> Receive:
        """`receive`, counting the body's bytes into `key` as they arrive."""
        self._touch(key, 0, total)

        async def counted() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                entry = self._uploads.get(key)
                before = entry.received if entry else 0
                self._touch(key, before + len(message.get("body", b"")), total)
            return message

        return counted
