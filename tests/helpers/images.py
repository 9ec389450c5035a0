"""Builders for test images: honest photos, tricky metadata, and hostile files.

Everything is built in memory with Pillow and numpy; nothing here writes to disk.
"""

from __future__ import annotations

import io
import struct
import zlib
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

RED = (255, 0, 0)
RED_BAND_SHARE = 0.2  # the top fifth of an orientation test image is pure red
SCRIPT = b"<html><script>alert(1)</script></html>"

# sRGB primaries adapted to D50, as an ICC v2 matrix profile states them.
_SRGB_RED_D50 = (0.4361, 0.2225, 0.0139)
_SRGB_GREEN_D50 = (0.3851, 0.7169, 0.0971)
_SRGB_BLUE_D50 = (0.1431, 0.0606, 0.7141)
_D50 = (0.9642, 1.0, 0.8249)


def encode(image: Image.Image, fmt: str = "JPEG", **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def jpeg(image: Image.Image, quality: int = 90, **options: Any) -> bytes:
    return encode(
        image.convert("RGB") if image.mode != "RGB" else image, "JPEG", quality=quality, **options
    )


def open_bytes(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def textured(size: tuple[int, int], colour: tuple[int, int, int], seed: int = 0) -> Image.Image:
    """A colour with a gentle gradient and noise: sharp enough to look like a photo."""
    width, height = size
    rng = np.random.default_rng(seed)
    ramp = np.linspace(-40, 40, width, dtype=np.float32)[None, :, None]
    noise = rng.normal(0, 12, (height, width, 3)).astype(np.float32)
    pixels = np.clip(np.array(colour, np.float32)[None, None, :] + ramp + noise, 0, 255)
    return Image.fromarray(pixels.astype(np.uint8), "RGB")


def distinctive_jpeg(
    colour: tuple[int, int, int] = (30, 160, 220), size: tuple[int, int] = (800, 600), seed: int = 0
) -> bytes:
    """A JPEG whose colour (and bytes, through `seed`) says which test made it."""
    return jpeg(textured(size, colour, seed))


def red_top_band(size: tuple[int, int]) -> Image.Image:
    """Blue, with a red band across the top rows of the stored pixels."""
    width, height = size
    image = Image.new("RGB", size, (0, 0, 255))
    image.paste(RED, (0, 0, width, round(height * RED_BAND_SHARE)))
    return image


def exif_with_gps(orientation: int) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"  # GPSLatitudeRef
    gps[2] = (48.0, 51.0, 24.0)  # GPSLatitude: Paris
    gps[3] = "E"  # GPSLongitudeRef
    gps[4] = (2.0, 21.0, 3.0)  # GPSLongitude
    return exif


def oriented_gps_jpeg(size: tuple[int, int] = (640, 480), orientation: int = 6) -> bytes:
    """Stored `size` pixels with a red top band, tagged with an orientation and a GPS fix."""
    return jpeg(red_top_band(size), exif=exif_with_gps(orientation))


def jpeg_then_html() -> bytes:
    """A valid JPEG followed by an HTML page: a browser sniffing it might run the script."""
    return distinctive_jpeg((200, 120, 40), (320, 240)) + SCRIPT


def html_then_jpeg() -> bytes:
    """An HTML page followed by a JPEG: no image magic at the start."""
    return SCRIPT + distinctive_jpeg((40, 120, 200), (320, 240))


def svg() -> bytes:
    return (
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="100" '
        b'height="100"><script>alert(1)</script><rect width="100" height="100" '
        b'fill="red"/></svg>\n'
    )


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def _adler32_of_zeros(count: int) -> int:
    """Adler-32 of `count` zero bytes: a stays 1, b grows by 1 per byte."""
    return ((count % 65521) << 16) | 1


# PNG colour types and bytes per pixel of the modes `blank_png` writes.
_PNG_MODES = {"L": (0, 1), "RGB": (2, 3), "P": (3, 1), "LA": (4, 2), "RGBA": (6, 4)}


@lru_cache(maxsize=4)
def blank_png(
    width: int, height: int, mode: str = "L", colour: tuple[int, int, int] = (0, 0, 0)
) -> bytes:
    """A valid PNG of width×height zero bytes (black, or palette entry 0 = `colour` for
    mode P), a few hundred KB even for hundreds of megapixels.

    The raw image never exists: one block of zero rows is deflated once, ending in a full
    flush (which resets the compressor), so the same bytes stand for every other block; the
    zlib wrapper and its checksum are written by hand.
    """
    colour_type, channels = _PNG_MODES[mode]
    row = width * channels + 1  # filter byte + the pixels
    rows_per_block = max(1, (8 << 20) // row)
    blocks, tail_rows = divmod(height, rows_per_block)
    block = zlib.compressobj(9, zlib.DEFLATED, -15)
    repeated = block.compress(bytes(row * rows_per_block)) + block.flush(zlib.Z_FULL_FLUSH)
    tail = zlib.compressobj(9, zlib.DEFLATED, -15)
    last = tail.compress(bytes(row * tail_rows)) + tail.flush(zlib.Z_FINISH)
    checksum = struct.pack(">I", _adler32_of_zeros(row * height))
    stream = b"\x78\xda" + repeated * blocks + last + checksum
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    palette = _png_chunk(b"PLTE", bytes(colour)) if mode == "P" else b""
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + palette
        + _png_chunk(b"IDAT", stream)
        + _png_chunk(b"IEND", b"")
    )


def huge_png() -> bytes:
    """30000×30000 grayscale (900 MP) in under 1 MB: far past any pixel limit."""
    return blank_png(30_000, 30_000)


def cmyk_jpeg(size: tuple[int, int] = (200, 150)) -> bytes:
    """Pure cyan in CMYK (no black): decodes to a blue-green in RGB."""
    return encode(Image.new("CMYK", size, (255, 0, 0, 0)), "JPEG", quality=95)


def png16(size: tuple[int, int] = (200, 150)) -> bytes:
    """A 16-bit grayscale gradient (mode I;16), left black to right white."""
    ramp = np.linspace(0, 65535, size[0], dtype=np.uint16)
    image = Image.fromarray(np.ascontiguousarray(np.broadcast_to(ramp, (size[1], size[0]))))
    assert image.mode == "I;16", image.mode
    return encode(image, "PNG")


def palette_png_with_transparency(size: tuple[int, int] = (200, 150)) -> bytes:
    """Palette image: left half index 0 (fully transparent white), right half opaque red."""
    image = Image.new("P", size, 0)
    image.putpalette([255, 255, 255, 255, 0, 0] + [0, 0, 0] * 254)
    image.paste(1, (size[0] // 2, 0, size[0], size[1]))
    return encode(image, "PNG", transparency=0)


def heic(image: Image.Image) -> bytes:
    import pillow_heif

    pillow_heif.register_heif_opener()
    return encode(image, "HEIF", quality=90)


def _s15f16(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _xyz_tag(xyz: tuple[float, float, float]) -> bytes:
    return b"XYZ " + bytes(4) + b"".join(_s15f16(v) for v in xyz)


def _text_description(text: str) -> bytes:
    ascii_text = text.encode("ascii") + b"\0"
    return (
        b"desc"
        + bytes(4)
        + struct.pack(">I", len(ascii_text))
        + ascii_text
        + bytes(4 + 4)  # Unicode language code and count
        + bytes(2 + 1 + 67)  # ScriptCode code, count and its fixed 67 bytes
    )


def channel_swapping_icc(description: str = "Swapped primaries test RGB") -> bytes:
    """An ICC v2 RGB matrix profile whose red and green primaries are sRGB's green and red.

    A decoder that honours it turns stored red into green: an unmistakable sign that the
    profile was applied (a real wide-gamut profile shifts colours by a few levels only).
    """
    gamma = b"curv" + bytes(4) + struct.pack(">IH", 1, int(2.2 * 256))
    tags = [
        (b"desc", _text_description(description)),
        (b"wtpt", _xyz_tag(_D50)),
        (b"rXYZ", _xyz_tag(_SRGB_GREEN_D50)),
        (b"gXYZ", _xyz_tag(_SRGB_RED_D50)),
        (b"bXYZ", _xyz_tag(_SRGB_BLUE_D50)),
        (b"rTRC", gamma),
        (b"gTRC", gamma),
        (b"bTRC", gamma),
        (b"cprt", b"text" + bytes(4) + b"public domain\0"),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for signature, payload in tags:
        payload += bytes(-len(payload) % 4)
        table += signature + struct.pack(">II", offset + len(data), len(payload))
        data += payload
    size = offset + len(data)
    header = (
        struct.pack(">I", size)
        + b"lcms"
        + struct.pack(">I", 0x02100000)
        + b"mntrRGB XYZ "
        + struct.pack(">6H", 2024, 1, 1, 0, 0, 0)
        + b"acsp"
        + bytes(4 + 4 + 4 + 4 + 8)  # platform, flags, manufacturer, model, attributes
        + struct.pack(">I", 0)  # perceptual intent
        + b"".join(_s15f16(v) for v in _D50)
        + b"lcms"
        + bytes(16 + 28)  # profile id, reserved
    )
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + data


def distinct_photos(
    samples_dir: Path, count: int, size: tuple[int, int] = (1600, 1200)
) -> list[bytes]:
    """`count` JPEGs of about 2 MP, each different in bytes and content from the others."""
    sources = sorted(samples_dir.glob("*.jpg"))
    photos = []
    for index in range(count):
        with Image.open(sources[index % len(sources)]) as sample:
            base = sample.convert("RGB").resize(size, Image.Resampling.BILINEAR)
        pixels = np.asarray(base, dtype=np.int16)
        shift = np.array([(index * 37) % 90, (index * 53) % 90, (index * 71) % 90], np.int16) - 45
        pixels = np.clip(pixels + shift, 0, 255).astype(np.uint8)
        if index // len(sources) % 2:
            pixels = pixels[:, ::-1]
        image = Image.fromarray(np.ascontiguousarray(pixels), "RGB")
        # A per-index crop makes the content (not only the colours) differ.
        margin = 8 * (index // len(sources))
        image = image.crop((margin, margin, size[0] - margin, size[1] - margin))
        photos.append(jpeg(image, quality=88))
    return photos
