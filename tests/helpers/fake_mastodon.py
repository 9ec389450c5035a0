"""A real HTTP server on loopback speaking Mastodon's tag-timeline API, and serving media.

It pages like Mastodon (newest first, `since_id`/`max_id`/`limit`, a `Link` header), sends
`X-RateLimit-*` headers, can answer 429 or malformed JSON once, and serves good photos
beside bad media: a 404, a redirect loop, an HTML page and an endless body.
"""

from __future__ import annotations

import io
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from PIL import Image

SAMPLES = Path(__file__).resolve().parents[2] / "wall" / "samples"
HUGE_BYTES = 200 * 1024 * 1024
BAD_MEDIA = ("missing", "loop", "html", "huge")


def sample_photos(count: int, long_edge: int = 900) -> list[bytes]:
    """`count` distinct JPEGs from the shipped samples: each a different size and crop."""
    sources = sorted(SAMPLES.glob("*.jpg"))
    photos = []
    for n in range(count):
        with Image.open(sources[n % len(sources)]) as opened:
            image = opened.convert("RGB")
        edge = long_edge + 7 * n  # a new size per photo: new bytes, new hash
        scale = edge / max(image.size)
        resized = image.resize((round(image.width * scale), round(image.height * scale)))
        out = io.BytesIO()
        resized.crop((n % 5, 0, resized.width, resized.height)).save(out, "JPEG", quality=90)
        photos.append(out.getvalue())
    return photos


@dataclass
class Behaviour:
    """Switches a test flips; each `*_once` is used by the next timeline request only."""

    answer_429_once: float | None = None  # Retry-After seconds
    malformed_once: bool = False
    rate_remaining_zero_once: float | None = None  # seconds until the reset
    media_delay_s: float = 0.0  # per media request: makes a poll last, for the restart test
    page_size: int = 40  # Mastodon caps `limit` at 40; smaller here to exercise paging
    # Mastodon 4.4+: "public" | "authenticated" | "disabled" for the instance's hashtag feeds
    hashtag_feeds: str = "public"
    access_token: str = ""  # the one token the instance accepts


@dataclass
class FakeMastodon:
    host: str = "127.0.0.1"
    posts: list[dict[str, Any]] = field(default_factory=list)
    media: dict[str, bytes] = field(default_factory=dict)
    behaviour: Behaviour = field(default_factory=Behaviour)
    timeline_log: list[tuple[float, dict[str, str], int]] = field(default_factory=list)
    media_log: list[str] = field(default_factory=list)
    media_auth_log: list[str] = field(default_factory=list)  # Authorization headers seen on media

    def __post_init__(self) -> None:
        self._ids = itertools.count(10**15)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((self.host, 0), _handler(self))
        self._server.daemon_threads = True
        self.url = f"http://{self.host}:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> FakeMastodon:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def add_media(self, name: str, data: bytes) -> str:
        self.media[name] = data
        return f"{self.url}/media/{name}"

    def bad_media_url(self, kind: str) -> str:
        assert kind in BAD_MEDIA
        return f"{self.url}/bad/{kind}/0"

    def add_post(
        self,
        media_urls: list[str],
        *,
        text: str = "Photo",
        visibility: str = "public",
        sensitive: bool = False,
        username: str = "alice",
        display_name: str = "Alice",
        uri: str | None = None,
    ) -> dict[str, Any]:
        """A status as Mastodon sends it; `uri` given: a federated copy of another's post."""
        with self._lock:
            post_id = str(next(self._ids))
            post = {
                "id": post_id,
                "uri": uri or f"{self.url}/users/{username}/statuses/{post_id}",
                "url": f"{self.url}/@{username}/{post_id}",
                "visibility": visibility,
                "sensitive": sensitive,
                "content": f"<p>{text} <a href='#'>#<span>town</span></a></p>",
                "account": {"username": username, "acct": username, "display_name": display_name},
                "media_attachments": [
                    {"id": f"{post_id}{i}", "type": "image", "url": url, "preview_url": None}
                    for i, url in enumerate(media_urls)
                ],
            }
            self.posts.append(post)
        return post

    def timeline(self, query: dict[str, str]) -> tuple[list[dict[str, Any]], str]:
        since = int(query.get("since_id", "0") or 0)
        max_id = int(query.get("max_id", "0") or 0)
        limit = min(int(query.get("limit", "20")), self.behaviour.page_size)
        with self._lock:
            newest_first = sorted(self.posts, key=lambda p: int(p["id"]), reverse=True)
        page = [
            p
            for p in newest_first
            if int(p["id"]) > since and (not max_id or int(p["id"]) < max_id)
        ][:limit]
        link = ""
        if page:
            base = f"{self.url}/api/v1/timelines/tag/town?limit={limit}"
            link = (
                f'<{base}&max_id={page[-1]["id"]}>; rel="next", '
                f'<{base}&min_id={page[0]["id"]}>; rel="prev"'
            )
        return page, link


def _handler(fake: FakeMastodon) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            """Quiet: the tests read `timeline_log` and `media_log` instead."""

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            try:
                if parts.path.startswith("/api/v1/timelines/tag/"):
                    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                    if self._signed_in_enough(query):
                        self._timeline(query)
                elif parts.path == "/api/v2/instance":
                    self._instance()
                elif parts.path.startswith("/media/"):
                    self._media(parts.path.removeprefix("/media/"))
                elif parts.path.startswith("/bad/"):
                    self._bad(*parts.path.removeprefix("/bad/").split("/")[:2])
                else:
                    self._send(404, b"not found", "text/plain")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the poller stopped reading (a capped body): what the test wants

        def _signed_in_enough(self, query: dict[str, str]) -> bool:
            """Mastodon's answers to a closed hashtag feed: 401 without a token or with a
            token it does not know (`{"error": ...}`), 422 when the feeds are disabled."""
            behaviour = fake.behaviour
            auth = self.headers.get("Authorization", "")
            valid = bool(behaviour.access_token) and auth == f"Bearer {behaviour.access_token}"
            if auth and not valid:
                status = 401
            elif behaviour.hashtag_feeds == "disabled":
                status = 422
            elif behaviour.hashtag_feeds == "authenticated" and not valid:
                status = 401
            else:
                return True
            fake.timeline_log.append((time.monotonic(), query, status))
            self._send(status, b'{"error":"This method requires an authenticated user"}')
            return False

        def _instance(self) -> None:
            feeds = fake.behaviour.hashtag_feeds
            body = {
                "domain": fake.host,
                "configuration": {
                    "timelines_access": {
                        "live_feeds": {"local": "public", "remote": "public"},
                        "hashtag_feeds": {"local": feeds, "remote": feeds},
                    }
                },
            }
            self._send(200, json.dumps(body).encode())

        def _timeline(self, query: dict[str, str]) -> None:
            behaviour = fake.behaviour
            if behaviour.answer_429_once is not None:
                wait, behaviour.answer_429_once = behaviour.answer_429_once, None
                fake.timeline_log.append((time.monotonic(), query, 429))
                self._send(429, b'{"error":"Too many requests"}', extra={"Retry-After": wait})
                return
            if behaviour.malformed_once:
                behaviour.malformed_once = False
                fake.timeline_log.append((time.monotonic(), query, 200))
                self._send(200, b'[{"id": "1", "content": "<p>cut', "application/json")
                return
            remaining, reset_in = 299, 300.0
            if behaviour.rate_remaining_zero_once is not None:
                remaining, reset_in = 0, behaviour.rate_remaining_zero_once
                behaviour.rate_remaining_zero_once = None
            reset = (datetime.now(UTC) + timedelta(seconds=reset_in)).isoformat()
            page, link = fake.timeline(query)
            fake.timeline_log.append((time.monotonic(), query, 200))
            headers = {"X-RateLimit-Limit": 300, "X-RateLimit-Remaining": remaining}
            headers["X-RateLimit-Reset"] = reset.replace("+00:00", "Z")
            if link:
                headers["Link"] = link
            self._send(200, json.dumps(page).encode(), "application/json", headers)

        def _media(self, name: str) -> None:
            fake.media_log.append(name)
            fake.media_auth_log.append(self.headers.get("Authorization", ""))
            time.sleep(fake.behaviour.media_delay_s)
            data = fake.media.get(name)
            if data is None:
                self._send(404, b"not found", "text/plain")
            else:
                self._send(200, data, "image/jpeg")

        def _bad(self, kind: str, step: str) -> None:
            fake.media_log.append(f"bad/{kind}")
            if kind == "missing":
                self._send(404, b"<h1>Not found</h1>", "text/html")
            elif kind == "loop":  # each hop points to a new URL: redirects forever
                self._send(302, b"", extra={"Location": f"/bad/loop/{int(step) + 1}"})
            elif kind == "html":
                self._send(200, b"<!doctype html><html><body>Login</body></html>", "text/html")
            else:
                self._endless()

        def _endless(self) -> None:
            """200 MB of JPEG-looking bytes, no Content-Length: only a streaming cap stops it."""
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Connection", "close")
            self.end_headers()
            chunk = b"\xff\xd8\xff\xe0" + bytes(1024 * 1024 - 4)
            for _ in range(HUGE_BYTES // len(chunk)):
                self.wfile.write(chunk)
                chunk = bytes(len(chunk))

        def _send(
            self,
            status: int,
            body: bytes,
            content_type: str = "application/json",
            extra: dict[str, Any] | None = None,
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (extra or {}).items():
                self.send_header(key, str(value))
            self.end_headers()
            self.wfile.write(body)

    return Handler
