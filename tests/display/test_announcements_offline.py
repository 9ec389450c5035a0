"""Announcements over the real socket, then without the server: the display's feed hears each
change as it is made (a typed `announcements` message), caches the slide's image, and a
display restarted with the server gone still shows the slide from its cache; an older
display, which knows no such message, passes over it quietly."""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import pygame
import pytest
from pydantic import Field, TypeAdapter, ValidationError

from display.announcement_feed import IMAGE_KIND, AnnouncementFeed, slide_images
from display.cache import RenditionCache
from display.commands import AnnouncementsUpdate, Command
from display.feed import DisplayFeed, _log_unreadable
from tests.helpers.accounts import add_account, login
from tests.helpers.images import distinctive_jpeg
from tests.helpers.slide_wall import Wall
from tests.helpers.socket_server import SocketServer
from tests.helpers.wall_display import MAGENTA, colour_share
from wall.wire import (
    AnnouncementsMessage,
    ConfigChanged,
    LiveWindows,
    PhotoApproved,
    PhotoRemoved,
    ResyncMessage,
    ShowMessage,
    Snapshot,
)

PASSWORD = "correct horse battery"
LIME = (40, 230, 40)
SIZE = (320, 180)
WAIT_S = 15.0
TODAY = date.today()
WHOLE_DAYS = {
    "first_day": (TODAY - timedelta(days=1)).isoformat(),
    "last_day": (TODAY + timedelta(days=1)).isoformat(),
    "start": "00:00",
    "end": "00:00",
    "cadence": "every",
    "every_minutes": "1",
    "seconds": "4",
}


@pytest.fixture
def screen(monkeypatch: pytest.MonkeyPatch) -> Iterator[pygame.Surface]:
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    pygame.display.init()
    pygame.font.init()
    yield pygame.display.set_mode(SIZE)
    pygame.quit()


def next_update(commands: queue.SimpleQueue[Command], ids: set[str]) -> AnnouncementsMessage:
    """The first announcements the feed posts that hold exactly `ids`."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        try:
            command = commands.get(timeout=0.2)
        except queue.Empty:
            continue
        if isinstance(command, AnnouncementsUpdate):
            if {a.id for a in command.message.announcements} == ids:
                return command.message
    raise AssertionError(f"no announcements {ids} from the feed in {WAIT_S} s")


def start_feed(
    url: str, token: str, folder: Path, images: RenditionCache
) -> tuple[DisplayFeed, queue.SimpleQueue[Command]]:
    commands: queue.SimpleQueue[Command] = queue.SimpleQueue()
    photos = RenditionCache(folder, 64 * 1024 * 1024)
    slides = AnnouncementFeed(folder, images, commands.put)
    feed = DisplayFeed(url, token, photos, folder, commands.put, None, slides)
    feed.start()
    return feed, commands


def test_the_feed_hears_each_change_and_a_cached_slide_plays_without_the_server(
    screen: pygame.Surface, tmp_path: Path
) -> None:
    (tmp_path / "server").mkdir()
    server = SocketServer(tmp_path / "server").start()
    folder = tmp_path / "display-cache"
    images = slide_images(folder)
    try:
        add_account(server, "olga", "operator", PASSWORD)
        feed, commands = start_feed(server.url, server.display_token, folder, images)
        with login(server, "olga", PASSWORD) as operator:
            poster = operator.post(
                "/api/console/announcements",
                data={"kind": "image", **WHOLE_DAYS},
                files={"image": ("p.jpg", distinctive_jpeg(LIME, (1280, 720)), "image/jpeg")},
            )
            assert poster.status_code == 201, poster.text
            slide_id = poster.json()["id"]
            heard = next_update(commands, {slide_id})  # pushed when made, not at a reconnect
            image_id = heard.announcements[0].image_id
            assert images.has(image_id, IMAGE_KIND), "its image is cached before it is handed on"
            words = operator.post(
                "/api/console/announcements",
                data={"kind": "text", "title_fr": "Concert ce soir", **WHOLE_DAYS},
            ).json()["id"]
            next_update(commands, {slide_id, words})
            assert operator.delete(f"/api/console/announcements/{words}").status_code == 204
            next_update(commands, {slide_id})
        feed.stop()
    finally:
        server.stop()

    # The server is gone; the display starts again on its cache.
    feed, commands = start_feed(server.url, server.display_token, folder, images)
    try:
        saved = next_update(commands, {slide_id})
        assert feed.connected.is_set() is False
        wall = Wall(screen, tmp_path, images)
        wall.commands.put(AnnouncementsUpdate(saved))
        try:
            frames = wall.play(40)
        finally:
            wall.close()
        on = [i for i, frame in enumerate(frames) if colour_share(frame, LIME) > 0.5]
        assert on and on[0] < 15, "the cached slide took the wall without its server"
        assert colour_share(frames[on[0] + 1], MAGENTA) < 0.002
    finally:
        feed.stop()


def test_a_display_older_than_announcements_passes_over_them(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The union an older display validates with: every type but `announcements`."""
    older: TypeAdapter[object] = TypeAdapter(
        Annotated[
            Snapshot
            | PhotoApproved
            | PhotoRemoved
            | ShowMessage
            | ConfigChanged
            | LiveWindows
            | ResyncMessage,
            Field(discriminator="type"),
        ]
    )
    message = AnnouncementsMessage(timezone="Europe/Paris", announcements=[]).model_dump_json()
    with pytest.raises(ValidationError) as raised:
        older.validate_json(message)
    with caplog.at_level(logging.DEBUG, logger="display.feed"):
        _log_unreadable(raised.value)
    assert [r.levelno for r in caplog.records] == [logging.DEBUG]  # quietly, no warning


def test_an_image_that_could_not_be_fetched_is_asked_for_again(tmp_path: Path) -> None:
    images = slide_images(tmp_path)
    commands: queue.SimpleQueue[Command] = queue.SimpleQueue()
    feed = AnnouncementFeed(tmp_path, images, commands.put)
    poster = distinctive_jpeg(LIME, (320, 180))
    slide = {
        "id": "poster",
        "version": 1,
        "kind": "image",
        "image_id": "a" * 64,
        "image_url": "/api/wall/announcement-images/" + "a" * 64 + ".jpg",
        "first_day": "2027-07-14",
        "last_day": "2027-07-14",
        "start": "21:00",
        "end": "23:00",
        "seconds": 10,
    }
    message = AnnouncementsMessage.model_validate(
        {"timezone": "Europe/Paris", "announcements": [slide]}
    )
    asked: list[str] = []

    def busy_then_fine(path: str) -> bytes | None:
        asked.append(path)
        return None if len(asked) == 1 else poster

    feed.apply(message, busy_then_fine)
    assert not images.has("a" * 64, IMAGE_KIND)
    assert isinstance(commands.get_nowait(), AnnouncementsUpdate)  # the list goes on anyway
    feed.sweep(busy_then_fine)
    assert images.has("a" * 64, IMAGE_KIND) and len(asked) == 2
    feed.sweep(busy_then_fine)
    assert len(asked) == 2  # nothing missing: nothing asked
