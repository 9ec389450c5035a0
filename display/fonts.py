"""Real fonts for what visitors write: a fallback chain from Latin to CJK, Arabic and emoji.

pygame's built-in font knows Latin only: an emoji, a 漢字 or an Arabic name came out as
empty boxes. A line is cut into runs of characters that one font of the chain can draw (the
first that has each glyph, asked of FreeType), each run is shaped by SDL_ttf (HarfBuzz: joined
Arabic letters, emoji sequences) and the runs are laid side by side on one baseline.

Fonts are found once, with fontconfig (`fc-list`) or in the usual font folders; a missing
font is skipped and logged once, and with none at all the line falls back to pygame's own
font, so the renderer never stops for want of a font. Noto Color Emoji is a bitmap font with
one size (109 px): its runs are drawn at that size and scaled to the line; where this SDL_ttf
cannot draw it in colour, the chain keeps a monochrome emoji font instead.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pygame

log = logging.getLogger(__name__)

# (family as fontconfig names it, file names to look for without fontconfig): the order is
# the order of preference for a character several fonts have.
TEXT_FONTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Noto Sans", ("NotoSans-Regular.ttf",)),  # Latin, Greek, Cyrillic, Vietnamese
    ("Noto Sans Arabic", ("NotoSansArabic-Regular.ttf", "NotoNaskhArabic-Regular.ttf")),
    ("Noto Sans Hebrew", ("NotoSansHebrew-Regular.ttf",)),
    ("Noto Sans Devanagari", ("NotoSansDevanagari-Regular.ttf",)),
    ("Noto Sans Bengali", ("NotoSansBengali-Regular.ttf",)),
    ("Noto Sans Tamil", ("NotoSansTamil-Regular.ttf",)),
    ("Noto Sans Thai", ("NotoSansThai-Regular.ttf",)),
    ("Noto Sans Armenian", ("NotoSansArmenian-Regular.ttf",)),
    ("Noto Sans Georgian", ("NotoSansGeorgian-Regular.ttf",)),
    ("Noto Sans Ethiopic", ("NotoSansEthiopic-Regular.ttf",)),
    ("DejaVu Sans", ("DejaVuSans.ttf",)),  # wide coverage of symbols
    ("Noto Sans CJK SC", ("NotoSansCJK-Regular.ttc", "NotoSansCJKsc-Regular.otf")),
    ("Droid Sans Fallback", ("DroidSansFallbackFull.ttf", "DroidSansFallback.ttf")),
    ("WenQuanYi Micro Hei", ("wqy-microhei.ttc",)),
)
COLOUR_EMOJI = ("Noto Color Emoji", ("NotoColorEmoji.ttf",))
MONO_EMOJI: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Noto Emoji", ("NotoEmoji-Regular.ttf",)),
    ("Symbola", ("Symbola_hint.ttf", "Symbola.ttf")),
)
# The Debian packages holding the chain (installed by .ci/run, the README's install section and
# the Dockerfile); fonts-noto-cjk is a finer CJK than Droid Sans Fallback, at 56 MB.
FONT_PACKAGES = (
    "fonts-dejavu-core",
    "fonts-noto-core",
    "fonts-droid-fallback",
    "fonts-noto-color-emoji",
    "fonts-symbola",
)
# A line's box, in ems above and below the baseline (widened to any ink beyond it).
LINE_ABOVE = 0.76
LINE_BELOW = 0.26
COLOUR_EMOJI_PX = 109  # the one size of Noto Color Emoji's bitmaps
# A colour emoji's bitmap is scaled to this much of the em, and sits this much of its
# height above the baseline: as tall as a capital with a descender, like a text emoji.
EMOJI_HEIGHT = 1.17
EMOJI_ASCENT = 0.82
FONT_FOLDERS = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "~/.local/share/fonts",
    "~/.fonts",
    "/Library/Fonts",
    "/System/Library/Fonts",
    "C:/Windows/Fonts",
)
# Emoji blocks: there a colour emoji beats a text font's black-and-white glyph.
EMOJI_RANGES = (
    (0x1F000, 0x1FAFF),
    (0x2600, 0x27BF),
    (0x2B00, 0x2BFF),
    (0x2300, 0x23FF),
)
# Characters that belong to the character before them: emoji modifiers and joiners.
JOINERS = {0x200D, 0xFE0E, 0xFE0F, 0x20E3}
RTL_BIDI = {"R", "AL"}
SCRIPTS = {"ARABIC": "Arab", "HEBREW": "Hebr", "SYRIAC": "Syrc", "THAANA": "Thaa"}


@dataclass(frozen=True)
class ChainFont:
    """One font of the chain: a file, and whether it is the fixed-size colour emoji."""

    path: str
    colour: bool = False
    emoji: bool = False  # an emoji font: first for emoji, last for anything else


@dataclass(frozen=True)
class Run:
    """Characters drawn by one font, in one direction."""

    text: str
    font: ChainFont | None  # None: pygame's own font, the last resort
    rtl: bool


class FontChain:
    """The fonts a line may use, in order, and which of them has each character."""

    def __init__(self, fonts: Sequence[ChainFont]) -> None:
        self.fonts = list(fonts)
        self._coverage: dict[str, ChainFont | None] = {}
        self.reopen()

    def reopen(self) -> None:
        """FreeType faces afresh (pygame.quit() closes them; what they cover stays known).
        A file FreeType cannot read leaves the chain here, logged once."""
        faces = {font.path: _face(font.path) for font in self.fonts}
        self.fonts = [font for font in self.fonts if faces[font.path] is not UNREADABLE]
        self._faces = faces

    def font_for(self, char: str) -> ChainFont | None:
        """The first font having the glyph (emoji fonts first for an emoji), else None."""
        if char not in self._coverage:
            emoji = is_emoji(char)
            order = sorted(self.fonts, key=lambda f: (f.emoji != emoji, not f.colour))
            self._coverage[char] = next((f for f in order if self._has(f, char)), None)
        return self._coverage[char]

    def _has(self, font: ChainFont, char: str) -> bool:
        face = self._faces.get(font.path)
        if face is None:
            return True  # no FreeType to ask: trust the font
        metrics = face.get_metrics(char)  # type: ignore[attr-defined]
        return bool(metrics) and metrics[0] is not None

    def runs(self, text: str) -> list[Run]:
        """`text` cut where the font changes, runs in visual order (right-to-left lines
        reversed run by run; each right-to-left run is shaped right to left)."""
        runs: list[Run] = []
        for char in text:
            current = runs[-1] if runs else None
            if current is not None and self._stays(char, current):
                runs[-1] = Run(current.text + char, current.font, current.rtl)
                continue
            font = self.font_for(char)
            runs.append(Run(char, font, unicodedata.bidirectional(char) in RTL_BIDI))
        rtl_line = _first_strong_is_rtl(text)
        runs = _spaces_between(runs, rtl_line)
        return runs[::-1] if rtl_line else runs

    def _stays(self, char: str, run: Run) -> bool:
        """Joiners, marks and neutral signs stay with the run before when its font has them
        (a space inside an Arabic phrase); digits never join a right-to-left run."""
        code = ord(char)
        if code in JOINERS or 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F:
            return True
        category = unicodedata.category(char)
        if category.startswith("M"):
            return True
        if category.startswith(("L", "N")) or is_emoji(char):
            return self.font_for(char) == run.font and _rtl(char) == run.rtl
        if run.font is not None and run.font.colour:
            return False  # the bitmap font's spaces are as wide as an emoji
        return run.font is None or self._has(run.font, char)


def _spaces_between(runs: list[Run], rtl_line: bool) -> list[Run]:
    """The spaces ending a run against the line's direction go between it and the next
    run: else an Arabic phrase in a French line would draw its space on the wrong side."""
    spaced: list[Run] = []
    for run in runs:
        kept = run.text.rstrip()
        if run.rtl == rtl_line or not kept or kept == run.text:
            spaced.append(run)
            continue
        spaced.append(Run(kept, run.font, run.rtl))
        spaced.append(Run(run.text[len(kept) :], run.font, rtl_line))
    return spaced


def is_emoji(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in EMOJI_RANGES)


def _rtl(char: str) -> bool:
    return unicodedata.bidirectional(char) in RTL_BIDI


def _first_strong_is_rtl(text: str) -> bool:
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in RTL_BIDI:
            return True
        if kind == "L":
            return False
    return False


UNREADABLE = object()  # a font file FreeType refused


def _face(path: str) -> object | None:
    """A FreeType face to ask which glyphs a file has; None without pygame.freetype (then
    the font is trusted with every glyph), UNREADABLE for a file that is no font."""
    try:
        import pygame.freetype as freetype
    except ImportError:
        return None
    try:
        if not freetype.get_init():
            freetype.init()
        return freetype.Font(path, COLOUR_EMOJI_PX)
    except (OSError, pygame.error) as exc:
        _log_once(path, str(exc))
        return UNREADABLE


def installed_fonts() -> dict[str, str]:
    """Family (lower case) → file of its regular face, as fontconfig lists them; {} without."""
    if shutil.which("fc-list") is None:
        return {}
    try:
        listing = subprocess.run(
            ["fc-list", "-f", "%{family}\t%{style}\t%{file}\n"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return {}
    found: dict[str, str] = {}
    for line in listing.splitlines():
        families, styles, path = (line.split("\t") + ["", ""])[:3]
        regular = any(s.strip() in ("Regular", "Book") for s in styles.split(","))
        for family in families.split(","):
            key = family.strip().lower()
            if path and (regular or key not in found):
                found[key] = path
    return found


def _in_font_folders(names: Iterable[str]) -> str | None:
    wanted = set(names)
    for folder in FONT_FOLDERS:
        root = Path(folder).expanduser()
        if not root.is_dir():
            continue
        for dirpath, _dirs, files in os.walk(root):
            for name in files:
                if name in wanted:
                    return str(Path(dirpath) / name)
    return None


def locate(family_or_path: str, file_names: Sequence[str], installed: dict[str, str]) -> str | None:
    """A font file: a path as given, else the family by fontconfig, else by file name."""
    if Path(family_or_path).expanduser().is_file():
        return str(Path(family_or_path).expanduser())
    found = installed.get(family_or_path.lower())
    return found or (_in_font_folders(file_names) if file_names else None)


def colour_emoji_works(path: str) -> bool:
    """Whether this SDL_ttf draws the colour font in colour (2.20 and later do)."""
    try:
        face = pygame.font.Font(path, COLOUR_EMOJI_PX)
        drawn = face.render("\U0001f600", True, (255, 255, 255))
    except (pygame.error, OSError, ValueError):
        return False
    pixels = pygame.surfarray.pixels3d(drawn) if drawn.get_bitsize() >= 24 else None
    if pixels is None:
        return False
    spread = pixels.max(axis=2).astype(int) - pixels.min(axis=2).astype(int)
    return bool((spread > 60).any())


def build_chain(preferred: Sequence[str] = ()) -> FontChain:
    """The chain: the configured fonts first, then the shipped list; missing ones logged."""
    installed = installed_fonts()
    fonts: list[ChainFont] = []
    missing: list[str] = []
    wanted = [(name, ()) for name in preferred] + list(TEXT_FONTS)
    for family, files in wanted:
        path = locate(family, files, installed)
        if path is None:
            missing.append(family)
        elif path not in (f.path for f in fonts):
            fonts.append(ChainFont(path))
    colour = locate(*COLOUR_EMOJI, installed)
    if colour is not None and colour_emoji_works(colour):
        fonts.append(ChainFont(colour, colour=True, emoji=True))
    else:
        missing.append(COLOUR_EMOJI[0] + (" (no colour in this SDL_ttf)" if colour else ""))
    for family, files in MONO_EMOJI:
        path = locate(family, files, installed)
        if path is not None:
            fonts.append(ChainFont(path, emoji=True))
    if missing:
        log.info("fonts not found, skipped: %s", ", ".join(missing))
    if not fonts:
        log.warning(
            "no font found: pygame's own font only, other scripts will show boxes "
            "(apt-get install %s)",
            " ".join(FONT_PACKAGES),
        )
    return FontChain(fonts)


_preferred: tuple[str, ...] = ()


def configure(preferred: Sequence[str]) -> None:
    """The `[display] fonts` key: fonts (files or families) tried before the shipped chain."""
    global _preferred
    _preferred = tuple(preferred)
    chain.cache_clear()


@lru_cache(maxsize=1)
def chain() -> FontChain:
    """Found once per process: fontconfig is asked at the first line drawn."""
    return build_chain(_preferred)


@lru_cache(maxsize=256)
def _sdl_font(
    path: str | None, size: int, rtl: bool = False, script: str | None = None
) -> pygame.font.Font | None:
    """One SDL_ttf font per file, size, direction and script: set once, never shared."""
    if not pygame.font.get_init():
        raise pygame.error("font not initialized")  # the caller's mistake, not the font's
    try:
        font = pygame.font.Font(path, size)
    except (pygame.error, OSError) as exc:
        _log_once(path or "pygame default", str(exc))
        return None
    try:
        if rtl:
            font.set_direction(pygame.DIRECTION_RTL)
        if script is not None:
            font.set_script(script)
    except (pygame.error, AttributeError) as exc:  # SDL_ttf without HarfBuzz
        _log_once(path or "pygame default", f"no shaping: {exc}")
    return font


@lru_cache(maxsize=64)
def _log_once(path: str, reason: str) -> None:
    log.warning("font %s unusable (%s): the next font of the chain draws instead", path, reason)


def _run_font(run: Run, size: int) -> pygame.font.Font:
    """The SDL font for a run; pygame's own when the run's font cannot be opened."""
    if run.font is None:
        font = _sdl_font(None, size)
    elif run.font.colour:
        font = _sdl_font(run.font.path, COLOUR_EMOJI_PX)
    else:
        font = _sdl_font(run.font.path, size, run.rtl, _script(run.text) if run.rtl else None)
    font = font or _sdl_font(None, size)
    assert font is not None, "pygame's own font is always there"
    return font


def render_run(
    run: Run, size: int, antialias: bool, colour: tuple[int, int, int]
) -> pygame.Surface:
    """One run at `size` (the font's em): a colour emoji run is drawn at its one size then
    scaled smoothly to the line's height."""
    font = _run_font(run, size)
    colour_emoji = run.font is not None and run.font.colour
    try:
        drawn = font.render(run.text, antialias or colour_emoji, colour)
    except pygame.error as exc:
        if "zero width" not in str(exc):
            raise
        return pygame.Surface((0, 1), pygame.SRCALPHA)  # only invisible characters
    if not colour_emoji:
        return drawn
    scale = size * EMOJI_HEIGHT / max(1, drawn.get_height())
    target = (max(1, round(drawn.get_width() * scale)), max(1, round(drawn.get_height() * scale)))
    return pygame.transform.smoothscale(drawn, target)


def _script(text: str) -> str | None:
    """The ISO 15924 tag HarfBuzz needs for a right-to-left run; None: let it guess."""
    for char in text:
        name = unicodedata.name(char, "").split(" ")[0]
        if name in SCRIPTS:
            return SCRIPTS[name]
    return None


def render_line(
    text: str, size: int, antialias: bool, colour: tuple[int, int, int]
) -> pygame.Surface:
    """`text` as one line in the chain's fonts at `size`, runs on one baseline."""
    try:
        return _compose(text, size, antialias, colour)
    except pygame.error:  # pygame's font modules were quit and started again: reopen fonts
        _sdl_font.cache_clear()
        chain().reopen()
        return _compose(text, size, antialias, colour)


def _compose(text: str, size: int, antialias: bool, colour: tuple[int, int, int]) -> pygame.Surface:
    runs = chain().runs(text) or [Run(text, None, False)]
    drawn = [render_run(run, size, antialias, colour) for run in runs]
    ascents = [_ascent(run, size, surface) for run, surface in zip(runs, drawn, strict=True)]
    top = max(ascents)
    height = max(top - a + s.get_height() for a, s in zip(ascents, drawn, strict=True))
    line = pygame.Surface(
        (max(1, sum(s.get_width() for s in drawn)), max(1, height)), pygame.SRCALPHA
    )
    x = 0
    for ascent, surface in zip(ascents, drawn, strict=True):
        line.blit(surface, (x, top - ascent))
        x += surface.get_width()
    return _trimmed(line, top, size)


def _trimmed(line: pygame.Surface, baseline: int, size: int) -> pygame.Surface:
    """The line's box: capitals to descenders, widened to any ink beyond (accents on
    capitals, Arabic marks, emoji). Fonts' own line gaps (Noto's is 1.36 em) would space
    the wall's stacked lines wider than its layouts were drawn for."""
    ink = line.get_bounding_rect()
    top = baseline - round(LINE_ABOVE * size)
    bottom = baseline + round(LINE_BELOW * size)
    if ink.height:
        top, bottom = min(top, ink.top), max(bottom, ink.bottom)
    top, bottom = max(0, top), min(line.get_height(), bottom)
    return line.subsurface((0, top, line.get_width(), max(1, bottom - top))).copy()


def _ascent(run: Run, size: int, surface: pygame.Surface) -> int:
    """How far above the baseline the run's surface starts."""
    if run.font is not None and run.font.colour:
        return round(surface.get_height() * EMOJI_ASCENT)
    return _run_font(run, size).get_ascent()
