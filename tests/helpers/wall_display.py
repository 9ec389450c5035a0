"""The real `wall display --headless` as a child process, a moderator to feed it, and pixel
probes to read its frames.

Each display gets its own data dir (so its own cache) and follows a `LiveServer` over the
real socket with the server's display token.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from tests.helpers.accounts import add_account, login
from tests.helpers.images import distinctive_jpeg
from tests.helpers.server import REPO_ROOT, LiveServer, free_port, write_config
from wall.schemas import WallPhoto

MAGENTA = (255, 0, 255)
LIME = (0, 255, 0)
# Textured test photos spread ±52 levels around their colour (ramp and noise), and JPEG
# shifts a few more: within this L∞ distance a pixel is "that colour".
COLOUR_TOLERANCE = 80
PASSWORD = "correct horse battery"
EXIT_TIMEOUT_S = 20.0


def colour_share(frame: np.ndarray, colour: tuple[int, int, int]) -> float:
    """Share of the frame's pixels near `colour`."""
    distance = np.abs(frame.astype(np.int16) - np.array(colour, np.int16)).max(axis=2)
    return float((distance <= COLOUR_TOLERANCE).mean())


def read_frame(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


class Moderator:
    """Uploads as a visitor, decides as a moderator: the server's real paths."""

    def __init__(self, server: LiveServer) -> None:
        add_account(server, "mia", "moderator", PASSWORD)
        self.server = server
        self.versions: dict[str, int] = {}

    def upload(self, data: bytes, caption: str = "", author: str = "") -> str:
        with self.server.client() as visitor:
            answer = visitor.post(
                "/api/photos",
                files={"file": ("p.jpg", data, "image/jpeg")},
                data={"consent": "true", "caption": caption, "author": author},
            )
        assert answer.status_code == 201, answer.text
        return str(answer.json()["id"])

    def approve(self, photo_id: str) -> None:
        self._decide_pending(photo_id, "approve")

    def reject(self, photo_id: str) -> None:
        self._decide_pending(photo_id, "reject")

    def _decide_pending(self, photo_id: str, decision: str) -> None:
        with login(self.server, "mia", PASSWORD) as client:
            queue = client.get("/api/moderation/queue", params={"status": "pending"}).json()
            photo = next(p for p in queue["photos"] if p["id"] == photo_id)
            self._decide(client, photo_id, decision, photo["version"])

    def remove(self, photo_id: str) -> None:
        with login(self.server, "mia", PASSWORD) as client:
            self._decide(client, photo_id, "remove", self.versions[photo_id])

    def _decide(self, client: Any, photo_id: str, decision: str, version: int) -> None:
        answer = client.post(
            f"/api/moderation/photos/{photo_id}/decision",
            json={"decision": decision, "version": version},
        )
        assert answer.status_code == 200, answer.text
        self.versions[photo_id] = answer.json()["version"]

    def publish(self, data: bytes, **fields: str) -> str:
        photo_id = self.upload(data, **fields)
        self.approve(photo_id)
        return photo_id


def wall_photo(
    photo_id: str,
    contributor: str = "",
    minutes_ago: float = 60.0,
    size: tuple[int, int] = (800, 600),
) -> WallPhoto:
    """The feed's description of a photo, for tests that bypass the server."""
    approved = datetime(2026, 7, 14, 21, 30, tzinfo=UTC) - timedelta(minutes=minutes_ago)
    return WallPhoto(
        id=photo_id,
        caption="",
        author="",
        source="upload",
        contributor=contributor or photo_id,
        created_at=approved,
        approved_at=approved,
        width=size[0],
        height=size[1],
        mean_lab=(50.0, 0.0, 0.0),
        urls={},
    )


def coloured_photo(colour: tuple[int, int, int], size: tuple[int, int] = (800, 600)) -> bytes:
    return distinctive_jpeg(colour, size, seed=sum(colour) + size[0])


class HeadlessDisplay:
    """`python -m wall display --headless` in the background, writing PNG frames."""

    def __init__(
        self,
        root: Path,
        server: LiveServer | None,
        *,
        frames: int,
        size: str = "640x360",
        fps: int = 20,
        every: int = 2,
        playlist: tuple[str, ...] = ("spotlight",),
        **display: Any,
    ) -> None:
        self.root = root
        self.out = root / "frames"
        self.fps = fps
        root.mkdir(parents=True, exist_ok=True)
        server_url = server.url if server else f"http://127.0.0.1:{free_port()}"
        token = server.display_token if server else "no-server"
        self.config = write_config(
            root / "display.toml",
            {
                "wall": {"data_dir": str(root / "data"), "display_token": token},
                "display": {
                    "server_url": server_url,
                    "size": size,
                    "fps": fps,
                    "playlist": list(playlist),
                    "vsync": False,
                    **display,
                },
            },
        )
        self.cache = root / "data" / "display-cache"
        self._frames, self._every = frames, every
        self.process: subprocess.Popen[str] | None = None
        self.stats: dict[str, Any] = {}

    def start(self) -> HeadlessDisplay:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYGAME_HIDE_SUPPORT_PROMPT": "1"}
        command = [sys.executable, "-m", "wall", "--config", str(self.config), "display"]
        command += ["--headless", "--frames", str(self._frames), "--out", str(self.out)]
        command += ["--every", str(self._every)]
        self.process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=(self.root / "display.log").open("ab"),
            text=True,
        )
        return self

    def log(self) -> str:
        return (self.root / "display.log").read_text(errors="replace")

    def frame_paths(self) -> list[Path]:
        return sorted(self.out.glob("frame-*.png"))

    def latest(self) -> np.ndarray | None:
        paths = self.frame_paths()
        return read_frame(paths[-1]) if paths else None

    def wait_for(self, test: Callable[[np.ndarray], bool], timeout: float, what: str) -> float:
        """Polls the newest frame until `test` holds; returns the wall time it did."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"display exited before {what}:\n{self.log()}")
            frame = self.latest()
            if frame is not None and test(frame):
                return time.time()
            time.sleep(0.1)
        raise AssertionError(f"no frame showed {what} within {timeout}s:\n{self.log()[-3000:]}")

    def timeline(self) -> list[tuple[int, float]]:
        path = self.out / "timeline.tsv"
        rows = [line.split("\t") for line in path.read_text().splitlines() if line]
        return [(int(index), float(when)) for index, when in rows]

    def frames_between(self, start: float, end: float = float("inf")) -> list[np.ndarray]:
        return [
            read_frame(self.out / f"frame-{index:05d}.png")
            for index, when in self.timeline()
            if start <= when <= end
        ]

    def finish(self, stop: bool = True) -> dict[str, Any]:
        """Stops it (SIGTERM ends the loop cleanly) and returns the JSON of its last line."""
        assert self.process is not None
        if stop and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        stdout, _ = self.process.communicate(timeout=EXIT_TIMEOUT_S)
        assert self.process.returncode == 0, f"exit {self.process.returncode}:\n{self.log()}"
        self.stats = json.loads(stdout.strip().splitlines()[-1])
        return self.stats
