"""A live window on the real render loop (SDL dummy driver), fed by a local MJPEG camera.

The camera's frames carry their tick in a strip of blocks (tests/helpers/small_faces.py), so
a few pixels of each presented frame say which camera frame is on the wall: the window must
show new frames at 10 fps or more at 1080p, keep its last frame when the camera dies, then
leave the playlist for the photos, and come back with the camera; the loop never stops.
"""

from __future__ import annotations

import json
import queue
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pygame
import pytest

from display.cache import RenditionCache
from display.commands import Command, PhotoReady
from display.feed import DisplayFeed
from display.library import PhotoLibrary
from display.live import LiveWindows
from display.overlays import CallToAction, CornerBand, idle_screen
from display.playlist import Playlist, layout_loader
from display.rotation import FairRotation
from display.runner import Runner
from tests.helpers.fake_mjpeg import FakeCamera
from tests.helpers.images import distinctive_jpeg
from tests.helpers.small_faces import CODE_BITS, CODE_SIDE, MovingFaces
from tests.helpers.wall_display import MAGENTA, colour_share, wall_photo
from wall.config import DisplaySection
from wall.wire import LiveWindow

SIZE = (1920, 1080)
FPS = 30
HOLD_S = 1.0  # `[display] live_hold_s`, short for the test
TURN_S = 5.0  # `layout_seconds`: the window's turn outlasts its stall; short for the test
CTA = CallToAction("Mur", "#mur", "Envoyez vos photos", "Send your photos", "http://wall.test/")
WAIT_S = 15.0


@pytest.fixture
def screen(monkeypatch: pytest.MonkeyPatch) -> Iterator[pygame.Surface]:
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    pygame.display.init()
    pygame.font.init()
    yield pygame.display.set_mode(SIZE)
    pygame.quit()


@pytest.fixture
def camera() -> Iterator[FakeCamera]:
    with FakeCamera(MovingFaces(*SIZE), fps=15) as fake:  # type: ignore[arg-type]
        yield fake


def shown_tick(surface: pygame.Surface) -> int | None:
    """The camera tick in the presented frame's corner; None when no camera frame is there."""
    tick = 0
    for bit in range(CODE_BITS):
        colour = surface.get_at((bit * CODE_SIDE + CODE_SIDE // 2, SIZE[1] - CODE_SIDE // 2))
        level = sum(colour[:3]) / 3
        if 60 < level < 195:
            return None
        tick |= int(level >= 195) << bit
    return tick


def wait_until(what: str, check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_S
    while not check():
        assert time.monotonic() < deadline, f"no {what} within {WAIT_S} s"
        time.sleep(0.05)


@pytest.mark.quiet_cpu  # a frame rate, measured: run alone (see the Makefile)
def test_window_shows_the_stream_then_survives_its_death(
    screen: pygame.Surface, camera: FakeCamera, tmp_path: Path
) -> None:
    live = LiveWindows(camera.url, "test-display-token", HOLD_S)
    live.configure([LiveWindow(name="harbour", place="Le port", url="/stream", fps=10)])
    cache = RenditionCache(tmp_path / "cache", 64 * 1024 * 1024)
    cache.put("magenta", "display", distinctive_jpeg(MAGENTA, (800, 600)))
    library = PhotoLibrary(cache, lambda _photo_id, _kind: None)
    inbox: queue.SimpleQueue[Command] = queue.SimpleQueue()
    inbox.put(PhotoReady(wall_photo("magenta"), fresh=False))
    shown: list[tuple[float, str | None, int | None]] = []
    runner: Runner

    def record(surface: pygame.Surface, _index: int, _when: float) -> None:
        shown.append((time.monotonic(), runner.playlist.name, shown_tick(surface)))

    runner = Runner(
        screen=screen,
        canvas_size=SIZE,
        fps=FPS,
        vsync=False,
        playlist=Playlist(["window", "spotlight"], DisplaySection(), TURN_S, layout_loader(live)),
        library=library,
        rotation=FairRotation(10.0, 0.25, time.monotonic),
        band=CornerBand(CTA, SIZE),
        idle=idle_screen(CTA, SIZE).convert(),
        commands=inbox,
        frame_sink=record,
        max_frames=2 * FPS,
        adaptive_rate=False,
    )

    def play(seconds: float) -> list[tuple[float, str | None, int | None]]:
        start = len(shown)
        runner._max_frames = round(seconds * FPS)
        runner.run()
        return shown[start:]

    library.start()
    try:
        wait_until("live frame", lambda: bool(live.fresh(time.monotonic())))
        up = play(1.5)
        assert {name for _, name, _ in up} == {"window"}
        ticks = [tick for _, _, tick in up]
        assert None not in ticks[FPS // 2 :], "camera frames, full screen"
        changes = sum(
            a != b for a, b in zip(ticks[FPS // 2 :], ticks[FPS // 2 + 1 :], strict=False)
        )
        rate = changes / (up[-1][0] - up[FPS // 2][0])
        assert rate >= 10.0, f"{rate:.1f} new camera frames a second on the wall"

        camera.go_down("close")  # the stream dies mid-frame
        died = time.monotonic()
        held = play(HOLD_S / 2)
        assert {name for _, name, _ in held} == {"window"}
        assert len({tick for _, _, tick in held[FPS // 10 :]}) == 1, "the last frame stays up"
        after = play(HOLD_S + 0.5)  # well before the window's turn is over
        assert after[-1][1] == "spotlight", "the stalled window left the playlist"
        left = next(at for at, name, _ in after if name == "spotlight")
        assert left - died >= HOLD_S * 0.8, "the last frame was held for live_hold_s"
        assert colour_share(pygame.surfarray.array3d(screen).swapaxes(0, 1), MAGENTA) > 0.2

        camera.come_back()
        wait_until("live frame again", lambda: bool(live.fresh(time.monotonic())))
        back = play(TURN_S + 0.5)  # the photos' turn, then the window's again
        assert back[-1][1] == "window" and back[-1][2] is not None, "the window came back"
    finally:
        live.stop()
        library.stop()
    assert runner.stats.report()["frames"] == len(shown) > 0  # no frame lost to the camera


def test_the_feed_hands_the_offered_windows_to_their_readers(tmp_path: Path) -> None:
    """`live.windows` on the socket: new windows start reading, withdrawn ones stop."""
    live = LiveWindows("http://127.0.0.1:9", "token", HOLD_S)  # nothing listens: no frame
    cache = RenditionCache(tmp_path / "cache", 1024 * 1024)
    feed = DisplayFeed("http://127.0.0.1:9", "token", cache, tmp_path, lambda _c: None, live)
    window = {"name": "harbour", "place": "Le port", "url": "/api/wall/live/harbour", "fps": 10}
    try:
        feed._handle(json.dumps({"type": "live.windows", "windows": [window]}))
        assert [s.window.place for s in live.streams()] == ["Le port"]
        assert live.fresh(time.monotonic()) == []  # offered is not live: no frame yet
        feed._handle(json.dumps({"type": "live.windows", "windows": []}))
        assert live.streams() == []
    finally:
        live.stop()
