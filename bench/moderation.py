"""Live latency of moderation: how fast tablets hear of a photo, and the wall of a decision.

Starts the real server, connects 20 moderation and 5 display WebSockets, uploads N photos
one after another and decides on each, and prints one JSON object:

- upload→moderation: from the upload's `201` reaching the client to `photo.pending` on each
  of the moderation sockets (it can be negative: the event is sent before the reply);
- decision→display: from sending the decision to `photo.approved` / `photo.removed` on each
  display socket;
- beside them, the floor measured in the same run: a WebSocket ping/pong round trip on the
  same loopback, same server, same sockets.

    python bench/moderation.py [--photos 500] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import websockets
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.helpers.server import LiveServer  # noqa: E402 (the repo root is on the path now)

PASSWORD = "bench password 2026"
MODERATION_SOCKETS = 20
DISPLAY_SOCKETS = 5
MODERATORS = 4


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    array = np.array(values) * 1000
    return {
        "p50_ms": round(float(np.percentile(array, 50)), 2),
        "p95_ms": round(float(np.percentile(array, 95)), 2),
        "p99_ms": round(float(np.percentile(array, 99)), 2),
        "max_ms": round(float(array.max()), 2),
        "count": len(values),
    }


def distinct_jpegs(count: int) -> list[bytes]:
    """Small distinct crops of the real samples: this bench measures events, not decoding."""
    sources = [Image.open(p).convert("RGB") for p in sorted((REPO / "wall/samples").glob("*.jpg"))]
    photos = []
    for i in range(count):
        source = sources[i % len(sources)]
        left, top = (i * 7) % 64, (i * 11) % 64
        crop = source.crop((left, top, left + 320, top + 240)).resize((480, 360))
        buffer = io.BytesIO()
        crop.save(buffer, "JPEG", quality=80 + i % 15)
        photos.append(buffer.getvalue())
    return photos


def add_moderators(server: LiveServer) -> None:
    for i in range(MODERATORS):
        subprocess.run(
            [sys.executable, "-m", "wall", "--config", str(server.config), "user", "add"]
            + [f"mod{i}", "--role", "moderator"],
            input=PASSWORD + "\n",
            text=True,
            check=True,
            capture_output=True,
            cwd=server.root,
        )


class Listener:
    """One socket's reader: records when each photo's event of interest arrived."""

    def __init__(self, socket: Any, kinds: set[str]) -> None:
        self.socket = socket
        self.kinds = kinds
        self.arrivals: dict[tuple[str, str], float] = {}
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.socket:
            now = time.perf_counter()
            message = json.loads(raw)
            if message["type"] in self.kinds:
                photo_id = message.get("photo_id") or message["photo"]["id"]
                self.arrivals.setdefault((message["type"], photo_id), now)


async def _login(client: httpx.AsyncClient, name: str) -> str:
    answer = await client.post("/api/auth/login", json={"username": name, "password": PASSWORD})
    answer.raise_for_status()
    return str(answer.json()["csrf_token"])


async def _ping_floor(sockets: list[Any], rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        for socket in sockets:
            started = time.perf_counter()
            await (await socket.ping())
            times.append(time.perf_counter() - started)
    return times


async def run(server: LiveServer, photos: list[bytes]) -> dict[str, Any]:
    ws_base = server.url.replace("http://", "ws://")
    clients = [httpx.AsyncClient(base_url=server.url, timeout=30) for _ in range(MODERATORS)]
    tokens = [await _login(c, f"mod{i}") for i, c in enumerate(clients)]
    mod_sockets = []
    for i in range(MODERATION_SOCKETS):
        cookie = "; ".join(f"{k}={v}" for k, v in clients[i % MODERATORS].cookies.items())
        socket = await websockets.connect(
            f"{ws_base}/ws/moderation", additional_headers={"Cookie": cookie}
        )
        await socket.recv()  # hello
        mod_sockets.append(socket)
    display_sockets = []
    for _ in range(DISPLAY_SOCKETS):
        socket = await websockets.connect(
            f"{ws_base}/ws/display",
            additional_headers={"Authorization": f"Bearer {server.display_token}"},
        )
        await socket.recv()  # snapshot
        display_sockets.append(socket)
    floor = await _ping_floor(mod_sockets + display_sockets, 8)

    tablets = [Listener(s, {"photo.pending"}) for s in mod_sockets]
    walls = [Listener(s, {"photo.approved", "photo.removed"}) for s in display_sockets]
    uploads: dict[str, float] = {}
    decisions: dict[tuple[str, str], float] = {}
    visitor = httpx.AsyncClient(base_url=server.url, timeout=30)
    for index, data in enumerate(photos):
        answer = await visitor.post(
            "/api/photos",
            files={"file": ("p.jpg", data, "image/jpeg")},
            data={"consent": "true"},
        )
        uploads[answer.json()["id"]] = time.perf_counter()
        photo = answer.json()
        moderator, token = clients[index % MODERATORS], tokens[index % MODERATORS]
        headers = {"X-CSRF-Token": token}
        version = 1
        for decision, event in (("approve", "photo.approved"), ("remove", "photo.removed")):
            decisions[(event, photo["id"])] = time.perf_counter()
            decided = await moderator.post(
                f"/api/moderation/photos/{photo['id']}/decision",
                json={"decision": decision, "version": version},
                headers=headers,
            )
            decided.raise_for_status()
            version = decided.json()["version"]
    await asyncio.sleep(1.0)  # the last events are on their way

    to_tablets = [
        listener.arrivals[("photo.pending", pid)] - sent
        for pid, sent in uploads.items()
        for listener in tablets
        if ("photo.pending", pid) in listener.arrivals
    ]
    to_walls = [
        listener.arrivals[key] - sent
        for key, sent in decisions.items()
        for listener in walls
        if key in listener.arrivals
    ]
    expected_tablet = len(uploads) * len(tablets)
    expected_wall = len(decisions) * len(walls)
    for socket in mod_sockets + display_sockets:
        await socket.close()
    for client in [*clients, visitor]:
        await client.aclose()
    return {
        "upload_to_moderation_socket": percentiles(to_tablets),
        "upload_to_moderation_missing": expected_tablet - len(to_tablets),
        "decision_to_display_socket": percentiles(to_walls),
        "decision_to_display_missing": expected_wall - len(to_walls),
        "websocket_ping_floor": percentiles(floor),
        "mean_upload_to_moderation_ms": round(statistics.mean(to_tablets) * 1000, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=500)
    parser.add_argument("--quick", action="store_true", help="50 photos")
    args = parser.parse_args()
    count = 50 if args.quick else args.photos
    photos = distinct_jpegs(count)
    with tempfile.TemporaryDirectory() as tmp:
        server = LiveServer(Path(tmp), ingest={"workers": 2, "detect_faces": True})
        server.start()
        try:
            add_moderators(server)
            figures = asyncio.run(run(server, photos))
        finally:
            server.stop()
    result = {
        "bench": "moderation",
        "date": time.strftime("%Y-%m-%d"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "photos": count,
        "moderation_sockets": MODERATION_SOCKETS,
        "display_sockets": DISPLAY_SOCKETS,
        "target_p99_ms": 100,
        **figures,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
