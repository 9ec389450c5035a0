"""Fonts for the PDFs the console writes (exhibition catalogue, season report), found with
fontconfig like the display's (display/fonts.py): Noto Sans first, then fallbacks for the
scripts visitors write in (Arabic, Hebrew, Devanagari, CJK...) and DejaVu for symbols.

fpdf2 embeds a subset of each TrueType font it uses and, with `set_fallback_fonts`, draws a
character the main font lacks with the first fallback that has it (only those the text needs
are loaded); with uharfbuzz installed it
shapes runs (joined Arabic letters, right-to-left). A machine without any of these fonts still
gets a PDF: fpdf2's core Helvetica, with what it cannot encode replaced by "?".
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fpdf import FPDF

log = logging.getLogger(__name__)

MAIN_FAMILY = "Noto Sans"
# (fontconfig family, the files Debian installs it as): the first found is the main font.
MAIN_CANDIDATES = (
    ("Noto Sans", "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf"),
    ("DejaVu Sans", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
)
FALLBACKS = (
    ("DejaVu Sans", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    ("Noto Sans Arabic", "/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf"),
    ("Noto Sans Hebrew", "/usr/share/fonts/truetype/noto/NotoSansHebrew-Regular.ttf"),
    ("Noto Sans Devanagari", "/usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf"),
    ("Noto Sans Thai", "/usr/share/fonts/truetype/noto/NotoSansThai-Regular.ttf"),
    ("Noto Sans Armenian", "/usr/share/fonts/truetype/noto/NotoSansArmenian-Regular.ttf"),
    ("Noto Sans Georgian", "/usr/share/fonts/truetype/noto/NotoSansGeorgian-Regular.ttf"),
    ("Droid Sans Fallback", "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
)
FC_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class PdfFonts:
    """What a document sets: its main family ("" = fpdf2's core Helvetica) and fallbacks."""

    regular: str
    bold: str
    fallbacks: tuple[tuple[str, str], ...]  # (alias, file)

    @property
    def embedded(self) -> bool:
        return bool(self.regular)


def _fc_match(pattern: str) -> str | None:
    """The file fontconfig picks for `pattern` if it really is that family, else None."""
    if shutil.which("fc-match") is None:
        return None
    family = pattern.split(":")[0]
    try:
        answer = subprocess.run(
            ["fc-match", "-f", "%{family}\t%{file}", pattern],
            capture_output=True,
            text=True,
            timeout=FC_TIMEOUT_S,
            check=False,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    families, _, path = answer.partition("\t")
    named = {name.strip().lower() for name in families.split(",")}
    return path if path and family.lower() in named and Path(path).is_file() else None


def _find(family: str, default_file: str) -> str | None:
    return _fc_match(family) or (default_file if Path(default_file).is_file() else None)


def _find_bold(family: str, regular: str) -> str:
    """The family's bold face; the regular one where the system has no bold."""
    found = _fc_match(f"{family}:style=Bold")
    if found and "bold" in Path(found).stem.lower():
        return found
    sibling = Path(
        regular.replace("-Regular.ttf", "-Bold.ttf").replace("Sans.ttf", "Sans-Bold.ttf")
    )
    return str(sibling) if sibling.is_file() else regular


@lru_cache(maxsize=1)
def find_fonts() -> PdfFonts:
    """Looked up once per process (fontconfig takes ~50 ms)."""
    for family, default_file in MAIN_CANDIDATES:
        regular = _find(family, default_file)
        if regular:
            bold = _find_bold(family, regular)
            fallbacks = []
            for alias, file in FALLBACKS:
                path = _find(alias, file)
                if path and path != regular:
                    fallbacks.append((alias, path))
            return PdfFonts(regular, bold, tuple(fallbacks))
    log.warning("no Noto or DejaVu font found: PDFs use Helvetica (Latin-1 only)")
    return PdfFonts("", "", ())


@lru_cache(maxsize=32)
def _coverage(path: str) -> frozenset[int]:
    """The code points a font file draws (read once per process: its character map only)."""
    from fontTools.ttLib import TTFont, TTLibError  # with fpdf2, on the first PDF only

    try:
        with TTFont(path, lazy=True, fontNumber=0) as font:
            return frozenset(font.getBestCmap() or {})
    except (OSError, TTLibError):
        return frozenset()


def prepare(pdf: FPDF, texts: Iterable[str]) -> str:
    """Registers the fonts on `pdf`; returns the family name to `set_font` with.

    Only the fallbacks that draw a character of `texts` the main font lacks are added: a
    CJK font takes ~0.4 s to load, and most documents are French and English."""
    fonts = find_fonts()
    if not fonts.embedded:
        return "helvetica"
    pdf.add_font(MAIN_FAMILY, "", fonts.regular)
    pdf.add_font(MAIN_FAMILY, "B", fonts.bold)
    wanted = {ord(char) for text in texts for char in text if not char.isspace()}
    missing = wanted - _coverage(fonts.regular)
    aliases = []
    for alias, path in fonts.fallbacks:
        if not missing:
            break
        drawn = missing & _coverage(path)
        if drawn:
            pdf.add_font(alias, "", path)
            aliases.append(alias)
            missing -= drawn
    if aliases:
        pdf.set_fallback_fonts(aliases, exact_match=False)
    try:
        pdf.set_text_shaping(True)
    except (ImportError, ModuleNotFoundError):  # uharfbuzz missing: unshaped, still legible
        log.info("uharfbuzz not installed: PDF text is not shaped (Arabic letters unjoined)")
    return MAIN_FAMILY


def safe_text(text: str, pdf_family: str) -> str:
    """Text Helvetica can encode when no TrueType font was found (Latin-1 only)."""
    if pdf_family != "helvetica":
        return text
    return text.encode("latin-1", "replace").decode("latin-1")
