"""An announcement drawn full-screen: the one drawing, on the wall and in the console's preview.

A text slide sets its French title and text, a gold rule, then the English ones, centred in
the wall's fonts (`display.fonts`: every script, emoji in colour), over the operator's photo
cover-cropped and darkened for legibility, or over the idle screen's gradient without one. An
image slide is the image alone, whole, on true black. Sizes follow the wall's height, so a
preview at 960×540 is the 1080p wall at half scale.

The drawing is a generator of small steps (one line of text each): the render loop advances
it a few milliseconds per frame while the photos play, and the slide goes on once whole. The
picture's pixels (decode, crop, scale, darken) are `background`'s work, pure OpenCV for a
worker thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np
import pygame

from display.overlays import ACCENT, IDLE_BOTTOM, IDLE_TOP, MIN_TEXT_PX, WHITE, text_line
from wall.wire import WallAnnouncement

# Shares of the wall's height: titles read from across a square, the text a little smaller,
# the English a step below the French (the office's first language on its own wall).
TITLE_FR_SHARE = 0.085
TEXT_FR_SHARE = 0.048
TITLE_EN_SHARE = 0.060
TEXT_EN_SHARE = 0.038
GAP_SHARE = 0.022
RULE_SHARE = (0.12, 0.006)  # the gold rule between the languages: width of the wall, height
TEXT_WIDTH_SHARE = 0.80
TEXT_HEIGHT_SHARE = 0.86  # the block shrinks until it fits this much of the height
SHRINK = 0.9
MAX_LINES = {"title": 2, "text": 5}
# The photo under the words keeps this much of its light: white text at 4.5:1 or better on
# anything but a white sky, which the extra shade at the block's rows covers.
PHOTO_LIGHT = 0.42
BLOCK_SHADE = 0.65  # further, behind the text block only
ENGLISH = (200, 220, 255)  # as the idle screen's English line
BLACK = (0, 0, 0)
LEADING = 0.15  # between the lines of one part, of a line's height


@dataclass(frozen=True, slots=True)
class _Part:
    text: str
    share: float
    colour: tuple[int, int, int]
    role: str  # "title" or "text"


def background(data: bytes, size: tuple[int, int], kind: str) -> np.ndarray:
    """The slide's picture as BGRA pixels of exactly `size` (a 32-bit SDL surface's bytes:
    the Surface is made over them, no copy): an image slide's image whole on black, a text
    slide's photo cover-cropped and darkened. ValueError if undecodable."""
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if bgr is None or bgr.size == 0:
        raise ValueError("the slide's image cannot be decoded")
    width, height = size
    h, w = bgr.shape[:2]
    out: np.ndarray
    if kind == "image":
        scale = min(width / w, height / h)
        fitted = (max(1, round(w * scale)), max(1, round(h * scale)))
        out = np.zeros((height, width, 3), np.uint8)
        x, y = (width - fitted[0]) // 2, (height - fitted[1]) // 2
        out[y : y + fitted[1], x : x + fitted[0]] = _resized(bgr, fitted)
    else:
        scale = max(width / w, height / h)
        crop_w, crop_h = min(w, round(width / scale)), min(h, round(height / scale))
        left, top = (w - crop_w) // 2, (h - crop_h) // 2
        out = _resized(bgr[top : top + crop_h, left : left + crop_w], size)
        out = cv2.convertScaleAbs(out, alpha=PHOTO_LIGHT)
    return cv2.cvtColor(out, cv2.COLOR_BGR2BGRA)


def _resized(bgr: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    shrinking = size[0] < bgr.shape[1]
    return cv2.resize(bgr, size, interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)


def _parts(slide: WallAnnouncement) -> list[_Part]:
    parts = [
        _Part(slide.title_fr, TITLE_FR_SHARE, WHITE, "title"),
        _Part(slide.text_fr, TEXT_FR_SHARE, WHITE, "text"),
        _Part(slide.title_en, TITLE_EN_SHARE, ENGLISH, "title"),
        _Part(slide.text_en, TEXT_EN_SHARE, ENGLISH, "text"),
    ]
    return [part for part in parts if part.text.strip()]


class SlideDrawing:
    """Draws one slide at one size in steps; `surface` is set once `steps()` is exhausted."""

    def __init__(
        self, slide: WallAnnouncement, size: tuple[int, int], pixels: np.ndarray | None
    ) -> None:
        self.slide = slide
        self.size = size
        self._pixels = pixels
        self.surface: pygame.Surface | None = None

    def steps(self) -> Iterator[None]:
        canvas = self._canvas()
        yield
        if self.slide.kind == "text":
            scale = 1.0
            while True:
                blocks: list[list[pygame.Surface]] = []
                for part in _parts(self.slide):
                    lines: list[pygame.Surface] = []
                    for line in _wrapped(part, self.size, scale):
                        if line is None:
                            yield
                        else:
                            lines.append(line)
                    blocks.append(lines)
                if self._height(blocks, scale) <= self.size[1] * TEXT_HEIGHT_SHARE or scale < 0.3:
                    break
                scale *= SHRINK
            self._set(canvas, blocks, scale)
        self.surface = canvas

    def draw(self) -> pygame.Surface:
        """All steps at once: the console's preview, a test."""
        for _ in self.steps():
            pass
        assert self.surface is not None
        return self.surface

    def _canvas(self) -> pygame.Surface:
        width, height = self.size
        if self._pixels is not None:  # over the worker's buffer: no copy on this thread
            return pygame.image.frombuffer(self._pixels.data, (width, height), "BGRA")
        if self.slide.kind == "image":  # its image not there (yet): black, never grey
            canvas = pygame.Surface(self.size)
            canvas.fill(BLACK)
            return canvas
        seed = pygame.Surface((1, 2))
        seed.set_at((0, 0), IDLE_TOP)
        seed.set_at((0, 1), IDLE_BOTTOM)
        return pygame.transform.smoothscale(seed, self.size)

    def _height(self, blocks: list[list[pygame.Surface]], scale: float) -> int:
        gap = round(self.size[1] * GAP_SHARE * scale)
        lines = sum(_block_height(block) for block in blocks)
        rule = round(self.size[1] * RULE_SHARE[1]) + 2 * gap if self._bilingual() else 0
        return lines + gap * max(0, len(blocks) - 1) + rule

    def _bilingual(self) -> bool:
        slide = self.slide
        return bool(
            (slide.title_fr or slide.text_fr).strip() and (slide.title_en or slide.text_en).strip()
        )

    def _set(
        self, canvas: pygame.Surface, blocks: list[list[pygame.Surface]], scale: float
    ) -> None:
        width, height = self.size
        total = self._height(blocks, scale)
        gap = round(height * GAP_SHARE * scale)
        top = (height - total) // 2
        if self._pixels is not None and total:  # a photo under the words: shade their rows
            band = pygame.Rect(0, max(0, top - gap), width, min(height, total + 2 * gap))
            light = round(255 * BLOCK_SHADE)
            canvas.fill((light, light, light), band, special_flags=pygame.BLEND_RGB_MULT)
        y = top
        parts = _parts(self.slide)
        for index, (part, block) in enumerate(zip(parts, blocks, strict=True)):
            if index and part.colour == ENGLISH and parts[index - 1].colour == WHITE:
                y += gap
                rule = pygame.Rect(
                    0, 0, round(width * RULE_SHARE[0]), round(height * RULE_SHARE[1])
                )
                rule.midtop = (width // 2, y)
                canvas.fill(ACCENT, rule)
                y += rule.height + gap
            elif index:
                y += gap
            for line in block:
                canvas.blit(line, ((width - line.get_width()) // 2, y))
                y += line.get_height() + round(line.get_height() * LEADING)
            y -= round(block[-1].get_height() * LEADING) if block else 0


def _block_height(block: list[pygame.Surface]) -> int:
    heights = [line.get_height() for line in block]
    return sum(heights) + sum(round(h * LEADING) for h in heights[:-1])


def _wrapped(part: _Part, size: tuple[int, int], scale: float) -> Iterator[pygame.Surface | None]:
    """The part's lines, greedy by words, each as wide as the block allows (None between
    two renderings: a pause for the render loop). A word wider than the block is shrunk on a
    line of its own; past the part's line budget the last line ends with an ellipsis."""
    px = round(size[1] * part.share * scale)
    if px < MIN_TEXT_PX:
        return
    room = round(size[0] * TEXT_WIDTH_SHARE)
    words = part.text.split()
    lines_left = MAX_LINES[part.role]
    line, drawn_line = "", None
    index = 0
    while index < len(words) and lines_left > 0:
        attempt = f"{line} {words[index]}".strip()
        drawn = text_line(attempt, px, part.colour)
        yield None
        if drawn is not None and drawn.get_width() <= room:
            line, drawn_line = attempt, drawn
            index += 1
            continue
        lines_left -= 1
        if not line:  # one word alone too wide: shrunk on its own line
            yield from _shrunk(words[index], px, room, part.colour)
            index += 1
        elif lines_left == 0:  # no line left for the rest: say there is more
            yield from _shrunk(line + " …", px, room, part.colour)
            return
        else:
            yield drawn_line
        line, drawn_line = "", None
    if drawn_line is not None:
        yield drawn_line


def _shrunk(
    text: str, px: int, room: int, colour: tuple[int, int, int]
) -> Iterator[pygame.Surface]:
    while px >= MIN_TEXT_PX:
        drawn = text_line(text, px, colour)
        if drawn is None:
            return
        if drawn.get_width() <= room:
            yield drawn
            return
        px = int(px * SHRINK)
