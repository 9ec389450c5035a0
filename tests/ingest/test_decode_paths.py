"""The decoder's fast paths give what the plain ones would: pixels lent by Pillow (Arrow) or
copied, orientation by OpenCV as by Pillow, and a whole-file decode that still refuses a
truncated file."""

from __future__ import annotations

import io
from collections.abc import Iterator

import numpy as np
import pytest
from PIL import Image, ImageOps

from ingest import pixels
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
