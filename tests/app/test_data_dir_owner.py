"""One owner of an embedded data directory: a second `wall serve` refuses to start, and a
`wall import` run during the show hands its photos to the running server, which takes them
live, never touching the files of photos it just answered 201 (real processes, real sockets)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect

from tests.conftest import SAMPLES_DIR
from tests.helpers.accounts import add_account, login
from tests.helpers.server import LiveServer
from wall.i18n import CLI_TEXTS

PASSWORD = "owner-password-1"
LIVE_S = 20.0  # a handed-off photo is taken within the inbox's poll and the pipeline


def _wall(server: LiveServer, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wall", "--config", str(server.config), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={"LANG": "en_GB.UTF-8", "PATH": "/usr/bin:/bin"},
    )


@contextmanager
def moderation_socket(server: LiveServer, client: httpx.Client) -> Iterator[ClientConnection]:
    url = server.url.replace("http://", "ws://") + "/ws/moderation"
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    with connect(url, additional_headers={"Cookie": cookie}) as socket:
        assert json.loads(socket.recv(timeout=5))["type"] == "hello"
        yield socket


def _pending_ids(socket: ClientConnection, count: int, timeout: float) -> set[str]:
    seen: set[str] = set()
    deadline = time.monotonic() + timeout
    while len(seen) < count:
        message: dict[str, Any] = json.loads(socket.recv(timeout=deadline - time.monotonic()))
        if message["type"] == "photo.pending":
            seen.add(message["photo"]["id"])
    return seen


def test_a_second_server_on_the_same_data_dir_refuses_to_start(live_server: LiveServer) -> None:
    second = _wall(live_server, "serve", "--port", "1")  # it must stop before binding
    assert second.returncode == 4, second.stderr
    assert str(live_server.data_dir) in second.stderr
    expected = CLI_TEXTS["en"]["data_dir_busy"].split("{")[0]
    assert expected in second.stderr
    with live_server.client() as visitor:  # the first one serves on, untouched
        assert visitor.get("/healthz").status_code == 200


def test_an_import_during_the_show_goes_through_the_server_and_loses_nothing(
    live_server: LiveServer, tmp_path: Path
) -> None:
    add_account(live_server, "mia", "moderator", PASSWORD)
    with live_server.client() as visitor:
        answer = visitor.post(
            "/api/photos",
            files={"file": ("p.jpg", (SAMPLES_DIR / "coffee.jpg").read_bytes(), "image/jpeg")},
            data={"consent": "true"},
        )
    assert answer.status_code == 201, answer.text
    uploaded = answer.json()
    card = tmp_path / "card"
    card.mkdir()
    for name in ("rocket.jpg", "hubble.jpg"):
        (card / name).write_bytes((SAMPLES_DIR / name).read_bytes())
    (card / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a photo")

    with login(live_server, "mia", PASSWORD) as moderator:
        with moderation_socket(live_server, moderator) as tablet:
            imported = _wall(live_server, "import", str(card))
            assert imported.returncode == 0, imported.stderr
            assert "accepted: 2, duplicates: 0, refused: 1" in imported.stderr
            assert CLI_TEXTS["en"]["import_handed_off"].split("{")[0] in imported.stderr
            live = _pending_ids(tablet, 2, LIVE_S)  # they reached the moderators live
        queue = moderator.get("/api/moderation/queue", params={"status": "pending"}).json()
    assert live <= {photo["id"] for photo in queue["photos"]}
    # The photo answered 201 before the import is whole: its receipt and its files.
    with live_server.client() as visitor:
        status = visitor.get(
            f"/api/photos/{uploaded['id']}", params={"token": uploaded["receipt_token"]}
        )
    assert status.status_code == 200
    assert not list((live_server.data_dir / "inbox" / "queue").iterdir())  # nothing left over
