"""The watched folder against the real `wall serve`, with real files dropped in a tmp folder."""

from __future__ import annotations

import io
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from ingest.sources.folder import FileChanged, FileSig, StabilityTracker, read_unchanged
from tests.conftest import SAMPLES_DIR
from tests.helpers.accounts import add_account, login
from tests.helpers.app_server import AppServer

OPERATOR, PASSWORD = "olga", "olga-operator-password"
SOURCE = "reportage"
WAIT_S = 10.0  # poll 1 s + stable 1 s + the pipeline: an import lands in ~3 s


def _folder_server(
    make_app_server: Callable[..., AppServer], folder: Path, approve: bool = False
) -> AppServer:
    folder.mkdir(exist_ok=True)
    table = {"path": str(folder), "source": SOURCE, "approve": approve}
    server: AppServer = make_app_server(sources={"folder": [table]})
    add_account(server, OPERATOR, "operator", PASSWORD)
    return server


@contextmanager
def _operator(server: AppServer) -> Iterator[httpx.Client]:
    with login(server, OPERATOR, PASSWORD) as client:
        yield client


def _photos(client: httpx.Client, status: str = "pending") -> list[dict[str, Any]]:
    answer = client.get(
        "/api/moderation/queue", params={"source": SOURCE, "status": status, "limit": 100}
    )
    assert answer.status_code == 200, answer.text
    photos: list[dict[str, Any]] = answer.json()["photos"]
    return photos


def _health(client: httpx.Client) -> dict[str, Any]:
    answer = client.get("/api/sources")
    assert answer.status_code == 200, answer.text
    (health,) = [s for s in answer.json()["sources"] if s["name"] == SOURCE]
    return health


def _wait_for(condition: Callable[[], Any], what: str, timeout: float = WAIT_S) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout} s: {what}")


def _named(photos: list[dict[str, Any]], relative: str) -> list[dict[str, Any]]:
    return [p for p in photos if p["source_ref"].startswith(f"folder:{SOURCE}:{relative}:")]


def _write_slowly(path: Path, data: bytes, chunks: int = 3, pause_s: float = 0.7) -> None:
    """As a copy over a slow network share does: the file exists long before it is whole."""
    size = -(-len(data) // chunks)
    with path.open("wb") as file:
        for i in range(chunks):
            file.write(data[i * size : (i + 1) * size])
            file.flush()
            if i < chunks - 1:
                time.sleep(pause_s)


def test_dropped_photos_reach_the_queue_whole_and_once(
    make_app_server: Callable[..., AppServer], tmp_path: Path
) -> None:
    folder = tmp_path / "drop"
    server = _folder_server(make_app_server, folder)
    (folder / "day1").mkdir()
    shutil.copy(SAMPLES_DIR / "chelsea.jpg", folder / "day1" / "chelsea.jpg")
    (folder / ".hidden.jpg").write_bytes((SAMPLES_DIR / "brick.jpg").read_bytes())
    (folder / "rocket.jpg.part").write_bytes((SAMPLES_DIR / "rocket.jpg").read_bytes())
    hubble = (SAMPLES_DIR / "hubble.jpg").read_bytes()
    writer = threading.Thread(target=_write_slowly, args=(folder / "hubble.jpg", hubble))
    writer.start()
    with _operator(server) as client:
        photos = _wait_for(lambda: len(_photos(client)) >= 2 and _photos(client), "2 photos")
        writer.join()
        time.sleep(2.5)  # more scans: nothing else, nothing twice
        photos = _photos(client)
        assert {p["source"] for p in photos} == {SOURCE}
        assert len(_named(photos, "day1/chelsea.jpg")) == 1
        (slow,) = _named(photos, "hubble.jpg")
        assert len(photos) == 2, [p["source_ref"] for p in photos]
        assert _photos(client, "rejected") == []  # no half-read copy refused or duplicated
        display = Image.open(io.BytesIO(client.get(slow["urls"]["display"]).content))
        display.load()  # raises on a truncated JPEG
        with Image.open(io.BytesIO(hubble)) as original:
            assert abs(display.width / display.height - original.width / original.height) < 0.01
        bottom = display.crop((0, display.height - 8, display.width, display.height))
        assert bottom.convert("L").getextrema() != (128, 128)  # not a grey-padded half image
        health = _health(client)
    assert health["state"] == "ok" and health["imported"] == 2 and health["refused"] == 0
    assert health["extra"]["files_seen"] == "2" and health["extra"]["pending"] == "0"
    assert health["extra"]["last_file"] in {"hubble.jpg", "day1/chelsea.jpg"}
    assert (folder / "hubble.jpg").exists()  # left in place


def test_bad_files_are_refused_once_and_shown_in_health(
    make_app_server: Callable[..., AppServer], tmp_path: Path
) -> None:
    folder = tmp_path / "drop"
    server = _folder_server(make_app_server, folder)
    (folder / "notes.jpg").write_text("not a photo, a reporter's notes\n" * 20)
    (folder / "empty.jpg").write_bytes(b"")
    with _operator(server) as client:
        _wait_for(lambda: _health(client)["refused"] == 2, "two refusals")
        time.sleep(3)  # three more scans: refused files are not tried again
        health = _health(client)
        assert health["refused"] == 2 and health["imported"] == 0
        assert health["state"] == "ok"
        assert health["last_error"].startswith("refused ")
        assert health["last_error_code"] == "file_refused"
        assert health["last_error_params"]["file"] in health["last_error"]
        assert health["last_error_at"] is not None
        shutil.copy(SAMPLES_DIR / "coffee.jpg", folder / "coffee.jpg")  # the server still works
        _wait_for(lambda: _named(_photos(client), "coffee.jpg"), "coffee.jpg imported")
    assert server.alive()
    assert "Traceback" not in server.log()


def test_restart_imports_nothing_twice_and_catches_up(
    make_app_server: Callable[..., AppServer], tmp_path: Path
) -> None:
    folder = tmp_path / "drop"
    server = _folder_server(make_app_server, folder)
    shutil.copy(SAMPLES_DIR / "astronaut.jpg", folder / "astronaut.jpg")
    (folder / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    with _operator(server) as client:
        _wait_for(lambda: _named(_photos(client), "astronaut.jpg"), "astronaut.jpg imported")
        _wait_for(lambda: _health(client)["refused"] == 1, "broken.jpg refused")
    server.stop()
    shutil.copy(SAMPLES_DIR / "gravel.jpg", folder / "gravel.jpg")  # dropped while down
    server.start()
    with _operator(server) as client:
        _wait_for(lambda: _named(_photos(client), "gravel.jpg"), "gravel.jpg imported")
        time.sleep(2)
        photos = _photos(client)
        assert len(photos) == 2 and len(_named(photos, "astronaut.jpg")) == 1
        assert _photos(client, "rejected") == []
        health = _health(client)
    assert health["imported"] == 1 and health["refused"] == 0  # broken.jpg not retried


def test_renamed_files_are_imported_once_under_their_final_name(
    make_app_server: Callable[..., AppServer], tmp_path: Path
) -> None:
    folder = tmp_path / "drop"
    server = _folder_server(make_app_server, folder)
    with _operator(server) as client:
        # Renamed before it was taken: only the final name is imported.
        shutil.copy(SAMPLES_DIR / "brick.jpg", folder / "IMG_0001.jpg")
        time.sleep(0.5)
        (folder / "IMG_0001.jpg").rename(folder / "brick.jpg")
        # Renamed around the moment it becomes stable and is read: either name, once.
        shutil.copy(SAMPLES_DIR / "grass.jpg", folder / "IMG_0002.jpg")
        time.sleep(1.6)
        (folder / "IMG_0002.jpg").rename(folder / "grass.jpg")
        _wait_for(lambda: len(_photos(client)) == 2, "both photos imported")
        # Renamed after the import: the reporter tidies up; nothing new.
        (folder / "brick.jpg").rename(folder / "facade.jpg")
        time.sleep(3)
        photos = _photos(client)
        assert len(photos) == 2, [p["source_ref"] for p in photos]
        assert len(_named(photos, "brick.jpg")) == 1
        assert _photos(client, "rejected") == []
        health = _health(client)
    assert health["state"] == "ok" and health["refused"] == 0
    assert server.alive()


def test_a_trusted_folder_goes_straight_onto_the_wall(
    make_app_server: Callable[..., AppServer], tmp_path: Path
) -> None:
    folder = tmp_path / "drop"
    server = _folder_server(make_app_server, folder, approve=True)
    shutil.copy(SAMPLES_DIR / "rocket.jpg", folder / "rocket.jpg")
    with _operator(server) as client:
        (photo,) = _wait_for(lambda: _photos(client, "approved"), "rocket.jpg approved")
        assert _photos(client) == []
    assert photo["source"] == SOURCE


def test_the_read_gives_up_on_a_file_that_moved(tmp_path: Path) -> None:
    path = tmp_path / "a.jpg"
    path.write_bytes(b"first version")
    sig = FileSig.of(path.stat())
    assert read_unchanged(path, sig, 1024) == b"first version"
    path.rename(tmp_path / "b.jpg")
    with pytest.raises(FileNotFoundError):
        read_unchanged(path, sig, 1024)
    path.write_bytes(b"another file under the old name")
    with pytest.raises(FileChanged):
        read_unchanged(path, sig, 1024)


def test_a_file_is_stable_once_unchanged_across_scans_a_second_apart() -> None:
    tracker = StabilityTracker(stable_s=1.0)
    growing = {"a.jpg": FileSig(10, 1)}
    assert tracker.update(growing, now=0.0) == []
    assert tracker.update({"a.jpg": FileSig(20, 2)}, now=1.0) == []  # still being copied
    assert tracker.update({"a.jpg": FileSig(20, 2)}, now=1.5) == []  # not a second yet
    assert tracker.update({"a.jpg": FileSig(20, 2)}, now=2.0) == ["a.jpg"]
    assert tracker.update({}, now=3.0) == []  # gone, forgotten
    assert tracker.update({"a.jpg": FileSig(20, 2)}, now=3.5) == []
