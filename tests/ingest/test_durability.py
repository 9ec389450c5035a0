"""A power cut in the middle of a rush: every photo we said "accepted" for survives, whole,
and nothing half-written or unreferenced is left behind."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.conftest import SAMPLES_DIR
from tests.helpers import http, images
from tests.helpers.server import LiveServer
from wall.storage.base import ORPHAN_GRACE

UPLOADERS = 50
PHOTOS_PER_UPLOADER = 2
PHOTO_SIZE = (1280, 960)  # 1.2 MP: keeps both workers busy, cheap to build a hundred of
KILL_AFTER_ACCEPTED = 40  # ~2 s of a rush on two cores; about 50 uploads are then in flight
KILL_AFTER_S = 10.0  # a slow machine: kill anyway
RENDITIONS = ("display", "thumb", "tile")


@dataclass
class Rush:
    """What the uploaders saw: the photos accepted, and the requests the kill cut short."""

    accepted: list[tuple[str, str]] = field(default_factory=list)  # (id, receipt token)
    cut_short: int = 0
    other: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    enough: threading.Event = field(default_factory=threading.Event)


def _upload_loop(server: LiveServer, photos: list[bytes], rush: Rush) -> None:
    with http.client(server.url, timeout=30.0) as client:
        for photo in photos:
            try:
                response = client.post(
                    "/api/photos",
                    files={"file": ("rush.jpg", photo, "image/jpeg")},
                    data={"consent": "true"},
                )
            except httpx.TransportError:
                with rush.lock:
                    rush.cut_short += 1
                return
            with rush.lock:
                if response.status_code == 201:
                    body = response.json()
                    rush.accepted.append((body["id"], body["receipt_token"]))
                    if len(rush.accepted) >= KILL_AFTER_ACCEPTED:
                        rush.enough.set()
                else:
                    rush.other.append(f"{response.status_code} {response.text[:200]}")


def _rush_then_kill(server: LiveServer, photos: list[bytes]) -> Rush:
    rush = Rush()
    threads = [
        threading.Thread(
            target=_upload_loop, args=(server, photos[i::UPLOADERS], rush), daemon=True
        )
        for i in range(UPLOADERS)
    ]
    for thread in threads:
        thread.start()
    rush.enough.wait(KILL_AFTER_S)
    server.kill()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return rush


@pytest.fixture(scope="module")
def photos() -> list[bytes]:
    return images.distinct_photos(SAMPLES_DIR, UPLOADERS * PHOTOS_PER_UPLOADER, PHOTO_SIZE)


@pytest.fixture(scope="module")
def rushed_then_restarted(
    tmp_path_factory: pytest.TempPathFactory, photos: list[bytes]
) -> Iterator[tuple[LiveServer, Rush]]:
    """One rush for the whole module: the three checks read the same aftermath."""
    server = LiveServer(tmp_path_factory.mktemp("rush"), ingest={"workers": 2}).start()
    try:
        rush = _rush_then_kill(server, photos)
        server.start()
        yield server, rush
    finally:
        server.stop()


def _media_files(server: LiveServer) -> list[Path]:
    return [p for p in (server.data_dir / "media").rglob("*") if p.is_file()]


def _query(server: LiveServer, sql: str) -> list[tuple[object, ...]]:
    """Read-only, beside the running server (WAL lets readers in)."""
    uri = f"file:{server.data_dir / 'wall.sqlite3'}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True, timeout=10)) as db:
        return db.execute(sql).fetchall()


def test_kill_during_a_rush_loses_no_accepted_photo(
    rushed_then_restarted: tuple[LiveServer, Rush],
) -> None:
    server, rush = rushed_then_restarted
    assert not rush.other, rush.other[:5]
    assert rush.accepted, "no upload finished before the kill"
    assert rush.cut_short, "the kill came after every upload had finished: nothing in flight"
    with server.client() as client:
        for photo_id, token in rush.accepted:
            status = client.get(f"/api/photos/{photo_id}", params={"token": token})
            assert status.status_code == 200, status.text
            assert status.json()["status"] == "pending"
            for kind in RENDITIONS:
                served = client.get(f"/media/{kind}/{photo_id}.jpg", params={"token": token})
                assert served.status_code == 200, (kind, served.text)
                assert images.open_bytes(served.content).format == "JPEG"


def test_restart_leaves_no_temporary_file_and_only_young_unreferenced_ones(
    rushed_then_restarted: tuple[LiveServer, Rush],
) -> None:
    """Files of uploads cut short by the kill have no row: the restart leaves them for the
    hourly collection (`ORPHAN_GRACE`: recovery never takes a file that young, which another
    writer may be about to name), and takes every half-written temporary at once."""
    server, _ = rushed_then_restarted
    files = _media_files(server)
    assert not [p for p in files if p.name.startswith(".tmp-")]
    keys = {str(key) for (key,) in _query(server, "SELECT DISTINCT key FROM renditions")}
    assert keys <= {p.name for p in files}
    unreferenced = [p for p in files if p.name not in keys]
    oldest_allowed = time.time() - ORPHAN_GRACE.total_seconds()
    assert all(p.stat().st_mtime > oldest_allowed for p in unreferenced)
    for path in files:  # content-addressed: each file sits at ab/cd/<its own hash>
        assert (path.parent.parent.name, path.parent.name) == (path.name[:2], path.name[2:4])


def test_every_committed_photo_has_its_renditions_on_disk(
    rushed_then_restarted: tuple[LiveServer, Rush],
) -> None:
    server, rush = rushed_then_restarted
    media = server.data_dir / "media"
    rows = _query(
        server,
        "SELECT p.id, COUNT(r.key), GROUP_CONCAT(r.key) FROM photos p"
        " LEFT JOIN renditions r ON r.photo_id = p.id WHERE p.status = 'pending' GROUP BY p.id",
    )
    assert len(rows) >= len(rush.accepted)
    assert {photo_id for photo_id, _ in rush.accepted} <= {row[0] for row in rows}
    for photo_id, count, keys in rows:
        assert count == len(RENDITIONS), photo_id
        for key in str(keys).split(","):
            assert (media / key[:2] / key[2:4] / key).is_file(), (photo_id, key)
