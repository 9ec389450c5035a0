"""A contact sheet of a night's approved photos, as a PDF (A4 pages) or one tall JPEG.

Which photos: those approved during the night (12:00 to 12:00, see `console.night`) and still
approved now, in the order they arrived. That is what the staff saw go on the wall that night,
including a Mastodon post from the afternoon approved at 22:00, and not last week's photos
still in rotation; removed and deleted ones stay out (a deleted photo's files are gone anyway).

Built from the stored `thumb` renditions (400 px; `display` when a thumb is missing), never
the originals: re-encoded, metadata stripped, like everything the server hands out.

- PDF: A4 portrait at 150 dpi, 4 × 5 photos a page, as many pages as needed. Pages are
  rendered and written one at a time through Pillow's PDF writer (`PIL.PdfParser`, the same
  one `Image.save(..., "PDF")` drives), so a night of 2,000 photos holds one page in memory,
  not 100 (Pillow's `save_all` keeps every page image alive until the end: ~6 MB each).
- JPEG: one tall image with the same layout, at most `MAX_JPEG_HEIGHT` pixels; a night
  longer than that ends with a line saying how many more photos the PDF holds.
- A night without approved photos gives a sheet that says so (a download link the console
  offers every night should always give a file, and one that explains itself).
"""

from __future__ import annotations

import enum
import io
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import BinaryIO
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw, ImageFont, PdfParser, UnidentifiedImageError

from wall.domain import Photo, RenditionKind
from wall.i18n import DEFAULT_LANGUAGE, MONTHS, typeset_french
from wall.storage.base import MediaStore

DPI = 150  # A4 at 150 dpi: thumbnails print sharp at 4.4 cm, a page JPEG stays ~300 kB
PAGE_WIDTH, PAGE_HEIGHT = 1240, 1754
MARGIN = 72
COLUMNS = 4
ROWS_PER_PAGE = 5
PHOTOS_PER_PAGE = COLUMNS * ROWS_PER_PAGE
GUTTER = 16
CELL_WIDTH = (PAGE_WIDTH - 2 * MARGIN - (COLUMNS - 1) * GUTTER) // COLUMNS
PHOTO_HEIGHT = CELL_WIDTH * 3 // 4  # a landscape photo fills its box
LINE_HEIGHT = 26
CELL_HEIGHT = PHOTO_HEIGHT + 8 + 2 * LINE_HEIGHT
ROW_PITCH = CELL_HEIGHT + GUTTER
HEADER_HEIGHT = 170
FOOTER_HEIGHT = 50
# About 160 photos; 1240 × 12000 RGB is 45 MB while it is drawn: bounded on a mini-PC.
MAX_JPEG_HEIGHT = 12_000
JPEG_QUALITY = 85

PAPER = (255, 255, 255)
INK = (20, 20, 20)
GREY = (110, 110, 110)
PLACEHOLDER = (225, 225, 225)

# Uploads and imports are credited by their author's name only; other sources by their name.
ANONYMOUS_SOURCES = frozenset({"upload", "import"})
FONT_FILES = {False: "DejaVuSans.ttf", True: "DejaVuSans-Bold.ttf"}  # accents, Greek, Cyrillic

# One sheet at a time in the whole process: each holds tens of MB while it is drawn.
_ONE_AT_A_TIME = threading.Lock()


class SheetFormat(enum.StrEnum):
    JPEG = "jpeg"
    PDF = "pdf"

    @property
    def media_type(self) -> str:
        return "image/jpeg" if self is SheetFormat.JPEG else "application/pdf"

    @property
    def extension(self) -> str:
        return "jpg" if self is SheetFormat.JPEG else "pdf"


TEXTS: dict[str, dict[str, str]] = {
    "fr": typeset_french(
        {
            "night": "Nuit du {date}",
            "count_one": "1 photo approuvée",
            "count_many": "{n} photos approuvées",
            "empty": "Aucune photo n'a été approuvée cette nuit-là.",
            "page": "Page {page} / {pages}",
            "more": "… et {n} de plus : le PDF les montre toutes.",
            "via": "via {source}",
        }
    ),
    "en": {
        "night": "Night of {date}",
        "count_one": "1 approved photo",
        "count_many": "{n} approved photos",
        "empty": "No photo was approved that night.",
        "page": "Page {page} / {pages}",
        "more": "… and {n} more: the PDF shows them all.",
        "via": "via {source}",
    },
}


@dataclass(frozen=True, slots=True)
class SheetPhoto:
    key: str  # media key of the rendition to draw; "" draws a grey box
    time: str  # local arrival time, "22:14"
    credit: str


@dataclass(frozen=True, slots=True)
class SheetHeading:
    wall: str
    night: str
    summary: str


def _texts(lang: str) -> dict[str, str]:
    return TEXTS.get(lang, TEXTS[DEFAULT_LANGUAGE])


def format_day(day: date, lang: str) -> str:
    """A day as people write it: "14 juillet 2027", "1er août 2027", "14 July 2027"."""
    month = MONTHS.get(lang, MONTHS[DEFAULT_LANGUAGE])[day.month - 1]
    number = "1er" if lang == "fr" and day.day == 1 else str(day.day)
    return f"{number} {month} {day.year}"


def heading(wall: str, night: date, count: int, lang: str) -> SheetHeading:
    texts = _texts(lang)
    summary = texts["count_one"] if count == 1 else texts["count_many"].format(n=count)
    return SheetHeading(wall, texts["night"].format(date=format_day(night, lang)), summary)


def _credit(photo: Photo, lang: str) -> str:
    if photo.author.strip():
        return photo.author.strip()
    if photo.source in ANONYMOUS_SOURCES:
        return ""
    return _texts(lang)["via"].format(source=photo.source)


def sheet_photos(photos: Sequence[Photo], zone: ZoneInfo, lang: str) -> list[SheetPhoto]:
    entries = []
    for photo in photos:
        rendition = photo.renditions.get(RenditionKind.THUMB) or photo.renditions.get(
            RenditionKind.DISPLAY
        )
        local = photo.created_at.astimezone(zone)
        entries.append(
            SheetPhoto(
                rendition.key if rendition else "", local.strftime("%H:%M"), _credit(photo, lang)
            )
        )
    return entries


@lru_cache(maxsize=16)
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu where the system has it (Debian does); else Pillow's own font."""
    try:
        return ImageFont.truetype(FONT_FILES[bold], size)
    except OSError:
        return ImageFont.load_default(size)


def _fit(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: int) -> str:
    """`text`, shortened with an ellipsis until it fits `width` pixels."""
    if font.getlength(text) <= width:
        return text
    while text and font.getlength(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _thumbnail(media: MediaStore, key: str, size: tuple[int, int]) -> Image.Image | None:
    """The rendition scaled into `size`; None when its file is gone or unreadable."""
    if not key:
        return None
    try:
        with Image.open(io.BytesIO(media.read(key)), formats=["JPEG"]) as image:
            image.draft("RGB", size)
            picture = image.convert("RGB")
    except (OSError, ValueError, UnidentifiedImageError):
        return None
    picture.thumbnail(size, Image.Resampling.LANCZOS)
    return picture


def _draw_heading(draw: ImageDraw.ImageDraw, head: SheetHeading, top: int) -> None:
    width = PAGE_WIDTH - 2 * MARGIN
    draw.text(
        (MARGIN, top), _fit(head.wall, _font(44, True), width), font=_font(44, True), fill=INK
    )
    draw.text((MARGIN, top + 64), head.night, font=_font(30), fill=INK)
    draw.text((MARGIN, top + 110), head.summary, font=_font(24), fill=GREY)


def _draw_cell(
    canvas: Image.Image,
    draw: ImageDraw.ImageDraw,
    media: MediaStore,
    photo: SheetPhoto,
    origin: tuple[int, int],
) -> None:
    x, y = origin
    picture = _thumbnail(media, photo.key, (CELL_WIDTH, PHOTO_HEIGHT))
    if picture is None:
        draw.rectangle((x, y, x + CELL_WIDTH - 1, y + PHOTO_HEIGHT - 1), fill=PLACEHOLDER)
    else:
        left = x + (CELL_WIDTH - picture.width) // 2
        canvas.paste(picture, (left, y + (PHOTO_HEIGHT - picture.height) // 2))
    text_top = y + PHOTO_HEIGHT + 8
    draw.text((x, text_top), photo.time, font=_font(20, True), fill=INK)
    if photo.credit:
        credit = _fit(photo.credit, _font(18), CELL_WIDTH)
        draw.text((x, text_top + LINE_HEIGHT), credit, font=_font(18), fill=GREY)


def _draw_grid(
    canvas: Image.Image, media: MediaStore, photos: Sequence[SheetPhoto], top: int
) -> None:
    draw = ImageDraw.Draw(canvas)
    for index, photo in enumerate(photos):
        row, column = divmod(index, COLUMNS)
        origin = (MARGIN + column * (CELL_WIDTH + GUTTER), top + row * ROW_PITCH)
        _draw_cell(canvas, draw, media, photo, origin)


def _draw_note(canvas: Image.Image, text: str, top: int) -> None:
    width = PAGE_WIDTH - 2 * MARGIN
    ImageDraw.Draw(canvas).text(
        (MARGIN, top), _fit(text, _font(24), width), font=_font(24), fill=GREY
    )


def _page(
    media: MediaStore, head: SheetHeading, photos: Sequence[SheetPhoto], footer: str, lang: str
) -> Image.Image:
    canvas = Image.new("RGB", (PAGE_WIDTH, PAGE_HEIGHT), PAPER)
    _draw_heading(ImageDraw.Draw(canvas), head, MARGIN)
    grid_top = MARGIN + HEADER_HEIGHT
    if photos:
        _draw_grid(canvas, media, photos, grid_top)
    else:
        _draw_note(canvas, _texts(lang)["empty"], grid_top)
    _draw_note(canvas, footer, PAGE_HEIGHT - MARGIN - FOOTER_HEIGHT // 2)
    return canvas


def _pages(
    media: MediaStore, head: SheetHeading, photos: Sequence[SheetPhoto], lang: str
) -> Iterator[Image.Image]:
    count = max(1, -(-len(photos) // PHOTOS_PER_PAGE))
    for number in range(count):
        chunk = photos[number * PHOTOS_PER_PAGE : (number + 1) * PHOTOS_PER_PAGE]
        footer = _texts(lang)["page"].format(page=number + 1, pages=count)
        yield _page(media, head, chunk, footer, lang)


def _jpeg_bytes(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, dpi=(DPI, DPI))
    return out.getvalue()


def write_pdf(pages: Iterator[Image.Image], count: int, out: BinaryIO, title: str) -> None:
    """Streams `count` RGB pages into a PDF, each page encoded once as a JPEG (DCTDecode)."""
    pdf = PdfParser.PdfParser(f=out, mode="w+b")
    pdf.info.Title = title
    pdf.start_writing()
    pdf.write_header()
    pdf.write_comment("contact sheet, mur participatif")
    page_refs = [pdf.next_object_id(0) for _ in range(count)]
    contents_refs = [pdf.next_object_id(0) for _ in range(count)]
    pdf.pages.extend(page_refs)
    pdf.write_catalog()
    for page_ref, contents_ref, page in zip(page_refs, contents_refs, pages, strict=True):
        image_ref = pdf.write_obj(
            None,
            stream=_jpeg_bytes(page),
            Type=PdfParser.PdfName("XObject"),
            Subtype=PdfParser.PdfName("Image"),
            Width=page.width,
            Height=page.height,
            Filter=PdfParser.PdfName("DCTDecode"),
            BitsPerComponent=8,
            ColorSpace=PdfParser.PdfName("DeviceRGB"),
        )
        points = (page.width * 72.0 / DPI, page.height * 72.0 / DPI)
        pdf.write_page(
            page_ref,
            Resources=PdfParser.PdfDict(
                ProcSet=[PdfParser.PdfName("PDF"), PdfParser.PdfName("ImageC")],
                XObject=PdfParser.PdfDict(image=image_ref),
            ),
            MediaBox=[0, 0, *points],
            Contents=contents_ref,
        )
        pdf.write_obj(contents_ref, stream=b"q %f 0 0 %f 0 0 cm /image Do Q\n" % points)
    pdf.write_xref_and_trailer()
    pdf.close()


def _pdf(media: MediaStore, head: SheetHeading, photos: Sequence[SheetPhoto], lang: str) -> bytes:
    out = io.BytesIO()
    count = max(1, -(-len(photos) // PHOTOS_PER_PAGE))
    write_pdf(_pages(media, head, photos, lang), count, out, f"{head.wall} — {head.night}")
    return out.getvalue()


def _tall_jpeg(
    media: MediaStore, head: SheetHeading, photos: Sequence[SheetPhoto], lang: str
) -> bytes:
    fixed = 2 * MARGIN + HEADER_HEIGHT + FOOTER_HEIGHT
    max_rows = (MAX_JPEG_HEIGHT - fixed) // ROW_PITCH
    shown = photos[: max_rows * COLUMNS]
    rows = max(1, -(-len(shown) // COLUMNS))
    canvas = Image.new("RGB", (PAGE_WIDTH, fixed + rows * ROW_PITCH), PAPER)
    _draw_heading(ImageDraw.Draw(canvas), head, MARGIN)
    grid_top = MARGIN + HEADER_HEIGHT
    if shown:
        _draw_grid(canvas, media, shown, grid_top)
    else:
        _draw_note(canvas, _texts(lang)["empty"], grid_top)
    if len(photos) > len(shown):
        more = _texts(lang)["more"].format(n=len(photos) - len(shown))
        _draw_note(canvas, more, canvas.height - MARGIN - FOOTER_HEIGHT // 2)
    return _jpeg_bytes(canvas)


def build_contact_sheet(
    media: MediaStore,
    head: SheetHeading,
    photos: Sequence[SheetPhoto],
    fmt: SheetFormat,
    lang: str,
) -> bytes:
    """Blocking (decodes and encodes images): run it in a thread, never on the event loop."""
    with _ONE_AT_A_TIME:
        if fmt is SheetFormat.PDF:
            return _pdf(media, head, photos, lang)
        return _tall_jpeg(media, head, photos, lang)
