"""The call to action on every layout, and the idle screen of an empty wall.

Both are drawn once into Surfaces when the size is known; a frame only blits them. Sizes
follow the wall's height, so a 4K projector and a 192-pixel LED panel both get a readable
band: text under MIN_TEXT_PX is dropped rather than smeared, and the QR code is scaled by
whole pixels per module (nearest neighbour), so its modules stay sharp.
"""

from __future__ import annotations

from dataclasses import dataclass

import pygame
import segno

from display.fonts import render_line

# Below this a line of text is a smudge on an LED panel: leave it out.
MIN_TEXT_PX = 12
# Under this size glyph edges are crisper without antialiasing (LED panels, tiny walls).
ANTIALIAS_FROM_PX = 20
QR_BORDER_MODULES = 2  # the quiet zone scanners need; 4 is the norm, 2 reads fine on screens
# The corner band's QR: about 16 % of the wall's height; never more than 30 % of it.
BAND_QR_SHARE = 0.16
BAND_QR_MAX_SHARE = 0.30
BAND_MARGIN_SHARE = 0.02

WHITE = (255, 255, 255)
INK = (12, 12, 16)
PANEL = (18, 18, 26)
ACCENT = (255, 196, 0)
IDLE_TOP = (52, 38, 120)
IDLE_BOTTOM = (18, 70, 110)


@dataclass(frozen=True)
class CallToAction:
    """What the overlays say: all from [wall] and [display]."""

    wall_name: str
    hashtag: str
    text_fr: str
    text_en: str
    qr_target: str


def qr_surface(target: str, module_px: int) -> pygame.Surface:
    """Black modules on white, `module_px` pixels each, quiet zone included."""
    code = segno.make(target, error="m", micro=False)
    rows = [list(row) for row in code.matrix_iter(scale=1, border=QR_BORDER_MODULES)]
    small = pygame.Surface((len(rows[0]), len(rows)))
    small.fill(WHITE)
    for y, row in enumerate(rows):
        for x, dark in enumerate(row):
            if dark:
                small.set_at((x, y), INK)
    return pygame.transform.scale_by(small, module_px)  # nearest: no blur


def qr_modules(target: str) -> int:
    return int(
        segno.make(target, error="m", micro=False).symbol_size(scale=1, border=QR_BORDER_MODULES)[0]
    )


def text_line(text: str, px: int, colour: tuple[int, int, int] = WHITE) -> pygame.Surface | None:
    """One line in the wall's fonts (every script, emoji: `display.fonts`), or None when it
    would be too small to read."""
    if px < MIN_TEXT_PX or not text:
        return None
    return render_line(text, _font_size_for(px), px >= ANTIALIAS_FROM_PX, colour)


def _font_size_for(px: int) -> int:
    """The em is `px`: the size the layouts were drawn with in pygame's own font, which
    scales the size it is asked by 0.6875 (hence the px / 0.7 asked of it before)."""
    return max(1, px)


def fit_line(
    text: str, px: int, max_width: int, colour: tuple[int, int, int] = WHITE
) -> pygame.Surface | None:
    """The line at `px`, shrunk until it fits `max_width`, or None below MIN_TEXT_PX."""
    while px >= MIN_TEXT_PX:
        line = text_line(text, px, colour)
        if line is None or line.get_width() <= max_width:
            return line
        px = int(px * 0.9)
    return None


class CornerBand:
    """The call to action in the bottom-right corner: QR, hashtag, FR and EN lines."""

    def __init__(self, cta: CallToAction, size: tuple[int, int]) -> None:
        self.surface = self._build(cta, size)
        width, height = size
        margin = round(height * BAND_MARGIN_SHARE)
        self.rect = self.surface.get_rect(bottomright=(width - margin, height - margin))

    @staticmethod
    def _build(cta: CallToAction, size: tuple[int, int]) -> pygame.Surface:
        width, height = size
        modules = qr_modules(cta.qr_target)
        module_px = max(1, int(height * BAND_QR_SHARE) // modules)
        qr: pygame.Surface | None = qr_surface(cta.qr_target, module_px)
        if qr is not None and qr.get_height() > height * BAND_QR_MAX_SHARE:
            qr = None
        pad = max(1, round(height * 0.012))
        unit = height / 100
        text_room = int(width * 0.32)
        lines = [
            fit_line(cta.hashtag, round(unit * 3.0), text_room, ACCENT),
            fit_line(cta.text_fr, round(unit * 2.0), text_room),
            fit_line(cta.text_en, round(unit * 2.0), text_room),
        ]
        shown = [line for line in lines if line is not None]
        qr_w = qr.get_width() if qr else 0
        qr_h = qr.get_height() if qr else 0
        text_w = max((line.get_width() for line in shown), default=0)
        text_h = sum(line.get_height() for line in shown) + pad * max(0, len(shown) - 1)
        gap = pad * 2 if qr and shown else 0
        band = pygame.Surface((qr_w + gap + text_w + 2 * pad, max(qr_h, text_h) + 2 * pad))
        band.fill(PANEL)
        if qr:
            band.blit(qr, (pad, pad))
        y = pad + (band.get_height() - 2 * pad - text_h) // 2
        for line in shown:
            band.blit(line, (pad + qr_w + gap, y))
            y += line.get_height() + pad
        return band

    def draw(self, target: pygame.Surface) -> pygame.Rect:
        return target.blit(self.surface, self.rect)


def idle_screen(cta: CallToAction, size: tuple[int, int]) -> pygame.Surface:
    """An empty wall's whole frame: the wall's name, the invitation and a big QR code."""
    width, height = size
    screen = _gradient(size, IDLE_TOP, IDLE_BOTTOM)
    modules = qr_modules(cta.qr_target)
    landscape = width >= height * 1.2
    qr_side = min(height * (0.62 if landscape else 0.42), width * (0.42 if landscape else 0.6))
    qr = qr_surface(cta.qr_target, max(1, int(qr_side) // modules))
    unit = height / 100
    gap = round(unit * 3)
    text_room = width - qr.get_width() - 4 * gap if landscape else int(width * 0.9)
    # The invitation matters most: on a low LED wall it stays at the smallest readable size.
    invitation_px = max(MIN_TEXT_PX, round(unit * 4.2))
    lines = [
        fit_line(cta.wall_name, round(unit * 8), text_room),
        fit_line(cta.text_fr, invitation_px, text_room),
        fit_line(cta.text_en, invitation_px, text_room, (200, 220, 255)),
        fit_line(cta.hashtag, max(MIN_TEXT_PX, round(unit * 5)), text_room, ACCENT),
    ]
    shown = [line for line in lines if line is not None]
    text_h = sum(line.get_height() for line in shown) + gap * max(0, len(shown) - 1)
    if landscape:
        block_w = qr.get_width() + gap * 2 + max((ln.get_width() for ln in shown), default=0)
        left = (width - block_w) // 2
        screen.blit(qr, (left, (height - qr.get_height()) // 2))
        x, y = left + qr.get_width() + gap * 2, (height - text_h) // 2
        for line in shown:
            screen.blit(line, (x, y))
            y += line.get_height() + gap
    else:
        total = qr.get_height() + gap + text_h
        y = (height - total) // 2
        screen.blit(qr, ((width - qr.get_width()) // 2, y))
        y += qr.get_height() + gap
        for line in shown:
            screen.blit(line, ((width - line.get_width()) // 2, y))
            y += line.get_height() + gap
    return screen


def _gradient(
    size: tuple[int, int], top: tuple[int, int, int], bottom: tuple[int, int, int]
) -> pygame.Surface:
    """A vertical gradient: drawn as a 1×2 surface, scaled smoothly once."""
    seed = pygame.Surface((1, 2))
    seed.set_at((0, 0), top)
    seed.set_at((0, 1), bottom)
    return pygame.transform.smoothscale(seed, size)
