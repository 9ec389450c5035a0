"""The display's reading of the socket (`display.feed`): every message goes through the wire
contract's one adapter; an unknown or malformed one is logged and skipped, and the feed
(and the show) carries on with the next."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from display.cache import RenditionCache
from display.commands import Command, PhotoGone, ShowUpdate, TextsUpdate
from display.feed import DisplayFeed

CACHE_BYTES = 10_000_000

BAD_MESSAGES = [
    "not json at all",
    '{"type": "photo.removed"}',  # no photo_id
    '{"type": "photo.approved", "photo": {"id": "p1"}}',  # half a photo
    '{"type": "show.start", "show": {"lit": true, "reason": "show",'
    ' "upcoming": [["soon", "later"]]}}',  # valid shape, moments that are not moments
    '{"type": "config.changed", "config": {"wall_name": "x"}}',
    "[1, 2, 3]",
]


@pytest.fixture
def feed(tmp_path: Path) -> tuple[DisplayFeed, list[Command]]:
    posted: list[Command] = []
    cache = RenditionCache(tmp_path / "cache", CACHE_BYTES)
    # Never started: no socket, no download threads; `_handle` is what the socket thread runs.
    return DisplayFeed("http://127.0.0.1:9", "token", cache, tmp_path, posted.append), posted


@pytest.mark.parametrize("text", BAD_MESSAGES)
def test_a_malformed_message_is_logged_and_skipped(
    feed: tuple[DisplayFeed, list[Command]], text: str, caplog: pytest.LogCaptureFixture
) -> None:
    display, posted = feed
    with caplog.at_level(logging.WARNING, logger="display.feed"):
        display._handle(text)
    assert posted == []
    assert "display feed" in caplog.text


def test_an_unknown_type_is_skipped_quietly(
    feed: tuple[DisplayFeed, list[Command]], caplog: pytest.LogCaptureFixture
) -> None:
    display, posted = feed
    with caplog.at_level(logging.DEBUG, logger="display.feed"):
        display._handle('{"type": "photo.sparkle", "photo_id": "p1"}')
    assert posted == []
    assert "unknown type" in caplog.text


def test_the_feed_goes_on_after_a_bad_message(feed: tuple[DisplayFeed, list[Command]]) -> None:
    display, posted = feed
    for text in BAD_MESSAGES:
        display._handle(text)
    display._handle(json.dumps({"type": "photo.removed", "photo_id": "p7"}))
    display._handle(json.dumps({"type": "show.stop", "show": {"lit": False, "reason": "blanked"}}))
    display._handle(
        json.dumps(
            {
                "type": "config.changed",
                "config": {
                    "wall_name": "Mur",
                    "hashtag": "#mur",
                    "qr_target": "https://mur.example",
                    "cta_fr": "Envoyez",
                    "cta_en": "Send",
                },
            }
        )
    )
    assert posted[0] == PhotoGone("p7")
    assert isinstance(posted[1], ShowUpdate) and not posted[1].plan.lit
    assert isinstance(posted[2], TextsUpdate) and posted[2].cta.wall_name == "Mur"
