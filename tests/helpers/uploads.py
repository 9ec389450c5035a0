"""Posting files as a visitor would, and checking answers against the contract."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import psutil
from PIL import Image

from tests.helpers import images
from tests.helpers.server import LiveServer

# Status → the error codes the contract allows for it.
CONTRACT_ERRORS: dict[int, set[str]] = {
    400: {"consent_required", "invalid_field"},
    413: {"too_large"},
    415: {"unsupported_type"},
    422: {"undecodable", "too_many_pixels"},
    429: {"rate_limited"},
}
CORPUS_THREADS = 4
REQUEST_TIMEOUT_S = 20.0
MAX_SECONDS_PER_FILE = 5.0
MAX_SERVER_RSS = 1 << 30
RENDITION_SAMPLE = 40
DECLARED_TYPES = [
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/heic",
    "image/gif",
    "image/svg+xml",
    "text/html",
    "application/octet-stream",
]
MEDIA_NAME = re.compile(r"^[0-9a-f]{64}\.jpg$")
CONSENT = {"consent": "true"}


@dataclass
class Answer:
    name: str
    magic: str
    status: int
    body: dict[str, Any]
    seconds: float


@dataclass
class RssSampler:
    """Samples a process's resident memory in a thread; `peak` is the highest seen."""

    pid: int
    interval_s: float = 0.02
    peak: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def _run(self) -> None:
        process = psutil.Process(self.pid)
        while True:
            self.peak = max(self.peak, process.memory_info().rss)
            if self._stop.wait(self.interval_s):
                return

    @contextmanager
    def running(self) -> Iterator[RssSampler]:
        thread = threading.Thread(target=self._run, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join()


def rss(server: LiveServer) -> int:
    assert server.process is not None
    return int(psutil.Process(server.process.pid).memory_info().rss)


def magic(data: bytes) -> str:
    """The format named by a file's first bytes, independently of the server's sniffer."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[4:8] == b"ftyp":
        return "avif" if data[8:12] in (b"avif", b"avis") else "isobmff"
    return "other"


def post(
    client: httpx.Client,
    data: bytes | None,
    filename: str = "photo.jpg",
    content_type: str = "image/jpeg",
    **fields: str,
) -> httpx.Response:
    if data is None:  # a multipart form all the same, with some other part than `file`
        files = {"other": ("note.txt", b"hello", "text/plain")}
    else:
        files = {"file": (filename, data, content_type)}
    return client.post("/api/photos", files=files, data={**CONSENT, **fields})


def error_code(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith("application/json"), response.text
    return str(response.json()["error"]["code"])


def assert_refused(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert error_code(response) == code


def accepted(response: httpx.Response) -> tuple[str, str]:
    assert response.status_code == 201, response.text
    body = response.json()
    return body["id"], body["receipt_token"]


def fetch_rendition(
    client: httpx.Client, photo_id: str, token: str, kind: str = "display"
) -> bytes:
    response = client.get(f"/media/{kind}/{photo_id}.jpg", params={"token": token})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["x-content-type-options"] == "nosniff"
    return response.content


def assert_clean_jpeg(data: bytes) -> Image.Image:
    """A JPEG with no EXIF and no XMP, as the contract promises for served renditions."""
    image = images.open_bytes(data)
    assert image.format == "JPEG"
    assert not image.getexif(), dict(image.getexif())
    assert "exif" not in image.info and "xmp" not in image.info
    assert b"Exif\0\0" not in data and b"http://ns.adobe.com/xap/" not in data
    return image


# --- the corpus -------------------------------------------------------------------------
