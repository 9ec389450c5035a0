"""Retention against the real server: photos past their time are erased like a contributor's
delete (files wiped, tombstone, audit), and the upload page tells visitors how long.

Time passing is the one thing a test cannot wait for: the rows are backdated in the server's
SQLite file while it is stopped, then the server starts and sweeps at once."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.helpers.accounts import add_account, login
from tests.helpers.app_server import AppServer
from tests.helpers.wall_display import MAGENTA, Moderator, coloured_photo

PASSWORD = "operator-password-1"


def upload(server: AppServer, colour: tuple[int, int, int]) -> dict[str, Any]:
    with server.client() as visitor:
        answer = visitor.post(
            "/api/photos",
            files={"file": ("p.jpg", coloured_photo(colour), "image/jpeg")},
            data={"consent": "true"},
        )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def backdate(server: AppServer, photo_id: str, column: str, days: float) -> None:
    moment = (datetime.now(UTC) - timedelta(days=days)).isoformat()
    with sqlite3.connect(server.data_dir / "wall.sqlite3") as db:
        changed = db.execute(f"UPDATE photos SET {column} = ? WHERE id = ?", (moment, photo_id))
        assert changed.rowcount == 1


def status_for_visitor(server: AppServer, receipt: dict[str, Any]) -> int:
    with server.client() as visitor:
        answer = visitor.get(
            f"/api/photos/{receipt['id']}", params={"token": receipt["receipt_token"]}
        )
    return answer.status_code


def test_photos_past_their_time_are_erased_at_start_and_the_rest_kept(
    make_app_server: Callable[..., AppServer],
) -> None:
    server = make_app_server(wall={"retention_days": 30, "rejected_retention_days": 3})
    moderator = Moderator(server)
    old, rejected, fresh = (upload(server, c) for c in (MAGENTA, (0, 90, 255), (0, 200, 90)))
    moderator.approve(old["id"])
    moderator.reject(rejected["id"])
    auth = {"Authorization": f"Bearer {server.display_token}"}
    with server.client() as display:
        media = display.get("/api/wall/photos", headers=auth).json()["photos"][0]["urls"]
        assert display.get(media["display"], headers=auth).status_code == 200
    files_before = sum(1 for p in (server.data_dir / "media").rglob("*") if p.is_file())

    server.stop()
    backdate(server, old["id"], "created_at", 31)
    backdate(server, rejected["id"], "updated_at", 4)
    backdate(server, fresh["id"], "created_at", 29)  # a day to go
    server.start()

    add_account(server, "olga", "operator", PASSWORD)
    with login(server, "olga", PASSWORD) as operator:
        audit = operator.get("/api/moderation/audit", params={"limit": 50}).json()
    erased = {e["photo_id"] for e in audit["entries"] if e["actor"] == "retention"}
    assert erased == {old["id"], rejected["id"]}
    assert status_for_visitor(server, old) == 404
    assert status_for_visitor(server, rejected) == 404
    assert status_for_visitor(server, fresh) == 200
    with server.client() as display:
        assert display.get(media["display"], headers=auth).status_code == 404
        assert display.get("/api/wall/photos", headers=auth).json()["photos"] == []
    files_after = sum(1 for p in (server.data_dir / "media").rglob("*") if p.is_file())
    assert files_after < files_before  # the two photos' renditions are wiped


def test_upload_page_says_how_long_photos_are_kept(
    make_app_server: Callable[..., AppServer],
) -> None:
    server = make_app_server(wall={"retention_days": 45})
    with server.client() as visitor:
        french = visitor.get("/", params={"lang": "fr"}).text
        english = visitor.get("/", params={"lang": "en"}).text
    assert "au plus tard 45 jours après son envoi" in french
    assert "at the latest 45 days after it is sent" in english
