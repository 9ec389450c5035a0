"""uvicorn with systemd's side of `Type=notify`: READY once it listens, STOPPING as it stops,
and watchdog pings from a task on the event loop, so that a blocked loop stops them and
systemd restarts the server instead of leaving a wall that accepts no photo.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket

import uvicorn

from wall.sdnotify import Notifier, watchdog_interval

log = logging.getLogger(__name__)


class SupervisedServer(uvicorn.Server):
    """`uvicorn.Server` telling systemd (when it runs us) what state it is in."""

    def __init__(self, config: uvicorn.Config, notifier: Notifier | None = None) -> None:
        super().__init__(config)
        self._notifier = notifier or Notifier.from_environment()
        self._pings: asyncio.Task[None] | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        # The app's lifespan (database, workers, sources) has run and the socket listens
        # when uvicorn's startup returns: only then is the service ready.
        await super().startup(sockets)
        if not self.started:
            return
        where = f"http://{self.config.host}:{self.config.port}"
        self._notifier.send("READY=1", f"STATUS=serving on {where}")
        interval = watchdog_interval()
        if interval is not None and self._notifier.enabled:
            self._pings = asyncio.create_task(self._ping_forever(interval), name="watchdog")

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self._notifier.send("STOPPING=1", "STATUS=shutting down")
        if self._pings is not None:
            self._pings.cancel()  # TimeoutStopSec, not the watchdog, bounds the shutdown
            with contextlib.suppress(asyncio.CancelledError):
                await self._pings
            self._pings = None
        await super().shutdown(sockets)

    async def _ping_forever(self, interval: float) -> None:
        log.info("systemd watchdog: pinging every %.1f s", interval)
        while True:
            self._notifier.send("WATCHDOG=1")
            await asyncio.sleep(interval)
