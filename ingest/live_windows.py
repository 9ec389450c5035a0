"""The live windows' latest frames, between the cameras that blur them and the displays.

A camera with `live = true` publishes each frame here once its faces are blurred and it is
encoded (`ingest.sources.webcam`); `/api/wall/live/<name>` waits here for the next one. Only
the newest frame of each window is kept, in memory: nothing of a live window is ever
written, and a slow display skips frames instead of queueing them. Everything runs on the
server's event loop (the camera's thread hands frames over with `call_soon_threadsafe`).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LiveFrame:
    jpeg: bytes  # blurred: nothing unblurred ever reaches a channel
    seq: int
    at: float  # time.monotonic() when published


class LiveChannel:
    """One window: its newest frame, and the waiters for the next."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.latest: LiveFrame | None = None
        self._arrived = asyncio.Event()

    def publish(self, jpeg: bytes) -> None:
        seq = self.latest.seq + 1 if self.latest else 1
        self.latest = LiveFrame(jpeg, seq, time.monotonic())
        arrived, self._arrived = self._arrived, asyncio.Event()
        arrived.set()

    async def after(self, seq: int, timeout: float) -> LiveFrame | None:
        """The first frame newer than `seq`, or None if none came within `timeout`."""
        latest = self.latest
        if latest is not None and latest.seq > seq:
            return latest
        try:
            await asyncio.wait_for(self._arrived.wait(), timeout)
        except TimeoutError:
            return None
        return self.latest


class LiveHub:
    """The windows this process captures (all of them on the wall's leader, none elsewhere)."""

    def __init__(self) -> None:
        self._channels: dict[str, LiveChannel] = {}

    def channel(self, name: str) -> LiveChannel:
        """The camera's channel, made on its first frame."""
        if name not in self._channels:
            self._channels[name] = LiveChannel(name)
        return self._channels[name]

    def get(self, name: str) -> LiveChannel | None:
        return self._channels.get(name)

    def close(self, name: str) -> None:
        """The camera stopped: the window has no frame until it starts again."""
        self._channels.pop(name, None)
