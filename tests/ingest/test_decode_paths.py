"""The decoder's fast paths give what the plain ones would: pixels lent by Pillow (Arrow) or
copied, orientation by OpenCV as by Pillow, plain JPEGs through simplejpeg as through Pillow's
draft, and a whole-file decode that still refuses a truncated file."""

from __future__ import annotations

import io
import platform
from collections.abc import Iterator

import numpy as np
import pytest
from PIL import Image, ImageOps

from ingest import decode as decode_module
from ingest import heap, pixels
from ingest.decode import decode
from ingest.errors import Refused


def _noise(size: tuple[int, int]) -> Image.Image:
    rng = np.random.default_rng(7)
    return Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))


@pytest.fixture
def small_blocks() -> Iterator[None]:
    """Pillow blocks of 1 MB: a 640×480 image spans two, as a huge one would span 64 MB ones."""
    before = Image.core.get_block_size()
    Image.core.set_block_size(1024 * 1024)
    yield
    Image.core.set_block_size(before)


@pytest.mark.parametrize("blocks", ["one-block", "several-blocks"])
def test_packed_matches_pillow_in_both_orders(blocks: str, request: pytest.FixtureRequest) -> None:
    if blocks == "several-blocks":
        request.getfixturevalue("small_blocks")
    size = (640, 480)
    image = _noise(size)
    rgb = pixels.packed(image, "RGB")
    bgr = pixels.packed(image, "BGR")
    assert rgb.shape == (size[1], size[0], 3) and rgb.dtype == np.uint8
    assert np.array_equal(rgb, np.asarray(image))
    assert np.array_equal(bgr, rgb[..., ::-1])


def test_the_array_outlives_the_image() -> None:
    image = _noise((320, 240))
    expected = np.asarray(image).copy()
    packed = pixels.packed(image)
    del image
    assert np.array_equal(packed, expected)


def test_a_cropped_view_is_packed_by_its_own_rows() -> None:
    image = _noise((300, 200)).crop((10, 20, 110, 70))
    assert np.array_equal(pixels.packed(image), np.asarray(image))


def test_only_rgb_images() -> None:
    with pytest.raises(ValueError):
        pixels.packed(Image.new("L", (8, 8)))


@pytest.mark.parametrize("size", [(2000, 1500), (2560, 1920)], ids=["12mp-drafted", "browser"])
def test_what_the_pipeline_decodes_is_lent_not_copied(
    size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 12 MP JPEG drafted to 2000×1500, and what the visitor page sends, take the ~1 ms way
    (one block, see the module), not the ~5 ms one."""
    image = _noise(size)
    expected = np.asarray(image)

    def no_copy(*_: object) -> bytes:
        raise AssertionError("tobytes used")

    monkeypatch.setattr(Image.Image, "tobytes", no_copy)
    assert np.array_equal(pixels.packed(image), expected)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_is_applied_as_pillow_does(orientation: int) -> None:
    exif = Image.Exif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    _noise((60, 40)).save(buffer, "PNG", exif=exif.tobytes())  # lossless: exact comparison
    expected = np.asarray(ImageOps.exif_transpose(Image.open(io.BytesIO(buffer.getvalue()))))
    decoded = decode(buffer.getvalue(), 10_000, 1920)
    assert np.array_equal(decoded.pixels, expected)
    assert (decoded.width, decoded.height) == (expected.shape[1], expected.shape[0])
    bgr = decode(buffer.getvalue(), 10_000, 1920, bgr=True).pixels
    assert np.array_equal(bgr, expected[..., ::-1])


@pytest.mark.parametrize("kept", [0.5, 0.99])
def test_a_truncated_jpeg_is_still_refused(kept: float) -> None:
    buffer = io.BytesIO()
    _noise((800, 600)).save(buffer, "JPEG", quality=90)
    data = buffer.getvalue()
    with pytest.raises(Refused) as refused:
        decode(data[: int(len(data) * kept)], 10_000_000, 1920)
    assert refused.value.code == "undecodable"


def _jpeg(image: Image.Image, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, **params)
    return buffer.getvalue()


def _pillows_way(data: bytes, long_edge: int) -> np.ndarray:
    image = Image.open(io.BytesIO(data))
    image.draft("RGB", decode_module.fit(*image.size, long_edge))
    return np.asarray(ImageOps.exif_transpose(image).convert("RGB"))


@pytest.mark.parametrize("mode", ["RGB", "L"])
@pytest.mark.parametrize("orientation", [1, 6])
def test_a_plain_jpeg_takes_simplejpeg_and_gets_pillows_pixels(
    mode: str, orientation: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same libjpeg-turbo, same DCT scale (800×600 for a 300 px target: ½), same pixels."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = _jpeg(_noise((800, 600)).convert(mode), exif=exif.tobytes())
    expected = _pillows_way(data, 300)

    def not_pillow(*_: object) -> np.ndarray:
        raise AssertionError("Pillow's way taken")

    monkeypatch.setattr(decode_module, "_pillow_pixels", not_pillow)
    decoded = decode(data, 10_000_000, 300)
    assert (
        decoded.pixels.shape
        == expected.shape
        == ((400, 300, 3) if orientation == 6 else (300, 400, 3))
    )
    assert np.abs(decoded.pixels.astype(int) - expected.astype(int)).max() <= 1
    assert (decoded.width, decoded.height) == ((600, 800) if orientation == 6 else (800, 600))
    bgr = decode(data, 10_000_000, 300, bgr=True).pixels
    assert np.array_equal(bgr, decoded.pixels[..., ::-1])


def test_cmyk_and_colour_managed_jpegs_take_pillows_way(monkeypatch: pytest.MonkeyPatch) -> None:
    cmyk = _jpeg(_noise((64, 48)).convert("CMYK"))
    image = Image.open(io.BytesIO(cmyk))
    assert decode_module._jpeg_pixels(cmyk, image, 1920, "BGR") is None
    assert decode(cmyk, 10_000, 1920).pixels.shape == (48, 64, 3)
    tagged = _jpeg(_noise((64, 48)), icc_profile=b"not sRGB")
    monkeypatch.setattr(decode_module, "_to_srgb", lambda *_: object())  # "a transform"
    assert decode_module._jpeg_pixels(tagged, Image.open(io.BytesIO(tagged)), 1920, "BGR") is None


def test_a_stream_libjpeg_warns_about_falls_back_to_pillow() -> None:
    """A truncated scan makes simplejpeg (strict) raise; Pillow's way then refuses it."""
    data = _jpeg(_noise((800, 600)))
    cut = data[: len(data) * 3 // 4]
    assert decode_module._jpeg_pixels(cut, Image.open(io.BytesIO(cut)), 1920, "BGR") is None
    with pytest.raises(Refused):
        decode(cut, 10_000_000, 1920)


def test_freed_pixel_buffers_stay_in_the_process(monkeypatch: pytest.MonkeyPatch) -> None:
    if platform.libc_ver()[0] != "glibc":
        pytest.skip("glibc's mallopt only")
    assert heap.keep_freed_pages()
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "131072")
    assert not heap.keep_freed_pages()  # the operator's own settings win
