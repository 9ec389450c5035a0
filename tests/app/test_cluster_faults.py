"""Faults of a cluster's services under a real `wall serve`: PostgreSQL restarted while
visitors upload (each answer a clear 201 or 503 + Retry-After, no 201 lost, the process
alive, uploads and the event relay back within seconds); the object store gone (uploads
refused cleanly, the display plays on from its cache, the store read again once back)."""

from __future__ import annotations

import json
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from websockets.sync.client import ClientConnection, connect

from tests.helpers import http
from tests.helpers.accounts import add_account, login
from tests.helpers.images import jpeg, textured
from tests.helpers.postgres import PostgresServer, started_postgres
from tests.helpers.seaweed import SeaweedServer
from tests.helpers.server import LiveServer
from tests.helpers.uploads import post
from tests.helpers.wall_display import (
    LIME,
    MAGENTA,
    HeadlessDisplay,
    Moderator,
    colour_share,
    coloured_photo,
)

PASSWORD = "cluster-password-1"
UPLOAD_TIMEOUT_S = 15.0  # an answer, whatever it is, comes well within this: never a hang
BACK_WITHIN_S = 5.0  # after the restart, uploads succeed again within a few seconds
RELAY_BACK_S = 10.0  # the relay's reconnect backoff reaches 2 s by its fourth try
DELIVERY_S = 2.0


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A server of this test's own: it is restarted, under nobody else's feet."""
    with started_postgres() as server:
        yield server


@dataclass
class Answer:
    started: float
    ended: float
    status: int
    headers: httpx.Headers
    body: dict[str, Any]


class Uploader:
    """One visitor posting distinct photos back to back, in a thread, every answer kept."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.answers: list[Answer] = []
        self.failures: list[BaseException] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        seed = 0
        with http.client(self.server.url, timeout=UPLOAD_TIMEOUT_S) as visitor:
            while not self._stop.is_set():
                seed += 1
                photo = jpeg(textured((320, 240), (40 + seed % 180, 90, 160), seed=seed))
                started = time.monotonic()
                try:
                    answer = post(visitor, photo)
                except httpx.HTTPError as exc:  # a hang (timeout) or a dropped connection
                    self.failures.append(exc)
                    continue
                try:
                    body = answer.json()
                except ValueError:
                    body = {"unparsed": answer.text[:200]}
                self.answers.append(
                    Answer(started, time.monotonic(), answer.status_code, answer.headers, body)
                )

    def successes_after(self, moment: float) -> int:
        return sum(1 for a in self.answers if a.status == 201 and a.started >= moment)

    def wait_for_successes(self, count: int, after: float, timeout: float) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.successes_after(after) >= count:
                return time.monotonic()
            time.sleep(0.05)
        raise AssertionError(
            f"fewer than {count} uploads accepted within {timeout} s: "
            f"{[(a.status, a.body) for a in self.answers[-5:]]} {self.failures[-3:]}"
        )

    def __enter__(self) -> Uploader:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=UPLOAD_TIMEOUT_S + 5)
        assert not self._thread.is_alive(), "an upload never came back"


def _wait_for(socket: ClientConnection, kind: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        message = dict(json.loads(socket.recv(timeout=max(0.01, deadline - time.monotonic()))))
        if message["type"] == kind:
            return message


# Run alone, after the parallel run: beside four busy workers an upload spends the whole
# restart in the pipeline and the restart is never seen (its own guard fired 2 runs in 5).
@pytest.mark.quiet_cpu
def test_postgres_restarted_during_uploads_answers_503_and_loses_no_201(
    own_postgres: PostgresServer, make_process_server: Callable[..., LiveServer]
) -> None:
    server = make_process_server(
        wall={"id": "brive", "display_token": "brive-display-token"},
        storage={"database": own_postgres.fresh_database()},
    )
    add_account(server, "ana", "moderator", PASSWORD)
    url = server.url.replace("http://", "ws://") + "/ws/display"
    headers = {"Authorization": f"Bearer {server.display_token}"}
    with connect(url, additional_headers=headers) as display:
        assert _wait_for(display, "snapshot", 5)["type"] == "snapshot"
        with Uploader(server) as uploader:
            uploader.wait_for_successes(3, after=0.0, timeout=10)
            restarting = time.monotonic()
            own_postgres.restart()
            restarted = time.monotonic()
            back = uploader.wait_for_successes(3, after=restarted, timeout=BACK_WITHIN_S)
            assert back - restarted < BACK_WITHIN_S
        # The relay listens again: the display is told to resynchronise, then hears news.
        _wait_for(display, "resync", RELAY_BACK_S)
        accepted = [a.body for a in uploader.answers if a.status == 201]
        with login(server, "ana", PASSWORD) as moderator:
            decided = moderator.post(
                f"/api/moderation/photos/{accepted[-1]['id']}/decision",
                json={"decision": "approve", "version": 1},
            )
            assert decided.status_code == 200, decided.text
        heard = _wait_for(display, "photo.approved", DELIVERY_S)
        assert heard["photo"]["id"] == accepted[-1]["id"]

    assert server.alive(), server.log()[-3000:]
    assert uploader.failures == [], uploader.failures
    during = [a for a in uploader.answers if a.ended >= restarting and a.started <= restarted]
    assert during, "no upload was in flight while the database restarted"
    assert any(a.status == 503 for a in during), "the restart refused no upload: not tested"
    for answer in uploader.answers:
        assert answer.status in (201, 503), (answer.status, answer.body)
        if answer.status == 503:
            assert answer.headers.get("retry-after", "").isdigit(), answer.headers
            assert answer.headers["content-type"].startswith("application/json")
            assert answer.body["error"]["code"] == "unavailable", answer.body
            assert answer.body["error"]["message"]
    with server.client() as visitor:
        for body in accepted:
            kept = visitor.get(f"/api/photos/{body['id']}", params={"token": body["receipt_token"]})
            assert kept.status_code == 200, (body["id"], kept.text)


class CuttableRelay:
    """A TCP relay to the object store that can be cut: open connections dropped, new ones
    closed at once (as a store that went away), then restored."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.down = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.down.is_set():
                client.close()
                continue
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        with suppress(OSError):
            while data := source.recv(65536):
                target.sendall(data)
        for side in (source, target):
            with suppress(OSError):
                side.shutdown(socket.SHUT_RDWR)

    def _relay(self, client: socket.socket) -> None:
        with client, socket.create_connection(("127.0.0.1", self.upstream_port)) as upstream:
            with self._lock:
                self._open |= {client, upstream}
            back = threading.Thread(target=self._pump, args=(upstream, client), daemon=True)
            back.start()
            self._pump(client, upstream)
            back.join()
            with self._lock:
                self._open -= {client, upstream}

    def cut(self) -> None:
        self.down.set()
        with self._lock:
            for side in self._open:
                with suppress(OSError):
                    side.shutdown(socket.SHUT_RDWR)

    def restore(self) -> None:
        self.down.clear()

    def close(self) -> None:
        self.cut()
        self._listener.close()


SHOWN_SHARE = 0.2  # as tests/display: a 4:3 photo in spotlight fills most of a 16:9 frame
APPEAR_TIMEOUT_S = 20.0


def _shows(colour: tuple[int, int, int]) -> Callable[[np.ndarray], bool]:
    return lambda frame: colour_share(frame, colour) >= SHOWN_SHARE


def test_the_object_store_down_refuses_uploads_and_the_display_plays_on(
    postgres_server: PostgresServer,
    seaweed: SeaweedServer,
    make_process_server: Callable[..., LiveServer],
    tmp_path: Path,
) -> None:
    relay = CuttableRelay(int(seaweed.endpoint.rsplit(":", 1)[1]))
    try:
        server = make_process_server(
            wall={"id": "brive", "display_token": "brive-display-token"},
            storage={
                "database": postgres_server.fresh_database(),
                **seaweed.storage_section(f"down-{secrets.token_hex(6)}"),
                "s3_endpoint": relay.url,
                "s3_access_key_id": seaweed.access_key,
                "s3_secret_access_key": seaweed.secret_key,
            },
        )
        moderator = Moderator(server)
        first = moderator.publish(coloured_photo(MAGENTA))
        later = moderator.upload(coloured_photo(LIME))  # waits, its renditions in the store
        display = HeadlessDisplay(tmp_path / "display", server, frames=2000).start()
        try:
            display.wait_for(_shows(MAGENTA), APPEAR_TIMEOUT_S, "the first photo")
            cut_at = time.time()
            relay.cut()
            with server.client() as visitor:
                refused = post(visitor, coloured_photo((0, 0, 255)))
                assert refused.status_code == 503, refused.text
                assert refused.json()["error"]["code"] == "unavailable"
                assert refused.headers["retry-after"].isdigit()
                media = visitor.get(
                    f"/media/display/{first}.jpg", params={"token": server.display_token}
                )
                assert media.status_code == 503, media.text
            moderator.approve(later)  # on the wall, but its picture cannot be fetched now
            time.sleep(3.0)
            down = display.frames_between(cut_at + 0.5, time.time())
            assert len(down) >= 10, "frames keep coming with the store down"
            assert all(_shows(MAGENTA)(frame) for frame in down), "the cached photo still shows"

            # Back: the server reads the store again at once (the display itself asks for
            # what it lacks at its next sweep, every 30 s: too slow to wait for here).
            relay.restore()
            with server.client() as display_client:
                back = display_client.get(
                    f"/media/display/{later}.jpg", params={"token": server.display_token}
                )
                assert back.status_code == 200, back.text
        finally:
            display.finish()
        assert server.alive(), server.log()[-3000:]
    finally:
        relay.close()
