"""An exhibition's catalogue as a PDF (fpdf2): a cover, then one A4 page per photo with its
number, caption and credit, in the exhibition's order.

The pictures are the stored display renditions (already re-encoded, metadata stripped),
scaled to `PICTURE_LONG_EDGE` so that a catalogue of `MAX_PHOTOS` stays a few tens of MB in
memory while fpdf2 assembles it: a proof to leaf through, not the print files (those are the
package's JPEGs). Text is set in Noto Sans with fallbacks (`console.pdf_fonts`), so accents,
Cyrillic, Arabic or Chinese captions come out as written.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from PIL import Image, UnidentifiedImageError

from console import pdf_fonts
from console.contact_sheet import format_day
from console.credits import CreditEntry, credit_line
from console.package import CatalogueHeading
from wall.i18n import DEFAULT_LANGUAGE, typeset_french
from wall.storage.base import MediaStore

PICTURE_LONG_EDGE = 1200  # ~150 dpi over the 20 cm the picture takes on the page
PICTURE_QUALITY = 82
PAGE_MARGIN_MM = 18.0
PICTURE_BOX_MM = (174.0, 190.0)  # width, height: what is left of A4 above the text
GREY = (110, 110, 110)
INK = (20, 20, 20)
PLACEHOLDER = (225, 225, 225)

TEXTS: dict[str, dict[str, str]] = {
    "fr": typeset_french(
        {
            "kind": "Catalogue d'exposition",
            "count_one": "1 photo",
            "count_many": "{n} photos",
            "exported": "Exporté le {date}",
            "number": "N° {n}",
            "missing": "Image indisponible",
            "footer": "{name} — page {page}",
        }
    ),
    "en": {
        "kind": "Exhibition catalogue",
        "count_one": "1 photo",
        "count_many": "{n} photos",
        "exported": "Exported on {date}",
        "number": "No. {n}",
        "missing": "Picture unavailable",
        "footer": "{name} — page {page}",
    },
}


def _texts(lang: str) -> dict[str, str]:
    return TEXTS.get(lang, TEXTS[DEFAULT_LANGUAGE])


def catalogue_picture(media: MediaStore, key: str) -> bytes | None:
    """The rendition as a JPEG of `PICTURE_LONG_EDGE`, no metadata; None when it is gone."""
    if not key:
        return None
    try:
        with Image.open(io.BytesIO(media.read(key)), formats=["JPEG"]) as image:
            image.draft("RGB", (PICTURE_LONG_EDGE, PICTURE_LONG_EDGE))
            picture = image.convert("RGB")
    except (OSError, ValueError, UnidentifiedImageError):
        return None
    picture.thumbnail((PICTURE_LONG_EDGE, PICTURE_LONG_EDGE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=PICTURE_QUALITY)
    return out.getvalue()


class _Catalogue(FPDF):
    """fpdf2 calls `footer` on every page: the exhibition's name and the page number."""

    def __init__(self, footer_text: str, family: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = footer_text
        self.family = family

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family, size=8)
        self.set_text_color(*GREY)
        text = self.footer_text.replace("{page}", str(self.page_no()))
        self.cell(0, 5, pdf_fonts.safe_text(text, self.family), align="C")


def _cover(pdf: _Catalogue, head: CatalogueHeading, count: int, lang: str) -> None:
    texts = _texts(lang)
    pdf.add_page()
    pdf.set_y(70)
    width = pdf.epw
    for text, size, bold, colour in (
        (texts["kind"], 12, False, GREY),
        (head.exhibition, 30, True, INK),
        (head.wall, 16, False, INK),
        (
            texts["count_one"] if count == 1 else texts["count_many"].format(n=count),
            12,
            False,
            GREY,
        ),
        (texts["exported"].format(date=format_day(head.at.date(), lang)), 12, False, GREY),
    ):
        pdf.set_font(pdf.family, "B" if bold else "", size)
        pdf.set_text_color(*colour)
        pdf.multi_cell(width, size * 0.5, pdf_fonts.safe_text(text, pdf.family), align="C")
        pdf.ln(4)


def _picture(pdf: _Catalogue, picture: bytes | None, lang: str) -> None:
    box_w, box_h = PICTURE_BOX_MM
    left, top = PAGE_MARGIN_MM, PAGE_MARGIN_MM
    if picture is None:
        pdf.set_fill_color(*PLACEHOLDER)
        pdf.rect(left, top, box_w, box_h * 0.6, style="F")
        pdf.set_xy(left, top + box_h * 0.3)
        pdf.set_font(pdf.family, size=11)
        pdf.set_text_color(*GREY)
        pdf.cell(box_w, 6, _texts(lang)["missing"], align="C")
        pdf.set_y(top + box_h * 0.6 + 6)
        return
    with Image.open(io.BytesIO(picture)) as image:
        ratio = image.width / image.height
    width, height = (box_w, box_w / ratio) if ratio >= box_w / box_h else (box_h * ratio, box_h)
    pdf.image(io.BytesIO(picture), x=left + (box_w - width) / 2, y=top, w=width, h=height)
    pdf.set_y(top + height + 6)


def _photo_page(pdf: _Catalogue, entry: CreditEntry, picture: bytes | None, lang: str) -> None:
    texts = _texts(lang)
    pdf.add_page()
    _picture(pdf, picture, lang)
    width = pdf.epw
    pdf.set_font(pdf.family, "B", 10)
    pdf.set_text_color(*GREY)
    pdf.cell(width, 5, texts["number"].format(n=f"{entry.number:03d}"),
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
    if entry.caption:
        pdf.set_font(pdf.family, "", 13)
        pdf.set_text_color(*INK)
        pdf.multi_cell(width, 6.5, pdf_fonts.safe_text(entry.caption, pdf.family))
    pdf.ln(1)
    pdf.set_font(pdf.family, "B", 11)
    pdf.set_text_color(*INK)
    pdf.multi_cell(width, 5.5, pdf_fonts.safe_text(credit_line(entry, lang), pdf.family))
    pdf.set_font(pdf.family, "", 10)
    pdf.set_text_color(*GREY)
    details = f"{entry.date_words} · {entry.source}"
    pdf.multi_cell(width, 5, pdf_fonts.safe_text(details, pdf.family))


def _texts_of(entries: Sequence[CreditEntry], lang: str) -> list[str]:
    """Every text the pages will set (the fonts they need are chosen from it)."""
    found = [*_texts(lang).values()]
    for entry in entries:
        found += [entry.caption, credit_line(entry, lang), entry.date_words, entry.source]
    return found


def build_catalogue(
    media: MediaStore, head: CatalogueHeading, entries: Sequence[CreditEntry], lang: str
) -> bytes:
    """Blocking (reads and scales pictures): run it in a thread, never on the event loop."""
    pdf = _Catalogue(_texts(lang)["footer"].replace("{name}", head.exhibition), "")
    texts = [head.wall, head.exhibition, *_texts_of(entries, lang)]
    pdf.family = pdf_fonts.prepare(pdf, texts)
    pdf.footer_text = pdf_fonts.safe_text(pdf.footer_text, pdf.family)
    pdf.set_margins(PAGE_MARGIN_MM, PAGE_MARGIN_MM)
    pdf.set_auto_page_break(True, margin=16)
    pdf.set_title(f"{head.exhibition} — {head.wall}")
    pdf.set_creator("mur participatif")
    _cover(pdf, head, len(entries), lang)
    for entry in entries:
        _photo_page(pdf, entry, catalogue_picture(media, entry.picture_key), lang)
    return bytes(pdf.output())
