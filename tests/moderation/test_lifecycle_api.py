"""The photo lifecycle through the real server: queue, decisions, races, undo, live sockets."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.conftest import SAMPLES_DIR
from tests.helpers.accounts import add_account, login
from tests.helpers.server import LiveServer

PASSWORD = "correct horse battery"
RECEIVE_TIMEOUT_S = 5.0


@pytest.fixture
def server(live_server: LiveServer) -> LiveServer:
    add_account(live_server, "alice", "moderator", PASSWORD)
    add_account(live_server, "bob", "moderator", PASSWORD)
    add_account(live_server, "olga", "operator", PASSWORD)
    return live_server


def _upload(server: LiveServer, sample: str, caption: str = "") -> dict[str, Any]:
    with server.client() as client:
        answer = client.post(
            "/api/photos",
            files={"file": ("p.jpg", (SAMPLES_DIR / sample).read_bytes(), "image/jpeg")},
            data={"consent": "true", "caption": caption},
        )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def _ws_url(server: LiveServer, path: str) -> str:
    return server.url.replace("http://", "ws://") + path


@contextmanager
def display_socket(server: LiveServer) -> Iterator[ClientConnection]:
    headers = {"Authorization": f"Bearer {server.display_token}"}
    with connect(_ws_url(server, "/ws/display"), additional_headers=headers) as socket:
        snapshot = _next(socket)
        assert snapshot["type"] == "snapshot"
        yield socket


@contextmanager
def moderation_socket(server: LiveServer, client: httpx.Client) -> Iterator[ClientConnection]:
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    with connect(_ws_url(server, "/ws/moderation"), additional_headers={"Cookie": cookie}) as ws:
        assert _next(ws)["type"] == "hello"
        yield ws


def _next(socket: ClientConnection) -> dict[str, Any]:
    return dict(json.loads(socket.recv(timeout=RECEIVE_TIMEOUT_S)))


def _next_of(socket: ClientConnection, kind: str) -> dict[str, Any]:
    while True:
        message = _next(socket)
        if message["type"] == kind:
            return message


def _queued(moderator: httpx.Client, photo_id: str) -> dict[str, Any]:
    queue = moderator.get("/api/moderation/queue", params={"status": "pending"}).json()
    return next(p for p in queue["photos"] if p["id"] == photo_id)


def _decide(moderator: httpx.Client, photo: dict[str, Any], decision: str, reason: str = ""):  # type: ignore[no-untyped-def]
    return moderator.post(
        f"/api/moderation/photos/{photo['id']}/decision",
        json={"decision": decision, "version": photo["version"], "reason": reason},
    )


def test_whole_lifecycle_reaches_the_display(server: LiveServer) -> None:
    alice = login(server, "alice", PASSWORD)
    with display_socket(server) as display, moderation_socket(server, alice) as tablet:
        uploaded = _upload(server, "coffee.jpg", "Un café")
        pending = _next_of(tablet, "photo.pending")
        assert pending["photo"]["id"] == uploaded["id"]
        assert pending["photo"]["caption"] == "Un café"
        assert pending["backlog"] == 1

        queued = _queued(alice, uploaded["id"])
        assert {"thumb", "display", "tile"} <= set(queued["urls"])
        assert alice.get(queued["urls"]["thumb"]).status_code == 200  # a moderator sees it
        with server.client() as anonymous:
            assert anonymous.get(queued["urls"]["display"]).status_code == 404

        approved = _decide(alice, queued, "approve")
        assert approved.status_code == 200
        assert approved.json()["status"] == "approved"
        on_wall = _next_of(display, "photo.approved")
        assert on_wall["photo"]["id"] == uploaded["id"]
        with server.client() as anonymous:  # approved photos are public
            assert anonymous.get(on_wall["photo"]["urls"]["display"]).status_code == 200
        decided = _next_of(tablet, "photo.decided")
        assert decided["by"] == "alice"
        assert decided["backlog"] == 0

        removed = _decide(alice, approved.json(), "remove", "Hors sujet")
        assert removed.status_code == 200
        assert _next_of(display, "photo.removed")["photo_id"] == uploaded["id"]

    operator = login(server, "olga", PASSWORD)
    entries = operator.get("/api/moderation/audit").json()["entries"]
    mine = [e for e in entries if e["photo_id"] == uploaded["id"]]
    assert [(e["action"], e["actor"]) for e in mine][:2] == [
        ("removed", "alice"),
        ("approved", "alice"),
    ]
    assert mine[0]["reason"] == "Hors sujet"
    assert alice.get("/api/moderation/audit").status_code == 403


def test_two_moderators_racing_exactly_one_wins(server: LiveServer) -> None:
    uploaded = _upload(server, "chelsea.jpg")
    alice, bob = login(server, "alice", PASSWORD), login(server, "bob", PASSWORD)
    photo = _queued(alice, uploaded["id"])
    barrier = threading.Barrier(2)
    codes: list[int] = []

    def decide(client: httpx.Client, decision: str) -> None:
        barrier.wait()
        codes.append(_decide(client, photo, decision).status_code)

    threads = [
        threading.Thread(target=decide, args=(alice, "approve")),
        threading.Thread(target=decide, args=(bob, "reject")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [200, 409]
    loser = bob.post(
        f"/api/moderation/photos/{photo['id']}/decision",
        json={"decision": "reject", "version": photo["version"]},
    )
    assert loser.json()["error"]["code"] == "conflict"


def test_undo_own_last_decision(server: LiveServer) -> None:
    uploaded = _upload(server, "brick.jpg")
    alice = login(server, "alice", PASSWORD)
    rejected = _decide(alice, _queued(alice, uploaded["id"]), "reject", "Mauvaise qualité")
    assert rejected.json()["status"] == "rejected"
    undone = alice.post("/api/moderation/undo")
    assert undone.status_code == 200
    assert undone.json()["status"] == "pending"
    assert _queued(alice, uploaded["id"])["status"] == "pending"
    assert alice.post("/api/moderation/undo").status_code == 404  # nothing left to undo
    bob = login(server, "bob", PASSWORD)
    assert bob.post("/api/moderation/undo").status_code == 404  # not bob's decision


def test_contributor_delete_takes_the_photo_off_the_wall(server: LiveServer) -> None:
    uploaded = _upload(server, "rocket.jpg")
    alice = login(server, "alice", PASSWORD)
    queued = _queued(alice, uploaded["id"])
    assert _decide(alice, queued, "approve").status_code == 200
    with display_socket(server) as display, moderation_socket(server, alice) as tablet:
        with server.client() as visitor:
            gone = visitor.delete(
                f"/api/photos/{uploaded['id']}", params={"token": uploaded["receipt_token"]}
            )
        assert gone.status_code == 204
        assert _next_of(display, "photo.removed")["photo_id"] == uploaded["id"]
        assert _next_of(tablet, "photo.deleted")["photo_id"] == uploaded["id"]
    late = _decide(alice, {"id": uploaded["id"], "version": queued["version"] + 1}, "remove")
    assert late.status_code == 404


def test_no_session_no_moderation(server: LiveServer) -> None:
    with server.client() as anonymous:
        assert anonymous.get("/api/moderation/queue").status_code == 401
        assert anonymous.post("/api/moderation/undo").status_code in (401, 403)
    # Refused with the documented close code, not a bare 403 at the handshake.
    with pytest.raises(ConnectionClosed) as no_session:
        with connect(_ws_url(server, "/ws/moderation")) as socket:
            socket.recv(timeout=RECEIVE_TIMEOUT_S)
    assert no_session.value.rcvd is not None and no_session.value.rcvd.code == 4401
    bad = {"Authorization": "Bearer not-the-token"}
    with pytest.raises(ConnectionClosed) as wrong_token:
        with connect(_ws_url(server, "/ws/display"), additional_headers=bad) as socket:
            socket.recv(timeout=RECEIVE_TIMEOUT_S)
    assert wrong_token.value.rcvd is not None and wrong_token.value.rcvd.code == 4401


def test_absurd_page_offsets_are_a_clear_refusal_not_a_server_error(server: LiveServer) -> None:
    """`offset` = 2**63 overflowed the database's integer and answered 500."""
    with login(server, "olga", PASSWORD) as operator:
        for path in ("/api/moderation/queue", "/api/moderation/audit"):
            answer = operator.get(path, params={"offset": 2**63})
            assert answer.status_code == 400, (path, answer.status_code)
            assert answer.json()["error"]["code"] == "invalid_field"
            assert operator.get(path, params={"offset": 10**9}).status_code == 200
