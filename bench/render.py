"""Render benchmark: the mosaic and photomosaic layouts against a bare full-frame copy.

    python bench/render.py            # 600 measured frames per layout and size (~2 min)
    python bench/render.py --quick    # smoke run: 120 frames, 1080p only
    python bench/render.py --warp-only  # the projection pass alone, both sizes (~20 s)
    python bench/render.py --memory     # resident memory at 4K, a fresh process per
                                        # layout (bench/render_memory.py, ~17 min)
    python bench/render.py --display    # `wall display --headless --frames 600 --size
                                        # 3840x2160`, keystone + masks, spotlight (~1 min)

Prints progress on stderr and ONE JSON object on stdout's last line. For each wall size
(1920×1080, 3840×2160) it measures, in the same run:

* the floor: one bare full-frame copy (numpy `copyto` of a frame-sized array) and one
  full-frame Surface blit;
* each layout driven by the real render loop (`display.runner.Runner` with the real
  `PhotoLibrary`, `FairRotation`, playlist and call-to-action band) on the SDL dummy driver
  at 60 fps, with 2,000 photos in rotation and a new photo approved every second (posted by
  a feeder thread, as the feed posts them): the loop's own frame-time percentiles and late
  frames over 600 frames. The layout's first seconds (every tile being decoded, the
  photomosaic's base picture built) run first and are reported apart as `start`;
* the photomosaic's placement of a newly arrived photo (p99 over the run's placements), one
  frame's batch of cell assignments against 2,000 photos on the wall's full grid (p99,
  `matcher_placement_p99_ms`), and the process's resident memory;
* the calibration's projection pass (`display.projection`) on a full frame, beside the floor:
  keystone corners, corners with two masks, two outputs of this size with their overlap
  blended, the brightness cap alone, and a changed ninth of the frame warped; then the mosaic
  and spotlight layouts in the loop with the keystone corners set (`calibrated`);
* the same cases on the GPU path (`display.gpu_warp`: the unwarped content texture drawn as a
  mesh of triangles, `gpu_warp`), plus a steep keystone (`corners_steep`: the mesh grows
  with the keystone, the CPU warp does not): per frame, the draw calls the render thread
  queues and the whole present. This machine has no GPU: the renderer is SDL's software
  one, so the present figures are CPU rasterisation, NOT what a GPU takes; only the queueing
  cost carries over.

Each loop run is printed beside issue 13's limits, measured in the same run (`limits`): at most
1 % late frames and a frame-time p99 within the budget of the rate the loop declared (16.7 ms
at 60 fps; a loop that halved its rate, `display.pacing`, is judged at its 33.3 ms).

The renditions are derived from wall/samples (8 photos × 8 colour casts), written once and
hard-linked under 2,000 ids, as the display's cache would hold them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import queue
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
# Run as a script, Python puts bench/ first on the path: the repository goes first instead.
sys.path[:] = [str(REPO)] + [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import psutil  # noqa: E402
import pygame  # noqa: E402
from pygame._sdl2 import video  # noqa: E402

from display.cache import RenditionCache  # noqa: E402
from display.calibration import Calibration, OutputCalibration, full_frame  # noqa: E402
from display.commands import Command, PhotoReady  # noqa: E402
from display.contracts import Layout  # noqa: E402
from display.gpu import GpuPresenter, open_gpu  # noqa: E402
from display.gpu_warp import PAD, GpuWarp  # noqa: E402
from display.layouts.matching import CellAssigner  # noqa: E402
from display.layouts.photomosaic import ASSIGN_PER_FRAME  # noqa: E402
from display.layouts.target import cell_colours, grid_for, load_target, to_lab  # noqa: E402
from display.library import PhotoLibrary, budget_for  # noqa: E402
from display.overlays import CallToAction, CornerBand, idle_screen  # noqa: E402
from display.playlist import Playlist, import_layout  # noqa: E402
from display.projection import WARP_THREADS, Geometry, Projection  # noqa: E402
from display.rotation import FairRotation  # noqa: E402
from display.runner import Runner  # noqa: E402
from tests.helpers.layout_rig import (  # noqa: E402
    Renditions,
    cache_root,
    make_renditions,
    sample_pixels,
    wall_photo,
)
from wall.config import DisplaySection  # noqa: E402

SIZES = ((1920, 1080), (3840, 2160))
FPS = 60
PHOTOS = 2000
VARIANTS_PER_SAMPLE = 8
WARMUP_S = 5.0  # a layout's start: every tile decoded once; reported apart
ARRIVAL_EVERY_S = 1.0
FILLS = 5  # the photomosaic's full grid filled this many times for the assignment figure
TARGET_RATIO = {(1920, 1080): 10.0, (3840, 2160): 7.0}  # issue 4: p99 ≤ ratio × bare copy
LATE_SHARE_LIMIT = 0.01  # issue 13: at most 1 % late frames, p99 within the declared budget
COPY_REPEATS = 60
BLEND_SHARE = 0.1  # two projectors overlapping by a tenth of a width: a usual blend zone
GPU_REPEATS = 15  # SDL's software renderer takes ~0.1 s for a 4K mesh: fewer frames suffice
GPU_RENDERER_NOTE = (
    "SDL software renderer (no GPU on this machine): present_ms is CPU rasterisation, not a "
    "GPU's figure, which must be measured on one; queue_ms (the draw calls the render thread "
    "issues) is the part that carries over"
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def median_ms(action: Callable[[], object], repeats: int = COPY_REPEATS) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times) * 1000, 3)


def floor_costs(size: tuple[int, int], screen: pygame.Surface) -> dict[str, float]:
    """The cost of moving one frame's pixels once: no CPU composition can beat it."""
    width, height = size
    source = np.ones((height, width, 4), np.uint8)
    target = np.empty_like(source)
    frame = pygame.Surface(size).convert()
    return {
        "bare_copy_ms": median_ms(lambda: np.copyto(target, source)),
        "full_blit_ms": median_ms(lambda: screen.blit(frame, (0, 0))),
    }


class Photos:
    """2,000 photos' renditions in the cache: 64 distinct ones, hard-linked under many ids.

    The files are laid down before the rig starts, so the cache indexes them as it indexes
    its folder at start; arrivals are pre-linked too and only announced during the run."""

    def __init__(self, root: Path, count: int) -> None:
        rng = np.random.default_rng(7)
        self.distinct: list[Renditions] = []
        for pixels in sample_pixels().values():
            for variant in range(VARIANTS_PER_SAMPLE):
                cast = rng.integers(-70, 70, 3) if variant else np.zeros(3, int)
                shifted = np.clip(pixels.astype(np.int16) + cast, 0, 255).astype(np.uint8)
                self.distinct.append(make_renditions(shifted))
        folder = cache_root(root)
        for kind in self.distinct[0].files:
            (folder / kind).mkdir(parents=True)
            for number, renditions in enumerate(self.distinct):
                (folder / kind / f"distinct{number}.jpg").write_bytes(renditions.files[kind])
            for number in range(count):
                os.link(
                    folder / kind / f"distinct{number % len(self.distinct)}.jpg",
                    folder / kind / f"{self.photo_id(number)}.jpg",
                )

    @staticmethod
    def photo_id(number: int) -> str:
        return f"photo{number:05d}"

    def ready(self, number: int, *, fresh: bool) -> PhotoReady:
        """The command the feed posts once the photo's renditions are cached."""
        renditions = self.distinct[number % len(self.distinct)]
        return PhotoReady(wall_photo(self.photo_id(number), renditions), fresh)


class Wall:
    """What `display.app` wires for one wall size, minus the network: a loop fed by a queue."""

    def __init__(self, root: Path, size: tuple[int, int], *, screen_masks: bool = False) -> None:
        """`screen_masks`: the decoders build Surfaces in the screen's layout, as `display.app`
        has them do (else the loop converts each picture itself, as it does without a screen)."""
        os.environ["SDL_VIDEODRIVER"] = "dummy"
        os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
        pygame.display.init()
        pygame.font.init()
        self.size = size
        self.screen = pygame.display.set_mode(size)
        self.library = PhotoLibrary(
            RenditionCache(cache_root(root), 1 << 40),
            _no_refetch,
            budget_bytes=budget_for(size),
            screen_masks=self.screen.get_masks() if screen_masks else None,
        )
        self.rotation = FairRotation(10.0, DisplaySection().contributor_share, time.monotonic)
        self.commands: queue.SimpleQueue[Command] = queue.SimpleQueue()
        cta = CallToAction(
            wall_name="Bench",
            hashtag="#bench",
            text_fr=DisplaySection().cta_fr,
            text_en=DisplaySection().cta_en,
            qr_target="https://example.org/wall",
        )
        self.band = CornerBand(cta, size)
        self.idle = idle_screen(cta, size).convert()
        self.library.start()

    def runner(
        self, playlist: Playlist, frames: int, projection: Projection | None = None
    ) -> Runner:
        return Runner(
            screen=self.screen,
            canvas_size=self.size,
            fps=FPS,
            vsync=False,
            playlist=playlist,
            library=self.library,
            rotation=self.rotation,
            band=self.band,
            idle=self.idle,
            commands=self.commands,
            max_frames=frames,
            projection=projection,
        )

    def close(self) -> None:
        self.library.stop()
        pygame.quit()


def _no_refetch(_photo_id: str, _kind: str) -> None:
    """Every rendition is on disk: nothing to fetch again."""


class Arrivals(threading.Thread):
    """Posts a fresh photo every second, from its own thread, as the feed does."""

    def __init__(self, wall: Wall, photos: Photos, first: int) -> None:
        super().__init__(daemon=True)
        self._wall, self._photos, self._next = wall, photos, first
        self._done = threading.Event()
        self.posted = 0

    def run(self) -> None:
        while not self._done.wait(ARRIVAL_EVERY_S):
            self._wall.commands.put(self._photos.ready(self._next + self.posted, fresh=True))
            self.posted += 1

    def stop(self) -> None:
        self._done.set()
        self.join()


def timing_placements(
    placements: list[tuple[float, float]],
) -> Callable[[str, DisplaySection], Layout]:
    """The playlist's loader, with the photomosaic's placement of each photo timed."""

    def load(name: str, settings: DisplaySection) -> Layout:
        layout = import_layout(name, settings)
        place = getattr(layout, "_place", None)
        if place is None:
            return layout

        def timed(*args: Any, **kwargs: Any) -> Any:
            start, cpu = time.perf_counter(), time.thread_time()
            try:
                return place(*args, **kwargs)
            finally:
                placements.append((time.perf_counter() - start, time.thread_time() - cpu))

        layout._place = timed  # type: ignore[attr-defined]
        return layout

    return load


def run_layout(
    wall: Wall,
    photos: Photos,
    name: str,
    frames: int,
    first: int,
    projection: Projection | None = None,
) -> dict[str, Any]:
    """The start (the first WARMUP_S), then `frames` measured frames, arrivals throughout."""
    placements: list[tuple[float, float]] = []  # wall-clock and the loop thread's CPU time
    size = f"{wall.size[0]}x{wall.size[1]}"
    settings = DisplaySection(size=size, playlist=[name], layout_seconds=3600)
    playlist = Playlist([name], settings, 3600, loader=timing_placements(placements))
    arrivals = Arrivals(wall, photos, first)
    arrivals.start()
    try:
        start = wall.runner(playlist, round(WARMUP_S * FPS), projection).run().report()
        # A second loop over the same playlist: the layout starts again (one full repaint,
        # as when the playlist comes back to it) and the measured frames follow.
        runner = wall.runner(playlist, frames, projection)
        result: dict[str, Any] = runner.run().report()
    finally:
        arrivals.stop()
    result.update(runner.pacing.report())
    result["limits"] = limits(result)
    result["start"] = start
    result["arrivals"] = arrivals.posted
    if placements:
        wall_s, cpu_s = np.asarray(placements).T
        result["placement_p99_ms"] = round(float(np.percentile(wall_s, 99)) * 1000, 3)
        result["placement_cpu_p99_ms"] = round(float(np.percentile(cpu_s, 99)) * 1000, 3)
        result["placements"] = len(placements)
    return result


def limits(report: dict[str, Any]) -> dict[str, Any]:
    """Issue 13's figures beside their limits: late frames and p99 at the declared rate."""
    budget_ms = float(report.get("budget_ms", 1000 / FPS))
    late_limit = int(report["frames"] * LATE_SHARE_LIMIT)
    return {
        "late_frames": report["late_frames"],
        "late_limit": late_limit,
        "p99_ms": report["p99_ms"],
        "p99_limit_ms": round(budget_ms, 1),
        "fps_declared": report.get("fps_declared", FPS),
        "met": report["late_frames"] <= late_limit and report["p99_ms"] <= budget_ms,
    }


def keystone(size: tuple[int, int]) -> tuple[tuple[float, float], ...]:
    """Corners a projector set off-axis needs: each pulled in by 2-4 % of the frame."""
    width, height = size
    shares = ((0.03, 0.02), (0.97, 0.035), (0.98, 0.97), (0.02, 0.985))
    return tuple((width * x, height * y) for x, y in shares)


def steep_keystone(size: tuple[int, int]) -> tuple[tuple[float, float], ...]:
    """A ceiling mount tilted down: the top of the picture 30 % narrower than the bottom."""
    width, height = size
    shares = ((0.15, 0.0), (0.85, 0.05), (1.0, 1.0), (0.0, 0.95))
    return tuple((width * x, height * y) for x, y in shares)


def masks(size: tuple[int, int]) -> tuple[tuple[tuple[float, float], ...], ...]:
    """A door (tall, at the bottom left) and a window (upper right): ~4 % of the frame each."""
    width, height = size
    door = ((0.10, 0.55), (0.18, 0.55), (0.18, 1.0), (0.10, 1.0))
    window = ((0.70, 0.15), (0.82, 0.14), (0.83, 0.40), (0.71, 0.41))
    return tuple(tuple((width * x, height * y) for x, y in shape) for shape in (door, window))


def projection_cases(size: tuple[int, int], threads: int) -> dict[str, Projection]:
    corners = keystone(size)
    one = Geometry(size)
    two = Geometry(size, outputs=2, blend_px=round(size[0] * BLEND_SHARE))
    return {
        "corners": Projection(one, Calibration((OutputCalibration(size, corners),)), threads),
        "corners_masks": Projection(
            one, Calibration((OutputCalibration(size, corners, masks(size)),)), threads
        ),
        "blend_2_outputs": Projection(
            two, Calibration((OutputCalibration(size, corners),) * 2), threads
        ),
        "brightness_only": Projection(
            Geometry(size, brightness=0.6),
            Calibration((OutputCalibration(size, full_frame(size)),)),
            threads,
        ),
    }


def warp_costs(size: tuple[int, int], screen: pygame.Surface) -> dict[str, Any]:
    """The projection pass per frame, OpenCV on one thread as in `wall display`: on the render
    thread alone, and with the helper thread the show uses (`_2_threads`). Full frames (a
    layout's start, the spotlight's motion) and a changed ninth (a mosaic tile)."""
    previous = cv2.getNumThreads()
    cv2.setNumThreads(1)
    picture = next(iter(sample_pixels().values()))
    result: dict[str, Any] = {}
    try:
        for threads in (1, 2):
            suffix = "_ms" if threads == 1 else "_2_threads_ms"
            for name, projection in projection_cases(size, threads).items():
                content = projection.geometry.content_size
                frame = pygame.Surface(content, 0, screen)
                pixels = cv2.resize(picture, content, interpolation=cv2.INTER_AREA)
                pygame.surfarray.blit_array(frame, pixels.swapaxes(0, 1))
                target = pygame.Surface(projection.window_size, 0, screen)
                result[name + suffix] = median_ms(
                    lambda p=projection, f=frame, t=target: p.apply(f, t, None)
                )
                if name == "corners":
                    w, h = content[0] // 3, content[1] // 3
                    ninth = [pygame.Rect(w, h, w, h)]
                    result["corners_changed_ninth" + suffix] = median_ms(
                        lambda p=projection, f=frame, t=target, n=ninth: p.apply(f, t, n)
                    )
                projection.close()
        return result
    finally:
        cv2.setNumThreads(previous)


def gpu_warp_costs(size: tuple[int, int]) -> dict[str, Any]:
    """The GPU path's projection pass per frame, for the same cases as `warp_costs`.

    On a GPU: the mesh and the render thread's cost of queueing its draw calls (`queue_ms`;
    the calls a hardware renderer gets, timed on the software one, which only batches them).
    On SDL's software renderer (`software`): its own mesh (smaller triangles, two calls a cell),
    and the whole present, the mesh rasterised by the CPU (`frame_ms`: nothing uploaded;
    `changed_ninth_ms`: a ninth of the content uploaded)."""
    picture = next(iter(sample_pixels().values()))
    result: dict[str, Any] = {"renderer": GPU_RENDERER_NOTE}
    steep = Calibration((OutputCalibration(size, steep_keystone(size)),))
    cases = {**projection_cases(size, 1), "corners_steep": Projection(Geometry(size), steep)}
    for name, projection in cases.items():
        result[name] = _hardware_calls(projection)
        presenter = _gpu_presenter(projection.window_size, projection)
        content = projection.geometry.content_size
        pixels = cv2.resize(picture, content, interpolation=cv2.INTER_AREA)
        pygame.surfarray.blit_array(presenter.canvas, pixels.swapaxes(0, 1))
        presenter.present(None)
        warp = presenter.warp
        assert warp is not None
        w, h = content[0] // 3, content[1] // 3
        ninth = [pygame.Rect(w, h, w, h)]
        result[name]["software"] = {
            "mesh_cells": sum(mesh.cells for mesh in warp.meshes if mesh is not None),
            "draw_calls": warp.draw_calls,
            "queue_ms": _queue_ms(warp.draw, presenter.present),
            "frame_ms": median_ms(lambda p=presenter: p.present([]), GPU_REPEATS),
            "changed_ninth_ms": median_ms(lambda p=presenter, n=ninth: p.present(n), GPU_REPEATS),
        }
        projection.close()
        del presenter, warp
        gc.collect()  # the window, renderer and textures before the next case's
    plain = _gpu_presenter(size, None)
    result["no_projection_frame_ms"] = median_ms(lambda p=plain: p.present([]), GPU_REPEATS)
    del plain
    gc.collect()
    return result


def _gpu_presenter(window: tuple[int, int], projection: Projection | None) -> GpuPresenter:
    return open_gpu(
        window,
        1,
        fullscreen=False,
        vsync=False,
        hardware_only=False,
        read_back=False,
        projection=projection,
    )


def _hardware_calls(projection: Projection) -> dict[str, Any]:
    """The mesh and draw calls `display.gpu_warp` gives a hardware renderer, queued on the
    software one (which batches them: the rasterising, at the untimed present, is not a
    GPU's and is left out)."""
    window = video.Window("bench", size=projection.window_size)
    renderer = video.Renderer(window, accelerated=0)
    content = projection.geometry.content_size
    texture = video.Texture(renderer, (content[0] + PAD, content[1] + PAD), streaming=True)
    place = pygame.Rect((0, 0), projection.window_size)
    warp = GpuWarp(
        renderer, texture, projection.geometry, projection.calibration, place, software=False
    )
    figures = {
        "mesh_cells": sum(mesh.cells for mesh in warp.meshes if mesh is not None),
        "draw_calls": warp.draw_calls,
        "queue_ms": _queue_ms(warp.draw, lambda _changed, r=renderer: r.present()),
    }
    del warp, texture, renderer
    window.destroy()
    gc.collect()
    return figures


def _queue_ms(draw: Callable[[], None], present: Callable[[list[pygame.Rect]], None]) -> float:
    """The draw calls alone: SDL batches them and rasterises at the present (not timed)."""
    times = []
    for _ in range(GPU_REPEATS):
        start = time.perf_counter()
        draw()
        times.append(time.perf_counter() - start)
        present([])  # flushes the batch
    return round(statistics.median(times) * 1000, 3)


def run_calibrated(
    wall: Wall, photos: Photos, name: str, frames: int, first: int
) -> dict[str, Any]:
    """A layout in the loop with the keystone corners and masks set, as `wall display` runs it
    (OpenCV on one thread, the warp's helper thread): the warp of what changed, each frame."""
    size = wall.size
    calibration = Calibration((OutputCalibration(size, keystone(size), masks(size)),))
    projection = Projection(Geometry(size), calibration, WARP_THREADS)
    previous = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        return run_layout(wall, photos, name, frames, first, projection)
    finally:
        cv2.setNumThreads(previous)
        projection.close()


def matcher_placement(size: tuple[int, int], labs: list[tuple[float, float, float]]) -> float:
    """p99 of one frame's batch of cell assignments (every cell's distance to the 2,000
    photos, the closest kept apart from their neighbours), filling the wall's full grid."""
    grid = grid_for(*size)
    colours = cell_colours(load_target(""), grid).reshape(-1, 3)
    times = []
    for _fill in range(FILLS):  # a fill is 144 batches at 1080p: too few for a stable p99
        assigner = CellAssigner(to_lab(colours), grid.cols)
        for number in range(PHOTOS):
            assigner.add(number, labs[number % len(labs)])
        for first in range(0, grid.count, ASSIGN_PER_FRAME):
            start = time.perf_counter()
            assigner.assign(np.arange(first, min(first + ASSIGN_PER_FRAME, grid.count)))
            times.append(time.perf_counter() - start)
    return round(float(np.percentile(times, 99)) * 1000, 3)


def bench_size(
    size: tuple[int, int],
    frames: int,
    workdir: Path,
    warp_only: bool = False,
    count: int = PHOTOS,
) -> dict[str, Any]:
    """`count`: photos in rotation (2,000, or a small wall's 48)."""
    root = workdir / f"{size[0]}x{size[1]}"
    if warp_only:
        wall = Wall(root, size)
        try:
            log(f"{size}: projection pass")
            result = {**floor_costs(size, wall.screen), "warp": warp_costs(size, wall.screen)}
            log(f"{size}: projection pass on the GPU path (SDL software renderer)")
            result["gpu_warp"] = gpu_warp_costs(size)
            return result
        finally:
            wall.close()
    plain = ("mosaic", "photomosaic", "spotlight")
    runs = (*plain, "calibrated mosaic", "calibrated spotlight")
    arrivals = round((WARMUP_S + frames / FPS) / ARRIVAL_EVERY_S) + 10
    log(f"{size}: making {count} photos and {len(runs) * arrivals} arrivals")
    photos = Photos(root, count + len(runs) * arrivals)
    wall = Wall(root, size)
    try:
        for number in range(count):
            wall.commands.put(photos.ready(number, fresh=False))
        result: dict[str, Any] = floor_costs(size, wall.screen)
        log(f"{size}: projection pass")
        result["warp"] = warp_costs(size, wall.screen)
        log(f"{size}: projection pass on the GPU path (SDL software renderer)")
        result["gpu_warp"] = gpu_warp_costs(size)
        result["grid_cells"] = grid_for(*size).count
        labs = [renditions.mean_lab for renditions in photos.distinct]
        result["matcher_placement_p99_ms"] = matcher_placement(size, labs)
        for offset, name in enumerate(plain):
            log(f"{size}: {name}, {frames} frames")
            figures = run_layout(wall, photos, name, frames, count + offset * arrivals)
            figures["p99_over_bare_copy"] = round(figures["p99_ms"] / result["bare_copy_ms"], 2)
            result[name] = figures
        result["rss_mb"] = round(psutil.Process().memory_info().rss / 2**20, 1)
        result["photos_in_rotation"] = len(wall.rotation.photos())
        result["library_surface_mb"] = round(wall.library.surface_bytes / 2**20, 1)
        result["calibrated"] = {}
        for offset, name in enumerate(("mosaic", "spotlight"), len(plain)):
            log(f"{size}: {name} with corners and masks, {frames} frames")
            figures = run_calibrated(wall, photos, name, frames, count + offset * arrivals)
            figures["p99_over_bare_copy"] = round(figures["p99_ms"] / result["bare_copy_ms"], 2)
            result["calibrated"][name] = figures
        # the spotlight keeps whole display-size photos: measured apart from the figure above
        result["calibrated"]["rss_mb"] = round(psutil.Process().memory_info().rss / 2**20, 1)
        return result
    finally:
        wall.close()


def verdict(results: dict[str, Any]) -> dict[str, bool]:
    checks = {}
    for size, ratio in TARGET_RATIO.items():
        key = f"{size[0]}x{size[1]}"
        if key not in results:
            continue
        for name in ("mosaic", "photomosaic"):
            figures = results[key][name]
            ok = figures["p99_over_bare_copy"] <= ratio
            if size == (1920, 1080):
                ok = ok and figures["late_frames"] == 0
            checks[f"{key} {name}"] = ok
        # The cost of a placement is the loop thread's CPU time; its wall-clock time also
        # counts the moments the OS gave the core to a decoder (reported beside it).
        checks[f"{key} placement under 2 ms"] = (
            results[key]["photomosaic"].get("placement_cpu_p99_ms", 0.0) < 2.0
            and results[key]["matcher_placement_p99_ms"] < 2.0
        )
        # Issue 13: every layout, calibrated or not, within its limits at the declared rate.
        for name in ("mosaic", "photomosaic", "spotlight"):
            checks[f"{key} {name} issue 13"] = results[key][name]["limits"]["met"]
        for name in ("mosaic", "spotlight"):
            checks[f"{key} calibrated {name} issue 13"] = results[key]["calibrated"][name][
                "limits"
            ]["met"]
    return checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="120 frames, 1080p only")
    parser.add_argument("--frames", type=int, default=600)
    parser.add_argument("--warp-only", action="store_true", help="the projection pass alone")
    parser.add_argument("--memory", action="store_true", help="see bench/render_memory.py")
    parser.add_argument(
        "--display", action="store_true", help="`wall display --headless`, 4K keystone spotlight"
    )
    parser.add_argument("--size", default="3840x2160", help="with --display")
    parser.add_argument("--photos", type=int, default=PHOTOS, help="photos in rotation")
    args = parser.parse_args(argv)
    if args.display:
        print(json.dumps(run_display(args.size, args.frames, args.photos)))
        return 0
    if args.memory:
        from bench.render_memory import main as memory

        return memory(["--quick"] if args.quick else [])
    frames = 120 if args.quick else args.frames
    sizes = SIZES[:1] if args.quick else SIZES
    load_before = os.getloadavg()
    results: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "machine": {
            "cpu": _cpu_model(),
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "pygame": pygame.version.ver,
            "sdl": ".".join(map(str, pygame.get_sdl_version())),
            "driver": "dummy (CPU composition)",
        },
        "frames_per_layout": frames,
        "photos": args.photos,
    }
    with tempfile.TemporaryDirectory(prefix="bench-render-") as workdir:
        for size in sizes:
            key = f"{size[0]}x{size[1]}"
            results[key] = bench_size(size, frames, Path(workdir), args.warp_only, args.photos)
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    results["load_average"] = {"before": load_before[0], "after": os.getloadavg()[0]}
    results["targets_met"] = {} if args.warp_only else verdict(results)
    print(json.dumps(results))
    return 0


def run_display(size_text: str, frames: int, count: int) -> dict[str, Any]:
    """`wall display --headless --frames N --size WxH` as an installer runs it, with the keystone
    corners and masks in its calibration file and the spotlight playlist; its photos in its
    cache and catalog (no server: the display replays its saved catalog)."""
    width, height = (int(v) for v in size_text.split("x"))
    size = (width, height)
    with tempfile.TemporaryDirectory(prefix="bench-display-") as workdir:
        root = Path(workdir)
        photos = Photos(root, count)
        catalog = [photos.ready(n, fresh=False).photo.model_dump(mode="json") for n in range(count)]
        (cache_root(root) / "catalog.json").write_text(json.dumps({"photos": catalog}))
        output = {"size": list(size), "corners": [list(p) for p in keystone(size)]}
        output["masks"] = [[list(p) for p in mask] for mask in masks(size)]
        (root / "calibration.json").write_text(json.dumps({"version": 1, "outputs": [output]}))
        config = root / "wall.toml"
        config.write_text(
            f'[wall]\ndata_dir = "{root}"\ndisplay_token = "t"\n'
            '[display]\nplaylist = ["spotlight"]\nserver_url = "http://127.0.0.1:9"\n'
        )
        command = [sys.executable, "-m", "wall", "--config", str(config), "display"]
        command += ["--headless", "--frames", str(frames), "--size", size_text]
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
        wall_s = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    report["limits"] = limits(report)
    report["limits"]["late_limit_issue_13"] = 6  # "≤ 6 late frames (or a steady declared 30 fps)"
    report["rate_log"] = [line for line in done.stderr.splitlines() if "frame rate" in line]
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    report["run_s"] = round(wall_s, 1)
    report["load_average"] = {"before": load_before, "after": os.getloadavg()[0]}
    return report


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


if __name__ == "__main__":
    sys.exit(main())
