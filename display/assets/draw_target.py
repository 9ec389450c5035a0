"""Draws `target-default.png`, the photomosaic picture that ships: a lighthouse at sunset.

    python display/assets/draw_target.py

Bold flat shapes in a few strong colours, so the picture still reads at 12 cells high and
the colour matching has distinct regions to fill. Kept as code so anyone can change it.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

SIZE = (640, 360)  # 16:9; the photomosaic crops it to the wall's shape around the centre
OUT = Path(__file__).with_name("target-default.png")

NIGHT = (24, 40, 112)
DUSK = (176, 52, 108)
GLOW = (246, 138, 44)
SUN = (255, 214, 64)
SEA = (8, 104, 128)
SWELL = (64, 170, 184)
ROCK = (34, 30, 40)
RED = (214, 34, 44)
WHITE = (246, 244, 236)
BEAM = (255, 240, 168)
TOWER_X = 230  # left of centre, yet inside a square crop of the middle


def draw() -> Image.Image:
    image = Image.new("RGB", SIZE, NIGHT)
    pen = ImageDraw.Draw(image)
    width, height = SIZE
    horizon = 228
    pen.rectangle((0, 110, width, 170), fill=DUSK)
    pen.rectangle((0, 170, width, horizon), fill=GLOW)
    pen.ellipse((380, horizon - 90, 560, horizon + 90), fill=SUN)
    pen.rectangle((0, horizon, width, height), fill=SEA)
    for y, x0, x1 in ((250, 360, 600), (276, 400, 560), (304, 430, 530), (262, 40, 150)):
        pen.rectangle((x0, y, x1, y + 8), fill=SWELL)
    pen.polygon([(0, height), (0, 270), (140, 250), (250, 262), (350, 300), (390, height)], ROCK)
    cx = TOWER_X
    pen.polygon([(cx + 28, 72), (640, 20), (640, 150)], fill=BEAM)  # the beam, towards the sea
    tower_top, tower_base = 96, 270
    for band in range(6):  # a tapered tower in red and white bands
        top = tower_top + band * (tower_base - tower_top) // 6
        bottom = tower_top + (band + 1) * (tower_base - tower_top) // 6

        def half(y: int) -> float:
            return 18 + 16 * (y - tower_top) / (tower_base - tower_top)

        pen.polygon(
            [
                (cx - half(top), top),
                (cx + half(top), top),
                (cx + half(bottom), bottom),
                (cx - half(bottom), bottom),
            ],
            fill=RED if band % 2 == 0 else WHITE,
        )
    pen.rectangle((cx - 20, 62, cx + 20, 96), fill=BEAM)  # the lantern
    pen.polygon([(cx - 28, 62), (cx + 28, 62), (cx, 38)], fill=ROCK)  # its roof
    pen.rectangle((cx - 32, 94, cx + 32, 100), fill=ROCK)  # the gallery
    return image


if __name__ == "__main__":
    draw().quantize(colors=16).save(OUT, optimize=True)
