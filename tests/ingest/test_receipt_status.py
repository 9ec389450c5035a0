"""The receipt's API (`GET /api/photos/{id}?token=`) through the real server: the thumbnail the
token opens, and the photo's life on the wall as the display reports it (on it now, then the
time it was last shown, in the wall's timezone), which the receipt page shows its contributor."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from show.preview import PREVIEW_STALE_S
from tests.console.test_night import report_shown
from tests.helpers.app_server import AppServer
from tests.helpers.wall_display import LIME, MAGENTA, Moderator, coloured_photo

WALL_ZONE = "America/New_York"  # not the machine's zone, nor UTC: the wall's clock counts


def receipt(server: AppServer, photo_id: str, token: str) -> dict[str, Any]:
    with server.client() as client:
        answer = client.get(f"/api/photos/{photo_id}", params={"token": token})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def upload(server: AppServer, colour: tuple[int, int, int]) -> tuple[str, str]:
    with server.client() as visitor:
        answer = visitor.post(
            "/api/photos",
            files={"file": ("p.jpg", coloured_photo(colour), "image/jpeg")},
            data={"consent": "true"},
        )
    assert answer.status_code == 201, answer.text
    return answer.json()["id"], answer.json()["receipt_token"]


def test_receipt_shows_the_thumbnail_and_the_photos_life_on_the_wall(
    make_app_server: Callable[..., AppServer],
) -> None:
    server = make_app_server(schedule={"timezone": WALL_ZONE})
    moderator = Moderator(server)
    photo_id, token = upload(server, MAGENTA)
    other_id, other_token = upload(server, LIME)

    waiting = receipt(server, photo_id, token)
    assert waiting["status"] == "pending"
    assert waiting["on_wall_now"] is False and waiting["shown_at"] is None
    assert waiting["timezone"] == WALL_ZONE
    thumb = waiting["thumb_url"]
    assert thumb.startswith("/media/thumb/")
    with server.client() as client:
        assert client.get(thumb).status_code == 404  # pending: not public
        seen = client.get(thumb, params={"token": token})
        assert seen.status_code == 200 and seen.headers["content-type"] == "image/jpeg"
        assert client.get(thumb, params={"token": other_token}).status_code == 404

    for approved in (photo_id, other_id):
        moderator.approve(approved)
    assert receipt(server, photo_id, token)["on_wall_now"] is False  # approved, not yet shown

    before = datetime.now(ZoneInfo(WALL_ZONE)) - timedelta(seconds=1)
    report_shown(server, [photo_id])
    now_on = receipt(server, photo_id, token)
    assert now_on["on_wall_now"] is True
    shown_at = datetime.fromisoformat(now_on["shown_at"])
    assert before <= shown_at <= datetime.now(ZoneInfo(WALL_ZONE)) + timedelta(seconds=1)
    assert shown_at.utcoffset() == datetime.now(ZoneInfo(WALL_ZONE)).utcoffset()
    assert receipt(server, other_id, other_token)["on_wall_now"] is False  # not reported

    # The display stops sending: no longer "on the wall now", but the time it was stays.
    time.sleep(PREVIEW_STALE_S + 1)
    later = receipt(server, photo_id, token)
    assert later["on_wall_now"] is False
    assert datetime.fromisoformat(later["shown_at"]) == shown_at

    # The night's record keeps it across a restart (to the second of its first report).
    server.stop()
    server.start()
    restarted = receipt(server, photo_id, token)
    assert restarted["on_wall_now"] is False
    assert abs(datetime.fromisoformat(restarted["shown_at"]) - shown_at) < timedelta(seconds=1)
