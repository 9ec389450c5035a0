"""Announcements on both backends: stored and read back whole (a window across midnight, no
image or an image), versioned edits, each change in the audit log, their images spared by the
orphan collection while a slide names them; on a cluster, every process hears the change."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from tests.helpers.postgres import PostgresServer
from tests.helpers.stores import open_backend, run_on
from wall.announcements import AnnouncementDraft, SlideImage, SlideKind, Window
from wall.events import AnnouncementsChanged, EventBus
from wall.storage.announcement_repo import AnnouncementConflict, AnnouncementNotFound
from wall.storage.base import Store

CONCERT = AnnouncementDraft(
    kind=SlideKind.TEXT,
    title_fr="Concert ce soir 🎺",
    title_en="Concert tonight",
    text_fr="Place de la Halle, 21 h",
    text_en="Market square, 9 pm",
    window=Window(date(2027, 7, 13), date(2027, 7, 14), time(21, 30), time(1, 0)),
    every_minutes=15,
    seconds=12,
)


def _image(store: Store, payload: bytes) -> SlideImage:
    key = store.media.put(payload, "jpg")
    return SlideImage(key, 1920, 1080, len(payload))


def test_an_announcement_is_stored_read_changed_and_deleted(any_store: Store) -> None:
    async def scenario(store: Store) -> None:
        image = _image(store, b"slide image one")
        made = await store.announcements.add("concert", CONCERT, image, "olga")
        assert made.version == 1 and made.created_by == made.updated_by == "olga"
        found = await store.announcements.get("concert")
        assert found == made
        assert found.window == CONCERT.window and found.every_minutes == 15
        assert found.title_fr == "Concert ce soir 🎺" and found.image == image
        assert [a.id for a in await store.announcements.all()] == ["concert"]

        between = AnnouncementDraft(
            kind=SlideKind.IMAGE,
            title_fr="",
            title_en="",
            text_fr="",
            text_en="",
            window=Window(date(2027, 7, 1), date(2027, 7, 31), time(0, 0), time(0, 0)),
            every_minutes=None,
        )
        changed, replaced = await store.announcements.update("concert", between, None, "ali", 1)
        assert changed.version == 2 and changed.updated_by == "ali"
        assert changed.every_minutes is None and changed.image is None
        assert changed.kind is SlideKind.IMAGE and changed.created_by == "olga"
        assert replaced == image  # the caller wipes the file no row names any more
        with pytest.raises(AnnouncementConflict):
            await store.announcements.update("concert", CONCERT, None, "olga", 1)
        with pytest.raises(AnnouncementNotFound):
            await store.announcements.update("nope", CONCERT, None, "olga", 1)

        gone = await store.announcements.delete("concert", "olga")
        assert gone.version == 2
        assert await store.announcements.get("concert") is None
        with pytest.raises(AnnouncementNotFound):
            await store.announcements.delete("concert", "olga")

        audit = await store.photos.audit_log(10)
        assert [(e.action, e.actor) for e in audit] == [
            ("announcement.delete", "olga"),
            ("announcement.edit", "ali"),
            ("announcement.create", "olga"),
        ]
        assert all(e.photo_id == "" and e.reason.startswith("concert") for e in audit)
        assert "Concert ce soir" in audit[-1].reason
        assert all(abs(datetime.now(UTC) - e.at) < timedelta(minutes=1) for e in audit)

    run_on(any_store, scenario)


def test_a_slide_image_is_spared_by_the_orphan_collection(any_store: Store) -> None:
    async def scenario(store: Store) -> None:
        kept = _image(store, b"kept slide image")
        loose = _image(store, b"an image no slide names")
        await store.announcements.add("kept", CONCERT, kept, "olga")
        assert kept.key in await store.photos.media_keys_in_use()
        later = datetime.now(UTC) + timedelta(hours=2)  # both files past the orphan grace
        collected = await store.recover(now=later)
        assert collected["orphans"] == 1
        assert store.media.exists(kept.key) and not store.media.exists(loose.key)

        await store.announcements.delete("kept", "olga")
        assert kept.key not in await store.photos.media_keys_in_use()
        await store.recover(now=later)
        assert not store.media.exists(kept.key)

    run_on(any_store, scenario)


def test_every_process_of_the_wall_hears_a_change(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    dsn = postgres_server.fresh_database()
    one = open_backend("cluster", tmp_path / "1", postgres_server, "brive", dsn)
    other_wall = open_backend("cluster", tmp_path / "2", postgres_server, "tulle", dsn)

    async def scenario() -> None:
        for store in (one, other_wall):
            await store.photos.open()
        bus = EventBus(relayed=True)
        assert one.cluster is not None
        relay = one.cluster.relay(bus)
        connected = getattr(relay, "connected")  # noqa: B009 (PgEventRelay's, not the Protocol's)
        heard = bus.subscribe()
        try:
            relay.start()
            await asyncio.wait_for(connected.wait(), 10)
            await other_wall.announcements.add("elsewhere", CONCERT, None, "tom")
            await one.announcements.add("concert", CONCERT, None, "olga")
            event = await asyncio.wait_for(heard.queue.get(), 10)
            assert isinstance(event, AnnouncementsChanged)
            assert [a.id for a in event.announcements] == ["concert"]  # its own wall's only
            await one.announcements.delete("concert", "olga")
            event = await asyncio.wait_for(heard.queue.get(), 10)
            assert isinstance(event, AnnouncementsChanged) and event.announcements == ()
        finally:
            await relay.stop()
            for store in (one, other_wall):
                await store.photos.close()

    asyncio.run(scenario())
