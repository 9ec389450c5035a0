"""The show seen from the wall: the real server's schedule and blank switch drive the real
headless renderer to true black and back; the console sees the display's preview."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from tests.helpers.accounts import add_account, login
from tests.helpers.app_server import AppServer
from tests.helpers.server import LiveServer
from tests.helpers.wall_display import (
    MAGENTA,
    HeadlessDisplay,
    Moderator,
    colour_share,
    coloured_photo,
)

APPEAR_TIMEOUT_S = 20.0
BLANK_DEADLINE_S = 2.0  # the switch is for incidents: black at once
LONG_RUN_FRAMES = 4000
PASSWORD = "console-password-1"


def hours_from_now(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).strftime("%H:%M")


def schedule(start_h: float, end_h: float) -> dict[str, Any]:
    """A season all year round with tonight's show `start_h`..`end_h` hours from now (UTC),
    written with the contract's keys only: a written schedule is in force."""
    return {
        "season_start": "01-01",
        "season_end": "12-31",
        "start": hours_from_now(start_h),
        "end": hours_from_now(end_h),
        "timezone": "UTC",
    }


def black(frame: np.ndarray) -> bool:
    return int(frame.max()) == 0


def shows_magenta(frame: np.ndarray) -> bool:
    return colour_share(frame, MAGENTA) >= 0.2


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"not {what} within {timeout} s")


def operator(server: LiveServer | AppServer) -> Any:
    add_account(server, "regie", "operator", PASSWORD)
    return login(server, "regie", PASSWORD)


def test_blank_switch_turns_the_wall_black_at_once_and_survives_a_restart(
    make_process_server: Callable[..., LiveServer], tmp_path: Path
) -> None:
    server = make_process_server(schedule=schedule(-2, 2))
    staff = operator(server)
    moderator = Moderator(server)
    moderator.approve(moderator.upload(coloured_photo(MAGENTA), caption="Magenta"))
    display = HeadlessDisplay(tmp_path / "display", server, frames=LONG_RUN_FRAMES).start()
    try:
        display.wait_for(shows_magenta, APPEAR_TIMEOUT_S, "the photo during the show")
        assert staff.get(f"{server.url}/api/console/show").json()["state"]["reason"] == "show"
        pressed = time.time()
        answer = staff.post(f"{server.url}/api/console/blank", json={"blanked": True})
        assert answer.status_code == 200 and answer.json()["state"]["lit"] is False
        went_black = display.wait_for(black, APPEAR_TIMEOUT_S, "true black")
        assert went_black - pressed < BLANK_DEADLINE_S + 0.2  # + the frame poll interval

        server.kill()
        server.start()
        staff = login(server, "regie", PASSWORD)
        state = staff.get(f"{server.url}/api/console/show").json()
        assert state["blanked"] is True and state["state"]["reason"] == "blanked"
        time.sleep(3)  # the display reconnects to a server that still says black
        assert black(display.latest())

        staff.post(f"{server.url}/api/console/blank", json={"blanked": False})
        display.wait_for(shows_magenta, APPEAR_TIMEOUT_S, "the photo back after unblanking")
    finally:
        display.finish()
    assert display.stats["dark_frames"] > 0


def test_between_shows_the_wall_is_true_black_and_the_console_lists_the_next_shows(
    make_server: Callable[..., LiveServer], tmp_path: Path
) -> None:
    server = make_server(schedule=schedule(3, 4))
    moderator = Moderator(server)
    moderator.approve(moderator.upload(coloured_photo(MAGENTA), caption="Magenta"))
    display = HeadlessDisplay(tmp_path / "display", server, frames=60).start()
    stats = display.finish(stop=False)
    frames = display.frames_between(0)
    settled = frames[len(frames) // 2 :]  # after the snapshot and the show state arrived
    assert settled and all(black(frame) for frame in settled)
    assert stats["dark_frames"] > 0

    staff = operator(server)
    show = staff.get(f"{server.url}/api/console/show").json()
    assert show["state"] == {**show["state"], "lit": False, "reason": "between_shows"}
    upcoming = show["upcoming"]
    assert len(upcoming) == 14
    first = datetime.fromisoformat(upcoming[0]["start"])
    assert timedelta(hours=2.9) < first - datetime.now(UTC) < timedelta(hours=3.1)
    assert all(
        datetime.fromisoformat(b["start"]) - datetime.fromisoformat(a["start"]) == timedelta(1)
        for a, b in zip(upcoming, upcoming[1:], strict=False)
    )


def test_without_a_schedule_the_wall_is_always_lit(app_server: AppServer) -> None:
    staff = operator(app_server)
    show = staff.get(f"{app_server.url}/api/console/show").json()
    assert show["schedule_enabled"] is False and show["upcoming"] == []
    assert show["state"]["lit"] is True and show["state"]["reason"] == "always"


def test_console_gets_the_walls_preview_and_says_when_it_stops(
    live_server: LiveServer, tmp_path: Path
) -> None:
    staff = operator(live_server)
    moderator = Moderator(live_server)
    photo_id = moderator.upload(coloured_photo(MAGENTA), caption="Magenta")
    moderator.approve(photo_id)
    before = staff.get(f"{live_server.url}/api/console/status").json()
    assert before["preview"]["stale"] is True and before["preview"]["at"] is None
    assert staff.get(f"{live_server.url}/api/console/preview.jpg").status_code == 404

    display = HeadlessDisplay(tmp_path / "display", live_server, frames=LONG_RUN_FRAMES).start()
    try:
        display.wait_for(shows_magenta, APPEAR_TIMEOUT_S, "the photo")

        def preview_shows_magenta() -> bool:
            answer = staff.get(f"{live_server.url}/api/console/preview.jpg")
            if answer.status_code != 200:
                return False
            image = np.asarray(Image.open(io.BytesIO(answer.content)).convert("RGB"))
            return image.shape[1] == 640 and colour_share(image, MAGENTA) >= 0.2

        wait_until(preview_shows_magenta, APPEAR_TIMEOUT_S, "the preview showing the photo")
        status = staff.get(f"{live_server.url}/api/console/status").json()
        assert status["preview"]["stale"] is False and status["displays_connected"] == 1
    finally:
        display.finish()

    def stale() -> bool:
        return staff.get(f"{live_server.url}/api/console/status").json()["preview"]["stale"]

    wait_until(stale, 10.0, "the console saying the preview stopped")
    assert staff.get(f"{live_server.url}/api/console/preview.jpg").status_code == 200


def test_preview_endpoint_refuses_strangers_and_non_jpegs(app_server: AppServer) -> None:
    url = "/api/display/preview"
    with app_server.client() as client:
        jpeg = coloured_photo(MAGENTA, (320, 180))
        assert client.post(url, content=jpeg).status_code == 401
        auth = {"Authorization": f"Bearer {app_server.display_token}"}
        png = io.BytesIO()
        Image.new("RGB", (10, 10)).save(png, "PNG")
        answer = client.post(url, content=png.getvalue(), headers=auth)
        assert answer.status_code == 422 and answer.json()["error"]["code"] == "invalid_preview"
        answer = client.post(url, content=b"\xff\xd8" + b"x" * 2_000_000, headers=auth)
        assert answer.status_code == 413
        answer = client.post(url, content=jpeg, headers={**auth, "X-Wall-Shown": "../etc"})
        assert answer.status_code == 400
        assert client.post(url, content=jpeg, headers=auth).status_code == 204


def test_the_displays_declared_frame_rate_reaches_the_console(app_server: AppServer) -> None:
    """`X-Wall-Fps` on a preview ("declared/configured"): the console's status says when the
    display keeps half its rate because its frames do not fit."""
    url = "/api/display/preview"
    staff = operator(app_server)
    status = f"{app_server.url}/api/console/status"
    with app_server.client() as client:
        jpeg = coloured_photo(MAGENTA, (320, 180))
        auth = {"Authorization": f"Bearer {app_server.display_token}"}
        answer = client.post(url, content=jpeg, headers={**auth, "X-Wall-Fps": "fast"})
        assert answer.status_code == 400
        assert client.post(url, content=jpeg, headers=auth).status_code == 204
        assert staff.get(status).json()["frame_rate"] is None, "an older display: no word"
        assert client.post(url, content=jpeg, headers={**auth, "X-Wall-Fps": "30/60"}).is_success
        rate = staff.get(status).json()["frame_rate"]
        assert rate == {"declared": 30, "configured": 60, "reduced": True}
        assert client.post(url, content=jpeg, headers={**auth, "X-Wall-Fps": "60/60"}).is_success
        assert staff.get(status).json()["frame_rate"]["reduced"] is False
