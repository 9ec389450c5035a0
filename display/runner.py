"""The render loop: one thread, a fixed rate, and nothing in it that waits on the world.

Each pass: the time from `time.monotonic()`; the feed's commands through one table; pygame's
events; the library converts a few finished pictures; the layout updates and draws what
changed onto the persistent canvas (the screen itself, unless a small LED wall is magnified);
the call to action goes back on top where something changed under it; the presenter shows it
(a flip, or on the GPU path an upload of the changed rectangles and a present). Animations
take `now`, so a late frame lands where the clock says.
"""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Callable
from typing import Any

import pygame

from display.announcer import Announcements
from display.commands import (
    AnnouncementsUpdate,
    Command,
    PhotoGone,
    PhotoReady,
    Resync,
    ShowUpdate,
    TextsUpdate,
)
from display.contracts import Layout
from display.frames import FrameStats
from display.heartbeat import Heartbeat
from display.library import PhotoLibrary
from display.overlays import CallToAction, CornerBand, idle_screen
from display.pacing import RateGovernor
from display.playlist import Playlist
from display.preview import PreviewSink
from display.projection import Projection
from display.rotation import FairRotation
from display.show import ShowPlan
from display.window import Presenter, ScreenFlip

log = logging.getLogger(__name__)

# The feed may post thousands of commands at once (a first snapshot); applying them is
# cheap, but spread beyond this many per frame so one frame never pays for all of them.
COMMANDS_PER_FRAME = 500
# Insurance against a layout that forgets a changed rectangle (magnified walls, where the
# canvas is not the screen): the whole canvas is copied this often.
FULL_REFRESH_S = 5.0
# With vsync the flip itself waits for the display: wake up this much before the deadline.
VSYNC_SLACK_S = 0.002
STATUS_INTERVAL_S = 60.0  # how often the photo count and longest wait go to the log
# Frames this slow are logged with the layout on screen: a visible stutter worth a look.
SLOW_FRAME_S = 0.05
# A layout's exception is logged with its traceback at most this often.
ERROR_LOG_INTERVAL_S = 60.0

FrameSink = Callable[[pygame.Surface, int, float], None]


class Runner:
    """Owns the frame loop; everything it drives is handed in (see `display.app`)."""

    def __init__(
        self,
        *,
        screen: pygame.Surface,
        canvas_size: tuple[int, int],
        fps: int,
        vsync: bool,
        playlist: Playlist,
        library: PhotoLibrary,
        rotation: FairRotation,
        band: CornerBand,
        idle: pygame.Surface,
        commands: queue.SimpleQueue[Command],
        frame_sink: FrameSink | None = None,
        max_frames: int | None = None,
        presenter: Presenter | None = None,
        link_up: Callable[[], bool] = lambda: False,
        preview: PreviewSink | None = None,
        texts: CallToAction | None = None,
        heartbeat: Heartbeat | None = None,
        projection: Projection | None = None,
        adaptive_rate: bool = True,
        extra_cost: Callable[[int], float] | None = None,
        announcements: Announcements | None = None,
    ) -> None:
        """`presenter`: how the frame reaches the screen; a plain flip of `screen` if None.
        `link_up`: whether the feed hears the server (else a saved show plan decides).
        `preview`: gets the composed frame after each present, to send a glimpse upstream.
        `adaptive_rate`: halve the rate, evenly paced, when frames do not fit (`pacing`).
        `extra_cost`: seconds added to frame N's work, for tests of the pacing only.
        `announcements`: the office's slides, which take the wall when their time comes."""
        self.screen = screen
        self._presenter = presenter or ScreenFlip(screen)
        self.size = canvas_size
        # At 1:1 the layouts paint the screen itself (a copy of a 4K canvas costs 2.4 ms a
        # frame); a magnified LED wall needs a logical-size canvas and a frame to scale. With a
        # projection pass (calibration, blend, brightness: `display.projection`) the layouts
        # paint a content canvas that the pass warps onto the window.
        self._projection = projection if projection is not None and projection.active else None
        window = self._projection.window_size if self._projection else canvas_size
        self._scaled = screen.get_size() != window
        separate = self._scaled or self._projection is not None
        self.canvas = pygame.Surface(canvas_size, 0, screen) if separate else screen
        copied = self._scaled and self._projection is None
        self._frame = pygame.Surface(canvas_size, 0, screen) if copied else self.canvas
        self._projected = self._frame  # what is magnified onto the screen
        if self._projection is not None:
            self._projected = pygame.Surface(window, 0, screen) if self._scaled else screen
        self.pacing = RateGovernor(fps, adaptive=adaptive_rate)
        self._extra_cost = extra_cost
        self._vsync = vsync
        self.playlist = playlist
        self.library = library
        self.rotation = rotation
        self._band = band
        self._idle = idle
        self._commands = commands
        self._sink = frame_sink
        self._max_frames = max_frames
        self.stats = FrameStats(1.0 / fps, keep_all=max_frames is not None)
        self._mode = "none"  # "idle", "dark" or "layout": what the canvas holds
        self._plan: ShowPlan | None = None  # None: no word from a schedule yet, lit
        self._link_up = link_up
        self._preview = preview
        self._texts = texts  # what `band` and `idle` say
        self._heartbeat = heartbeat  # systemd's READY and watchdog, from this loop itself
        self.dark_frames = 0
        self._last_full = -FULL_REFRESH_S
        self._last_error_log = -ERROR_LOG_INTERVAL_S
        self.idle_frames = 0
        self._next_status = time.monotonic() + STATUS_INTERVAL_S
        self._running = False
        self._announcements = announcements
        self._started: Layout | None = None  # the layout (or slide) last started
        self._idle_since = 0.0  # an empty wall's "turn": slides between layouts keep its pace
        self._handlers: dict[type, Callable[[Any], None]] = {
            PhotoReady: self._on_ready,
            PhotoGone: self._on_gone,
            Resync: self._on_resync,
            ShowUpdate: self._on_show,
            TextsUpdate: self._on_texts,
            AnnouncementsUpdate: self._on_announcements,
        }

    # The command table: the only way the feed reaches the screen

    def _on_ready(self, command: PhotoReady) -> None:
        self.library.know(command.photo)
        self.rotation.add(command.photo, command.fresh)

    def _on_gone(self, command: PhotoGone) -> None:
        self.rotation.remove(command.photo_id)
        self.library.forget(command.photo_id)

    def _on_resync(self, command: Resync) -> None:
        for photo in self.rotation.photos():
            if photo.id not in command.live_ids:
                self._on_gone(PhotoGone(photo.id))

    def _on_show(self, command: ShowUpdate) -> None:
        self._plan = command.plan

    def _on_texts(self, command: TextsUpdate) -> None:
        """The server's words replace ours: the corner band and the idle screen are redrawn."""
        if command.cta == self._texts:
            return
        self._texts = command.cta
        self._band = CornerBand(command.cta, self.size)
        self._idle = idle_screen(command.cta, self.size).convert(self.screen)
        if self._mode == "idle":
            self._mode = "none"  # the idle screen is painted again next frame
        elif self._mode == "layout":
            self.playlist.needs_start = True  # a full redraw, with the new band on top

    def _on_announcements(self, command: AnnouncementsUpdate) -> None:
        if self._announcements is not None:
            self._announcements.replace(command.message)

    def _drain_commands(self) -> None:
        for _ in range(COMMANDS_PER_FRAME):
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                return
            try:
                self._handlers[type(command)](command)
            except Exception:  # the show never stops: one bad command is logged and skipped
                log.exception("display command %s failed", type(command).__name__)

    # The loop

    def stop(self) -> None:
        self._running = False

    @property
    def on_screen(self) -> str:
        """In words, for systemd's status line."""
        if self._mode == "dark":
            return "black (no show)"
        if self._mode == "layout":
            return f"layout {self.playlist.name}"
        return "idle screen"

    @property
    def declared_fps(self) -> int:
        """The rate the loop keeps now: the configured one, or half of it (`pacing`)."""
        return self.pacing.fps

    def run(self) -> FrameStats:
        self._running = True
        index = 0
        next_at = time.monotonic()
        last_flip = next_at
        while self._running and (self._max_frames is None or index < self._max_frames):
            start = time.monotonic()
            period, paced = self.pacing.period, self.pacing.reduced
            # At the half rate the frame is composed ahead and shown at its slot: the end of
            # its period (without vsync), the second refresh after the last flip (with it).
            # Its animations take the slot's time, so that motion is even on screen.
            if not paced:
                slot = start
            elif self._vsync:
                slot = last_flip + period
            else:
                slot = next_at + period
            changed = self._frame_work(slot)
            if self._extra_cost is not None:
                time.sleep(self._extra_cost(index))
            before_flip = time.monotonic()
            if paced:
                hold = slot - (self.pacing.full_period - VSYNC_SLACK_S if self._vsync else 0.0)
                if hold > before_flip:
                    time.sleep(hold - before_flip)
            before_present = time.monotonic()
            self._presenter.present(changed)
            end = time.monotonic()
            if self._heartbeat is not None:
                self._heartbeat.frame_presented(end)
            if self._vsync:  # the flip waited for the display: judge by the flip interval
                cost = before_flip - start
                # a frame up for one refresh more than its share: two at 60 fps, three at 30
                late = index > 0 and end - last_flip > period + self.pacing.full_period / 2
            else:
                cost = (before_flip - start) + (end - before_present)
                late = cost > period
            self.stats.add(cost, end, late)
            if self.pacing.note(cost, late, end, index):
                next_at = end - self.pacing.period  # the new rate's first slot starts now
            if end >= self._next_status:
                self._next_status = end + STATUS_INTERVAL_S
                log.info(
                    "wall: %s, %.0f MB of pictures ready, %s",
                    self.rotation.stats(),
                    self.library.surface_bytes / 1e6,
                    self.pacing.describe(),
                )
            if cost > SLOW_FRAME_S:
                log.info("slow frame: %.0f ms (%s)", cost * 1000, self.playlist.name)
            last_flip = end
            if self._sink is not None:
                self._sink(self._presenter.shown(), index, time.time())
            if self._preview is not None:
                self._preview.offer(self._frame, end, self.rotation.take_shown)
            index += 1
            period = self.pacing.period
            next_at += period
            if end - next_at > period:
                next_at = end  # far behind: start afresh, no burst of catch-up frames
            if self.pacing.reduced:
                continue  # the next frame is composed now, and held until its slot
            pause = next_at - time.monotonic() - (VSYNC_SLACK_S if self._vsync else 0.0)
            if pause > 0:
                time.sleep(pause)
        return self.stats

    def _frame_work(self, now: float) -> list[pygame.Rect] | None:
        """The frame composed; the rectangles it changed (None: all) for the presenter."""
        self._drain_commands()
        self._handle_events()
        self.library.pump()
        for photo_id in self.library.take_bad():
            log.warning("photo %s is unreadable: off the rotation until fetched again", photo_id)
            self.rotation.remove(photo_id)
        dirty = self._render(now)
        return self._compose(now, dirty)

    def _handle_events(self) -> None:
        for event in pygame.event.get():
            if event.type == pygame.QUIT or (
                event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE
            ):
                self._running = False

    def _render(self, now: float) -> list[pygame.Rect] | None:
        """Draws this frame onto the canvas; the changed rectangles, or None for all of it."""
        if not self._lit():
            return self._show_dark()
        has_photos = len(self.rotation) > 0
        playing = has_photos or self.playlist.standalone  # a live window plays on its own
        slide = self._slide(now, playing)
        layout: Layout | None = slide
        if layout is None:
            layout = self.playlist.current(now, has_photos) if playing else None
        if layout is None:
            return self._show_idle()
        mode = "layout" if slide is None else "slide"
        # A slide is started and left like a layout: the same cut as between two layouts.
        full = self._mode != mode or self.playlist.needs_start or layout is not self._started
        try:
            if full:
                self.playlist.needs_start = False
                self._mode, self._started = mode, layout
                layout.start(self.size, now)
            layout.update(now, self.library, self.rotation)
            dirty = layout.draw(self.canvas, now)
        except Exception:  # the show never stops: log it, show the idle screen, go on
            self._log_layout_error()
            if slide is not None and self._announcements is not None:
                self._announcements.failed(now)
            else:
                self.playlist.failed(now)
            self._mode = "none"
            return self._show_idle()
        if slide is None:
            self.playlist.succeeded()
        return None if full else dirty

    def _slide(self, now: float, playing: bool) -> Layout | None:
        """The announcement that holds the wall now, if any. Between layouts means when the
        running layout's turn ends; on an empty wall, at the pace layouts would change."""
        if self._announcements is None:
            return None
        if playing and self.playlist.layout is not None:
            boundary = self.playlist.turn_over(now)
            next_boundary = self.playlist.turn_ends_at()
        else:
            if self._mode != "idle" and self._mode != "slide":
                self._idle_since = now
            boundary = now - self._idle_since >= self.playlist.seconds
            next_boundary = self._idle_since + self.playlist.seconds
        slide = self._announcements.layout(now, boundary, next_boundary)
        if slide is not None and boundary and not playing:
            self._idle_since = now
        return slide

    def _lit(self) -> bool:
        plan = self._plan
        return plan is None or plan.lit_at(time.time(), self._link_up())

    def _show_dark(self) -> list[pygame.Rect] | None:
        """True black between shows: a projector leaks light on anything grey."""
        self.dark_frames += 1
        if self._mode == "dark":
            return []
        self._mode = "dark"
        self.canvas.fill((0, 0, 0))
        return None

    def _show_idle(self) -> list[pygame.Rect] | None:
        self.idle_frames += 1
        if self._mode == "idle":
            return []
        self._mode = "idle"
        self.canvas.blit(self._idle, (0, 0))
        return None

    def _log_layout_error(self) -> None:
        now = time.monotonic()
        if now - self._last_error_log >= ERROR_LOG_INTERVAL_S:
            self._last_error_log = now
            log.exception("layout %r failed; showing the idle screen", self.playlist.name)
        else:
            log.warning("layout %r failed again", self.playlist.name)

    def _compose(self, now: float, dirty: list[pygame.Rect] | None) -> list[pygame.Rect] | None:
        """The call to action on top of what changed; magnified to the screen if need be."""
        frame = self._frame
        if frame is self.canvas:
            band_hit = dirty is None or any(self._band.rect.colliderect(r) for r in dirty)
        elif dirty is None or now - self._last_full >= FULL_REFRESH_S:
            self._last_full = now
            frame.blit(self.canvas, (0, 0))
            band_hit = True
        else:
            band_hit = False
            for rect in dirty:
                frame.blit(self.canvas, rect, rect)
                band_hit = band_hit or self._band.rect.colliderect(rect)
        if band_hit and self._mode == "layout":
            self._band.draw(frame)
            if dirty is not None:
                dirty = [*dirty, self._band.rect]
        if self._projection is not None:
            dirty = self._projection.apply(frame, self._projected, dirty)
        if self._scaled:
            pygame.transform.scale(self._projected, self.screen.get_size(), self.screen)  # nearest
            return None
        return dirty
