"""The display's word to systemd: READY after the first frame, watchdog pings from the render
loop itself (so a frozen loop goes silent and gets restarted), STOPPING at the end."""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator
from pathlib import Path

import pygame
import pytest

from display.cache import RenditionCache
from display.commands import Command
from display.heartbeat import Heartbeat
from display.library import PhotoLibrary
from display.overlays import CallToAction, CornerBand, idle_screen
from display.playlist import Playlist
from display.rotation import FairRotation
from display.runner import Runner
from tests.helpers.sd_notify import NotifySocket, abstract_name, count
from tests.helpers.wall_display import HeadlessDisplay
from wall.config import DisplaySection

SIZE = (320, 180)
CTA = CallToAction("Mur", "#mur", "Envoyez vos photos", "Send your photos", "http://wall.test/")
# systemd's deadline 1 s: a ping every 0.5 s at most, while frames come every 50 ms (20 fps),
# so a loop pinging on every frame would send ten times too many.
DISPLAY_WATCHDOG_USEC = 1_000_000
PING_INTERVAL_S = DISPLAY_WATCHDOG_USEC / 2e6
DISPLAY_FPS = 20
DISPLAY_FRAMES = 80  # four seconds of frames
# In-process loop: pings every 50 ms; frozen for ten of those at its FREEZE_AT-th frame.
LOOP_WATCHDOG_USEC = 100_000
FREEZE_AT = 10
FREEZE_S = 0.5


@pytest.fixture
def listener() -> Iterator[NotifySocket]:
    sock = NotifySocket(abstract_name())
    yield sock
    sock.close()


def test_headless_display_is_ready_after_a_frame_then_pings_at_the_watchdog_pace(
    tmp_path: Path, listener: NotifySocket, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTIFY_SOCKET", listener.address)  # HeadlessDisplay passes os.environ
    monkeypatch.setenv("WATCHDOG_USEC", str(DISPLAY_WATCHDOG_USEC))
    display = HeadlessDisplay(tmp_path, None, frames=DISPLAY_FRAMES, fps=DISPLAY_FPS, every=40)
    started = time.monotonic()
    display.start()
    assert display.process is not None
    notes = listener.collect_while(lambda: display.process.poll() is None)
    ran_s = time.monotonic() - started
    stats = display.finish(stop=False)
    states = [note.fields for note in notes]

    assert stats["frames"] == DISPLAY_FRAMES
    assert states[0].get("READY") == "1", states
    assert count(notes, "READY") == 1 and "photos" in states[0]["STATUS"]
    pings = count(notes, "WATCHDOG")
    # At most one per interval over the whole life of the process (measured from outside, so
    # longer than the loop's), and the loop's four seconds hold several intervals.
    assert 3 <= pings <= ran_s / PING_INTERVAL_S + 1, (pings, ran_s, states)
    assert all("fps" in s["STATUS"] for s in states if s.get("WATCHDOG") == "1")
    assert states[-1].get("STOPPING") == "1", states


@pytest.fixture
def screen(monkeypatch: pytest.MonkeyPatch) -> Iterator[pygame.Surface]:
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    pygame.display.init()
    pygame.font.init()
    yield pygame.display.set_mode(SIZE)
    pygame.quit()


def test_a_frozen_render_loop_stops_pinging_until_it_moves_again(
    screen: pygame.Surface,
    tmp_path: Path,
    listener: NotifySocket,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A frame that never ends (here the frame sink stuck, as a full PNG queue or a hung
    driver would be) must silence the watchdog: nothing else in the process may ping."""
    monkeypatch.setenv("NOTIFY_SOCKET", listener.address)
    monkeypatch.setenv("WATCHDOG_USEC", str(LOOP_WATCHDOG_USEC))
    during_freeze: list[int] = []

    def stuck_sink(_surface: pygame.Surface, index: int, _when: float) -> None:
        if index != FREEZE_AT:
            return
        before = listener.drain()  # a datagram is queued when send() returns: all are here
        assert count(before, "READY") == 1 and count(before, "WATCHDOG") >= 1
        time.sleep(FREEZE_S)  # the loop is frozen for ten ping intervals
        during_freeze.append(count(listener.drain(), "WATCHDOG"))

    cache = RenditionCache(tmp_path / "cache", 16 * 1024 * 1024)
    library = PhotoLibrary(cache, lambda _photo_id, _kind: None)
    rotation = FairRotation(10.0, 0.25, time.monotonic)
    runner = Runner(
        screen=screen,
        canvas_size=SIZE,
        fps=60,
        vsync=False,
        playlist=Playlist(["spotlight"], DisplaySection(), 5.0),
        library=library,
        rotation=rotation,
        band=CornerBand(CTA, SIZE),
        idle=idle_screen(CTA, SIZE).convert(),
        commands=queue.SimpleQueue[Command](),
        frame_sink=stuck_sink,
        max_frames=FREEZE_AT + 30,
        heartbeat=Heartbeat.from_environment(status=lambda: f"{len(rotation)} photos"),
    )
    library.start()
    try:
        runner.run()
    finally:
        library.stop()
    assert during_freeze == [0], "pings went on while the render loop was frozen"
    assert count(listener.drain(), "WATCHDOG") >= 1, "the loop moved again: pings resume"
