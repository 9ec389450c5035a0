"""Many `wall serve` processes on one cluster (a real PostgreSQL): two processes of one wall
serve it together, a third of another wall sees none of it. Everything goes through the real
HTTP and WebSocket paths of separate processes."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.conftest import SAMPLES_DIR
from tests.helpers.accounts import add_account, login
from tests.helpers.fake_pjlink import FakeProjector
from tests.helpers.images import jpeg, textured
from tests.helpers.postgres import PostgresServer
from tests.helpers.server import LiveServer
from wall.presence import REPORT_EVERY_S
from wall.storage.pg_leader import CLAIM_EVERY_S

PASSWORD = "cluster-password-1"
DELIVERY_S = 1.0  # the bound: a decision reaches every display of the wall within it
TAKEOVER_S = 5.0  # "another process takes over within seconds"
BLANK_FOLLOWS_S = 2.5  # the other processes read the switch each show tick (1 s)
IMPORT_S = 10.0  # a folder's poll (1 s) + its file settling (1 s) + the pipeline


@pytest.fixture
def cluster(
    postgres_server: PostgresServer, make_process_server: Callable[..., LiveServer]
) -> dict[str, LiveServer]:
    dsn = postgres_server.fresh_database()

    def serve(wall_id: str) -> LiveServer:
        return make_process_server(
            wall={"id": wall_id, "display_token": f"{wall_id}-display-token"},
            storage={"database": dsn},
        )

    servers = {"brive-1": serve("brive"), "brive-2": serve("brive"), "tulle": serve("tulle")}
    add_account(servers["brive-1"], "ana", "moderator", PASSWORD)
    return servers


@contextmanager
def display_socket(server: LiveServer) -> Iterator[ClientConnection]:
    url = server.url.replace("http://", "ws://") + "/ws/display"
    headers = {"Authorization": f"Bearer {server.display_token}"}
    with connect(url, additional_headers=headers) as socket:
        assert _next(socket, 5)["type"] == "snapshot"
        yield socket


def _next(socket: ClientConnection, timeout: float) -> dict[str, Any]:
    return dict(json.loads(socket.recv(timeout=timeout)))


def _wait_for(socket: ClientConnection, kind: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        message = _next(socket, max(0.01, deadline - time.monotonic()))
        if message["type"] == kind:
            return message


def _photo_news(socket: ClientConnection, seconds: float) -> list[dict[str, Any]]:
    heard = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            heard.append(_next(socket, left))
        except TimeoutError:
            break
        except ConnectionClosed:
            break
    return [m for m in heard if str(m["type"]).startswith("photo.")]


def _upload(server: LiveServer) -> dict[str, Any]:
    with server.client() as visitor:
        answer = visitor.post(
            "/api/photos",
            files={"file": ("p.jpg", (SAMPLES_DIR / "chelsea.jpg").read_bytes(), "image/jpeg")},
            data={"consent": "true", "caption": "Depuis le pont"},
        )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def _queue(client: httpx.Client) -> list[dict[str, Any]]:
    answer = client.get("/api/moderation/queue", params={"status": "pending"})
    assert answer.status_code == 200, answer.text
    return list(answer.json()["photos"])


def test_two_processes_serve_one_wall_and_another_wall_sees_nothing(
    cluster: dict[str, LiveServer],
) -> None:
    one, two, tulle = cluster["brive-1"], cluster["brive-2"], cluster["tulle"]
    with (
        display_socket(one) as display_one,
        display_socket(two) as display_two,
        display_socket(tulle) as display_tulle,
        login(two, "ana", PASSWORD) as moderator,  # an account made through process one
    ):
        uploaded = _upload(one)
        queued = [p for p in _queue(moderator) if p["id"] == uploaded["id"]]
        assert queued, "an upload through one process is in the other's moderation queue"

        started = time.monotonic()
        decided = moderator.post(
            f"/api/moderation/photos/{uploaded['id']}/decision",
            json={"decision": "approve", "version": queued[0]["version"]},
        )
        assert decided.status_code == 200, decided.text
        for display in (display_one, display_two):
            on_wall = _wait_for(display, "photo.approved", DELIVERY_S)
            assert on_wall["photo"]["id"] == uploaded["id"]
        assert time.monotonic() - started < DELIVERY_S + 0.5

        # The undo button may reach the other process than the decision did.
        with login(one, "ana", PASSWORD) as same_moderator_elsewhere:
            undone = same_moderator_elsewhere.post("/api/moderation/undo")
        assert undone.status_code == 200, undone.text
        assert undone.json()["status"] == "pending"
        for display in (display_one, display_two):
            assert _wait_for(display, "photo.removed", DELIVERY_S)["photo_id"] == uploaded["id"]
        redo = moderator.post(
            f"/api/moderation/photos/{uploaded['id']}/decision",
            json={"decision": "approve", "version": undone.json()["version"]},
        )
        assert redo.status_code == 200, redo.text
        for display in (display_one, display_two):
            assert _wait_for(display, "photo.approved", DELIVERY_S)["photo"]["id"] == uploaded["id"]

        # The contributor erases it through the other process: gone from both displays.
        with one.client() as contributor:
            erased = contributor.delete(
                f"/api/photos/{uploaded['id']}", params={"token": uploaded["receipt_token"]}
            )
        assert erased.status_code in (200, 204), erased.text
        for display in (display_one, display_two):
            assert _wait_for(display, "photo.removed", DELIVERY_S)["photo_id"] == uploaded["id"]

        assert _photo_news(display_tulle, 0.5) == []
    # The other wall has no such photo, no such account, and its own display token.
    with tulle.client() as visitor:
        gone = visitor.get(
            f"/api/photos/{uploaded['id']}", params={"token": uploaded["receipt_token"]}
        )
        assert gone.status_code == 404
        refused = visitor.post("/api/auth/login", json={"username": "ana", "password": PASSWORD})
        assert refused.status_code == 401
        wrong_wall = visitor.get("/api/wall/photos", params={"token": one.display_token})
        assert wrong_wall.status_code in (401, 403)


def test_a_phone_is_one_visitor_on_every_process_of_its_wall(
    cluster: dict[str, LiveServer],
) -> None:
    """The device cookie one process sets is good on the other (one signing key per wall)."""
    one, two = cluster["brive-1"], cluster["brive-2"]
    with one.client() as phone:
        phone.get("/")
        token = phone.cookies.get("wall_device")
    assert token
    with two.client(cookies={"wall_device": token}) as same_phone:
        page = same_phone.get("/")
        assert "wall_device" not in page.headers.get("set-cookie", "")  # recognised, not new


def _wall_photos(server: LiveServer) -> list[str]:
    with server.client() as display:
        answer = display.get("/api/wall/photos", params={"token": server.display_token})
    assert answer.status_code == 200, answer.text
    return [photo["id"] for photo in answer.json()["photos"]]


def _within(seconds: float, condition: Callable[[], bool], what: str) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if condition():
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds} s: {what}")


def test_the_wall_jobs_run_once_and_move_when_their_leader_is_killed(
    postgres_server: PostgresServer,
    make_process_server: Callable[..., LiveServer],
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    """A watched folder (a job that must run once per wall) served by two processes: each
    file is imported once, and SIGKILL of the leader hands the folder to the other."""
    dsn = postgres_server.fresh_database()
    folder = tmp_path / "drop"
    folder.mkdir()
    projector = FakeProjector().start()
    request.addfinalizer(projector.stop)
    sections = {
        "wall": {"id": "brive", "display_token": "brive-display-token"},
        "storage": {"database": dsn},
        "sources": {"folder": [{"path": str(folder), "source": "reportage", "approve": True}]},
        "projectors": [{"name": "facade", "host": "127.0.0.1", "port": projector.port}],
    }
    photo = (SAMPLES_DIR / "chelsea.jpg").read_bytes()
    leader = make_process_server(**sections)  # alone: the leader
    (folder / "first.jpg").write_bytes(photo)
    _within(IMPORT_S, lambda: len(_wall_photos(leader)) == 1, "the first file on the wall")
    follower = make_process_server(**sections)
    time.sleep(2 * CLAIM_EVERY_S)  # the follower has asked for the lead, and was refused
    assert len(_wall_photos(follower)) == 1  # the first file was not imported again
    # The follower's console shows the folder as the leader runs it.
    add_account(follower, "olga", "operator", PASSWORD)
    with login(follower, "olga", PASSWORD) as operator:
        (folder_health,) = operator.get("/api/sources").json()["sources"]
        (facade,) = operator.get("/api/projectors").json()["projectors"]
    assert (folder_health["name"], folder_health["imported"]) == ("reportage", 1)
    assert (facade["name"], facade["reachable"], facade["model"]) == (
        "facade",
        True,
        "EPSON EB-L1755U",
    )

    leader.kill()
    (folder / "second.jpg").write_bytes((SAMPLES_DIR / "coffee.jpg").read_bytes())
    took = _within(
        TAKEOVER_S + IMPORT_S,
        lambda: len(_wall_photos(follower)) == 2,
        "the second file imported by the process left",
    )
    assert took < TAKEOVER_S + IMPORT_S
    time.sleep(2)
    assert len(_wall_photos(follower)) == 2  # and only once


def test_the_console_sees_the_wall_whichever_process_the_display_talks_to(
    cluster: dict[str, LiveServer],
) -> None:
    """The display's picture reaches one process, the operator asks another; the operator
    blanks the wall through one, a display on the other goes dark within a second or so."""
    one, two = cluster["brive-1"], cluster["brive-2"]
    add_account(one, "olga", "operator", PASSWORD)
    picture = jpeg(textured((640, 360), (200, 40, 40)))
    with one.client() as display:
        sent = display.post(
            "/api/display/preview",
            content=picture,
            headers={
                "Authorization": f"Bearer {one.display_token}",
                "Content-Type": "image/jpeg",
            },
        )
    assert sent.status_code == 204, sent.text
    with login(two, "olga", PASSWORD) as operator, display_socket(one) as display_one:
        status = operator.get("/api/console/status").json()
        assert status["preview"]["stale"] is False
        shown = operator.get("/api/console/preview.jpg")
        assert shown.status_code == 200 and shown.content == picture
        _within(
            REPORT_EVERY_S + 2,
            lambda: operator.get("/api/console/status").json()["displays_connected"] == 1,
            "the display on the other process counted",
        )

        started = time.monotonic()
        assert operator.post("/api/console/blank", json={"blanked": True}).status_code == 200
        stop = _wait_for(display_one, "show.stop", BLANK_FOLLOWS_S)
        assert stop["show"]["reason"] == "blanked"
        assert time.monotonic() - started < BLANK_FOLLOWS_S
        assert operator.get("/api/console/show").json()["blanked"] is True
