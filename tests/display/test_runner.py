"""The render loop in-process (SDL dummy driver): broken layouts never stop the show."""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pygame
import pytest

from app.cli import main
from display.cache import RenditionCache
from display.commands import Command, PhotoGone, PhotoReady
from display.contracts import ImageSource, Layout, Rotation
from display.library import PhotoLibrary
from display.overlays import CallToAction, CornerBand, idle_screen
from display.playlist import Playlist
from display.rotation import FairRotation
from display.runner import Runner
from tests.helpers.images import distinctive_jpeg
from tests.helpers.wall_display import MAGENTA, colour_share, wall_photo
from wall.config import DisplaySection

SIZE = (320, 180)
CTA = CallToAction("Mur", "#mur", "Envoyez vos photos", "Send your photos", "http://wall.test/")


@pytest.fixture
def screen(monkeypatch: pytest.MonkeyPatch) -> Iterator[pygame.Surface]:
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    pygame.display.init()
    pygame.font.init()
    yield pygame.display.set_mode(SIZE)
    pygame.quit()


class Raising:
    """A layout with a bug: it raises on every frame."""

    name = "raising"

    # The Layout protocol's signatures; a bug needs none of the arguments.
    def start(self, size: tuple[int, int], now: float) -> None:  # noqa: ARG002
        pass

    def update(self, now: float, source: ImageSource, rotation: Rotation) -> None:  # noqa: ARG002
        raise ZeroDivisionError("a layout bug")

    def draw(self, canvas: pygame.Surface, now: float) -> list[pygame.Rect]:  # noqa: ARG002
        return []


def loader(name: str, settings: DisplaySection) -> Layout:
    if name == "missing":
        raise ModuleNotFoundError("No module named 'display.layouts.missing'")
    if name == "raising":
        return Raising()
    from display.layouts import spotlight

    return spotlight.create(settings)


def runner_for(
    screen: pygame.Surface,
    tmp_path: Path,
    names: list[str],
    commands: list[Command],
    frames: int,
    **options: Any,
) -> tuple[Runner, list[np.ndarray], PhotoLibrary]:
    """`options`: more of the Runner's arguments (they replace the frame capture's sink)."""
    cache = RenditionCache(tmp_path / "cache", 64 * 1024 * 1024)
    cache.put("magenta", "display", distinctive_jpeg(MAGENTA, (800, 600)))
    library = PhotoLibrary(cache, lambda _photo_id, _kind: None)
    inbox: queue.SimpleQueue[Command] = queue.SimpleQueue()
    for command in commands:
        inbox.put(command)
    captured: list[np.ndarray] = []

    def capture(surface: pygame.Surface, _index: int, _when: float) -> None:
        captured.append(pygame.surfarray.array3d(surface).swapaxes(0, 1))

    runner = Runner(
        screen=screen,
        canvas_size=SIZE,
        fps=60,
        playlist=Playlist(names, DisplaySection(), 5.0, loader=loader),
        library=library,
        rotation=FairRotation(10.0, 0.25, time.monotonic),
        band=CornerBand(CTA, SIZE),
        idle=idle_screen(CTA, SIZE).convert(),
        commands=inbox,
        max_frames=frames,
        **{"frame_sink": capture, "vsync": False, **options},
    )
    return runner, captured, library


def test_missing_and_raising_layouts_are_skipped_frames_go_on(
    screen: pygame.Surface, tmp_path: Path
) -> None:
    ready = PhotoReady(wall_photo("magenta"), fresh=True)
    runner, frames, library = runner_for(
        screen, tmp_path, ["missing", "raising", "spotlight"], [ready], 60
    )
    library.start()
    try:
        stats = runner.run().report()
    finally:
        library.stop()
    assert stats["frames"] == 60 and len(frames) == 60
    assert runner.playlist.shown_names == ["raising", "spotlight"]
    assert runner.playlist.name == "spotlight"
    failing = frames[:3]  # three failures in a row, then the next layout's turn
    assert all(frame.mean() > 20 for frame in failing), "the idle screen while a layout fails"
    assert colour_share(frames[-1], MAGENTA) > 0.2, "the next layout shows the photo"


def test_removed_photo_leaves_at_the_next_frame(screen: pygame.Surface, tmp_path: Path) -> None:
    photo = wall_photo("magenta")
    runner, frames, library = runner_for(
        screen, tmp_path, ["spotlight"], [PhotoReady(photo, fresh=True)], 40
    )
    library.start()
    try:
        runner.run()
        assert colour_share(frames[-1], MAGENTA) > 0.2
        runner._commands.put(PhotoGone("magenta"))  # what the feed thread posts
        runner._max_frames = 2
        runner.run()
    finally:
        library.stop()
    assert colour_share(frames[-1], MAGENTA) < 0.002


def test_display_without_a_screen_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")  # draws nowhere: no window to open
    config = tmp_path / "wall.toml"
    config.write_text(f'[wall]\ndata_dir = "{tmp_path / "data"}"\ndisplay_token = "t"\n')
    assert main(["--config", str(config), "display"]) == 3
