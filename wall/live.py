"""Live feeds: one subscriber to the event bus per feed, fanned out to WebSocket clients.

Each event is translated into typed messages (`wall.wire`) and encoded once, then offered to
every client's bounded queue (`wall.fanout`, the same drop-and-resync as the bus's): a client
that cannot keep up is sent `resync` (reload a snapshot) instead of stalling the feed or
growing without bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence

from pydantic import BaseModel
from starlette.websockets import WebSocket, WebSocketDisconnect

from wall.events import Event, EventBus, Subscription
from wall.fanout import DropToResync
from wall.storage.base import StorageError
from wall.wire import ResyncMessage, encode

log = logging.getLogger(__name__)

CLIENT_QUEUE_LIMIT = 512
RESYNC = encode(ResyncMessage())

# A feed's messages are `wall.wire` models (display or moderation): typed on both sides.
Translator = Callable[[Event], Awaitable[Sequence[BaseModel]]]
Greeting = Callable[[], Awaitable[Sequence[BaseModel]]]


class LiveClient(DropToResync[str]):
    """One socket's bounded queue of encoded frames; overflow becomes one `resync` frame."""

    def __init__(self, limit: int = CLIENT_QUEUE_LIMIT) -> None:
        super().__init__(limit, lambda: RESYNC)


class LiveFeed:
    def __init__(self, name: str, bus: EventBus, translate: Translator) -> None:
        self.name = name
        self._bus = bus
        self._translate = translate
        self.clients: set[LiveClient] = set()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        subscription = self._bus.subscribe()
        self._task = asyncio.create_task(self._pump(subscription), name=f"feed-{self.name}")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _pump(self, subscription: Subscription) -> None:
        try:
            async for event in subscription:
                try:
                    messages = await self._translate(event)
                except StorageError as exc:
                    # The store is away (a cluster's database restarting): the clients missed
                    # this event, so they reload a snapshot, which waits for the store.
                    log.warning(
                        "feed %s: %s missed (%s); clients resync", self.name, event.name, exc
                    )
                    for client in list(self.clients):
                        client.offer_resync()
                    continue
                except Exception:  # one bad event must not end the feed
                    log.exception("feed %s could not translate %s", self.name, event.name)
                    continue
                for message in messages:
                    self.broadcast(encode(message))
        finally:
            subscription.close()

    def broadcast(self, text: str) -> None:
        for client in list(self.clients):
            client.offer(text)

    async def serve(self, websocket: WebSocket, greeting: Greeting) -> None:
        """Runs one accepted socket: greeting (a snapshot) first, then the feed, until it closes."""
        client = LiveClient()
        self.clients.add(client)  # before the snapshot is read: no event falls between
        try:
            for message in await greeting():
                await websocket.send_text(encode(message))
            sender = asyncio.create_task(_send_from(client, websocket))
            receiver = asyncio.create_task(_drain(websocket))
            done, pending = await asyncio.wait(
                {sender, receiver}, return_when=asyncio.FIRST_COMPLETED
            )
            for task in pending:
                task.cancel()
            for task in done:
                task.exception()
        except (WebSocketDisconnect, RuntimeError, OSError):
            pass
        finally:
            self.clients.discard(client)


async def _send_from(client: LiveClient, websocket: WebSocket) -> None:
    while True:
        await websocket.send_text(await client.get())


async def _drain(websocket: WebSocket) -> None:
    """Reads until the peer closes; clients send nothing we act on."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
