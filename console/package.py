"""An exhibition's print-ready package, streamed as a .zip while it is written.

The print renditions are already JPEGs: they go in stored (no deflate to waste CPU on), one
at a time, read from the media store and handed to the response as soon as they are in the
archive, so the server holds one photo, never the whole package (hundreds of MB). Then
`credits.csv`, `credits.txt` and last `catalogue.pdf`, built once the photos are out.

Every photo is checked again just before it is read (`still_printable`): a contributor who
deletes their photo while an export runs does not find it in the package, nor in its credits
or catalogue, which are written from what actually went in.
"""

from __future__ import annotations

import asyncio
import zipfile
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from console.credits import CreditEntry, credits_csv, credits_txt, file_name
from wall.storage.base import MediaStore

CSV_NAME = "credits.csv"
TXT_NAME = "credits.txt"
PDF_NAME = "catalogue.pdf"


@dataclass(frozen=True, slots=True)
class CatalogueHeading:
    """What the catalogue's cover and the credits name."""

    wall: str
    exhibition: str
    at: datetime  # when it was exported, in the wall's timezone


@dataclass(frozen=True, slots=True)
class Progress:
    phase: str  # "photos", "catalogue", "done", "failed"
    done: int  # photos in the package so far
    total: int  # photos planned


class _Sink:
    """What the zip writes into: bytes kept until the stream takes them (no `tell`, no
    `seek`: zipfile then writes each entry's sizes after its data, as a streamed zip does)."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes, /) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        """Nothing is buffered below this object."""

    def close(self) -> None:
        """The response owns the bytes: nothing to release here."""

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


class PackageWriter:
    """A zip written entry by entry; each call returns the bytes it produced."""

    def __init__(self, at: datetime) -> None:
        self._sink = _Sink()
        self._zip = zipfile.ZipFile(self._sink, "w", compression=zipfile.ZIP_STORED)
        self._date_time = (at.year, at.month, at.day, at.hour, at.minute, at.second)

    def add(self, name: str, data: bytes, compress: bool = False) -> bytes:
        info = zipfile.ZipInfo(name, self._date_time)
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.external_attr = 0o644 << 16  # a plain readable file once unzipped
        self._zip.writestr(info, data)
        return self._sink.take()

    def close(self) -> bytes:
        self._zip.close()
        return self._sink.take()


@dataclass(frozen=True, slots=True)
class PackagePlan:
    entries: Sequence[CreditEntry]  # in order; numbers are given as photos go in
    heading: CatalogueHeading
    lang: str


def _read(media: MediaStore, key: str) -> bytes | None:
    try:
        return media.read(key)
    except FileNotFoundError:
        return None  # wiped since the listing: a delete won the race


async def package_stream(
    plan: PackagePlan,
    media: MediaStore,
    still_printable: Callable[[str], Awaitable[bool]],
    progress: Callable[[Progress], Awaitable[None]],
) -> AsyncIterator[bytes]:
    """The zip's bytes, photo by photo, then the credits and the catalogue."""
    try:
        async for chunk in _package(plan, media, still_printable, progress):
            yield chunk
    except Exception:
        # The download breaks off (the browser says so); the console's bar says it too.
        await progress(Progress("failed", 0, len(plan.entries)))
        raise


async def _package(
    plan: PackagePlan,
    media: MediaStore,
    still_printable: Callable[[str], Awaitable[bool]],
    progress: Callable[[Progress], Awaitable[None]],
) -> AsyncIterator[bytes]:
    writer = PackageWriter(plan.heading.at)
    total = len(plan.entries)
    written: list[CreditEntry] = []
    await progress(Progress("photos", 0, total))
    for entry in plan.entries:
        data = await _next_photo(entry, media, still_printable)
        if data is not None:
            number = len(written) + 1
            name = file_name(number, entry.author, entry.photo_id, plan.lang)
            written.append(replace(entry, number=number, file_name=name))
            yield await asyncio.to_thread(writer.add, name, data)
            del data
        await progress(Progress("photos", len(written), total))
    yield writer.add(CSV_NAME, credits_csv(written, plan.lang), compress=True)
    head = plan.heading
    txt = credits_txt(written, head.exhibition, head.wall, head.at, plan.lang)
    yield writer.add(TXT_NAME, txt, compress=True)
    await progress(Progress("catalogue", len(written), total))
    from console.catalogue import build_catalogue  # fpdf2 loads with the first catalogue

    pdf = await asyncio.to_thread(build_catalogue, media, head, written, plan.lang)
    yield await asyncio.to_thread(writer.add, PDF_NAME, pdf)
    yield writer.close()
    await progress(Progress("done", len(written), total))


async def _next_photo(
    entry: CreditEntry, media: MediaStore, still_printable: Callable[[str], Awaitable[bool]]
) -> bytes | None:
    if not await still_printable(entry.photo_id):
        return None
    return await asyncio.to_thread(_read, media, entry.print_key)
