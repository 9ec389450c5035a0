"""What a hostile or clumsy visitor can send to `POST /api/photos`, against the real server.

Each named case gets the contract's answer; no file lands outside the data dir, memory stays
flat, and what is served back is a clean JPEG.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

from tests.helpers import images
from tests.helpers.app_server import AppServer
from tests.helpers.server import LiveServer
from tests.helpers.uploads import (
    CONSENT,
    CONTRACT_ERRORS,
    MEDIA_NAME,
    RssSampler,
    accepted,
    assert_clean_jpeg,
    assert_refused,
    error_code,
    fetch_rendition,
    post,
    rss,
)
from wall.config import UploadSection

# --- named cases ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server for the cases that need no special settings (each posts distinct bytes)."""
    live = LiveServer(tmp_path_factory.mktemp("bad-input")).start()
    yield live
    live.stop()


@pytest.fixture
def client(server: LiveServer) -> Iterator[httpx.Client]:
    with server.client() as http:
        yield http
    assert server.alive(), server.log()[-3000:]


def test_empty_file_is_undecodable(client: httpx.Client) -> None:
    assert_refused(post(client, b""), 422, "undecodable")


def test_missing_file_field_is_invalid(client: httpx.Client) -> None:
    assert_refused(post(client, None), 400, "invalid_field")


@pytest.mark.parametrize("consent", [None, "false", "", "no"])
def test_consent_missing_or_refused(client: httpx.Client, consent: str | None) -> None:
    form = {} if consent is None else {"consent": consent}
    response = client.post(
        "/api/photos",
        files={"file": ("p.jpg", images.distinctive_jpeg(seed=11), "image/jpeg")},
        data=form,
    )
    assert_refused(response, 400, "consent_required")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("caption", "x" * 10_000),
        ("caption", "é" * 10_000),
        ("caption", "y" * 281),
        ("author", "z" * 61),
    ],
    ids=["caption-10000", "caption-10000-multibyte", "caption-281", "author-61"],
)
def test_overlong_text_field_is_invalid(client: httpx.Client, name: str, value: str) -> None:
    response = post(client, images.distinctive_jpeg(seed=12), **{name: value})
    assert_refused(response, 400, "invalid_field")


def test_longest_allowed_caption_and_author_are_kept(client: httpx.Client) -> None:
    caption, author = "c" * 280, "a" * 60
    photo_id, token = accepted(
        post(client, images.distinctive_jpeg(seed=13), caption=caption, author=author)
    )
    status = client.get(f"/api/photos/{photo_id}", params={"token": token}).json()
    assert (status["caption"], status["author"]) == (caption, author)


def test_html_in_caption_and_author_is_stored_as_text(client: httpx.Client) -> None:
    caption = "<script>alert(\"x\")</script><img src=x onerror=alert(1)> & 'quoted'"
    author = "<b>Ana</b> & <i>Bo</i>"
    photo_id, token = accepted(
        post(client, images.distinctive_jpeg(seed=14), caption=caption, author=author)
    )
    response = client.get(f"/api/photos/{photo_id}", params={"token": token})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert (response.json()["caption"], response.json()["author"]) == (caption, author)


def _raw_multipart(filename: bytes, data: bytes) -> tuple[bytes, str]:
    """httpx percent-encodes odd file names; a hostile client sends the bytes as they are."""
    boundary = "wall-test-boundary-5f2b"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="consent"\r\n\r\ntrue\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="'.encode()
        + filename
        + b'"\r\nContent-Type: image/jpeg\r\n\r\n'
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def _files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file() or p.is_symlink()}


def _landing_spots(server: LiveServer, filename: bytes) -> set[Path]:
    """Where a server that trusted the name would have written it (cut at the NUL or not)."""
    text = filename.decode()
    names = {text.split("\0")[0], text.replace("\0", "")}
    media = server.data_dir / "media"
    bases = [server.root, server.data_dir, media, media / "ab" / "cd", Path.cwd()]
    return {(base / name).resolve() for base in bases for name in names}


def _snapshot(paths: set[Path]) -> dict[Path, tuple[int, int] | None]:
    return {p: (p.stat().st_mtime_ns, p.stat().st_size) if p.exists() else None for p in paths}


@pytest.mark.parametrize(
    "filename",
    [b"../../etc/passwd\x00.jpg", b"../../../../tmp/wall-escape.jpg", b"/etc/passwd"],
    ids=["dotdot-nul", "dotdot", "absolute"],
)
def test_hostile_file_name_writes_nothing_outside_data_dir(
    server: LiveServer, client: httpx.Client, filename: bytes
) -> None:
    tmp_root = server.root.parent
    before = _files_under(tmp_root)
    spots = _landing_spots(server, filename)
    spots_before = _snapshot(spots)
    body, content_type = _raw_multipart(filename, images.distinctive_jpeg(seed=len(filename)))
    response = client.post("/api/photos", content=body, headers={"content-type": content_type})
    assert response.status_code == 201 or response.status_code in CONTRACT_ERRORS, response.text
    if response.status_code != 201:
        assert error_code(response) in CONTRACT_ERRORS[response.status_code]
    assert _snapshot(spots) == spots_before
    new_files = _files_under(tmp_root) - before
    assert not [p for p in new_files if "passwd" in p.name or "escape" in p.name]
    assert all(p.is_relative_to(server.root) for p in new_files)
    media = server.data_dir / "media"
    assert all(
        MEDIA_NAME.match(p.name)
        and p.parent.parent.parent == media
        and p.parent.name == p.name[2:4]
        and p.parent.parent.name == p.name[:2]
        for p in _files_under(media)
    )


def test_jpeg_followed_by_html_is_reencoded_or_refused(client: httpx.Client) -> None:
    response = post(client, images.jpeg_then_html(), "page.html", "text/html")
    if response.status_code == 415:
        assert error_code(response) == "unsupported_type"
        return
    photo_id, token = accepted(response)
    for kind in ("display", "thumb", "tile"):
        served = fetch_rendition(client, photo_id, token, kind)
        assert b"<script" not in served.lower() and b"<html" not in served.lower()
        assert_clean_jpeg(served)


def test_html_followed_by_jpeg_is_refused(client: httpx.Client) -> None:
    assert_refused(
        post(client, images.html_then_jpeg(), "x.jpg", "image/jpeg"), 415, "unsupported_type"
    )


def test_svg_is_refused(client: httpx.Client) -> None:
    assert_refused(post(client, images.svg(), "x.svg", "image/svg+xml"), 415, "unsupported_type")
    assert_refused(post(client, images.svg(), "x.jpg", "image/jpeg"), 415, "unsupported_type")


# A minimal Photoshop header (Pillow cannot write PSD): 3 channels, 64×64, 8 bits, RGB.
PSD_HEADER = b"8BPS\0\1" + bytes(6) + b"\0\3\0\0\0\x40\0\0\0\x40\0\x08\0\3" + bytes(64)
REFUSED_FORMATS = [
    "EPS",
    "GIF",
    "BMP",
    "TIFF",
    "ICO",
    "JPEG2000",
    "AVIF",
    "PDF",
    "PPM",
    "QOI",
    "TGA",
]


@pytest.mark.parametrize("fmt", [*REFUSED_FORMATS, "PSD"])
def test_formats_we_do_not_take_are_415_whatever_their_name(client: httpx.Client, fmt: str) -> None:
    if fmt == "PSD":
        data = PSD_HEADER
    else:
        data = images.encode(images.textured((64, 64), (200, 30, 30), seed=22), fmt)
    response = post(client, data, "IMG_0042.JPG", "image/jpeg")
    assert_refused(response, 415, "unsupported_type")


def test_30000x30000_png_is_refused_fast_without_memory_growth(
    server: LiveServer, client: httpx.Client
) -> None:
    bomb = images.huge_png()
    assert len(bomb) < 1 << 20
    post(client, images.distinctive_jpeg(seed=15))  # warm the pipeline's own allocations
    before = rss(server)
    assert server.process is not None
    with RssSampler(server.process.pid).running() as memory:
        started = time.monotonic()
        response = post(client, bomb, "big.png", "image/png")
        elapsed = time.monotonic() - started
    assert_refused(response, 422, "too_many_pixels")
    assert elapsed < 2.0
    assert memory.peak - before < 64 << 20


# 49 MP: just under the default pixel limit, a few dozen KB on the wire.
LARGE_FRAME = (7000, 7000)
# One such photo may cost about two 4-byte-per-pixel copies of its frame, no more.
LARGE_FRAME_MAX_GROWTH = 400 << 20


@pytest.mark.parametrize("mode", ["P", "L", "RGB"])
def test_large_frame_in_a_small_file_keeps_memory_bounded(
    server: LiveServer, client: httpx.Client, mode: str
) -> None:
    width, height = LARGE_FRAME
    assert width * height <= UploadSection().max_pixels
    data = images.blank_png(width, height, mode, colour=(0, 90, 200))
    assert len(data) < 200_000
    before = rss(server)
    assert server.process is not None
    with RssSampler(server.process.pid).running() as memory:
        photo_id, token = accepted(post(client, data, "big.png", "image/png"))
    assert memory.peak - before < LARGE_FRAME_MAX_GROWTH, (memory.peak - before) >> 20
    display = images.open_bytes(fetch_rendition(client, photo_id, token))
    assert display.size == (1920, 1920)


def test_exif_orientation_applied_and_gps_stripped(client: httpx.Client) -> None:
    width, height = 640, 480
    source = images.oriented_gps_jpeg((width, height), orientation=6)
    assert images.open_bytes(source).getexif().get_ifd(0x8825)  # the GPS really is there
    photo_id, token = accepted(post(client, source))
    display = assert_clean_jpeg(fetch_rendition(client, photo_id, token))
    assert display.size == (height, width)
    pixels = np.asarray(display.convert("RGB")).astype(int)
    band = round(height * images.RED_BAND_SHARE)
    # Orientation 6: rotate 90° clockwise to show; the stored top becomes the right edge.
    right, rest = pixels[:, -band + 4 :], pixels[:, : height - band - 4]
    assert right[..., 0].mean() > 200 and right[..., 2].mean() < 60
    assert rest[..., 0].mean() < 60 and rest[..., 2].mean() > 200
    for kind in ("thumb", "tile"):
        assert_clean_jpeg(fetch_rendition(client, photo_id, token, kind))


def test_body_over_the_limit_is_413(make_app_server: Callable[..., AppServer]) -> None:
    small = make_app_server(upload={"max_bytes": 200_000})
    big = images.jpeg(images.textured((1600, 1200), (120, 120, 120), seed=16), quality=95)
    assert len(big) > 1_000_000
    with small.client() as http:
        assert_refused(post(http, big), 413, "too_large")
        body, content_type = _raw_multipart(b"big.jpg", big)
        chunks = (body[i : i + 65536] for i in range(0, len(body), 65536))  # no Content-Length
        streamed = http.post("/api/photos", content=chunks, headers={"content-type": content_type})
        assert_refused(streamed, 413, "too_large")
        accepted(post(http, images.distinctive_jpeg(seed=17)))  # the server still takes photos
    assert small.alive()


def _two_files(client: httpx.Client) -> httpx.Response:
    photo = images.distinctive_jpeg(seed=19)
    files = [("file", ("a.jpg", photo, "image/jpeg")), ("file", ("b.jpg", photo, "image/jpeg"))]
    return client.post("/api/photos", files=files, data=CONSENT)


def _raw(content: bytes, content_type: str) -> Callable[[httpx.Client], httpx.Response]:
    return lambda client: client.post(
        "/api/photos", content=content, headers={"content-type": content_type}
    )


@pytest.mark.parametrize(
    ("send", "code"),
    [
        (_raw(b'{"consent": true}', "application/json"), "consent_required"),
        (_raw(b"consent=true&file=abc", "application/x-www-form-urlencoded"), "invalid_field"),
        (_raw(b"garbage", "multipart/form-data"), "invalid_field"),
        (_raw(b"--zzz\r\n", "multipart/form-data; boundary=other"), "invalid_field"),
        (_two_files, "invalid_field"),
        (
            lambda client: post(
                client, images.distinctive_jpeg(seed=20), **{f"extra{i}": "x" for i in range(30)}
            ),
            "invalid_field",
        ),
        (
            lambda client: client.post(
                "/api/photos",
                files={"file": ("a.jpg", images.distinctive_jpeg(seed=21), "image/jpeg")},
                data={"consent": "true", "caption": "x" * 40_000},
            ),
            "invalid_field",
        ),
    ],
    ids=[
        "json",
        "urlencoded",
        "no-boundary",
        "wrong-boundary",
        "two-files",
        "30-fields",
        "40k-caption",
    ],
)
def test_malformed_request_is_a_clean_400(
    client: httpx.Client, send: Callable[[httpx.Client], httpx.Response], code: str
) -> None:
    assert_refused(send(client), 400, code)


def test_fourth_quick_upload_is_rate_limited(
    make_app_server: Callable[..., AppServer],
) -> None:
    limited = make_app_server(upload={"rate_limit_per_minute": 3})
    with limited.client() as http:
        for seed in range(3):
            accepted(post(http, images.distinctive_jpeg(size=(64, 48), seed=100 + seed)))
        response = post(http, images.distinctive_jpeg(size=(64, 48), seed=103))
    assert_refused(response, 429, "rate_limited")
    assert int(response.headers["retry-after"]) >= 1


def test_pending_media_needs_a_token(server: LiveServer, client: httpx.Client) -> None:
    photo_id, token = accepted(post(client, images.distinctive_jpeg(seed=18)))
    bearer = {"Authorization": f"Bearer {server.display_token}"}
    for kind in ("display", "thumb", "tile"):
        url = f"/media/{kind}/{photo_id}.jpg"
        assert client.get(url).status_code == 404
        assert client.get(url, params={"token": "not-the-receipt"}).status_code == 404
        assert client.get(url, headers={"Authorization": "Bearer wrong"}).status_code == 404
        for response in (
            client.get(url, params={"token": token}),
            client.get(url, headers=bearer),
            client.get(url, params={"token": server.display_token}),
        ):
            assert response.status_code == 200
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["content-type"] == "image/jpeg"
            assert images.open_bytes(response.content).format == "JPEG"
    assert client.get(f"/media/original/{photo_id}.jpg", params={"token": token}).status_code == 404


def test_posting_garbage_does_not_stop_the_server(server: LiveServer, client: httpx.Client) -> None:
    garbage = [
        b"\xff\xd8\xff" + bytes(range(256)) * 40,  # JPEG magic, nonsense after
        b"\x89PNG\r\n\x1a\n" + b"\0" * 100,
        b"RIFF\0\0\0\0WEBPVP8 " + b"\xff" * 200,
        b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + b"\0" * 50,
    ]
    for data in garbage:
        response = post(client, data, "x.jpg", "image/jpeg")
        assert response.status_code in CONTRACT_ERRORS, response.text
        assert error_code(response) in CONTRACT_ERRORS[response.status_code]
    assert client.get("/healthz").status_code == 200
    assert server.alive()
