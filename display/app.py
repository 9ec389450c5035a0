"""`wall display`: wires the cache, feed, library, rotation, playlist and loop, in one place.

Services start in order and stop in reverse; the render loop runs on the calling (main)
thread, which owns pygame.
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from wall.config import Settings

if TYPE_CHECKING:  # pygame is imported only once SDL's environment is set
    from display.projection import Projection
    from display.window import Output

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DisplayOptions:
    """What the command line adds to `[display]`."""

    headless: bool = False
    frames: int | None = None
    out: Path | None = None
    every: int = 1
    scale: int | None = None
    calibrate: bool = False  # the test pattern and the corner editor instead of the show


def cache_dir(settings: Settings) -> Path:
    configured = settings.display.cache_dir
    return Path(configured) if configured else Path(settings.wall.data_dir) / "display-cache"


def run_display(settings: Settings, options: DisplayOptions) -> dict[str, Any]:
    """Plays until closed (or for `options.frames`); returns the frame-time statistics.

    Raises `display.window.NoWindow` when there is no screen to draw on.
    """
    if options.headless:
        os.environ["SDL_VIDEODRIVER"] = "dummy"
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")  # no sound; spare ALSA's complaints
    import pygame

    pygame.display.init()
    pygame.font.init()
    from display import fonts

    fonts.configure(settings.display.fonts)  # the wall's own typeface first, if it has one
    try:
        if options.calibrate:
            from display.calibrate import run_calibration

            return run_calibration(settings, options)
        return _play(settings, options)
    finally:
        pygame.quit()


def open_configured_output(
    settings: Settings,
    options: DisplayOptions,
    window: tuple[int, int],
    projection: Projection | None = None,
) -> Output:
    """The window (or headless frames) as `[display]` and the command line ask: the one
    place the show and the calibration open their output."""
    from display.window import auto_scale, open_output

    section = settings.display
    return open_output(
        window,
        options.scale or auto_scale(window, options.headless, section.fullscreen),
        renderer=section.renderer,
        fullscreen=section.fullscreen,
        vsync=section.vsync,
        headless=options.headless,
        read_back=options.out is not None,
        projection=projection,
    )


def _play(settings: Settings, options: DisplayOptions) -> dict[str, Any]:
    import cv2

    from display.announcement_feed import AnnouncementFeed, slide_images
    from display.announcer import Announcements
    from display.cache import RenditionCache
    from display.commands import Command
    from display.feed import DisplayFeed, display_token
    from display.heartbeat import Heartbeat
    from display.library import PhotoLibrary, budget_for
    from display.live import LiveWindows
    from display.memory import return_large_buffers
    from display.overlays import CallToAction, CornerBand, idle_screen
    from display.playlist import Playlist, layout_loader
    from display.preview import PreviewSender
    from display.projection import projection_for_show
    from display.rotation import FairRotation
    from display.runner import Runner
    from display.window import FrameRecorder

    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per download drowns the log
    return_large_buffers()  # a freed 4K picture goes back to the system, not into a hole
    section = settings.display
    projection = projection_for_show(settings)  # calibration, blend, brightness
    size = projection.geometry.content_size  # what the layouts paint; the window may differ
    window = projection.window_size
    # The GPU path warps with a mesh; on the CPU path the loop warps each frame.
    output = open_configured_output(settings, options, window, projection)
    screen, vsync = output.screen, output.vsync
    cta = CallToAction(
        wall_name=settings.wall.name,
        hashtag=settings.wall.hashtag,
        text_fr=section.cta_fr,
        text_en=section.cta_en,
        qr_target=section.qr_target or settings.wall.public_url,
    )
    folder = cache_dir(settings)
    cache = RenditionCache(folder, section.cache_max_mb * 1024 * 1024)
    commands: queue.SimpleQueue[Command] = queue.SimpleQueue()
    token = display_token(settings)
    live = LiveWindows(section.server_url, token, section.live_hold_s)  # webcams, as offered
    images = slide_images(folder)  # the announcements' pictures, beside the photos' cache
    announcements = Announcements(images, size)
    slides = AnnouncementFeed(folder, images, commands.put)
    feed = DisplayFeed(section.server_url, token, cache, folder, commands.put, live, slides)
    # The rate the loop declares goes up with each preview: the console shows it.
    preview = PreviewSender(section.server_url, token, frame_rate=lambda: runner.pacing.header)
    library = PhotoLibrary(
        cache, feed.refetch, budget_bytes=budget_for(size), screen_masks=screen.get_masks()
    )
    rotation = FairRotation(section.rotation_max_minutes, section.contributor_share, time.monotonic)
    recorder = FrameRecorder(options.out, options.every) if options.out else None
    playlist = Playlist(section.playlist, section, section.layout_seconds, layout_loader(live))
    playlist.preload(time.monotonic())
    heartbeat = Heartbeat.from_environment(
        status=lambda: f"{len(rotation)} photos, {runner.on_screen}, {runner.pacing.describe()}"
    )
    runner = Runner(
        screen=screen,
        canvas_size=size,
        fps=section.fps,
        vsync=vsync,
        playlist=playlist,
        library=library,
        rotation=rotation,
        band=CornerBand(cta, size),
        idle=idle_screen(cta, size).convert(screen),  # the GPU path has no display Surface
        commands=commands,
        frame_sink=recorder,
        max_frames=options.frames,
        presenter=output.presenter,
        link_up=feed.connected.is_set,
        preview=preview,
        texts=cta,
        heartbeat=heartbeat,
        projection=None if output.projects else projection,
        announcements=announcements,
    )
    # Decoders already run in parallel, one photo each; OpenCV's own thread pool on top would
    # oversubscribe the cores and take them from the render thread.
    cv2.setNumThreads(1)
    previous = signal.signal(signal.SIGTERM, _stop_on_signal(runner))
    library.start()
    feed.start()
    preview.start()
    warp = ("gpu" if output.projects else "cpu") if projection.active else "none"
    log.info(
        "display %dx%d at %d fps (%s renderer, projection pass: %s, vsync %s)",
        *size,
        section.fps,
        output.renderer,
        warp,
        vsync,
    )
    try:
        stats = runner.run()
    finally:
        signal.signal(signal.SIGTERM, previous)
        heartbeat.stopping()
        preview.stop()
        feed.stop()
        live.stop()
        announcements.close()
        library.stop()
        projection.close()
        if recorder is not None:
            recorder.close()
    return {
        **stats.report(),
        **runner.pacing.report(),  # the rate declared at the end, and its changes
        "fps": section.fps,
        "renderer": output.renderer,
        "projection": warp,
        "size": f"{size[0]}x{size[1]}",
        "layouts": runner.playlist.shown_names,
        "idle_frames": runner.idle_frames,
        "dark_frames": runner.dark_frames,
        "previews_sent": preview.sent,
        "photos": len(rotation),
        "announcements": announcements.shown,
    }


def _stop_on_signal(runner: Any) -> Any:
    def handler(_signum: int, _frame: FrameType | None) -> None:
        runner.stop()

    return handler
