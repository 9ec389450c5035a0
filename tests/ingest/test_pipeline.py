"""The pure pipeline, without a server: formats, sizes, orientation, colour, hashes, faces."""

from __future__ import annotations

import hashlib
import itertools
import time

import numpy as np
import pytest
from PIL import Image

from ingest.decode import decode
from ingest.errors import Refused
from ingest.faces import FaceDetector
from ingest.hashing import hamming
from ingest.pipeline import PipelineSpec, Processed, process
from ingest.sniff import Format, sniff
from tests.conftest import SAMPLES_DIR
from tests.helpers import images
from wall.config import ModerationSection
from wall.domain import RenditionKind

SPEC = PipelineSpec()
NO_FACES = PipelineSpec(detect_faces=False)
MAX_PIXELS = SPEC.max_pixels
DIFFERENT_PHOTOS_MIN_DISTANCE = 16  # a quarter of the 64 bits


@pytest.fixture(scope="module")
def detector() -> FaceDetector:
    return FaceDetector()


def _rendition(processed: Processed, kind: RenditionKind) -> Image.Image:
    found = next(r for r in processed.renditions if r.kind is kind)
    image = images.open_bytes(found.data)
    assert image.size == (found.width, found.height)
    return image


def _mean(pixels: np.ndarray) -> np.ndarray:
    return pixels.reshape(-1, 3).mean(axis=0)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (images.encode(Image.new("RGB", (8, 8)), "JPEG"), Format.JPEG),
        (images.encode(Image.new("RGB", (8, 8)), "PNG"), Format.PNG),
        (images.encode(Image.new("RGB", (8, 8)), "WEBP"), Format.WEBP),
    ],
    ids=["jpeg", "png", "webp"],
)
def test_sniff_recognises_accepted_formats(data: bytes, expected: Format) -> None:
    assert sniff(data) is expected


def test_sniff_accepts_heic_and_the_pipeline_decodes_it() -> None:
    data = images.heic(images.textured((300, 200), (20, 200, 20)))
    assert sniff(data) is Format.HEIF
    processed = process(data, NO_FACES, None)
    display = np.asarray(_rendition(processed, RenditionKind.DISPLAY))
    assert display.shape == (200, 300, 3)
    red, green, blue = _mean(display)
    assert green > 150 and red < 80 and blue < 80


@pytest.mark.parametrize(
    "data",
    [
        images.encode(Image.new("RGB", (8, 8)), "AVIF"),
        # AVIF that names the generic `mif1` brand first and `avif` among the compatible ones
        b"\0\0\0\x1cftypmif1\0\0\0\0mif1avifmiaf" + bytes(64),
        images.encode(Image.new("RGB", (8, 8)), "GIF"),
        images.encode(Image.new("RGB", (8, 8)), "BMP"),
        images.encode(Image.new("RGB", (8, 8)), "TIFF"),
        images.svg(),
        images.html_then_jpeg(),
        b"",
    ],
    ids=["avif", "avif-mif1", "gif", "bmp", "tiff", "svg", "html-then-jpeg", "empty"],
)
def test_sniff_refuses_everything_else(data: bytes) -> None:
    assert sniff(data) is None


def test_unsupported_format_is_refused_415_before_decoding() -> None:
    with pytest.raises(Refused) as refused:
        process(images.encode(Image.new("RGB", (8, 8)), "AVIF"), NO_FACES, None)
    assert (refused.value.status, refused.value.code) == (415, "unsupported_type")


def test_empty_and_oversized_input_are_refused() -> None:
    with pytest.raises(Refused) as empty:
        process(b"", NO_FACES, None)
    assert (empty.value.status, empty.value.code) == (422, "undecodable")
    with pytest.raises(Refused) as large:
        process(images.distinctive_jpeg(), PipelineSpec(max_bytes=1024, detect_faces=False), None)
    assert (large.value.status, large.value.code) == (413, "too_large")


def test_huge_png_refused_from_its_header_quickly() -> None:
    started = time.perf_counter()
    with pytest.raises(Refused) as refused:
        process(images.huge_png(), NO_FACES, None)
    assert (refused.value.status, refused.value.code) == (422, "too_many_pixels")
    assert time.perf_counter() - started < 1.0


def test_rendition_sizes_for_a_4000x3000_photo() -> None:
    photo = Image.new("RGB", (4000, 3000), (90, 120, 150))
    photo.paste((250, 200, 20), (1000, 1000, 3000, 2000))
    processed = process(images.jpeg(photo), NO_FACES, None)
    assert _rendition(processed, RenditionKind.DISPLAY).size == (1920, 1440)
    assert _rendition(processed, RenditionKind.THUMB).size == (400, 300)
    assert _rendition(processed, RenditionKind.TILE).size == (128, 128)
    assert (processed.signals.width, processed.signals.height) == (4000, 3000)


def test_small_photo_is_not_upscaled() -> None:
    processed = process(images.distinctive_jpeg(size=(300, 200)), NO_FACES, None)
    assert _rendition(processed, RenditionKind.DISPLAY).size == (300, 200)
    assert _rendition(processed, RenditionKind.TILE).size == (128, 128)


def test_orientation_6_is_applied_and_metadata_dropped() -> None:
    processed = process(images.oriented_gps_jpeg((640, 480), orientation=6), NO_FACES, None)
    display = _rendition(processed, RenditionKind.DISPLAY)
    assert display.size == (480, 640)  # stored landscape, shown portrait
    assert (processed.signals.width, processed.signals.height) == (480, 640)
    pixels = np.asarray(display.convert("RGB"))
    band = round(480 * images.RED_BAND_SHARE)
    right, left = pixels[:, -band + 8 :], pixels[:, : 480 - band - 8]
    assert _mean(right)[0] > 200 and _mean(right)[2] < 60  # the stored top is now the right
    assert _mean(left)[0] < 60 and _mean(left)[2] > 200
    assert not display.getexif()
    assert "xmp" not in display.info and "exif" not in display.info


def test_cmyk_jpeg_decodes_to_rgb() -> None:
    decoded = decode(images.cmyk_jpeg(), MAX_PIXELS, 1920)
    assert decoded.pixels.shape == (150, 200, 3)
    red, green, blue = _mean(decoded.pixels)
    assert red < 80 and green > 150 and blue > 150  # cyan, not inverted to red


# A small image is converted as it is; one past twice the display edge is first reduced.
SIZES = [pytest.param((200, 150), id="small"), pytest.param((4000, 100), id="shrunk")]


@pytest.mark.parametrize("size", SIZES)
def test_16_bit_png_decodes_to_8_bit_rgb_gradient(size: tuple[int, int]) -> None:
    pixels = decode(images.png16(size), MAX_PIXELS, 1920).pixels
    assert pixels.dtype == np.uint8 and pixels.ndim == 3 and pixels.shape[2] == 3
    assert pixels[:, 0].max() < 10  # left edge black
    assert pixels[:, -1].min() > 245  # right edge white, not wrapped to dark
    assert np.all(np.diff(pixels[0, :, 0].astype(int)) >= 0)


@pytest.mark.parametrize("size", SIZES)
def test_palette_png_with_transparency_decodes_to_rgb(size: tuple[int, int]) -> None:
    pixels = decode(images.palette_png_with_transparency(size), MAX_PIXELS, 1920).pixels
    half = pixels.shape[1] // 2
    opaque, clear = pixels[:, half + 4 :], pixels[:, : half - 4]
    assert np.array_equal(_mean(opaque), [255, 0, 0])
    assert np.ptp(clear.reshape(-1, 3), axis=0).max() == 0  # one flat background colour


def _checkered(mode: str, size: tuple[int, int]) -> bytes:
    """One-pixel checks of two colours: averaging them must give their mix, whatever the mode."""
    width, height = size
    checks = (np.indices((height, width)).sum(axis=0) % 2).astype(np.uint8)
    if mode == "P":  # indices 0 and 2 (red, blue); averaging *indices* would give 1 (green)
        image = Image.frombytes("P", size, (checks * 2).tobytes())
        image.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 255] + [0] * 759)
        return images.encode(image, "PNG")
    if mode == "1":
        return images.encode(Image.fromarray(checks * 255).convert("1"), "PNG")
    if mode == "I;16":
        return images.encode(Image.fromarray(checks.astype(np.uint16) * 65535), "PNG")
    rgba = np.zeros((height, width, 4), np.uint8)
    rgba[checks == 1] = (0, 0, 255, 255)
    rgba[checks == 0] = (255, 255, 0, 128)
    image = Image.fromarray(rgba).convert(mode)
    if mode in ("L", "RGB"):  # with a transparent key colour
        key = image.getpixel((0, 0))
        return images.encode(image, "PNG", transparency=key)
    return images.encode(image, "PNG")


@pytest.mark.parametrize("mode", ["P", "1", "I;16", "L", "LA", "RGB", "RGBA"])
def test_shrinking_a_large_image_keeps_its_colours(mode: str) -> None:
    small = _mean(decode(_checkered(mode, (200, 150)), MAX_PIXELS, 1920).pixels)
    shrunk = decode(_checkered(mode, (4000, 100)), MAX_PIXELS, 1920)
    assert shrunk.pixels.shape[1] >= 1920  # never below the display size
    assert (shrunk.width, shrunk.height) == (4000, 100)
    assert np.abs(_mean(shrunk.pixels) - small).max() < 3, (small, _mean(shrunk.pixels))


@pytest.mark.parametrize("size", SIZES)
def test_non_srgb_icc_profile_is_converted(size: tuple[int, int]) -> None:
    stored_red = Image.new("RGB", size, (200, 0, 0))
    profile = images.channel_swapping_icc()
    for tagged in (
        images.jpeg(stored_red, quality=95, icc_profile=profile),
        images.encode(stored_red, "PNG", icc_profile=profile),
    ):
        red, green, blue = _mean(decode(tagged, MAX_PIXELS, 1920).pixels)
        assert green > 150 and red < 40 and blue < 40  # the profile said "red" means green
    untagged_red, *_ = _mean(decode(images.jpeg(stored_red), MAX_PIXELS, 1920).pixels)
    assert untagged_red > 180


def test_phash_survives_reencoding_and_resizing() -> None:
    duplicate_distance = ModerationSection().duplicate_distance
    for path in sorted(SAMPLES_DIR.glob("*.jpg")):
        original = Image.open(path).convert("RGB")
        smaller = original.resize(
            (original.width * 2 // 3, original.height * 2 // 3), Image.Resampling.LANCZOS
        )
        a = process(path.read_bytes(), NO_FACES, None).phash
        b = process(images.jpeg(smaller, quality=55), NO_FACES, None).phash
        assert hamming(a, b) <= duplicate_distance, path.name


def test_phash_tells_different_photos_apart() -> None:
    hashes = {
        path.name: process(path.read_bytes(), NO_FACES, None).phash
        for path in sorted(SAMPLES_DIR.glob("*.jpg"))
    }
    for (name_a, a), (name_b, b) in itertools.combinations(hashes.items(), 2):
        assert hamming(a, b) >= DIFFERENT_PHOTOS_MIN_DISTANCE, (name_a, name_b)


def test_faces_counted_on_a_portrait_and_not_on_a_wall(detector: FaceDetector) -> None:
    astronaut = process((SAMPLES_DIR / "astronaut.jpg").read_bytes(), SPEC, detector)
    brick = process((SAMPLES_DIR / "brick.jpg").read_bytes(), SPEC, detector)
    assert astronaut.signals.face_count >= 1
    assert 0 < astronaut.signals.face_area < 1
    assert brick.signals.face_count == 0


def test_sha256_is_of_the_uploaded_bytes() -> None:
    data = images.distinctive_jpeg()
    assert process(data, NO_FACES, None).sha256 == hashlib.sha256(data).hexdigest()
