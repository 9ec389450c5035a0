"""Where the frames go: a window (vsync when the driver offers it), or PNG files when headless.

`open_output` is the one place that picks the CPU path (a pygame display Surface and
`flip`) or the GPU path (`display.gpu`: an SDL Renderer and a streaming texture).

PNG encoding costs milliseconds; it runs on a writer thread so the headless loop keeps the
same pacing as a real one. Each written frame is also logged with its wall-clock time in
`timeline.tsv`, so a test can tell what was on screen when.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

import pygame
from PIL import Image

if TYPE_CHECKING:
    from display.projection import Projection

log = logging.getLogger(__name__)

# Windows narrower than this show a small LED wall magnified by a whole factor.
MIN_WINDOW_WIDTH = 640
# Drivers that draw nowhere: a "window" there is no window (no DISPLAY, no video device).
INVISIBLE_DRIVERS = ("offscreen", "dummy")
# PNG frames waiting for the writer; beyond it the loop waits (headless only).
WRITER_QUEUE_LIMIT = 32
PNG_COMPRESS_LEVEL = 1  # fastest: frames are for tests and benchmarks, not archives


class NoWindow(Exception):
    """No screen to draw on: the display says so instead of playing to nobody."""


class Presenter(Protocol):
    """Puts the composed canvas on screen; the render loop times it as the frame's last step."""

    def present(self, changed: list[pygame.Rect] | None) -> None:
        """`changed`: the canvas rectangles painted this frame, or None for all of it."""
        ...

    def shown(self) -> pygame.Surface:
        """What the screen shows now, for the frame recorder."""
        ...


class ScreenFlip:
    """The CPU path: the canvas is the display Surface (or is scaled onto it); flip it."""

    def __init__(self, screen: pygame.Surface) -> None:
        self._screen = screen

    def present(self, changed: list[pygame.Rect] | None) -> None:  # noqa: ARG002 (flip shows all)
        pygame.display.flip()

    def shown(self) -> pygame.Surface:
        return self._screen


@dataclass(frozen=True)
class Output:
    """The Surface the loop composes on, how it reaches the screen, and with which path."""

    screen: pygame.Surface
    presenter: Presenter
    vsync: bool
    renderer: Literal["cpu", "gpu"]
    # The presenter does the projection pass itself (the GPU path's mesh): `screen` is then the
    # unwarped content canvas and the render loop must not warp it again.
    projects: bool = False


def open_output(
    size: tuple[int, int],
    scale: int,
    *,
    renderer: Literal["auto", "cpu", "gpu"],
    fullscreen: bool,
    vsync: bool,
    headless: bool,
    read_back: bool,
    projection: Projection | None = None,
) -> Output:
    """The GPU path where asked ("gpu") or where a real window has a hardware renderer
    ("auto"); else the CPU path. Headless "auto" stays on the CPU: its frames are the
    benchmark's CPU floor. `read_back`: frames will be recorded from what is shown.
    `projection`: on the GPU path, the GPU draws it (`Output.projects`); the CPU path leaves
    it to the render loop (`display.projection`, cv2.warpPerspective)."""
    if not headless and pygame.display.get_driver() in INVISIBLE_DRIVERS:
        raise NoWindow(f"no video device (SDL driver {pygame.display.get_driver()!r})")
    if renderer == "gpu" or (renderer == "auto" and not headless):
        from display.gpu import GpuUnavailable, open_gpu  # the CPU path never loads _sdl2

        try:
            presenter = open_gpu(
                size,
                scale,
                fullscreen=fullscreen,
                vsync=vsync,
                hardware_only=renderer == "auto",
                read_back=read_back,
                projection=projection,
            )
        except GpuUnavailable as exc:
            if renderer == "gpu":
                raise NoWindow(f'renderer = "gpu" asked, but {exc}') from exc
            log.info("no GPU renderer (%s): drawing on the CPU", exc)
        else:
            return Output(presenter.canvas, presenter, presenter.vsync, "gpu", presenter.projects)
    screen, flip_vsync = open_screen(size, scale, fullscreen, vsync, headless)
    return Output(screen, ScreenFlip(screen), flip_vsync, "cpu")


def auto_scale(size: tuple[int, int], headless: bool, fullscreen: bool) -> int:
    """A small LED wall previewed in a window is magnified by whole pixels; else 1."""
    if headless or fullscreen or size[0] >= MIN_WINDOW_WIDTH:
        return 1
    return -(-MIN_WINDOW_WIDTH // size[0])


def open_screen(
    size: tuple[int, int], scale: int, fullscreen: bool, vsync: bool, headless: bool
) -> tuple[pygame.Surface, bool]:
    """The display Surface and whether the flip waits for vsync."""
    window = (size[0] * scale, size[1] * scale)
    if headless:
        return pygame.display.set_mode(window), False
    if pygame.display.get_driver() in INVISIBLE_DRIVERS:
        raise NoWindow(f"no video device (SDL driver {pygame.display.get_driver()!r})")
    flags = pygame.FULLSCREEN | pygame.SCALED if fullscreen else 0
    attempts = [(flags, 1), (flags | pygame.SCALED, 1)] if vsync else []
    attempts.append((flags, 0))
    for attempt_flags, attempt_vsync in attempts:
        try:
            screen = pygame.display.set_mode(window, attempt_flags, vsync=attempt_vsync)
        except pygame.error as exc:
            log.info("set_mode(flags=%#x, vsync=%d) refused: %s", attempt_flags, attempt_vsync, exc)
            continue
        pygame.display.set_caption("wall display")
        pygame.mouse.set_visible(not fullscreen)
        return screen, bool(attempt_vsync)
    raise NoWindow("the video driver refused every window mode")


class FrameRecorder:
    """Writes every `every`-th frame as `frame-NNNNN.png` under `folder`."""

    def __init__(self, folder: Path, every: int) -> None:
        self.folder = folder
        self.every = max(1, every)
        folder.mkdir(parents=True, exist_ok=True)
        self._timeline = (folder / "timeline.tsv").open("w", encoding="utf-8")
        self._queue: queue.Queue[tuple[int, float, tuple[int, int], bytes] | None] = queue.Queue(
            WRITER_QUEUE_LIMIT
        )
        self._thread = threading.Thread(target=self._write, name="display-png-writer")
        self._thread.start()

    def __call__(self, screen: pygame.Surface, index: int, wall_time: float) -> None:
        if index % self.every:
            return
        pixels = pygame.image.tobytes(screen, "RGB")
        self._queue.put((index, wall_time, screen.get_size(), pixels))

    def _write(self) -> None:
        while (item := self._queue.get()) is not None:
            index, wall_time, size, pixels = item
            path = self.folder / f"frame-{index:05d}.png"
            temp = path.with_suffix(".part")
            Image.frombytes("RGB", size, pixels).save(
                temp, "PNG", compress_level=PNG_COMPRESS_LEVEL
            )
            temp.replace(path)  # a reader polling the folder never sees half a PNG
            self._timeline.write(f"{index}\t{wall_time:.3f}\n")
            self._timeline.flush()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        self._timeline.close()
