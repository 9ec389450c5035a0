"""The GPU path against a real SDL renderer: SDL's software one, which the dummy driver offers.

The frames are read back from the renderer (`Renderer.to_surface`), so they are what the
window would show after the texture upload and the renderer's own scaling.
"""

from __future__ import annotations

import queue
import time
from pathlib import Path

import numpy as np
import pygame
import pytest

from display.cache import RenditionCache
from display.commands import Command, PhotoReady
from display.gpu import MAX_UPLOADS_PER_FRAME, GpuPresenter, open_gpu
from display.library import PhotoLibrary
from display.overlays import CallToAction, CornerBand, idle_screen
from display.playlist import Playlist
from display.rotation import FairRotation
from display.runner import Runner
from display.window import NoWindow, Output, ScreenFlip, open_output
from tests.helpers.images import distinctive_jpeg
from tests.helpers.wall_display import MAGENTA, HeadlessDisplay, colour_share, wall_photo
from wall.config import DisplaySection

CTA = CallToAction("Mur", "#mur", "Envoyez vos photos", "Send your photos", "http://wall.test/")
LED_SIZE, LED_SCALE = (192, 192), 4
RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)


def pixels(surface: pygame.Surface) -> np.ndarray:
    """(height, width, 3) RGB, as a PNG frame reads."""
    return pygame.surfarray.array3d(surface).swapaxes(0, 1)


def gpu_output(size: tuple[int, int], scale: int) -> Output:
    output = open_output(
        size,
        scale,
        renderer="gpu",
        fullscreen=False,
        vsync=False,
        headless=True,
        read_back=True,
    )
    assert output.renderer == "gpu" and isinstance(output.presenter, GpuPresenter)
    return output


def play_spotlight(
    output: Output, size: tuple[int, int], tmp_path: Path, frames: int
) -> tuple[list[np.ndarray], np.ndarray, dict[str, float | int]]:
    """The real Runner, spotlight on a magenta photo; every presented frame read back, and the
    canvas as it stood after the last one."""
    cache = RenditionCache(tmp_path / "cache", 64 * 1024 * 1024)
    cache.put("magenta", "display", distinctive_jpeg(MAGENTA, (800, 600)))
    library = PhotoLibrary(
        cache, lambda _photo_id, _kind: None, screen_masks=output.screen.get_masks()
    )
    inbox: queue.SimpleQueue[Command] = queue.SimpleQueue()
    inbox.put(PhotoReady(wall_photo("magenta"), fresh=True))
    shown: list[np.ndarray] = []
    runner = Runner(
        screen=output.screen,
        canvas_size=size,
        fps=30,
        vsync=output.vsync,
        playlist=Playlist(["spotlight"], DisplaySection(), 60.0),
        library=library,
        rotation=FairRotation(10.0, 0.25, time.monotonic),
        band=CornerBand(CTA, size),
        idle=idle_screen(CTA, size).convert(output.screen),
        commands=inbox,
        frame_sink=lambda surface, _index, _when: shown.append(pixels(surface)),
        max_frames=frames,
        presenter=output.presenter,
    )
    library.start()
    try:
        stats = runner.run().report()
    finally:
        library.stop()
    return shown, pixels(output.screen), stats


@pytest.mark.usefixtures("sdl")
def test_runner_on_the_gpu_path_presents_the_photo(tmp_path: Path) -> None:
    size = (320, 180)
    output = gpu_output(size, 1)
    shown, canvas, stats = play_spotlight(output, size, tmp_path, 45)
    assert stats["frames"] == 45 and len(shown) == 45
    assert {"p50_ms", "p99_ms", "late_frames"} <= set(stats), "timed like the CPU path"
    assert shown[-1].shape == (180, 320, 3)
    assert colour_share(shown[-1], MAGENTA) > 0.2, "the presented frame shows the photo"
    assert np.array_equal(shown[-1], canvas), "the texture holds every changed rectangle"
    presenter = output.presenter
    assert isinstance(presenter, GpuPresenter)
    assert presenter.uploaded_pixels < 45 * size[0] * size[1], "only changes went up"


@pytest.mark.usefixtures("sdl")
def test_led_wall_is_magnified_by_the_renderer_with_nearest(tmp_path: Path) -> None:
    output = gpu_output(LED_SIZE, LED_SCALE)
    shown, canvas, _stats = play_spotlight(output, LED_SIZE, tmp_path, 30)
    frame = shown[-1]
    assert frame.shape == (LED_SIZE[1] * LED_SCALE, LED_SIZE[0] * LED_SCALE, 3)
    assert colour_share(frame, MAGENTA) > 0.2
    blocks = frame.reshape(LED_SIZE[1], LED_SCALE, LED_SIZE[0], LED_SCALE, 3)
    assert (blocks == blocks[:, :1, :, :1]).all(), "every 4×4 block is one colour: no blur"
    # Each block is its canvas pixel: no colour at a block edge that the wall did not have.
    assert np.array_equal(blocks[:, 0, :, 0], canvas)


@pytest.mark.usefixtures("sdl")
def test_only_the_changed_rectangles_are_uploaded() -> None:
    presenter = open_gpu(
        (64, 48), 1, fullscreen=False, vsync=False, hardware_only=False, read_back=True
    )
    canvas = presenter.canvas
    canvas.fill(RED)
    presenter.present(None)
    assert (pixels(presenter.shown()) == RED).all()
    changed, untold = pygame.Rect(10, 12, 20, 8), pygame.Rect(40, 30, 10, 10)
    canvas.fill(GREEN, changed)
    canvas.fill(BLUE, untold)  # painted, but the layout did not report it
    presenter.present([changed])
    frame = pixels(presenter.shown())
    assert (frame[12:20, 10:30] == GREEN).all(), "the reported rectangle, at its place"
    assert (frame[30:40, 40:50] == RED).all(), "an unreported one stays as it was"
    assert (frame[0:12] == RED).all() and (frame[20:, :40] == RED).all()
    presenter.present([untold, pygame.Rect(60, 44, 50, 50)])  # one past the edge
    assert (pixels(presenter.shown())[30:40, 40:50] == BLUE).all()
    cells = [pygame.Rect(x, 0, 1, 1) for x in range(MAX_UPLOADS_PER_FRAME + 8)]
    canvas.fill(GREEN, pygame.Rect(0, 0, 64, 1))
    presenter.present(cells)  # many small ones: their bounding box in one upload
    assert (pixels(presenter.shown())[0, : len(cells)] == GREEN).all()


@pytest.mark.usefixtures("sdl")
def test_auto_stays_on_the_cpu_headless_and_gpu_without_a_screen_says_so() -> None:
    output = open_output(
        (64, 48), 1, renderer="auto", fullscreen=False, vsync=False, headless=True, read_back=False
    )
    assert output.renderer == "cpu" and isinstance(output.presenter, ScreenFlip)
    with pytest.raises(NoWindow):  # the dummy driver is no screen: no window, GPU or not
        open_output(
            (64, 48),
            1,
            renderer="gpu",
            fullscreen=False,
            vsync=False,
            headless=False,
            read_back=False,
        )


def test_wall_display_headless_with_the_gpu_renderer(tmp_path: Path) -> None:
    """The command itself: `[display] renderer = "gpu"` reaches the loop and the PNG frames."""
    display = HeadlessDisplay(tmp_path / "display", None, frames=20, every=5, renderer="gpu")
    stats = display.start().finish(stop=False)
    assert stats["renderer"] == "gpu" and stats["frames"] == 20
    frame = display.latest()
    assert frame is not None and frame.shape == (360, 640, 3)
    assert frame.mean() > 20, "the idle screen, read back from the renderer"
