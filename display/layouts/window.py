"""The `window` layout: a live webcam full screen, the place's name as its caption.

Frames arrive decoded and scaled to the wall by the stream's own thread (`display.live`); a
frame here is one blit of a ready Surface and the caption over it, only when a new picture
came. A stream that stalls leaves its last picture up; once that picture is older than
`[display] live_hold_s`, `available` says so and the playlist moves on (`display.playlist`);
the window comes back into the playlist when frames do. Several windows take turns, one
per turn of the layout. It needs no photo: a wall of webcams alone is a wall.
"""

from __future__ import annotations

import pygame

from display.contracts import ImageSource, Rotation
from display.live import LiveStream, LiveWindows
from display.overlays import ACCENT, PANEL, fit_line
from wall.config import DisplaySection

CAPTION_SHARE = 0.045  # of the wall's height: a place's name read from across the square
CAPTION_MARGIN_SHARE = 0.025
LIVE_MARK = "●"  # before the name: the viewer sees this is now, not a photo


class Window:
    """Implements `display.contracts.Layout`, and `available` for the playlist."""

    name = "window"
    needs_photos = False

    def __init__(self, live: LiveWindows) -> None:
        self._live = live
        self._size = (0, 0)
        self._stream: LiveStream | None = None
        self._turn = 0
        self._drawn_seq = -1
        self._caption: pygame.Surface | None = None

    def available(self, now: float) -> bool:
        return bool(self._live.fresh(now))

    def start(self, size: tuple[int, int], now: float) -> None:
        self._size = size
        self._stream = None
        fresh = self._live.fresh(now)
        if fresh:
            self._turn += 1
            self._show(fresh[self._turn % len(fresh)])

    def _show(self, stream: LiveStream) -> None:
        self._stream = stream
        stream.want_size(self._size)
        self._drawn_seq = -1
        self._caption = self._render_caption(stream.window.place)

    def _render_caption(self, place: str) -> pygame.Surface | None:
        width, height = self._size
        line = fit_line(f"{LIVE_MARK} {place}", round(height * CAPTION_SHARE), width // 2, ACCENT)
        if line is None:
            return None
        pad = line.get_height() // 3
        panel = pygame.Surface((line.get_width() + 2 * pad, line.get_height() + pad))
        panel.fill(PANEL)
        panel.blit(line, (pad, pad // 2))
        return panel

    def update(self, now: float, source: ImageSource, rotation: Rotation) -> None:  # noqa: ARG002
        """A stalled window gives way to another that is live, if there is one."""
        stream = self._stream
        if stream is not None and stream.fresh(now, self._live.hold_s):
            return
        fresh = self._live.fresh(now)
        if fresh and stream not in fresh:
            self._show(fresh[0])

    def draw(self, canvas: pygame.Surface, now: float) -> list[pygame.Rect]:  # noqa: ARG002
        stream = self._stream
        picture = stream.latest() if stream is not None else None
        full = canvas.get_rect()
        if picture is None or picture.surface.get_size() != self._size:
            if self._drawn_seq == -1:  # nothing yet at this size: black with the caption
                canvas.fill((0, 0, 0))
                self._draw_caption(canvas)
                self._drawn_seq = 0
                return [full]
            return []
        if picture.seq == self._drawn_seq:
            return []  # the last picture stays up: a stall shows it until the playlist moves
        canvas.blit(picture.surface, (0, 0))
        self._draw_caption(canvas)
        self._drawn_seq = picture.seq
        return [full]

    def _draw_caption(self, canvas: pygame.Surface) -> None:
        if self._caption is None:
            return
        margin = round(self._size[1] * CAPTION_MARGIN_SHARE)
        canvas.blit(self._caption, (margin, margin))


def create(settings: DisplaySection, live: LiveWindows | None = None) -> Window:  # noqa: ARG001
    """`live`: the display's windows; a playlist without them gets an empty set."""
    return Window(live if live is not None else LiveWindows("", "", settings.live_hold_s))
