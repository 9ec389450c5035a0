"""A render loop with announcements, in-process (SDL dummy driver), its frames captured: a
spotlight on one magenta photo, the slides the test hands it, the wall's clock the test's."""

from __future__ import annotations

import queue
import time
from pathlib import Path

import numpy as np
import pygame

from display.announcer import Announcements
from display.cache import RenditionCache
from display.commands import AnnouncementsUpdate, Command, PhotoReady
from display.library import PhotoLibrary
from display.overlays import CallToAction, CornerBand, idle_screen
from display.playlist import Playlist
from display.rotation import FairRotation
from display.runner import Runner
from tests.helpers.images import distinctive_jpeg
from tests.helpers.wall_display import MAGENTA, wall_photo
from wall.config import DisplaySection
from wall.wire import AnnouncementsMessage, WallAnnouncement

CTA = CallToAction("Mur", "#mur", "Envoyez vos photos", "Send your photos", "http://wall.test/")


class Wall:
    """A runner with a spotlight on one magenta photo, the slides of `slides`, the wall's
    clock at `clock[0]` (epoch seconds) and its frames captured."""

    def __init__(
        self,
        screen: pygame.Surface,
        tmp_path: Path,
        images: RenditionCache,
        slides: list[WallAnnouncement] | None = None,
        clock: float | None = None,
    ) -> None:
        self.clock = [time.time() if clock is None else clock]
        size = screen.get_size()
        cache = RenditionCache(tmp_path / "photo-cache", 64 * 1024 * 1024)
        cache.put("magenta", "display", distinctive_jpeg(MAGENTA, (800, 600)))
        self.library = PhotoLibrary(cache, lambda _photo_id, _kind: None)
        self.announcements = Announcements(images, size, wall_clock=lambda: self.clock[0])
        self.commands: queue.SimpleQueue[Command] = queue.SimpleQueue()
        self.commands.put(PhotoReady(wall_photo("magenta"), fresh=True))
        if slides is not None:
            message = AnnouncementsMessage(timezone="Europe/Paris", announcements=slides)
            self.commands.put(AnnouncementsUpdate(message))
        self.frames: list[np.ndarray] = []
        self.runner = Runner(
            screen=screen,
            canvas_size=size,
            fps=60,
            vsync=False,
            playlist=Playlist(["spotlight"], DisplaySection(), 1.0),
            library=self.library,
            rotation=FairRotation(10.0, 0.25, time.monotonic),
            band=CornerBand(CTA, size),
            idle=idle_screen(CTA, size).convert(),
            commands=self.commands,
            frame_sink=self._capture,
            max_frames=0,
            announcements=self.announcements,
        )
        self.library.start()

    def _capture(self, surface: pygame.Surface, _index: int, _when: float) -> None:
        self.frames.append(pygame.surfarray.array3d(surface).swapaxes(0, 1))

    def play(self, frames: int) -> list[np.ndarray]:
        start = len(self.frames)
        self.runner._max_frames = frames
        self.runner.run()
        return self.frames[start:]

    def close(self) -> None:
        self.library.stop()
        self.announcements.close()
