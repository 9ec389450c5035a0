"""The display's resident memory per layout, with and without calibration: one fresh process
per configuration.

    python bench/render.py --memory        # the 8 configurations at 4K (~17 min)
    python bench/render_memory.py --quick  # 1080p, 15 s each: does it still run
    python bench/render_memory.py --layouts spotlight --budget-mb 256 --no-threshold
                                           # the former LRU budget and allocator, to compare

A process that ran other configurations before carries their objects, its allocator's free
lists and its layouts' caches: its resident size says little about one show. Here the parent
lays the 2,000 photos' renditions down once (as `bench/render.py` does) and starts, per
configuration, a child wired as `display.app` wires `wall display --headless` (the screen's
pixel layout handed to the decoders, the LRU's budget for the wall's size, the allocator's
fixed mmap threshold, OpenCV on one thread, the layouts created ahead, the warp's helper
thread), minus the network: the feed's commands come from a queue, 2,000 photos at once and
a fresh one every second. Configurations: each layout alone, and the default playlist (the
three in turn). The child samples its resident size every 0.2 s and, at its peak and at its
end, counts what holds memory: the library's LRU of Surfaces (`surface_bytes`), its queue of
finished pictures, what the layouts keep, the loop's frame Surfaces, the projection's stencils
and weights, and the C allocator's own figures (glibc `mallinfo2`: bytes in use, bytes freed
but kept). `peak_rss_mb` is the kernel's high-water mark. Prints progress on stderr and one
JSON object on stdout's last line.
"""

from __future__ import annotations

import argparse
import ctypes
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
# Run as a script, Python puts bench/ first on the path: the repository goes first instead.
sys.path[:] = [str(REPO)] + [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import psutil  # noqa: E402
import pygame  # noqa: E402

from bench.render import (  # noqa: E402
    ARRIVAL_EVERY_S,
    PHOTOS,
    Arrivals,
    Photos,
    Wall,
    keystone,
    masks,
)
from display.calibration import Calibration, OutputCalibration  # noqa: E402
from display.memory import return_large_buffers  # noqa: E402
from display.playlist import Playlist  # noqa: E402
from display.projection import WARP_THREADS, Geometry, Projection  # noqa: E402
from tests.helpers.layout_rig import Renditions  # noqa: E402
from wall.config import DisplaySection  # noqa: E402

LAYOUTS = ("mosaic", "spotlight", "photomosaic")
# The show as `[display]` has it by default: the three in turn, each kept by the playlist
# (the mosaic's tiles, the photomosaic's picture) while the others play. Turns of 30 s
# instead of 90: two rounds in the run.
PLAYLIST = "playlist"
PLAYLIST_TURN_S = 30.0
BOUND_MB = 600  # issue 4: the display process with 2,000 photos in rotation
# Long enough for the library's LRU to reach its budget (or stop growing): the mosaic's tiles
# filled the former 256 MB in ~150 s at 4K (a fresh photo a second takes a tile), the
# spotlight's photos (one per 2.5 s with arrivals) in ~40 s; the photomosaic's 48-px tiles
# never do.
RUN_S = {"mosaic": 180.0, "spotlight": 60.0, "photomosaic": 60.0, PLAYLIST: 180.0}
QUICK_RUN_S = 15.0
SAMPLE_EVERY_S = 0.2
CHILD_SETUP_S = 120.0  # beyond its run: imports, 2,000 photos announced, the report
UNTIL_STOPPED = 10**9  # frames: the run ends on a timer; a frame limit keeps every frame time
MB = 2**20


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- the parent --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="1080p, 15 s per configuration")
    parser.add_argument("--seconds", type=float, default=None, help="per configuration")
    parser.add_argument("--size", default=None, help="WIDTHxHEIGHT (default 3840x2160)")
    parser.add_argument("--layouts", default=",".join((*LAYOUTS, PLAYLIST)))
    parser.add_argument(
        "--budget-mb",
        type=float,
        default=None,
        help="the library's LRU budget instead of display.library.budget_for (a comparison)",
    )
    parser.add_argument(
        "--no-threshold",
        action="store_true",
        help="leave glibc's mmap threshold to drift, as before display.memory (a comparison)",
    )
    parser.add_argument("--child", type=json.loads, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        print(json.dumps(child(**args.child)))
        return 0
    size = args.size or ("1920x1080" if args.quick else "3840x2160")
    seconds = args.seconds or (QUICK_RUN_S if args.quick else None)
    results: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "cores": os.cpu_count(),
        "size": size,
        "photos": PHOTOS,
        "seconds_per_configuration": seconds or RUN_S,
        "mmap_threshold": "glibc default" if args.no_threshold else "display.memory",
        "bound_mb": BOUND_MB,
        "load_average_before": os.getloadavg()[0],
        "configurations": {},
    }
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as workdir:
        root = Path(workdir)
        manifest = lay_down(root / size, seconds or max(RUN_S.values()))
        for layout in args.layouts.split(","):
            for calibrated in (False, True):
                name = f"{layout}{' calibrated' if calibrated else ''}"
                log(f"{size} {name}: in a fresh process")
                spec = {
                    "root": str(root),
                    "manifest": manifest,
                    "size": size,
                    "layout": layout,
                    "calibrated": calibrated,
                    "seconds": seconds or RUN_S[layout],
                    "no_fix": args.no_threshold,
                    "budget_mb": args.budget_mb,
                }
                figures = run_child(spec)
                figures["under_bound"] = figures["peak_rss_mb"] < BOUND_MB
                results["configurations"][name] = figures
                log(f"  peak {figures['peak_rss_mb']} MB")
    results["load_average_after"] = os.getloadavg()[0]
    print(json.dumps(results))
    return 0


def lay_down(root: Path, seconds: float) -> dict[str, Any]:
    """The renditions, written once for every child (each announces the same arrivals: a
    fresh process has seen none of them); what the feed says of each distinct one."""
    arrivals = round(seconds / ARRIVAL_EVERY_S) + 10
    log(f"making {PHOTOS} photos and {arrivals} arrivals")
    photos = Photos(root, PHOTOS + arrivals)
    return {"distinct": [[r.width, r.height, list(r.mean_lab)] for r in photos.distinct]}


def run_child(spec: dict[str, Any]) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", json.dumps(spec)]
    limit = spec["seconds"] + CHILD_SETUP_S
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, timeout=limit, check=True)
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


# -- one configuration, in its own process -----------------------------------------------


class Announced(Photos):
    """The photos the parent laid down, announced without making them again."""

    def __init__(self, manifest: dict[str, Any]) -> None:
        # not Photos.__init__: that one writes the files, which the parent did
        self.distinct = [
            Renditions({}, width, height, tuple(lab)) for width, height, lab in manifest["distinct"]
        ]


class Sampler(threading.Thread):
    """Resident size every SAMPLE_EVERY_S; at a new peak, what holds memory (cheap: a walk
    over a few objects, no copy)."""

    def __init__(self, count: Any) -> None:
        super().__init__(daemon=True)
        self._count = count
        self._process = psutil.Process()
        self._done = threading.Event()
        self.peak_mb = 0.0
        self.peak_at_s = 0.0
        self.at_peak: dict[str, Any] = {}
        self.samples: list[float] = []
        self._start = time.monotonic()

    def run(self) -> None:
        while not self._done.wait(SAMPLE_EVERY_S):
            rss = self._process.memory_info().rss / MB
            self.samples.append(rss)
            if rss > self.peak_mb:
                self.peak_mb, self.peak_at_s = rss, time.monotonic() - self._start
                try:
                    self.at_peak = self._count()
                except RuntimeError:  # a dict changed size under the walk: next sample
                    pass

    def stop(self) -> None:
        self._done.set()
        self.join()


def child(
    root: str,
    manifest: dict[str, Any],
    size: str,
    layout: str,
    calibrated: bool,
    seconds: float,
    no_fix: bool,
    budget_mb: float | None,
) -> dict[str, Any]:
    width, height = (int(n) for n in size.split("x"))
    wall_size = (width, height)
    if not no_fix:
        return_large_buffers()  # as display.app
    cv2.setNumThreads(1)  # as display.app: the decoders run in parallel already
    photos = Announced(manifest)
    wall = Wall(Path(root) / size, wall_size, screen_masks=True)
    if budget_mb is not None:
        wall.library._budget = round(budget_mb * MB)  # before any picture comes in
    projection = None
    if calibrated:
        calibration = Calibration(
            (OutputCalibration(wall_size, keystone(wall_size), masks(wall_size)),)
        )
        projection = Projection(Geometry(wall_size), calibration, WARP_THREADS)
    names, turn = (list(LAYOUTS), PLAYLIST_TURN_S) if layout == PLAYLIST else ([layout], 3600.0)
    settings = DisplaySection(size=size, playlist=names, layout_seconds=turn)
    playlist = Playlist(names, settings, turn)
    playlist.preload(time.monotonic())
    for number in range(PHOTOS):
        wall.commands.put(photos.ready(number, fresh=False))
    runner = wall.runner(playlist, UNTIL_STOPPED, projection)
    stored = count_pictures(wall.library)
    before = psutil.Process().memory_info().rss / MB
    sampler = Sampler(lambda: holders(wall, runner, playlist, projection))
    arrivals = Arrivals(wall, photos, PHOTOS)
    stopper = threading.Timer(seconds, runner.stop)
    sampler.start()
    arrivals.start()
    stopper.start()
    try:
        stats = runner.run().report()
    finally:
        stopper.cancel()
        arrivals.stop()
        sampler.stop()
    at_end = holders(wall, runner, playlist, projection)
    result = {
        "peak_rss_mb": round(_high_water_mb(), 1),
        "sampled_peak_rss_mb": round(sampler.peak_mb, 1),
        "peak_at_s": round(sampler.peak_at_s, 1),
        "rss_before_run_mb": round(before, 1),
        "surface_budget_mb": round(wall.library._budget / MB, 1),
        "rss_last_10_s_median_mb": round(float(np.median(sampler.samples[-50:])), 1),
        "frames": stats["frames"],
        "p99_ms": stats["p99_ms"],
        "late_frames": stats["late_frames"],
        "photos_in_rotation": len(wall.rotation.photos()),
        "pictures_decoded": sum(stored.values()),
        # taken in again after the LRU let them go: what a smaller budget would cost
        "pictures_decoded_again": sum(n - 1 for n in stored.values()),
        "at_peak": sampler.at_peak,
        "at_end": at_end,
    }
    if projection is not None:
        projection.close()
    wall.close()
    return result


def count_pictures(library: Any) -> Counter[Any]:
    """How many times each picture (photo, size, fit) enters the LRU."""
    stored: Counter[Any] = Counter()
    store = library._store

    def counting(key: Any, surface: pygame.Surface) -> None:
        stored[key] += 1
        store(key, surface)

    library._store = counting
    return stored


def holders(
    wall: Wall, runner: Any, playlist: Playlist, projection: Projection | None
) -> dict[str, Any]:
    """MB held by each owner of pixels; a Surface shared by two owners counts for the first."""
    seen: dict[int, Any] = {}  # what was counted, kept alive so that no id is reused
    library = wall.library
    # the library's private parts: a bench's look inside, read-only
    queued = [item[2] for item in list(library._results.queue)]
    figures = {
        "library_surface_bytes_mb": round(library.surface_bytes / MB, 1),
        "library_surfaces": len(library._surfaces),
        "library_lru_mb": _mb(list(library._surfaces.values()), seen),
        "library_queue_mb": _mb(queued, seen),
        "frame_surfaces_mb": _mb(
            [runner.screen, runner.canvas, runner._frame, runner._projected, runner._idle], seen
        ),
        "layouts_own_mb": _mb(list(playlist._layouts.values()), seen),
        "projection_mb": _mb([vars(o) for o in projection.outputs] if projection else [], seen),
    }
    figures.update(_malloc())
    return figures


def _mb(things: list[Any], seen: dict[int, Any]) -> float:
    return round(_bytes(things, seen, depth=4) / MB, 1)


def _bytes(thing: Any, seen: dict[int, Any], depth: int) -> int:
    """Pixels reachable from `thing` (Surfaces, numpy arrays) through containers and the
    attributes of plain objects, each counted once."""
    if depth < 0 or id(thing) in seen:
        return 0
    if isinstance(thing, pygame.Surface):
        seen[id(thing)] = thing
        return thing.get_width() * thing.get_height() * thing.get_bytesize()
    if isinstance(thing, np.ndarray):
        seen[id(thing)] = thing
        return thing.nbytes if thing.base is None else 0
    if isinstance(thing, dict):
        items: list[Any] = list(thing.values())
    elif isinstance(thing, list | tuple | set | frozenset):
        items = list(thing)
    elif hasattr(thing, "__dict__") and not isinstance(thing, type):
        items = list(vars(thing).values())
    else:
        return 0
    seen[id(thing)] = thing
    return sum(_bytes(item, seen, depth - 1) for item in items)


def _high_water_mb() -> float:
    """The kernel's peak resident size of this process's memory (VmHWM). Not `ru_maxrss`:
    Linux carries that over `exec` from the parent that started the child."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def _malloc() -> dict[str, float]:
    """glibc's own account over all arenas: what is allocated, and what is free but kept
    (fragmentation the process's resident size includes). Empty off glibc."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = _MallInfo2
    except (OSError, AttributeError):
        return {}
    info = libc.mallinfo2()
    return {
        "malloc_in_use_mb": round((info.uordblks + info.hblkhd) / MB, 1),
        "malloc_mmapped_mb": round(info.hblkhd / MB, 1),
        "malloc_free_kept_mb": round(info.fordblks / MB, 1),
    }


if __name__ == "__main__":
    sys.exit(main())
