"""A stand-in IP camera on loopback: MJPEG over HTTP (`/stream`) and a JPEG snapshot URL
(`/snapshot.jpg`), whose frames show a real face (the public-domain astronaut portrait) on a
real brick wall.

A small ticker in a corner changes every frame, so consecutive frames differ in bytes but
hardly in content (what a webcam shows of a quiet street); `scene` moves the person, a
change the wall should import. `go_down()` makes the camera fail mid-stream the way real ones
do: `close` drops the connections and refuses new ones, `hang` keeps them open and silent.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Literal

import cv2
import numpy as np

SAMPLES = Path(__file__).resolve().parents[2] / "wall" / "samples"
BOUNDARY = "frame"
# The astronaut's face inside its 512×512 photo: well within the box the detector finds
# (about x 175–275, y 54–180), so the whole region lies in the blurred area.
FACE_CORE = (190, 80, 60, 80)  # x, y, w, h
STAND_SPOTS = (60, 700)  # the person's x on the wall, one per scene (alternating)
STAND_Y = 100
DownMode = Literal["close", "hang"]


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    w: int
    h: int

    def of(self, image: np.ndarray) -> np.ndarray:
        return image[self.y : self.y + self.h, self.x : self.x + self.w]


def brick_wall(width: int, height: int) -> np.ndarray:
    """A real texture at its own scale (tiled, not resized, so it keeps its sharpness)."""
    brick = cv2.imread(str(SAMPLES / "brick.jpg"))
    reps_y, reps_x = -(-height // brick.shape[0]), -(-width // brick.shape[1])
    return np.tile(brick, (reps_y, reps_x, 1))[:height, :width].copy()


class Scene:
    """Frames of `width`×`height`: the astronaut standing in front of a brick wall."""

    def __init__(self, width: int = 1280, height: int = 720) -> None:
        self.width, self.height = width, height
        self.wall = brick_wall(width, height)
        portrait = cv2.imread(str(SAMPLES / "astronaut.jpg"))
        self.portrait = cv2.resize(portrait, None, fx=height / 720, fy=height / 720)

    def person_at(self, scene: int) -> tuple[int, int]:
        scale = self.height / 720
        return int(STAND_SPOTS[scene % len(STAND_SPOTS)] * scale), int(STAND_Y * scale)

    def face_core(self, scene: int) -> Box:
        x, y = self.person_at(scene)
        s = self.height / 720
        fx, fy, fw, fh = FACE_CORE
        return Box(x + int(fx * s), y + int(fy * s), int(fw * s), int(fh * s))

    def away_from_face(self, scene: int) -> Box:
        """A patch of bare wall, on the other side of the frame from the person."""
        x, _ = self.person_at(scene)
        side = self.width - 300 if x < self.width // 2 else 40
        return Box(side, self.height // 2 - 100, 220, 200)

    def render(self, scene: int, tick: int) -> np.ndarray:
        frame = self.wall.copy()
        x, y = self.person_at(scene)
        h, w = self.portrait.shape[:2]
        h, w = min(h, self.height - y), min(w, self.width - x)
        frame[y : y + h, x : x + w] = self.portrait[:h, :w]
        # The ticker: a small bar that grows every frame, in the bottom-right corner.
        length = 10 + (tick % 60)
        cv2.rectangle(
            frame,
            (self.width - 90, self.height - 20),
            (self.width - 90 + length, self.height - 12),
            (255, 255, 255),
            -1,
        )
        return frame


class FakeCamera:
    """The HTTP camera; use as a context manager (`with FakeCamera() as cam: cam.stream_url`)."""

    def __init__(
        self,
        scene: Scene | None = None,
        fps: float = 10.0,
        static: bool = False,
        quality: int = 90,
    ) -> None:
        self.scene_frames = scene or Scene()
        self.fps = fps
        self.static = static
        self.quality = quality
        self.scene = 0
        self.frames_sent = 0
        self.connections = 0
        self._up = threading.Event()
        self._up.set()
        self.down_mode: DownMode = "close"
        self.stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._cache: dict[tuple[int, int], bytes] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def stream_url(self) -> str:
        return f"{self.url}/stream"

    @property
    def snapshot_url(self) -> str:
        return f"{self.url}/snapshot.jpg"

    def __enter__(self) -> FakeCamera:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopping.set()
        self._up.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def frame(self, tick: int) -> np.ndarray:
        return self.scene_frames.render(self.scene, 0 if self.static else tick)

    def jpeg(self, tick: int) -> bytes:
        key = (self.scene, 0 if self.static else tick % 60)
        if key not in self._cache:
            ok, data = cv2.imencode(
                ".jpg", self.frame(tick), [cv2.IMWRITE_JPEG_QUALITY, self.quality]
            )
            assert ok
            self._cache[key] = data.tobytes()
        return self._cache[key]

    def go_down(self, mode: DownMode = "close") -> None:
        self.down_mode = mode
        self._up.clear()

    def come_back(self, scene: int | None = None) -> None:
        if scene is not None:
            self.scene = scene
        self._up.set()

    @property
    def is_up(self) -> bool:
        return self._up.is_set()

    def hang(self) -> None:
        """A frozen camera: the connection stays open and silent until the fake is closed."""
        self.stopping.wait()


def _handler(camera: FakeCamera) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, *_: object) -> None:  # quiet: the test output is for failures
            pass

        def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
            camera.connections += 1
            if not camera.is_up:
                if camera.down_mode == "hang":
                    camera.hang()
                self.close_connection = True
                return  # "close": accepted and dropped, no reply at all
            if self.path.startswith("/snapshot"):
                self._snapshot()
            elif self.path.startswith("/stream"):
                self._stream()
            else:
                self.send_error(404)

        def _snapshot(self) -> None:
            data = camera.jpeg(camera.frames_sent)
            camera.frames_sent += 1
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _stream(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY}")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            tick = 0
            period = 1.0 / camera.fps
            next_at = time.monotonic()
            try:
                while not camera.stopping.is_set():
                    if not camera.is_up:
                        if camera.down_mode == "hang":
                            camera.hang()
                        return  # "close": the connection drops mid-stream
                    data = camera.jpeg(tick)
                    self.wfile.write(
                        f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\n"
                        f"Content-Length: {len(data)}\r\n\r\n".encode()
                        + data
                        + b"\r\n"
                    )
                    self.wfile.flush()
                    camera.frames_sent += 1
                    tick += 1
                    next_at += period
                    camera.stopping.wait(max(0.0, next_at - time.monotonic()))
            except (BrokenPipeError, ConnectionResetError):
                return  # the reader went away: what a camera sees every reconnect

    return Handler


def write_video(path: Path, scene: Scene, frames: int = 30, fps: float = 10.0) -> Path:
    """A real MJPG AVI of the scene (the file URL of a webcam source)."""
    writer = cv2.VideoWriter(
        str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (scene.width, scene.height)
    )
    assert writer.isOpened(), "OpenCV cannot write MJPG here"
    for tick in range(frames):
        writer.write(scene.render(0, tick))
    writer.release()
    return path
