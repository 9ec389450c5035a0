"""Keep the pipeline's freed pixel buffers in the process instead of handing them back to the
kernel after every photo.

Each photo allocates and frees the same few buffers (a 12 MP JPEG: the 9 MB decoded array,
the 8 MB display rendition, the decoder's and encoder's work areas). With glibc's default
settings most of them are mapped fresh and given back each time, and every first touch of
their pages is a page fault: ~1,700 faults, ~3–5 ms of a ~70 ms photo on this project's
bench machine (bench/RESULTS.md). Two `mallopt` settings, applied once when the pipeline is
imported, keep them: buffers under 32 MB come from the heap, and up to 64 MB of free memory
at the top of a heap is kept for the next photo. Bigger buffers (a 50 MP PNG's) are still
mapped and unmapped as before, so the retained memory stays bounded per allocator arena.

A third caps the arenas at one per core: glibc gives each busy thread an arena of its own (up
to 8 a core), and the server's threads (uploads' multipart parsing, the ingest workers) each
kept up to 64 MB free in theirs. Under 50 uploaders of 12 MP photos the server peaked at 414
MB with glibc's count and 376-380 MB with two arenas, for the same 14 requests/s and CPU
(bench/RESULTS.md).

Skipped where the C library is not glibc, or when the operator set glibc's own tunables
(`MALLOC_MMAP_THRESHOLD_`, `MALLOC_TRIM_THRESHOLD_`, `GLIBC_TUNABLES`).

The same settings would also keep what a one-off spike freed for good: loading the safety
model frees ~30 MB of parsed model file; `give_back_free_pages` returns it, once, after.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import platform

MMAP_THRESHOLD = 32 * 1024 * 1024
TRIM_THRESHOLD = 64 * 1024 * 1024
ARENAS = max(2, os.cpu_count() or 2)
_M_TRIM_THRESHOLD = -1  # glibc's malloc.h
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
_OPERATOR_SETTINGS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "GLIBC_TUNABLES")


def _libc() -> ctypes.CDLL | None:
    if platform.libc_ver()[0] != "glibc":
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None


def give_back_free_pages() -> bool:
    """Hands every free page of the heaps back to the kernel now (glibc's `malloc_trim`);
    True when it did. For after a one-off allocation spike, not for each photo."""
    libc = _libc()
    trim = getattr(libc, "malloc_trim", None) if libc is not None else None
    if trim is None:
        return False
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return bool(trim(0))


def keep_freed_pages() -> bool:
    """Applies the settings above; True when they were applied."""
    libc = _libc()
    if libc is None or any(v in os.environ for v in _OPERATOR_SETTINGS):
        return False
    mallopt = getattr(libc, "mallopt", None)
    if mallopt is None:
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return all(
        mallopt(option, value)
        for option, value in (
            (_M_ARENA_MAX, ARENAS),
            (_M_MMAP_THRESHOLD, MMAP_THRESHOLD),
            (_M_TRIM_THRESHOLD, TRIM_THRESHOLD),
        )
    )
