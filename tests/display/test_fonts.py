"""Captions in every script, read back as pixels: glyphs, not the empty boxes of a missing font.

A font without a glyph draws its .notdef box: the same shape for every missing character. So
each character of a mixed caption is drawn alone and the shapes are compared: all different
means every one got its own glyph. Needs the fonts `.ci/run` installs (Noto, Droid Sans
Fallback, Noto Color Emoji).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pygame
import pytest

from display import fonts
from display.overlays import text_line

CAPTION = "Léa à Brive 🎉😀 花火 مرحبا שלום नमस्ते"
# One character of each kind a visitor writes: accented Latin, emoji, CJK, Arabic, Hebrew,
# Devanagari. With pygame's own font all but the first two are the same box.
SAMPLES = "éç🎉😀❤花火字بجسשאב" + "नम"
INK = 40  # a pixel with this much alpha (or brightness on black) is ink
PX = 40


@pytest.fixture(autouse=True)
def fresh_fonts(sdl: None) -> Iterator[None]:  # noqa: ARG001 (SDL set up by the fixture)
    """Each test finds the fonts anew, as a renderer does at start."""
    pygame.display.set_mode((64, 64))
    fonts.configure(())
    yield
    fonts.configure(())


def ink(surface: pygame.Surface) -> np.ndarray:
    """(height, width) booleans: where the line drew something."""
    if surface.get_flags() & pygame.SRCALPHA:
        alpha = pygame.surfarray.array_alpha(surface)
    else:
        alpha = pygame.surfarray.array3d(surface).max(axis=2)
    return (alpha >= INK).T


def cropped(mask: np.ndarray) -> np.ndarray:
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    assert rows.size and cols.size, "nothing drawn"
    return mask[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def shape_key(char: str) -> bytes:
    """A glyph's shape, independent of where it sits: the cropped ink mask."""
    line = text_line(char, PX)
    assert line is not None
    shape = cropped(ink(line))
    return bytes(shape.shape) + np.packbits(shape).tobytes()


def test_every_script_of_a_caption_draws_its_own_glyphs() -> None:
    shapes = {char: shape_key(char) for char in SAMPLES}
    clashes = [
        (a, b) for i, a in enumerate(SAMPLES) for b in SAMPLES[i + 1 :] if shapes[a] == shapes[b]
    ]
    assert not clashes, f"drawn as the same shape (a missing glyph's box): {clashes}"
    box = shape_key("\u0378")  # unassigned, in no font: the .notdef box
    boxed = [char for char in SAMPLES if shapes[char] == box]
    assert not boxed, f"drawn as the missing-glyph box: {boxed}"


def test_colour_emoji_are_in_colour() -> None:
    line = text_line("Bravo 🎉😀", PX)
    assert line is not None
    rgb = pygame.surfarray.array3d(line).astype(int)
    alpha = pygame.surfarray.array_alpha(line)
    saturated = (rgb.max(axis=2) - rgb.min(axis=2) > 80) & (alpha > 200)
    # White text has none; the party popper and the smiley are yellow, red and blue.
    assert saturated.sum() > PX * PX * 0.3, "the emoji came out without colour"


def test_arabic_is_joined_and_right_to_left() -> None:
    alone = text_line("ب", PX)
    joined = text_line("ببب", PX)
    assert alone is not None and joined is not None
    assert cropped(ink(joined)).shape[1] < 2.5 * cropped(ink(alone)).shape[1], (
        "three joined letters are narrower than three isolated ones"
    )
    # Alef (a tall stroke) then beh: right to left, the alef stands at the right.
    mask = cropped(ink(text_line("اب", PX)))  # type: ignore[arg-type]
    tallest = int(mask.sum(axis=0).argmax())
    assert tallest > mask.shape[1] / 2, "the first letter of an Arabic word is at the right"


def test_mixed_caption_keeps_its_words_in_reading_order() -> None:
    runs = fonts.chain().runs(CAPTION)
    assert "".join(run.text for run in runs) != ""
    texts = [run.text.strip() for run in runs if run.text.strip()]
    assert texts[:3] == ["Léa à Brive", "🎉😀", "花火"]
    arabic = next(run for run in runs if "مرحبا" in run.text)
    assert arabic.rtl and "Arabic" in Path(arabic.font.path).name  # type: ignore[union-attr]
    # Runs in visual order, left to right: an Arabic phrase in a French line keeps its
    # spaces on both sides; an Arabic line starts (at the right) with its first word.
    french = [run.text for run in fonts.chain().runs("Léa مرحبا 2026")]
    assert french == ["Léa ", "مرحبا", " ", "2026"]
    arabic_line = [run.text for run in fonts.chain().runs("مرحبا Léa 2026 شكرا")]
    assert arabic_line == ["شكرا", " ", "Léa 2026", "مرحبا "]


def test_a_broken_or_missing_font_gives_way_to_the_next(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"not a font at all" * 100)
    fonts.configure([str(broken), str(tmp_path / "gone.ttf")])
    with caplog.at_level(logging.INFO, logger="display.fonts"):
        shapes = {char: shape_key(char) for char in "花火é"}
    assert len(set(shapes.values())) == 3, "the chain after the broken font drew them"
    assert str(broken) in caplog.text and "gone.ttf" in caplog.text


def test_without_any_font_the_wall_still_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A bare machine: fontconfig lists nothing, the font folders are empty."""
    empty = tmp_path / "fonts.conf"
    empty.write_text("<?xml version='1.0'?><fontconfig></fontconfig>")
    monkeypatch.setenv("FONTCONFIG_FILE", str(empty))
    monkeypatch.setattr(fonts, "FONT_FOLDERS", (str(tmp_path),))
    with caplog.at_level(logging.INFO, logger="display.fonts"):
        fonts.configure(())
        line = text_line("Léa 🎉 花火", PX)
    assert line is not None and cropped(ink(line)).shape[1] > PX
    assert "no font found" in caplog.text


def test_the_fonts_are_installed_wherever_the_wall_runs() -> None:
    """CI, the mini-PC install and the container all get the chain's packages."""
    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text(encoding="utf-8")
    install = readme[readme.index("## Install a wall on a mini-PC") :]
    places = {
        ".ci/run": (root / ".ci" / "run").read_text(encoding="utf-8"),
        "README install": install,
        "Dockerfile": (root / "deploy" / "docker" / "Dockerfile").read_text(encoding="utf-8"),
    }
    for place, text in places.items():
        missing = [package for package in fonts.FONT_PACKAGES if package not in text]
        assert not missing, f"{place} does not install {missing}"


def test_a_configured_font_is_drawn_first() -> None:
    """`[display] fonts`: the wall's own typeface before the shipped chain."""
    noto = shape_key("a")
    fonts.configure(["DejaVu Sans"])
    assert shape_key("a") != noto
    assert "DejaVu" in fonts.chain().fonts[0].path


def test_without_colour_emoji_support_emoji_are_drawn_in_black_and_white(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An SDL_ttf older than 2.20 draws Noto Color Emoji blank: Symbola takes its place."""
    monkeypatch.setattr(fonts, "colour_emoji_works", lambda _path: False)
    fonts.configure(())
    assert not any(font.colour for font in fonts.chain().fonts)
    shapes = {char: shape_key(char) for char in "🎉😀❤"}
    assert len(set(shapes.values())) == 3 and shape_key("\u0378") not in shapes.values()
    line = text_line("🎉😀", PX)
    assert line is not None
    rgb = pygame.surfarray.array3d(line).astype(int)
    assert (rgb.max(axis=2) - rgb.min(axis=2)).max() < 30, "white glyphs, no colour"
