"""A live window against the real `wall serve` and a real MJPEG camera on loopback.

The camera films real faces 16–40 px wide walking across a brick wall (tests/helpers/
small_faces.py); each frame carries its tick, so every frame the server streams at
`/api/wall/live/<name>` is compared with the camera's own frame: each face's middle must have
lost its detail. A process matters here (a stream held open), so the server is a real one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest
from websockets.sync.client import connect

from display.live import multipart_jpegs
from tests.helpers.fake_mjpeg import FakeCamera
from tests.helpers.server import LiveServer
from tests.helpers.small_faces import MovingFaces, face_core
from wall.config import ConfigError, load_settings

CAMERA = "harbour"
CAMERA_FPS = 20.0  # more than the window's: the server takes the newest frame each time
LIVE_FPS = 12  # the window's rate: 10 fps is asked of it, with room for the machine's jitter
STREAM_S = 3.0  # of frames read after the first (the first is scanned whole: ~1 s)
FACE_SHARPNESS_DROP = 4.0  # a blurred face's middle keeps at most a quarter of its detail
START_TIMEOUT_S = 30.0


@pytest.fixture(scope="module")
def scene() -> MovingFaces:
    """720p: the faces are as small in pixels as in 1080p (16 px is 16 px to the detector),
    for half the CPU of the test's camera and server; bench/sources.py measures 1080p."""
    return MovingFaces(1280, 720)


@pytest.fixture(scope="module")
def wall(tmp_path_factory: pytest.TempPathFactory, scene: MovingFaces) -> Iterator[LiveServer]:
    with FakeCamera(scene, fps=CAMERA_FPS) as camera:  # type: ignore[arg-type]
        webcam = {
            "name": CAMERA,
            "url": camera.stream_url,
            "live": True,
            "live_fps": LIVE_FPS,
            "place": "Le port",
            "interval_s": 3600,
        }
        server = LiveServer(Path(tmp_path_factory.mktemp("live")), sources={"webcam": [webcam]})
        server.start()
        try:
            yield server
        finally:
            server.stop()


def sharpness(image: np.ndarray, box: tuple[int, int, int, int]) -> float:
    """Variance of the Laplacian after a σ = 1 px smoothing (JPEG's own noise is spared)."""
    x, y, w, h = box
    gray = cv2.cvtColor(image[y : y + h, x : x + w], cv2.COLOR_BGR2GRAY).astype(np.float32)
    return float(cv2.Laplacian(cv2.GaussianBlur(gray, (0, 0), 1.0), cv2.CV_32F).var())


def open_stream(client: httpx.Client, token: str) -> httpx.Response:
    """The window's stream once the camera's first frame is through (503 until then)."""
    deadline = time.monotonic() + START_TIMEOUT_S
    url = f"/api/wall/live/{CAMERA}"
    while True:
        request = client.build_request("GET", url, headers={"Authorization": f"Bearer {token}"})
        response = client.send(request, stream=True)
        if response.status_code == 200 or time.monotonic() > deadline:
            return response
        assert response.status_code == 503 and response.headers["retry-after"]
        response.close()
        time.sleep(0.2)


@pytest.mark.quiet_cpu  # a frame rate, measured: run alone (see the Makefile)
def test_every_streamed_frame_has_its_faces_blurred_at_10_fps(
    wall: LiveServer, scene: MovingFaces
) -> None:
    with wall.client() as client:
        assert client.get(f"/api/wall/live/{CAMERA}").status_code == 401  # no display token
        unknown = client.get("/api/wall/live/nowhere", params={"token": wall.display_token})
        assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "live_not_found"
        response = open_stream(client, wall.display_token)
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("multipart/x-mixed-replace")
        frames: list[tuple[float, bytes]] = []
        try:
            for jpeg in multipart_jpegs(response.iter_bytes()):
                frames.append((time.monotonic(), jpeg))
                if frames[-1][0] - frames[0][0] >= STREAM_S:
                    break
        finally:
            response.close()
    times = [at for at, _ in frames]
    fps = (len(frames) - 1) / (times[-1] - times[0])
    assert fps >= 10.0, f"{fps:.1f} frames/s"
    for _, jpeg in frames:
        shown = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
        original, faces = scene.frame_and_faces(MovingFaces.tick_of(shown))
        for face in faces:
            core = face_core(face)
            before, after = sharpness(original, core), sharpness(shown, core)
            assert after * FACE_SHARPNESS_DROP < before, (face.width, before, after)


def test_the_display_feed_names_the_live_window(wall: LiveServer) -> None:
    url = wall.url.replace("http://", "ws://") + "/ws/display"
    headers = {"Authorization": f"Bearer {wall.display_token}"}
    with connect(url, additional_headers=headers, proxy=None) as socket:
        while (message := json.loads(socket.recv(timeout=10)))["type"] != "live.windows":
            pass
    assert message["windows"] == [
        {"name": CAMERA, "place": "Le port", "url": f"/api/wall/live/{CAMERA}", "fps": LIVE_FPS}
    ]


def test_a_live_camera_without_blur_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "wall.toml"
    path.write_text(
        '[[sources.webcam]]\nname = "harbour"\nurl = "rtsp://cam/1"\n'
        "live = true\nblur_faces = false\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="live = true needs blur_faces = true"):
        load_settings(path)
