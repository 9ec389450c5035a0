"""The print package as a stream (`console.package`), on a real media folder: it hands out each
photo as soon as it is in the archive (never the whole .zip at once), and a photo deleted
while the package is being written is left out of it, its credits and its catalogue."""

from __future__ import annotations

import asyncio
import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from pypdf import PdfReader

from console.credits import CreditEntry
from console.package import CatalogueHeading, PackagePlan, Progress, package_stream
from tests.helpers.images import distinctive_jpeg
from wall.storage.media import FileMediaStore


def entry(media: FileMediaStore, index: int) -> CreditEntry:
    data = distinctive_jpeg((40 * index, 100, 160), size=(1600, 1200), seed=index)
    key = media.put(data, "jpg")
    return CreditEntry(
        number=index,
        photo_id=f"photo{index}",
        file_name="",
        author=f"Auteur {index}",
        caption=f"Légende {index}",
        day="2027-07-14",
        date_words="14 juillet 2027",
        source="Téléphone",
        speaker="",
        print_key=key,
        print_size=len(data),
        picture_key=key,
    )


def test_photos_stream_out_one_by_one_and_a_delete_midway_is_honoured(tmp_path: Path) -> None:
    media = FileMediaStore(tmp_path / "media")
    entries = [entry(media, index) for index in (1, 2, 3)]
    plan = PackagePlan(entries, CatalogueHeading("Mur", "Été", datetime.now(UTC)), "fr")
    deleted: set[str] = set()
    steps: list[Progress] = []

    async def still_printable(photo_id: str) -> bool:
        return photo_id not in deleted

    async def progress(step: Progress) -> None:
        steps.append(step)

    async def consume() -> list[bytes]:
        chunks = []
        async for chunk in package_stream(plan, media, still_printable, progress):
            chunks.append(chunk)
            if len(chunks) == 1:
                deleted.add("photo2")  # its contributor deletes it while photo 1 goes out
        return chunks

    chunks = asyncio.run(consume())
    sizes = [e.print_size for e in entries]
    # The first piece is photo 1 alone (its header and bytes), handed out before the rest.
    assert sizes[0] < len(chunks[0]) < sizes[0] + 200
    assert max(len(chunk) for chunk in chunks) < max(sizes) + 200_000  # the PDF's at most
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert archive.namelist() == [
        "001_auteur-1_photo1.jpg",
        "002_auteur-3_photo3.jpg",  # numbered as they went in: no gap for the deleted one
        "credits.csv",
        "credits.txt",
        "catalogue.pdf",
    ]
    assert archive.read("002_auteur-3_photo3.jpg") == media.read(entries[2].print_key)
    everything = b"".join(archive.read(name) for name in archive.namelist())
    assert b"photo2" not in everything and "Légende 2".encode() not in everything
    pages = PdfReader(io.BytesIO(archive.read("catalogue.pdf"))).pages
    assert len(pages) == 3 and "Légende 3" in (pages[2].extract_text() or "")
    assert [(s.phase, s.done) for s in steps] == [
        ("photos", 0),
        ("photos", 1),
        ("photos", 1),
        ("photos", 2),
        ("catalogue", 2),
        ("done", 2),
    ]
