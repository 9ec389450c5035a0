"""The gallery across a cluster (a real PostgreSQL, two server processes of one wall, each a
real uvicorn in a thread): a photo approved and then deleted through one process reaches the
gallery socket of the other, as the display socket does (the store's NOTIFY relay feeds each
process's bus), and the other's HTTP page lists it with its online consent."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from websockets.sync.client import ClientConnection, connect

from tests.gallery.helpers import GALLERY_ON, decide, ids, page, send
from tests.helpers.accounts import add_account, login
from tests.helpers.postgres import PostgresServer
from tests.helpers.socket_server import SocketServer

LIVE_S = 2.0  # the gallery's promise, here from one process to the other
PASSWORD = "cluster-gallery-password"


def _next_of(socket: ClientConnection, kind: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        message = dict(json.loads(socket.recv(timeout=max(0.01, deadline - time.monotonic()))))
        if message["type"] == kind:
            return message


def test_a_change_through_one_process_reaches_the_others_gallery(
    postgres_server: PostgresServer, make_server: Callable[..., SocketServer]
) -> None:
    dsn = postgres_server.fresh_database()
    one, two = (
        make_server(wall={"id": "brive"}, storage={"database": dsn}, gallery=GALLERY_ON)
        for _ in range(2)
    )
    add_account(one, "ana", "moderator", PASSWORD)
    url = two.url.replace("http://", "ws://") + "/ws/gallery"
    with connect(url) as socket, login(one, "ana", PASSWORD) as moderator:
        assert _next_of(socket, "hello", 5)["type"] == "hello"
        with one.client() as visitor:
            sent = send(visitor, 5, caption="Depuis le pont")
        started = time.monotonic()
        decide(moderator, sent.id, "approve")
        added = _next_of(socket, "gallery.added", LIVE_S)
        assert added["photo"]["id"] == sent.id and added["photo"]["caption"] == "Depuis le pont"
        assert time.monotonic() - started < LIVE_S
        with two.client() as reader:
            assert ids(page(reader)) == [sent.id]

        started = time.monotonic()
        with one.client() as visitor:
            gone = visitor.delete(f"/api/photos/{sent.id}", params={"token": sent.token})
        assert gone.status_code == 204
        assert _next_of(socket, "gallery.removed", LIVE_S)["photo_id"] == sent.id
        assert time.monotonic() - started < LIVE_S
        with two.client() as reader:
            assert ids(page(reader)) == []
