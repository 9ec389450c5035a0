"""The gallery tests' shared moves: a visitor's upload (with its receipt token), a
moderator's decision through the wall's own lifecycle, and a gallery page read."""

from __future__ import annotations

import html
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from tests.helpers import images

GALLERY_ON = {"enabled": True}


@dataclass(frozen=True)
class Sent:
    id: str
    token: str


def send(
    client: httpx.Client, seed: int, caption: str = "", author: str = "", **choices: str
) -> Sent:
    """A visitor's photo, its bytes its own (`seed`), waiting for moderation; `choices`:
    the form's optional fields (`speaker`, `speaker_in_credit`)."""
    data = images.distinctive_jpeg((40 + seed * 37 % 200, 90, 160), (640, 480), seed=seed)
    answer = client.post(
        "/api/photos",
        files={"file": ("photo.jpg", data, "image/jpeg")},
        data={"consent": "true", "caption": caption, "author": author, **choices},
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["status"] == "pending", body
    return Sent(body["id"], body["receipt_token"])


def console_snippet(shell: str) -> str:
    """The `<iframe>` code the console's gallery card offers to copy (its textarea)."""
    found = re.search(r'<textarea id="gallery-snippet"[^>]*>(.*?)</textarea>', shell, re.S)
    assert found, "no gallery card on the console"
    return html.unescape(found.group(1))


def page(client: httpx.Client, **params: Any) -> dict[str, Any]:
    answer = client.get("/api/gallery/photos", params=params)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def ids(body: dict[str, Any]) -> list[str]:
    return [photo["id"] for photo in body["photos"]]


def decide(client: httpx.Client, photo_id: str, decision: str) -> None:
    """A moderator's decision through the moderation API (`client`: signed in)."""
    status = "pending" if decision in ("approve", "reject") else "approved"
    queue = client.get("/api/moderation/queue", params={"status": status, "limit": 100})
    assert queue.status_code == 200, queue.text
    version = next(p["version"] for p in queue.json()["photos"] if p["id"] == photo_id)
    answer = client.post(
        f"/api/moderation/photos/{photo_id}/decision",
        json={"decision": decision, "version": version},
    )
    assert answer.status_code == 200, answer.text


class OfficeSite:
    """The office's website on its own loopback origin: one page with `<iframe>`s of the
    wall's pages (the console's snippet is one of them), served by a plain HTTP server."""

    def __init__(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.origin = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.frames: list[str] = []  # the <iframe> snippets the page holds
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                body = (
                    '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
                    "<title>Office de tourisme</title></head><body><h1>Bienvenue</h1>"
                    + "".join(site.frames)
                    + "</body></html>"
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002, ARG002
                return  # quiet: the test's output is about the wall

        return Handler

    def start(self) -> OfficeSite:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
