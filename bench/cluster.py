"""Cluster benchmark: many walls and processes on one PostgreSQL and one S3-compatible store.

    python bench/cluster.py            # full run: ~3 min on 2 cores
    python bench/cluster.py --quick    # smoke run: fewer decisions and uploads

Starts a throw-away PostgreSQL (Debian's binaries) and SeaweedFS (`weed mini`) on loopback,
real `wall serve` processes on them, and prints progress on stderr and ONE JSON object on
stdout's last line:

* cross-process event latency: 5 walls, each served by 2 processes; every decision is made
  through a wall's first process and timed to `photo.approved` on 4 display sockets of its
  second (20 sockets). Beside it, its floor measured in the same run: a bare
  insert + `pg_notify` in one transaction heard by a LISTEN on another connection, plus one
  WebSocket ping round trip on the same sockets.
* uploads/s of one wall with 1 and with 2 processes of one pipeline worker each (50 clients,
  browser-sized photos, spread over the processes), against the pipeline's own rate on one
  core and on two threads of this machine, measured in the same run on the same files.
* one process on PostgreSQL + S3 against the same process on SQLite + files.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import importlib.util
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
# Run as a script, Python puts bench/ first on the path, where bench/ingest.py would shadow
# the `ingest` package: the repository goes first instead.
sys.path[:] = [str(REPO)] + [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]

import asyncpg  # noqa: E402
import httpx  # noqa: E402
import numpy as np  # noqa: E402
import psutil  # noqa: E402
import websockets  # noqa: E402

from tests.helpers import seaweed  # noqa: E402
from tests.helpers.accounts import add_account  # noqa: E402
from tests.helpers.postgres import PostgresServer, _bindir  # noqa: E402
from tests.helpers.server import LiveServer  # noqa: E402


def _load_bench_ingest() -> Any:
    """bench/ingest.py's photos, multipart bodies and load generator (one recipe)."""
    spec = importlib.util.spec_from_file_location("bench_ingest", REPO / "bench" / "ingest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench_ingest = _load_bench_ingest()

OUT = REPO / "bench" / "out"
WALLS = 5
SOCKETS_PER_WALL = 4  # on the wall's second process: 20 in all
PASSWORD = "bench password 2026"
DECISIONS = {"full": 40, "quick": 8}  # per wall
UPLOADS = {"full": 200, "quick": 40}  # per upload run
CLIENTS = 50
NOTIFY_ROUNDS = {"full": 2000, "quick": 300}
PAUSE_BETWEEN_DECISIONS_S = 0.05  # five moderators deciding at once, each every ~50 ms
TARGETS = {
    "event_latency_p99_ms": 100.0,
    "uploads_2proc_vs_1proc": 1.8,
    "cluster_vs_embedded_1proc": 0.8,
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentiles(seconds: Sequence[float]) -> dict[str, float]:
    values = np.array(seconds) * 1000
    return {
        "count": len(values),
        "p50_ms": round(float(np.percentile(values, 50)), 2),
        "p99_ms": round(float(np.percentile(values, 99)), 2),
        "max_ms": round(float(values.max()), 2),
    }


def cluster_sections(dsn: str, s3: seaweed.SeaweedServer, wall_id: str, **extra: Any) -> dict:
    return {
        "wall": {"id": wall_id, "display_token": f"{wall_id}-display"},
        "storage": {
            "database": dsn,
            **s3.storage_section(f"bench-{wall_id}-{os.getpid()}"),
            "s3_access_key_id": s3.access_key,
            "s3_secret_access_key": s3.secret_key,
        },
        **extra,
    }


# ----------------------------------------------------------------------- event latency


async def notify_floor(dsn: str, rounds: int) -> list[float]:
    """Insert + pg_notify in one transaction on one connection, heard on another."""
    sender, listener = await asyncpg.connect(dsn), await asyncpg.connect(dsn)
    await sender.execute("CREATE TEMP TABLE bench_events (id int, at timestamptz)")
    heard: asyncio.Queue[float] = asyncio.Queue()
    await listener.add_listener("bench", lambda *_: heard.put_nowait(time.perf_counter()))
    times = []
    for index in range(rounds):
        started = time.perf_counter()
        async with sender.transaction():
            await sender.execute("INSERT INTO bench_events VALUES ($1, now())", index)
            await sender.execute("SELECT pg_notify('bench', $1)", str(index))
        times.append(await heard.get() - started)
    await sender.close()
    await listener.close()
    return times


class Arrivals:
    def __init__(self, socket: Any) -> None:
        self.socket = socket
        self.at: dict[str, float] = {}
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.socket:
            message = json.loads(raw)
            if message["type"] == "photo.approved":
                self.at.setdefault(message["photo"]["id"], time.perf_counter())


async def _decide_and_time(
    first: LiveServer,
    second: LiveServer,
    decisions: int,
    photos: list[bytes],
    ready: asyncio.Event,
    uploaded: asyncio.Semaphore,
) -> tuple[list[float], list[float], int]:
    ws = second.url.replace("http://", "ws://") + "/ws/display"
    auth = {"Authorization": f"Bearer {second.display_token}"}
    sockets = []
    for _ in range(SOCKETS_PER_WALL):
        socket = await websockets.connect(ws, additional_headers=auth, max_size=2**24)
        await socket.recv()  # the snapshot
        sockets.append(socket)
    pings = []
    for socket in sockets:
        for _ in range(5):
            started = time.perf_counter()
            await (await socket.ping())
            pings.append(time.perf_counter() - started)
    async with httpx.AsyncClient(base_url=first.url, timeout=30) as client:
        login = await client.post("/api/auth/login", json={"username": "mod", "password": PASSWORD})
        login.raise_for_status()
        headers = {"X-CSRF-Token": login.json()["csrf_token"]}
        # The photos first: the decisions are then timed alone, not behind the pipeline.
        waiting = []
        try:
            for index in range(decisions):
                data = bench_ingest._unique(photos[index % len(photos)], f"{first.port}-{index}")
                answer = await client.post(
                    "/api/photos",
                    files={"file": ("p.jpg", data, "image/jpeg")},
                    data={"consent": "true"},
                )
                answer.raise_for_status()
                waiting.append(answer.json()["id"])
        finally:
            uploaded.release()  # even on failure: the other walls must not wait for ever
        await ready.wait()  # every wall has uploaded: the machine is quiet again
        listeners = [Arrivals(socket) for socket in sockets]
        sent: dict[str, float] = {}
        for photo_id in waiting:
            sent[photo_id] = time.perf_counter()
            decided = await client.post(
                f"/api/moderation/photos/{photo_id}/decision",
                json={"decision": "approve", "version": 1},
                headers=headers,
            )
            decided.raise_for_status()
            await asyncio.sleep(PAUSE_BETWEEN_DECISIONS_S)  # a moderator's pace, not a flood
    await asyncio.sleep(1.0)
    latencies = [
        listener.at[pid] - at
        for pid, at in sent.items()
        for listener in listeners
        if pid in listener.at
    ]
    missing = len(sent) * len(listeners) - len(latencies)
    for socket in sockets:
        await socket.close()
    return latencies, pings, missing


def event_latency(pg: PostgresServer, s3: seaweed.SeaweedServer, mode: str) -> dict[str, Any]:
    dsn = pg.fresh_database()
    photos = _small_photos(6)
    root = Path(tempfile.mkdtemp(prefix="cluster-latency-", dir=OUT))
    servers: list[tuple[LiveServer, LiveServer]] = []
    try:
        for wall in range(WALLS):
            pair = []
            for process in range(2):
                folder = root / f"w{wall}p{process}"
                folder.mkdir(parents=True)
                server = LiveServer(
                    folder, **cluster_sections(dsn, s3, f"w{wall}", ingest={"workers": 1})
                )
                server.start()
                pair.append(server)
            add_account(pair[0], "mod", "moderator", PASSWORD)
            servers.append((pair[0], pair[1]))
        log(f"  {WALLS} walls × 2 processes up; deciding")
        floor = asyncio.run(notify_floor(dsn, NOTIFY_ROUNDS[mode]))

        async def all_walls() -> list[tuple[list[float], list[float], int]]:
            ready, done = asyncio.Event(), asyncio.Semaphore(0)
            walls = [
                asyncio.create_task(_decide_and_time(a, b, DECISIONS[mode], photos, ready, done))
                for a, b in servers
            ]
            for _ in servers:
                await done.acquire()
            await asyncio.sleep(2.0)  # the last photos through the pipeline
            ready.set()
            return list(await asyncio.gather(*walls))

        results = asyncio.run(all_walls())
        latencies = [x for lat, _, _ in results for x in lat]
        pings = [x for _, ping, _ in results for x in ping]
        return {
            "walls": WALLS,
            "processes": 2 * WALLS,
            "display_sockets": WALLS * SOCKETS_PER_WALL,
            "decision_to_other_process_socket": percentiles(latencies),
            "missing": sum(missing for _, _, missing in results),
            "floor_insert_notify_listen": percentiles(floor),
            "floor_websocket_ping_rtt": percentiles(pings),
        }
    finally:
        for pair in servers:
            for server in pair:
                server.stop()
        shutil.rmtree(root, ignore_errors=True)


def _small_photos(count: int) -> list[bytes]:
    """Browser-sized photos (what the visitor page sends), from bench/ingest's cache."""
    _, browser = bench_ingest.photos(count)
    return list(browser)


# ----------------------------------------------------------------------------- uploads


async def _spread_load(
    urls: list[str], bodies: list[tuple[bytes, str]], clients: int
) -> tuple[list[int], float]:
    """`clients` visitors, each on one process (round robin): like a balancer's spread."""
    queue: asyncio.Queue[tuple[bytes, str]] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    statuses: list[int] = []
    sessions = [
        httpx.AsyncClient(base_url=url, timeout=300, limits=httpx.Limits(max_connections=clients))
        for url in urls
    ]

    async def visitor(index: int) -> None:
        client = sessions[index % len(sessions)]
        while not queue.empty():
            content, content_type = queue.get_nowait()
            try:
                answer = await client.post(
                    "/api/photos", content=content, headers={"Content-Type": content_type}
                )
                statuses.append(answer.status_code)
            except httpx.HTTPError:
                statuses.append(0)

    started = time.perf_counter()
    await asyncio.gather(*(visitor(i) for i in range(clients)))
    wall = time.perf_counter() - started
    for session in sessions:
        await session.aclose()
    return statuses, wall


def upload_rate(label: str, sections_for: Any, processes: int, count: int) -> dict[str, Any]:
    photos = _small_photos(8)
    root = Path(tempfile.mkdtemp(prefix=f"cluster-{label}-", dir=OUT))
    servers = []
    try:
        for index in range(processes):
            folder = root / f"p{index}"
            folder.mkdir()
            server = LiveServer(folder, **sections_for(index))
            server.start()
            servers.append(server)
        urls = [server.url for server in servers]
        warm = [
            bench_ingest._multipart(bench_ingest._unique(photos[i % 8], f"{label}-w{i}"), i)
            for i in range(2 * processes)
        ]
        asyncio.run(_spread_load(urls, warm, 2 * processes))
        bodies = [
            bench_ingest._multipart(bench_ingest._unique(photos[i % 8], f"{label}-{i}"), i)
            for i in range(count)
        ]
        before = cpu_by_role(servers)
        statuses, wall = asyncio.run(_spread_load(urls, bodies, CLIENTS))
        after = cpu_by_role(servers)
        ok = statuses.count(201)
        return {
            "processes": processes,
            "workers_per_process": 1,
            "uploads": count,
            "uploads_per_s": round(ok / wall, 2),
            "failures": count - ok,
            "failure_statuses": sorted({s for s in statuses if s != 201}),
            "wall_s": round(wall, 2),
            # Where the two cores went during the load (CPU seconds per upload, by process).
            "cpu_ms_per_upload": {
                role: round((after[role] - before[role]) / max(ok, 1) * 1000, 1) for role in after
            },
        }
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(root, ignore_errors=True)


def cpu_by_role(servers: list[LiveServer]) -> dict[str, float]:
    """CPU seconds so far of the wall servers, PostgreSQL's processes and SeaweedFS."""
    pids = {server.process.pid for server in servers if server.process is not None}
    totals = {"wall_serve": 0.0, "postgres": 0.0, "seaweedfs": 0.0}
    for proc in psutil.process_iter(["pid", "name"]):
        role = (
            "wall_serve"
            if proc.info["pid"] in pids
            else "postgres"
            if proc.info["name"] in ("postgres", "postmaster")
            else "seaweedfs"
            if proc.info["name"] == "weed"
            else None
        )
        if role is None:
            continue
        try:
            times = proc.cpu_times()
        except psutil.Error:
            continue
        totals[role] += times.user + times.system
    return totals


def pipeline_floor(photos: list[bytes]) -> dict[str, float]:
    """The pipeline alone on these files, one core and two threads: what uploads cannot beat."""
    from ingest.faces import FaceDetector

    detector = FaceDetector()
    one = bench_ingest.single_core(photos, detector, 1)
    two = bench_ingest.parallel(photos, detector, 1, processes=False)
    return {
        "pipeline_photos_per_s_1core": round(one["pipeline_photos_per_s_1core"], 2),
        "pipeline_photos_per_s_2workers": round(two["pipeline_photos_per_s_2workers"], 2),
    }


def uploads(pg: PostgresServer, s3: seaweed.SeaweedServer, mode: str) -> dict[str, Any]:
    count = UPLOADS[mode]
    dsn_one, dsn_two = pg.fresh_database(), pg.fresh_database()
    one_worker = {"ingest": {"workers": 1, "queue_limit": 1000}}
    log("  one process on PostgreSQL + S3")
    cluster_1 = upload_rate(
        "pg1", lambda _i: cluster_sections(dsn_one, s3, "up1", **one_worker), 1, count
    )
    log("  two processes of one wall on PostgreSQL + S3")
    cluster_2 = upload_rate(
        "pg2", lambda _i: cluster_sections(dsn_two, s3, "up2", **one_worker), 2, count
    )
    log("  one process on SQLite + files")
    embedded_1 = upload_rate("sqlite1", lambda _i: dict(one_worker), 1, count)
    log("  the pipeline alone on the same photos")
    floor = pipeline_floor(_small_photos(8))
    return {
        "cluster_1proc": cluster_1,
        "cluster_2proc": cluster_2,
        "embedded_1proc": embedded_1,
        **floor,
        "uploads_2proc_vs_1proc": round(cluster_2["uploads_per_s"] / cluster_1["uploads_per_s"], 3),
        "pipeline_2workers_vs_1core": round(
            floor["pipeline_photos_per_s_2workers"] / floor["pipeline_photos_per_s_1core"], 3
        ),
        # What this machine's two cores give the pipeline itself: the ceiling of any scaling.
        "scaling_vs_machine_scaling": round(
            (cluster_2["uploads_per_s"] / cluster_1["uploads_per_s"])
            / (floor["pipeline_photos_per_s_2workers"] / floor["pipeline_photos_per_s_1core"]),
            3,
        ),
        "cluster_vs_embedded_1proc": round(
            cluster_1["uploads_per_s"] / embedded_1["uploads_per_s"], 3
        ),
        "cluster_1proc_vs_pipeline_1core": round(
            cluster_1["uploads_per_s"] / floor["pipeline_photos_per_s_1core"], 3
        ),
    }


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run")
    parser.add_argument(
        "--only", choices=("events", "uploads"), help="one half (while working on it)"
    )
    args = parser.parse_args(argv)
    mode = "quick" if args.quick else "full"
    logging.getLogger("httpx").setLevel(logging.WARNING)
    bench_ingest._quiet_wait_s = 5.0  # the servers are stopped by then; no minute-long wait
    OUT.mkdir(parents=True, exist_ok=True)
    bindir = _bindir()
    if bindir is None:
        raise SystemExit("PostgreSQL's server binaries are needed (apt install postgresql)")
    pg = PostgresServer(bindir)
    pg.start()
    s3 = seaweed.acquire()
    report: dict[str, Any] = {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "mode": mode,
        "machine": bench_ingest.machine(),
        "targets": TARGETS,
    }
    try:
        pg.prepare_template()
        if args.only != "uploads":
            log("event latency across processes")
            report["events"] = event_latency(pg, s3, mode)
        if args.only != "events":
            log("uploads")
            report["uploads"] = uploads(pg, s3, mode)
    finally:
        seaweed.release(s3)
        pg.stop()
    if args.only:
        print(json.dumps(report), flush=True)
        return report
    events, ups = report["events"], report["uploads"]
    report["verdict"] = {
        "event_latency_p99_ms": events["decision_to_other_process_socket"]["p99_ms"],
        "event_latency_ok": events["decision_to_other_process_socket"]["p99_ms"]
        < TARGETS["event_latency_p99_ms"],
        "uploads_2proc_vs_1proc": ups["uploads_2proc_vs_1proc"],
        "scaling_ok": ups["uploads_2proc_vs_1proc"] >= TARGETS["uploads_2proc_vs_1proc"],
        "cluster_vs_embedded_1proc": ups["cluster_vs_embedded_1proc"],
        "cluster_cost_ok": ups["cluster_vs_embedded_1proc"] >= TARGETS["cluster_vs_embedded_1proc"],
    }
    print(json.dumps(report), flush=True)
    return report


if __name__ == "__main__":
    main()
