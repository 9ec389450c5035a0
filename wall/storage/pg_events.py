"""Photo events across the processes of one wall: PostgreSQL NOTIFY, sent in the transaction
of the change (so a change and its event commit together, in commit order), and one relay per
process that LISTENs and publishes what it hears on the process's own bus.

Announcements' changes travel the same way (`announcements.changed`, read as a whole list).
The notification carries ids, never a caption or a contributor: the relay reads the photo
as committed (one indexed query), so nothing personal passes through the server's channel.
A relay that loses its connection reconnects and tells every subscriber to resynchronise:
what it may have missed is then read from the database, not lost.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import asyncpg

from wall.domain import PhotoStatus
from wall.events import (
    AnnouncementsChanged,
    Event,
    EventBus,
    PhotoChanged,
    PhotoCreated,
    PhotoDeleted,
)
from wall.storage.pg_announcements import CHANGED_EVENT as ANNOUNCEMENTS
from wall.storage.pg_announcements import load_announcements
from wall.storage.pg_db import CONNECTION_ERRORS, PgDatabase, channel
from wall.storage.pg_photos import load_photo

log = logging.getLogger(__name__)

RECONNECT_DELAYS_S = (0.2, 0.5, 1.0, 2.0, 5.0)  # then every 5 s until the server is back
CREATED, CHANGED, DELETED = PhotoCreated.name, PhotoChanged.name, PhotoDeleted.name


class PgEventRelay:
    """LISTEN on the wall's channel; publish each event, in the order delivered."""

    def __init__(self, db: PgDatabase, bus: EventBus) -> None:
        self.db = db
        self.bus = bus
        self._inbox: asyncio.Queue[str] = asyncio.Queue()
        self._lost = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._worker: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()
        self.relayed = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._listen_forever(), name="pg-event-listener")
        self._worker = asyncio.create_task(self._publish_forever(), name="pg-event-publisher")

    async def stop(self) -> None:
        for task in (self._task, self._worker):
            if task is not None:
                task.cancel()
        await asyncio.gather(
            *(t for t in (self._task, self._worker) if t is not None), return_exceptions=True
        )

    async def _listen_forever(self) -> None:
        attempt = 0
        first = True
        while True:
            try:
                conn = await asyncpg.connect(self.db.dsn, timeout=5)
            except CONNECTION_ERRORS as exc:
                delay = RECONNECT_DELAYS_S[min(attempt, len(RECONNECT_DELAYS_S) - 1)]
                attempt += 1
                log.warning("event relay: database unreachable (%s); retry in %.1f s", exc, delay)
                await asyncio.sleep(delay)
                continue
            attempt = 0
            try:
                await self._hold(conn, resync=not first)
                first = False
            finally:
                self.connected.clear()
                if not conn.is_closed():
                    conn.terminate()

    async def _hold(self, conn: asyncpg.Connection, resync: bool) -> None:
        """Listens until the connection is lost."""
        self._lost.clear()
        conn.add_termination_listener(lambda _conn: self._lost.set())
        await conn.add_listener(channel(self.db.wall_id), self._heard)
        self.connected.set()
        if resync:
            log.warning("event relay: listening again; every socket resynchronises")
            self.bus.resync_all()
        while not self._lost.is_set():
            # A silent network loss does not always close the socket: ask now and then.
            try:
                await asyncio.wait_for(self._lost.wait(), timeout=5)
            except TimeoutError:
                try:
                    await conn.fetchval("SELECT 1", timeout=5)
                except (*CONNECTION_ERRORS, asyncpg.PostgresError):
                    return

    def _heard(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        self._inbox.put_nowait(payload)

    async def _publish_forever(self) -> None:
        while True:
            payload = await self._inbox.get()
            try:
                event = await self._event_of(json.loads(payload))
            except CONNECTION_ERRORS + (asyncpg.PostgresError,) as exc:
                log.warning("event relay: cannot read the photo of an event (%s)", exc)
                self.bus.resync_all()
                continue
            except Exception:  # a malformed payload must not stop the relay
                log.exception("event relay: unreadable event %r", payload[:200])
                continue
            if event is not None:
                self.relayed += 1
                self.bus.publish(event)

    async def _event_of(self, message: dict[str, Any]) -> Event | None:
        kind, photo_id = message["e"], message["id"]
        if kind == DELETED:
            return PhotoDeleted(photo_id=photo_id, was_public=bool(message["was_public"]))
        if kind == ANNOUNCEMENTS:  # the whole list as committed: a display replaces its own
            found = await self.db.read(lambda conn: load_announcements(conn, self.db.wall_id))
            return AnnouncementsChanged(announcements=tuple(found))
        photo = await self.db.read(lambda conn: load_photo(conn, self.db.wall_id, photo_id))
        if photo is None or photo.status is PhotoStatus.DELETED:
            return None  # erased meanwhile: its own event follows
        if kind == CREATED:
            return PhotoCreated(photo=photo)
        if kind == CHANGED:
            return PhotoChanged(
                photo=photo,
                before=PhotoStatus(message["before"]),
                actor=str(message["actor"]),
                reason=str(message.get("reason", "")),
            )
        log.warning("event relay: unknown event %r", kind)
        return None
