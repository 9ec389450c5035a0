"""The calibration test pattern, drawn once on the content canvas and warped like the show.

What the operator lines up against the wall: a square grid across the whole content (its
lines must run straight and continuous over the two projectors' overlap), each output's
slice outlined with its numbered corners in distinct colours (the handles the operator drags
carry the same numbers), a circle that shows a wrong aspect, colour bars for the projector's
picture settings, and each output's resolution in words.
"""

from __future__ import annotations

import pygame

from display.overlays import fit_line
from display.projection import Geometry

BACKGROUND = (0, 0, 0)
GRID = (150, 150, 150)
EDGE = (255, 255, 255)
BLEND_EDGE = (255, 150, 0)
GRID_ROWS = 9  # squares across the height: big enough to judge from the back of a square
# The SMPTE-like bar order: brightest to darkest luma, so a clipped channel shows at once.
BARS = (
    (255, 255, 255),
    (255, 255, 0),
    (0, 255, 255),
    (0, 255, 0),
    (255, 0, 255),
    (255, 0, 0),
    (0, 0, 255),
    (16, 16, 16),
)
# Corner 1..4 (top left, top right, bottom right, bottom left), as the calibrator's handles.
CORNER_COLOURS = ((255, 60, 60), (60, 220, 60), (70, 130, 255), (255, 220, 0))


def test_pattern(geometry: Geometry) -> pygame.Surface:
    """The content canvas's picture for `wall display --calibrate`."""
    width, height = geometry.content_size
    surface = pygame.Surface((width, height))
    surface.fill(BACKGROUND)
    line = max(1, height // 540)
    _grid(surface, line)
    for index in range(geometry.outputs):
        area = pygame.Rect(geometry.slice_x(index), 0, *geometry.output_size)
        _output_marks(surface, area, index, geometry, line)
    if geometry.blend_px:
        _overlap_marks(surface, geometry, line)
    return surface


def _grid(surface: pygame.Surface, line: int) -> None:
    width, height = surface.get_size()
    step = max(4, height // GRID_ROWS)
    for x in range(width // 2 % step, width, step):
        pygame.draw.line(surface, GRID, (x, 0), (x, height), line)
    for y in range(height // 2 % step, height, step):
        pygame.draw.line(surface, GRID, (0, y), (width, y), line)


def _output_marks(
    surface: pygame.Surface, area: pygame.Rect, index: int, geometry: Geometry, line: int
) -> None:
    pygame.draw.rect(surface, EDGE, area, line * 2)
    radius = round(area.h * 0.42)
    pygame.draw.circle(surface, EDGE, area.center, radius, line * 2)
    pygame.draw.line(
        surface,
        EDGE,
        (area.centerx - radius, area.centery),
        (area.centerx + radius, area.centery),
        line,
    )
    pygame.draw.line(
        surface,
        EDGE,
        (area.centerx, area.centery - radius),
        (area.centerx, area.centery + radius),
        line,
    )
    bars = pygame.Rect(0, 0, round(area.w * 0.6), max(2, round(area.h * 0.1)))
    bars.midtop = (area.centerx, area.centery + round(area.h * 0.12))
    for number, colour in enumerate(BARS):
        left = bars.left + bars.w * number // len(BARS)
        right = bars.left + bars.w * (number + 1) // len(BARS)
        surface.fill(colour, (left, bars.top, right - left, bars.h))
    _corner_markers(surface, area)
    size = f"{geometry.output_size[0]}×{geometry.output_size[1]}"
    label = f"Sortie {index + 1} / Output {index + 1} — {size}"
    text = fit_line(label, max(12, area.h // 22), round(area.w * 0.8))
    if text is not None:
        place = text.get_rect(midbottom=(area.centerx, area.centery - round(area.h * 0.1)))
        surface.blit(text, place)


def _corner_markers(surface: pygame.Surface, area: pygame.Rect) -> None:
    """A filled triangle in each corner and its number: what the handles are called."""
    side = max(6, area.h // 7)
    corners = (
        area.topleft,
        (area.right, area.top),
        (area.right, area.bottom),
        (area.left, area.bottom),
    )
    for number, ((x, y), colour) in enumerate(zip(corners, CORNER_COLOURS, strict=True), 1):
        sx = 1 if x == area.left else -1
        sy = 1 if y == area.top else -1
        pygame.draw.polygon(surface, colour, [(x, y), (x + sx * side, y), (x, y + sy * side)])
        digit = fit_line(str(number), max(12, side // 2), side, colour)
        if digit is not None:
            centre = (x + sx * round(side * 0.6), y + sy * round(side * 0.6))
            surface.blit(digit, digit.get_rect(center=centre))


def _overlap_marks(surface: pygame.Surface, geometry: Geometry, line: int) -> None:
    """The overlap's two edges, dashed: there the two projectors' grids must coincide."""
    height = geometry.content_size[1]
    dash = max(4, height // 60)
    for index in range(1, geometry.outputs):
        start = geometry.slice_x(index)
        for x in (start, start + geometry.blend_px - 1):
            for y in range(0, height, dash * 2):
                pygame.draw.line(surface, BLEND_EDGE, (x, y), (x, y + dash), line)
        label = fit_line(
            f"fondu / blend {geometry.blend_px} px",
            max(12, height // 40),
            geometry.blend_px * 3,
            BLEND_EDGE,
        )
        if label is not None:
            surface.blit(label, label.get_rect(midtop=(start + geometry.blend_px // 2, dash)))
