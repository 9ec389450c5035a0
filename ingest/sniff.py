"""Recognise the accepted formats from their first bytes, never from a name or a header.

Anything not positively recognised here is refused before any parser sees it.
"""

from __future__ import annotations

import enum


class Format(enum.StrEnum):
    """Accepted formats, valued by the name of the Pillow plugin allowed to open them."""

    JPEG = "JPEG"
    PNG = "PNG"
    WEBP = "WEBP"
    HEIF = "HEIF"


# ISO-BMFF brands of HEIC/HEIF still images (iPhones write `heic` with `mif1`).
HEIF_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"})
# AVIF shares the container; it is not one of our formats, so its brands disqualify.
AVIF_BRANDS = frozenset({b"avif", b"avis"})
SNIFF_BYTES = 64


def _heif(head: bytes) -> bool:
    if len(head) < 16 or head[4:8] != b"ftyp":
        return False
    box_size = int.from_bytes(head[0:4], "big")
    major = head[8:12]
    compatible = {
        head[i : i + 4] for i in range(16, min(box_size, len(head)) - 3, 4) if i + 4 <= len(head)
    }
    brands = {major, *compatible}
    if brands & AVIF_BRANDS and major not in HEIF_BRANDS - {b"mif1", b"msf1"}:
        return False
    return major in HEIF_BRANDS


def sniff(data: bytes) -> Format | None:
    head = data[:SNIFF_BYTES]
    if head.startswith(b"\xff\xd8\xff"):
        return Format.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Format.PNG
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Format.WEBP
    if _heif(head):
        return Format.HEIF
    return None
