"""An 8-hour night, compressed: the server and a headless display through a flapping network,
thousands of photo transitions and dozens of server restarts.

    python bench/soak.py            # full: 10,000 transitions, 50 restarts (~6 min on 2 cores)
    python bench/soak.py --quick    # 1,000 transitions, 5 restarts (~1 min)

The display follows the server through a TCP proxy on loopback that delays every chunk and,
every few seconds, cuts every connection and refuses new ones for a moment (the venue's
Wi-Fi). A moderator drives approvals and removals as fast as the API answers, and the server
is stopped (SIGTERM) and started again on the same port again and again. Time is compressed:
the transitions of a night come in minutes. Prints one JSON object on stdout's last line:

* the display's resident memory over the second and the last tenth of the run (the first is
  its cache filling): growth < 10 %;
* its frame loop's longest frame and the frames over 100 ms (a stall), from its own report;
* every photo approved at the end came on the wall (the display's reports, recorded by the
  server) within 90 s of the end;
* the transitions made, the restarts, the connections the proxy cut.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import random
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:] = [str(REPO)] + [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]

import httpx  # noqa: E402
import psutil  # noqa: E402

from tests.helpers.accounts import add_account  # noqa: E402
from tests.helpers.images import distinctive_jpeg  # noqa: E402
from tests.helpers.server import LiveServer, free_port  # noqa: E402
from tests.helpers.wall_display import HeadlessDisplay  # noqa: E402

PASSWORD = "soak password 2026"
PHOTOS = 24  # as many as one mosaic shows at once: each one is reported soon
SIZES = {"full": (10_000, 50), "quick": (1_000, 5)}  # transitions, restarts
FLAP_EVERY_S = 7.0
FLAP_DOWN_S = 1.5
DELAY_S = (0.005, 0.060)  # per relayed chunk
STALL_MS = 100.0
SHOWN_WITHIN_S = 90.0
TARGETS = {"display_rss_growth": 0.10, "stall_over_100ms": False, "unshown_approved": 0}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class FlappingProxy:
    """A TCP relay on loopback that delays chunks and, on `flap()`, cuts every connection
    and refuses new ones for a while."""

    def __init__(self, target_port: int) -> None:
        self.port = free_port()
        self.target_port = target_port
        self.cuts = 0
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        threading.Thread(target=self._loop.run_forever, daemon=True).start()
        self._call(self._listen())

    def _call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._client, "127.0.0.1", self.port)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        self._writers.update((writer, up_writer))
        await asyncio.gather(
            self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True
        )
        for w in (writer, up_writer):
            self._writers.discard(w)
            w.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while chunk := await reader.read(65536):
            await asyncio.sleep(random.uniform(*DELAY_S))
            writer.write(chunk)
            await writer.drain()
        writer.close()

    def flap(self) -> None:
        async def cut() -> None:
            assert self._server is not None
            self._server.close()
            for writer in list(self._writers):
                writer.transport.abort()
            self.cuts += len(self._writers)
            self._writers.clear()
            await asyncio.sleep(FLAP_DOWN_S)
            await self._listen()

        self._call(cut())


class Moderator:
    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.client: httpx.Client | None = None

    def _signed_in(self) -> httpx.Client:
        if self.client is None:
            client = httpx.Client(base_url=self.server.url, timeout=30)
            answer = client.post("/api/auth/login", json={"username": "mod", "password": PASSWORD})
            answer.raise_for_status()
            client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
            self.client = client
        return self.client

    def decide(self, photo_id: str, decision: str, version: int) -> int | None:
        """The new version, or None when the server was away or the photo moved on."""
        try:
            answer = self._signed_in().post(
                f"/api/moderation/photos/{photo_id}/decision",
                json={"decision": decision, "version": version},
            )
        except httpx.HTTPError:
            self.client = None
            return None
        if answer.status_code == 401:
            self.client = None
            return None
        return int(answer.json()["version"]) if answer.status_code == 200 else None

    def current(self) -> dict[str, tuple[str, int]]:
        """Every photo's status and version, asked again until the server answers."""
        deadline = time.monotonic() + 60
        while True:
            try:
                return self._current()
            except (httpx.HTTPError, KeyError, ValueError):
                self.client = None
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def _current(self) -> dict[str, tuple[str, int]]:
        versions: dict[str, tuple[str, int]] = {}
        for status in ("pending", "approved", "removed"):
            page = self._signed_in().get(
                "/api/moderation/queue", params={"status": status, "limit": 500}
            )
            for photo in page.json()["photos"]:
                versions[photo["id"]] = (photo["status"], photo["version"])
        return versions


def _upload(server: LiveServer, index: int) -> tuple[str, str]:
    colour = (30 + (index * 37) % 200, 60 + (index * 53) % 180, 90 + (index * 71) % 160)
    with httpx.Client(base_url=server.url, timeout=30) as visitor:
        answer = visitor.post(
            "/api/photos",
            files={"file": ("p.jpg", distinctive_jpeg(colour, seed=index), "image/jpeg")},
            data={"consent": "true"},
        )
    answer.raise_for_status()
    return str(answer.json()["id"]), str(answer.json()["receipt_token"])


def _came_on_after(server: LiveServer, photo_id: str, token: str, since: dt.datetime) -> bool:
    try:
        with httpx.Client(base_url=server.url, timeout=10) as visitor:
            status = visitor.get(f"/api/photos/{photo_id}", params={"token": token}).json()
    except (httpx.HTTPError, ValueError):
        return False
    shown = status.get("shown_at")
    return bool(shown) and dt.datetime.fromisoformat(shown) >= since - dt.timedelta(seconds=1)


def run(mode: str) -> dict[str, Any]:
    transitions_wanted, restarts_wanted = SIZES[mode]
    root = Path(tempfile.mkdtemp(prefix="soak-"))
    (root / "server").mkdir()
    server = LiveServer(root / "server").start()
    add_account(server, "mod", "moderator", PASSWORD)
    receipts = dict(_upload(server, index) for index in range(PHOTOS))
    photos = list(receipts)
    proxy = FlappingProxy(server.port)
    display = HeadlessDisplay(
        root / "display",
        server,
        frames=10**9,
        every=10**9,
        fps=20,
        playlist=("mosaic",),  # every photo on screen at once: each one's report comes soon
        server_url=f"http://127.0.0.1:{proxy.port}",
    ).start()
    assert display.process is not None
    watched = psutil.Process(display.process.pid)
    rss: list[tuple[float, int]] = []
    moderator = Moderator(server)
    versions = dict.fromkeys(photos, ("pending", 1))
    transitions = restarts = 0
    started = time.monotonic()
    last_flap = started
    restart_every = max(1, transitions_wanted // max(1, restarts_wanted))
    while transitions < transitions_wanted:
        photo_id = random.choice(photos)
        status, version = versions[photo_id]
        decision = {"pending": "approve", "approved": "remove", "removed": "approve"}[status]
        new_version = moderator.decide(photo_id, decision, version)
        if new_version is None:
            versions.update(moderator.current())
        else:
            versions[photo_id] = ("approved" if decision == "approve" else "removed", new_version)
            transitions += 1
            if transitions % restart_every == 0 and restarts < restarts_wanted:
                server.stop()
                server.start()
                restarts += 1
                moderator.client = None
        now = time.monotonic()
        if now - last_flap > FLAP_EVERY_S:
            proxy.flap()
            last_flap = now
        if not rss or now - rss[-1][0] >= 1.0:
            rss.append((now - started, watched.memory_info().rss))
    # The end of the night: everything on the wall, and a minute for the display to show it.
    # The end of the night, after the chaos: every photo taken off, then all approved at once;
    # each must come on screen after its approval (the receipt's `shown_at` is the display's
    # latest report of it, to the second).
    for photo_id, (status, version) in moderator.current().items():
        if status == "approved":
            moderator.decide(photo_id, "remove", version)
    approved_at: dict[str, dt.datetime] = {}
    for photo_id, (_, version) in moderator.current().items():
        if moderator.decide(photo_id, "approve", version) is not None:
            approved_at[photo_id] = dt.datetime.now(dt.UTC)
    approved = {pid for pid, (status, _) in moderator.current().items() if status == "approved"}
    unshown: set[str] = approved - set(approved_at)  # not even approved: counted unshown
    waiting = dict(approved_at)
    deadline = time.monotonic() + SHOWN_WITHIN_S
    while waiting and time.monotonic() < deadline:
        time.sleep(1.0)
        for photo_id, since in list(waiting.items()):
            if _came_on_after(server, photo_id, receipts[photo_id], since):
                del waiting[photo_id]
        rss.append((time.monotonic() - started, watched.memory_info().rss))
    unshown |= set(waiting)
    stats = display.finish()
    server.stop()
    # The first tenth is the display filling its cache and decoding every photo once: the
    # baseline is the second tenth, "the first hour" of a night once the wall is full.
    tenth = max(1, len(rss) // 10)
    first = sum(r for _, r in rss[tenth : 2 * tenth]) / len(rss[tenth : 2 * tenth] or [1])
    last = sum(r for _, r in rss[-tenth:]) / tenth
    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "mode": mode,
        "targets": TARGETS,
        "wall_s": round(time.monotonic() - started, 1),
        "transitions": transitions,
        "server_restarts": restarts,
        "proxy_connections_cut": proxy.cuts,
        "display_rss_warm_up_mb": round(sum(r for _, r in rss[:tenth]) / tenth / 2**20, 1),
        "display_rss_second_tenth_mb": round(first / 2**20, 1),
        "display_rss_last_tenth_mb": round(last / 2**20, 1),
        "display_rss_growth": round(last / first - 1, 3),
        "display_frames": stats.get("frames"),
        "display_frame_max_ms": stats.get("max_ms"),
        "display_frame_p99_ms": stats.get("p99_ms"),
        "stall_over_100ms": bool((stats.get("max_ms") or 0) > STALL_MS),
        "approved_at_the_end": len(approved),
        "unshown_approved": len(unshown),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    report = run("quick" if args.quick else "full")
    print(json.dumps(report), flush=True)
    return report


if __name__ == "__main__":
    socket.setdefaulttimeout(30)
    main()
