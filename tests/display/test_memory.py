"""What the display gives back: freed pictures leave the process, decoders keep none.

The 4K spotlight's resident size is measured in bench/render_memory.py; these check the two
mechanisms that keep it bounded, each where it can fail alone.
"""

from __future__ import annotations

import platform
import subprocess
import sys
import time
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pygame
import pytest

from display.cache import RenditionCache
from display.library import PhotoLibrary, budget_for
from tests.helpers.images import distinctive_jpeg
from tests.helpers.server import REPO_ROOT
from tests.helpers.wall_display import MAGENTA, wall_photo

# A fresh process (the allocator's settings are for the whole process, and for good): on a
# thread, as the decoders allocate, 4K-picture-sized buffers freed one after another, each
# followed by a small allocation that outlives it, as the library's bookkeeping does.
CHURN = """
import sys, threading
import numpy as np, psutil
from display.memory import return_large_buffers
assert return_large_buffers()
MB = 1 << 20
kept = []
def churn():
    for n in range(12):
        picture = np.ones((24 if n == 0 else 11 + n) * MB, np.uint8)
        kept.append(np.ones(64 * 1024, np.uint8))
        del picture
before = psutil.Process().memory_info().rss
thread = threading.Thread(target=churn)
thread.start()
thread.join()
print((psutil.Process().memory_info().rss - before) / MB)
"""
# Without the fixed threshold glibc 2.36 keeps ~34 MB of the 210 MB churned; the small
# allocations that stay are 0.8 MB.
MAX_KEPT_MB = 8.0
READY_TIMEOUT_S = 10.0


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's mallopt")
def test_freed_large_buffers_leave_the_process() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHURN],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert float(done.stdout.strip()) < MAX_KEPT_MB


@pytest.fixture
def screen(monkeypatch: pytest.MonkeyPatch) -> Iterator[pygame.Surface]:
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    pygame.display.init()
    yield pygame.display.set_mode((320, 240))
    pygame.quit()


def wait_for(get: Callable[[], Any], what: str, pump: Callable[[], int] = lambda: 0) -> Any:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        pump()
        if found := get():
            return found
        time.sleep(0.01)
    raise AssertionError(f"{what} not within {READY_TIMEOUT_S} s")


def test_a_picture_the_library_lets_go_is_freed(screen: pygame.Surface, tmp_path: Path) -> None:
    """Decoders build Surfaces in the screen's layout (as in `wall display`) and hand them
    over; once the library and the layout let one go, nothing else may hold it."""
    cache = RenditionCache(tmp_path / "cache", 64 * 1024 * 1024)
    cache.put("magenta", "display", distinctive_jpeg(MAGENTA, (800, 600)))
    library = PhotoLibrary(cache, lambda _photo_id, _kind: None, screen_masks=screen.get_masks())
    library.know(wall_photo("magenta"))
    library.start()
    try:
        picture = wait_for(
            lambda: library.get("magenta", (400, 300)), "the magenta picture", library.pump
        )
        assert picture.get_size() == (400, 300)
        freed = weakref.ref(picture)
        del picture
        library.forget("magenta")  # the photo was removed: its Surfaces leave the LRU
        assert library.surface_bytes == 0
        # the decoder that made it keeps no reference (it may be leaving its hand-over)
        wait_for(lambda: freed() is None, "the picture freed")
    finally:
        library.stop()


def test_a_4k_wall_keeps_four_walls_of_pictures(screen: pygame.Surface, tmp_path: Path) -> None:
    """Wall-size pictures (the spotlight's) beyond four walls' worth are let go, oldest first:
    a layout hardly ever asks again for one it dropped, and each is 33 MB at 4K."""
    wall = (3840, 2160)
    cache = RenditionCache(tmp_path / "cache", 64 * 1024 * 1024)
    library = PhotoLibrary(
        cache,
        lambda _photo_id, _kind: None,
        budget_bytes=budget_for(wall),
        screen_masks=screen.get_masks(),
    )
    names = [f"photo{number}" for number in range(6)]
    for number, name in enumerate(names):
        cache.put(name, "display", distinctive_jpeg(MAGENTA, (800, 600), seed=number))
        library.know(wall_photo(name))
    library.start()
    try:
        for name in names:  # one after another, as the spotlight asks
            wait_for(lambda name=name: library.get(name, wall), f"{name}", library.pump)
        picture_bytes = wall[0] * wall[1] * 4
        assert library.surface_bytes == 4 * picture_bytes
        # (asking again schedules a decode, but nothing is taken in without a pump)
        kept = [name for name in names if library.get(name, wall) is not None]
        assert kept == names[2:]
    finally:
        library.stop()
