"""Webcams against the real `wall serve` and a real MJPEG camera on loopback.

The camera's frames show a real face (tests/helpers/fake_mjpeg.py); what the wall imported is
read back through the moderation queue, as a moderator would see it, and measured.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import pytest

from tests.helpers.accounts import add_account, login
from tests.helpers.app_server import AppServer
from tests.helpers.fake_mjpeg import Box, FakeCamera, Scene, write_video

PASSWORD = "correct horse battery"
CAMERA = "harbour"
FACE_SHARPNESS_DROP = 5.0  # the face region loses at least this factor of sharpness
REST_TOLERANCE = 0.3  # a region away from the face keeps its sharpness within this
SHARPNESS_SCALE = 1.0  # px: see `sharpness`
WAIT_S = 20.0


@pytest.fixture
def camera() -> Iterator[FakeCamera]:
    with FakeCamera() as fake:
        yield fake


def start_wall(make_app_server: Callable[..., AppServer], url: str, **options: Any) -> httpx.Client:
    """A server with one webcam; returns an operator's client (operators moderate too)."""
    webcam = {"name": CAMERA, "url": url, "interval_s": 0.5, **options}
    server = make_app_server(sources={"webcam": [webcam]})
    add_account(server, "olga", "operator", PASSWORD)
    return login(server, "olga", PASSWORD)


def imported(client: httpx.Client) -> list[dict[str, Any]]:
    answer = client.get("/api/moderation/queue", params={"source": CAMERA, "limit": 500})
    assert answer.status_code == 200, answer.text
    photos: list[dict[str, Any]] = answer.json()["photos"]
    return photos


def health(client: httpx.Client) -> dict[str, Any]:
    answer = client.get("/api/sources")
    assert answer.status_code == 200, answer.text
    (found,) = [s for s in answer.json()["sources"] if s["name"] == CAMERA]
    return dict(found)


def wait_for(what: str, check: Callable[[], Any], client: httpx.Client) -> Any:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.2)
    raise AssertionError(f"no {what} within {WAIT_S} s; health: {health(client)}")


def photos_at_least(client: httpx.Client, count: int) -> Callable[[], list[dict[str, Any]]]:
    def check() -> list[dict[str, Any]]:
        found = imported(client)
        return found if len(found) >= count else []

    return check


def display_pixels(client: httpx.Client, photo: dict[str, Any]) -> np.ndarray:
    answer = client.get(photo["urls"]["display"])
    assert answer.status_code == 200
    pixels = cv2.imdecode(np.frombuffer(answer.content, np.uint8), cv2.IMREAD_COLOR)
    assert pixels is not None
    return pixels


def sharpness(image: np.ndarray, box: Box) -> float:
    """Variance of the Laplacian, of the region smoothed at σ = 1 px first: detail a little
    above the pixel scale. Measured bare, the brick wall's sharpness swings by ±50 % with the
    quality of a mere re-encode (the pipeline's q85 requantizes the texture's own 8×8 JPEG
    blocks); smoothed, by 3 %, while a blurred face still drops by orders of magnitude."""
    gray = cv2.cvtColor(box.of(image), cv2.COLOR_BGR2GRAY).astype(np.float32)
    return float(cv2.Laplacian(cv2.GaussianBlur(gray, (0, 0), SHARPNESS_SCALE), cv2.CV_32F).var())


def assert_face_blurred_rest_intact(
    shown: np.ndarray, source: np.ndarray, face: Box, away: Box
) -> None:
    assert shown.shape == source.shape
    face_before, face_after = sharpness(source, face), sharpness(shown, face)
    rest_before, rest_after = sharpness(source, away), sharpness(shown, away)
    assert face_after * FACE_SHARPNESS_DROP < face_before, (face_before, face_after)
    assert abs(rest_after - rest_before) <= REST_TOLERANCE * rest_before, (rest_before, rest_after)


def test_mjpeg_frame_is_imported_with_the_face_blurred(
    make_app_server: Callable[..., AppServer], camera: FakeCamera
) -> None:
    client = start_wall(make_app_server, camera.stream_url)
    (photo, *_) = wait_for("photo", photos_at_least(client, 1), client)
    assert photo["source"] == CAMERA and photo["author"] == CAMERA and photo["caption"] == ""
    assert photo["source_ref"].startswith(f"webcam:{CAMERA}:")
    scene = camera.scene_frames
    assert_face_blurred_rest_intact(
        display_pixels(client, photo), camera.frame(0), scene.face_core(0), scene.away_from_face(0)
    )
    extra = health(client)["extra"]
    assert extra["mode"] == "stream" and int(extra["faces_blurred"]) >= 1


def test_still_scene_imports_one_photo_not_one_per_interval(
    make_app_server: Callable[..., AppServer], camera: FakeCamera
) -> None:
    """Every frame differs in bytes (the ticker) but not in what it shows."""
    assert camera.jpeg(0) != camera.jpeg(1)
    client = start_wall(make_app_server, camera.stream_url, interval_s=0.2)
    wait_for(
        "skipped frames", lambda: int(health(client)["extra"].get("frames_skipped", 0)) >= 8, client
    )
    assert len(imported(client)) == 1
    assert health(client)["extra"]["frames_kept"] == "1"


@pytest.mark.parametrize("failure", ["close", "hang"])
def test_camera_stopping_mid_stream_shows_the_error_and_reconnects(
    make_app_server: Callable[..., AppServer], camera: FakeCamera, failure: str
) -> None:
    client = start_wall(make_app_server, camera.stream_url)
    wait_for("first photo", photos_at_least(client, 1), client)
    camera.go_down("close" if failure == "close" else "hang")
    down = wait_for("error in health", lambda: (h := health(client))["last_error"] and h, client)
    assert down["extra"]["connected"] == "no" and int(down["extra"]["errors"]) >= 1
    assert down["last_error_code"] in ("stream_dropped", "camera_unreachable")
    camera.come_back(scene=1)  # the person has moved: a view worth importing
    (_, second) = wait_for("photo after reconnect", photos_at_least(client, 2), client)[:2]
    back = health(client)
    assert back["state"] == "ok" and back["extra"]["connected"] == "yes"
    assert int(back["extra"]["connects"]) >= 2
    scene = camera.scene_frames
    assert_face_blurred_rest_intact(
        display_pixels(client, second), camera.frame(0), scene.face_core(1), scene.away_from_face(1)
    )


def test_video_file_url(make_app_server: Callable[..., AppServer], tmp_path: Path) -> None:
    scene = Scene(640, 360)  # the face is ~50 px wide here: a small one
    video = write_video(tmp_path / "street.avi", scene, frames=20, fps=10)
    client = start_wall(make_app_server, str(video))
    (photo,) = wait_for("photo", photos_at_least(client, 1), client)
    wait_for("end of file", lambda: health(client)["extra"].get("stream") == "ended", client)
    assert len(imported(client)) == 1  # the rest of the file shows the same still scene
    shown = display_pixels(client, photo)
    source = cv2.imdecode(cv2.imencode(".jpg", scene.render(0, 0))[1], cv2.IMREAD_COLOR)
    assert_face_blurred_rest_intact(shown, source, scene.face_core(0), scene.away_from_face(0))


def test_http_jpeg_snapshot_url(
    make_app_server: Callable[..., AppServer], camera: FakeCamera
) -> None:
    client = start_wall(make_app_server, camera.snapshot_url)
    (photo, *_) = wait_for("photo", photos_at_least(client, 1), client)
    scene = camera.scene_frames
    assert_face_blurred_rest_intact(
        display_pixels(client, photo), camera.frame(0), scene.face_core(0), scene.away_from_face(0)
    )
    assert health(client)["extra"]["mode"] == "snapshot"
