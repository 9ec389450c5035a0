"""A damaged database stops the server with a message that says what to do (not a
traceback and a crash loop); a backup taken during the show puts the wall back as it was.
Real processes, real files."""

from __future__ import annotations

import subprocess
import sys
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
