"""An exhibition's credits: one entry per photo, the printer's file names, `credits.csv` and
`credits.txt` (FR/EN).

The speaker ("habite ici") is part of a credit only where the visitor ticked it; otherwise the
column stays empty, whatever they chose: the choice itself is for the figures, not the public.
A CSV cell a spreadsheet would take for a formula (=, +, -, @) starts with an apostrophe, as
OWASP advises: captions are visitors' words and the office opens this file in a spreadsheet.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from console.contact_sheet import format_day
from console.speakers import in_credit
from wall.domain import Photo, RenditionKind
from wall.i18n import DEFAULT_LANGUAGE, typeset_french

SLUG_MAX = 32
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

TEXTS: dict[str, dict[str, str]] = {
    "fr": typeset_french(
        {
            "anonymous": "anonyme",
            "columns": "numéro,fichier,auteur,légende,date,source,qui parle",
            "title": "Exposition « {name} » — {wall}",
            "summary_one": "1 photo, exportée le {date}",
            "summary_many": "{n} photos, exportées le {date}",
            "photo": "Photo : {author}",
            "file": "fichier : {file}",
            "no_caption": "(sans légende)",
        }
    ),
    "en": {
        "anonymous": "anonymous",
        "columns": "number,file,author,caption,date,source,speaker",
        "title": "Exhibition “{name}” — {wall}",
        "summary_one": "1 photo, exported on {date}",
        "summary_many": "{n} photos, exported on {date}",
        "photo": "Photo: {author}",
        "file": "file: {file}",
        "no_caption": "(no caption)",
    },
}


def _texts(lang: str) -> dict[str, str]:
    return TEXTS.get(lang, TEXTS[DEFAULT_LANGUAGE])


@dataclass(frozen=True, slots=True)
class CreditEntry:
    number: int
    photo_id: str
    file_name: str  # "001_lea-martin_AbC123.jpg"
    author: str  # "" when the photo names no one
    caption: str
    day: str  # the arrival's date in the wall's timezone, "2027-07-14"
    date_words: str  # the same, as people write it: "14 juillet 2027"
    source: str  # the source's label: "Téléphone", "Mastodon"...
    speaker: str  # "habite ici" when the visitor ticked it, else ""
    print_key: str  # the print rendition: the file the printer gets
    print_size: int
    picture_key: str  # a smaller rendition for the catalogue ("" when none)


def slug(text: str) -> str:
    """ASCII, lower case, dashes: "Léa Martin" → "lea-martin" (what every printer's RIP and
    every file system takes)."""
    flat = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NOT_SLUG.sub("-", flat.lower()).strip("-")[:SLUG_MAX].strip("-")


def file_name(number: int, author: str, photo_id: str, lang: str) -> str:
    who = slug(author) or _texts(lang)["anonymous"]
    return f"{number:03d}_{who}_{photo_id}.jpg"


def credit_entries(
    photos: Sequence[Photo], zone: ZoneInfo, lang: str, source_labels: dict[str, str]
) -> list[CreditEntry]:
    """One entry per photo with a print rendition, numbered from 1 in the given order."""
    entries: list[CreditEntry] = []
    for photo in photos:
        printed = photo.renditions.get(RenditionKind.PRINT)
        if printed is None:
            continue  # wiped between the listing and now: it is not printable any more
        picture = photo.renditions.get(RenditionKind.DISPLAY) or photo.renditions.get(
            RenditionKind.THUMB
        )
        number = len(entries) + 1
        local = photo.created_at.astimezone(zone).date()
        speaker = in_credit(photo.speaker.value, lang) if photo.speaker_in_credit else ""
        entries.append(
            CreditEntry(
                number=number,
                photo_id=photo.id,
                file_name=file_name(number, photo.author.strip(), photo.id, lang),
                author=photo.author.strip(),
                caption=photo.caption.strip(),
                day=local.isoformat(),
                date_words=format_day(local, lang),
                source=source_labels.get(photo.source, photo.source),
                speaker=speaker,
                print_key=printed.key,
                print_size=printed.size,
                picture_key=picture.key if picture else "",
            )
        )
    return entries


def credit_line(entry: CreditEntry, lang: str) -> str:
    """The credit printed under the photo, as the wall writes it: "Photo : Léa · habite ici"."""
    author = entry.author or _texts(lang)["anonymous"]
    line = _texts(lang)["photo"].format(author=author)
    return f"{line} · {entry.speaker}" if entry.speaker else line


def _cell(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def credits_csv(entries: Sequence[CreditEntry], lang: str) -> bytes:
    """UTF-8 with a byte-order mark (so that a spreadsheet reads the accents), comma-separated."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_texts(lang)["columns"].split(","))
    for e in entries:
        row = [e.file_name, e.author, e.caption, e.day, e.source, e.speaker]
        writer.writerow([str(e.number), *(_cell(value) for value in row)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def credits_txt(
    entries: Sequence[CreditEntry], exhibition: str, wall: str, at: datetime, lang: str
) -> bytes:
    """The same list for people: what the office pastes into a leaflet or a wall label."""
    texts = _texts(lang)
    count = len(entries)
    summary = texts["summary_one"] if count == 1 else texts["summary_many"]
    lines = [
        texts["title"].format(name=exhibition, wall=wall),
        summary.format(n=count, date=format_day(at.date(), lang)),
        "",
    ]
    for e in entries:
        caption = f"«\u00a0{e.caption}\u00a0»" if lang == "fr" else f"“{e.caption}”"
        lines.append(f"{e.number:03d}  {caption if e.caption else texts['no_caption']}")
        lines.append(f"     {credit_line(e, lang)} — {e.date_words} — {e.source}")
        lines.append(f"     {texts['file'].format(file=e.file_name)}")
        lines.append("")
    return "\r\n".join(lines).encode("utf-8")
