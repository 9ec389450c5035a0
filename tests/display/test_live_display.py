"""The real renderer (`wall display --headless`) following a real server over its socket.

Photos of distinctive colours go through the real upload and moderation paths; the frames'
pixels say what the wall showed, and `timeline.tsv` says when.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from tests.helpers.server import LiveServer
from tests.helpers.wall_display import (
    LIME,
    MAGENTA,
    HeadlessDisplay,
    Moderator,
    colour_share,
    coloured_photo,
)

# A photo "shows" when this share of the frame is its colour (a 4:3 photo in spotlight
# fills about 70 % of a 16:9 wall; the Ken Burns margin and caption take a little).
SHOWN_SHARE = 0.2
GONE_SHARE = 0.002  # a few stray pixels of a gradient may pass for the colour
REMOVAL_DEADLINE_S = 2.0  # the contract: off the wall within 2 s
APPEAR_TIMEOUT_S = 20.0
LONG_RUN_FRAMES = 2000  # the tests stop the display with SIGTERM long before


def shows(colour: tuple[int, int, int], share: float = SHOWN_SHARE) -> Callable[[np.ndarray], bool]:
    return lambda frame: colour_share(frame, colour) >= share


def hides(colour: tuple[int, int, int]) -> Callable[[np.ndarray], bool]:
    return lambda frame: colour_share(frame, colour) <= GONE_SHARE


def test_approved_photo_appears_and_removal_leaves_within_two_seconds(
    live_server: LiveServer, tmp_path: Path
) -> None:
    moderator = Moderator(live_server)
    photo_id = moderator.upload(coloured_photo(MAGENTA), caption="Magenta", author="Ana")
    display = HeadlessDisplay(tmp_path / "display", live_server, frames=LONG_RUN_FRAMES).start()
    try:
        display.wait_for(lambda frame: frame.mean() > 20, APPEAR_TIMEOUT_S, "the idle screen")
        moderator.approve(photo_id)
        shown_at = display.wait_for(shows(MAGENTA), APPEAR_TIMEOUT_S, "the approved photo")
        time.sleep(0.5)
        removed_at = time.time()
        moderator.remove(photo_id)
        display.wait_for(hides(MAGENTA), APPEAR_TIMEOUT_S, "the photo gone")
        time.sleep(REMOVAL_DEADLINE_S + 0.5)
    finally:
        stats = display.finish()
    before = display.frames_between(shown_at, removed_at)
    assert before and all(shows(MAGENTA)(frame) for frame in before)
    after = display.frames_between(removed_at + REMOVAL_DEADLINE_S)
    assert len(after) >= 5, "the display kept producing frames"
    assert all(hides(MAGENTA)(frame) for frame in after)
    assert stats["frames"] > 0 and stats["fps"] == 20
    assert "spotlight" in stats["layouts"]
    assert {"p50_ms", "p95_ms", "p99_ms", "max_ms", "late_frames"} <= set(stats)


def test_server_killed_the_show_goes_on_then_catches_up(
    process_server: LiveServer, tmp_path: Path
) -> None:
    moderator = Moderator(process_server)
    first = moderator.publish(coloured_photo(MAGENTA))
    display = HeadlessDisplay(tmp_path / "display", process_server, frames=LONG_RUN_FRAMES).start()
    try:
        display.wait_for(shows(MAGENTA), APPEAR_TIMEOUT_S, "the first photo")
        killed_at = time.time()
        process_server.kill()
        time.sleep(3.0)
        down = display.frames_between(killed_at + 0.5, time.time())
        assert len(down) >= 10, "frames keep coming with the server dead"
        assert all(shows(MAGENTA)(frame) for frame in down), "the cached photo still shows"
        process_server.start()
        moderator.publish(coloured_photo(LIME))
        moderator.remove(first)
        display.wait_for(
            lambda frame: shows(LIME)(frame) and hides(MAGENTA)(frame),
            APPEAR_TIMEOUT_S,
            "the new photo instead of the removed one",
        )
    finally:
        display.finish()
    assert "display feed connected" in display.log()


def test_corrupt_cached_file_is_skipped_offline(process_server: LiveServer, tmp_path: Path) -> None:
    moderator = Moderator(process_server)
    bad = moderator.publish(coloured_photo(MAGENTA))
    good = moderator.publish(coloured_photo(LIME))
    first = HeadlessDisplay(tmp_path / "display", process_server, frames=LONG_RUN_FRAMES).start()
    try:
        first.wait_for(lambda _frame: _cached(first, bad), APPEAR_TIMEOUT_S, "both cached")
        first.wait_for(lambda _frame: _saved(first), APPEAR_TIMEOUT_S, "the catalog saved")
    finally:
        first.finish()
    process_server.kill()
    for path in first.cache.glob(f"*/{bad}.jpg"):
        path.write_bytes(b"\xff\xd8 not a jpeg at all " * 50)
    offline = HeadlessDisplay(tmp_path / "display", None, frames=40)
    offline.config.write_text(
        first.config.read_text().replace(process_server.url, "http://127.0.0.1:9")
    )
    offline.start()
    stats = offline.finish(stop=False)
    assert stats["frames"] == 40
    frames = offline.frames_between(0.0)
    assert frames and not any(shows(MAGENTA, 0.05)(frame) for frame in frames)
    assert any(shows(LIME)(frame) for frame in frames), "the good cached photo plays offline"
    assert "unreadable" in offline.log()

    process_server.start()  # back online: the damaged photo is fetched again and shown
    moderator.remove(good)  # (alone on the wall, it need not wait for its turn)
    online = HeadlessDisplay(tmp_path / "display", process_server, frames=LONG_RUN_FRAMES)
    online.config.write_text(first.config.read_text())
    online.start()
    try:
        online.wait_for(shows(MAGENTA), APPEAR_TIMEOUT_S, "the re-downloaded photo")
    finally:
        online.finish()


def _cached(display: HeadlessDisplay, photo_id: str) -> bool:
    return len(list(display.cache.glob("display/*.jpg"))) >= 2 and any(
        display.cache.glob(f"display/{photo_id}.jpg")
    )


def _saved(display: HeadlessDisplay) -> bool:
    catalog = display.cache / "catalog.json"
    return catalog.exists() and catalog.read_text().count('"id"') >= 2


def test_idle_screen_is_designed_not_black(tmp_path: Path) -> None:
    display = HeadlessDisplay(tmp_path / "display", None, frames=30, every=10).start()
    stats = display.finish(stop=False)
    assert stats["frames"] == 30 and stats["idle_frames"] == 30
    frame = display.latest()
    assert frame is not None
    assert frame.mean() > 40, "not a black frame"
    white = (frame.min(axis=2) > 230).mean()
    black = (frame.max(axis=2) < 30).mean()
    assert white > 0.03 and black > 0.02, "a big QR code: black modules on white"


def test_led_wall_size_renders_the_photo(live_server: LiveServer, tmp_path: Path) -> None:
    Moderator(live_server).publish(coloured_photo(MAGENTA))
    display = HeadlessDisplay(
        tmp_path / "display", live_server, frames=LONG_RUN_FRAMES, size="192x192", every=1
    ).start()
    try:
        display.wait_for(shows(MAGENTA), APPEAR_TIMEOUT_S, "the photo on a 192x192 wall")
    finally:
        stats = display.finish()
    frame = display.latest()
    assert frame is not None and frame.shape == (192, 192, 3)
    assert stats["size"] == "192x192"


def test_panorama_and_tiny_photo_are_laid_out(live_server: LiveServer, tmp_path: Path) -> None:
    moderator = Moderator(live_server)
    panorama = moderator.publish(coloured_photo(MAGENTA, (2000, 200)))
    display = HeadlessDisplay(tmp_path / "display", live_server, frames=LONG_RUN_FRAMES).start()
    try:
        display.wait_for(shows(MAGENTA, 0.05), APPEAR_TIMEOUT_S, "the 10:1 panorama")
        pano_frame = display.latest()
        moderator.publish(coloured_photo(LIME, (40, 30)))
        moderator.remove(panorama)
        display.wait_for(shows(LIME, 0.01), APPEAR_TIMEOUT_S, "the 40x30 photo")
        tiny_frame = display.latest()
    finally:
        display.finish()
    assert pano_frame is not None and tiny_frame is not None
    rows = np.flatnonzero(
        (np.abs(pano_frame.astype(int) - MAGENTA).max(axis=2) < 80).mean(axis=1) > 0.5
    )
    assert 0 < len(rows) < pano_frame.shape[0] / 4, "the panorama is a band, shown whole"
