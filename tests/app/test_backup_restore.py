"""A damaged database stops the server with a message that says what to do (not a
traceback and a crash loop); a backup taken during the show puts the wall back as it was.
Real processes, real files."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import SAMPLES_DIR
from tests.helpers.accounts import add_account, login
from tests.helpers.server import LiveServer
from wall.i18n import CLI_TEXTS

PASSWORD = "backup-password-1"
DAMAGED_EXIT = 5


def _wall(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wall", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={"LANG": "en_GB.UTF-8", "PATH": "/usr/bin:/bin"},
    )


def _upload(server: LiveServer, name: str) -> dict[str, str]:
    with server.client() as visitor:
        answer = visitor.post(
            "/api/photos",
            files={"file": (name, (SAMPLES_DIR / name).read_bytes(), "image/jpeg")},
            data={"consent": "true", "caption": f"photo {name}"},
        )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


@pytest.mark.parametrize("damage", ["truncated", "garbage pages"])
def test_a_damaged_database_stops_the_server_with_what_to_do(
    live_server: LiveServer, damage: str
) -> None:
    _upload(live_server, "coffee.jpg")
    live_server.stop()
    database = live_server.data_dir / "wall.sqlite3"
    data = database.read_bytes()
    if damage == "truncated":
        database.write_bytes(data[: len(data) // 3])
    else:  # the header page kept, the pages after it overwritten
        database.write_bytes(data[:4096] + b"\xa5" * (len(data) - 8192) + data[-4096:])
    refused = _wall(live_server.config, "serve", "--port", "1")
    assert refused.returncode == DAMAGED_EXIT, refused.stderr
    assert "Traceback" not in refused.stderr
    assert str(database) in refused.stderr
    assert CLI_TEXTS["en"]["database_damaged"].split("{")[0] in refused.stderr
    assert "wall restore" in refused.stderr


def test_a_backup_taken_during_the_show_puts_the_wall_back(
    live_server: LiveServer, tmp_path: Path
) -> None:
    add_account(live_server, "olga", "operator", PASSWORD)
    kept = _upload(live_server, "coffee.jpg")
    saved = tmp_path / "backup"
    taken = _wall(live_server.config, "backup", str(saved))  # while the server runs
    assert taken.returncode == 0, taken.stderr
    assert "Backed up into" in taken.stdout
    _upload(live_server, "rocket.jpg")  # after the backup: not in it
    live_server.stop()
    database = live_server.data_dir / "wall.sqlite3"
    database.write_bytes(database.read_bytes()[:1000])  # the card failed

    restored = _wall(live_server.config, "restore", str(saved))
    assert restored.returncode == 0, restored.stderr
    assert "Backup put back" in restored.stdout
    asides = list(live_server.data_dir.glob("damaged-*/wall.sqlite3"))
    assert len(asides) == 1  # the damaged file is kept, not deleted
    live_server.start()
    with live_server.client() as visitor:
        status = visitor.get(f"/api/photos/{kept['id']}", params={"token": kept["receipt_token"]})
        assert status.status_code == 200
        thumb = visitor.get(
            f"/media/thumb/{kept['id']}.jpg", params={"token": kept["receipt_token"]}
        )
        assert thumb.status_code == 200
    with login(live_server, "olga", PASSWORD) as operator:  # accounts came back too
        assert operator.get("/api/console/status").status_code == 200


def test_restore_refuses_while_the_server_runs(live_server: LiveServer, tmp_path: Path) -> None:
    saved = tmp_path / "backup"
    assert _wall(live_server.config, "backup", str(saved)).returncode == 0
    refused = _wall(live_server.config, "restore", str(saved))
    assert refused.returncode == 4, refused.stderr
    with live_server.client() as visitor:
        assert visitor.get("/healthz").status_code == 200


def test_odd_things_in_the_media_folder_never_stop_the_server(
    make_server: Callable[..., LiveServer], tmp_path: Path
) -> None:
    """A folder where a file belongs and a file under the wrong prefix: reported, left."""
    media = tmp_path / "odd" / "data" / "media"
    folder_like_a_file = media / "ab" / "cd" / ("abcd" + "0" * 60 + ".jpg")
    folder_like_a_file.mkdir(parents=True)
    stray = media / "ab" / "cd" / ("ff" * 32 + ".jpg")
    stray.write_bytes(b"misfiled")
    old = 1_600_000_000  # long past the orphans' grace
    for path in (folder_like_a_file, stray):
        os.utime(path, (old, old))
    server = make_server(wall={"data_dir": str(tmp_path / "odd" / "data")})
    with server.client() as visitor:
        assert visitor.get("/healthz").status_code == 200
    assert folder_like_a_file.is_dir() and stray.read_bytes() == b"misfiled"
    assert "not where a media file belongs" in server.log()


def test_a_missing_file_is_reported_and_its_photo_taken_off_the_wall(
    live_server: LiveServer,
) -> None:
    add_account(live_server, "olga", "operator", PASSWORD)
    photo = _upload(live_server, "coffee.jpg")
    with login(live_server, "olga", PASSWORD) as operator:
        queued = operator.get("/api/moderation/queue", params={"status": "pending"}).json()
        version = next(p["version"] for p in queued["photos"] if p["id"] == photo["id"])
        decided = operator.post(
            f"/api/moderation/photos/{photo['id']}/decision",
            json={"decision": "approve", "version": version},
        )
        assert decided.status_code == 200
    for path in (live_server.data_dir / "media").rglob("*.jpg"):
        path.unlink()  # a disk error, a hand in the data dir
    with live_server.client() as display:
        url = f"/media/display/{photo['id']}.jpg"
        assert display.get(url, params={"token": live_server.display_token}).status_code == 404
        on_wall = display.get("/api/wall/photos", params={"token": live_server.display_token})
        assert photo["id"] not in {p["id"] for p in on_wall.json()["photos"]}
    assert "is missing" in live_server.log()
