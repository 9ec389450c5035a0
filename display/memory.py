"""Large pixel buffers go back to the system when freed, not into the C allocator's holes.

glibc serves a request below its mmap threshold from a heap (one per thread that allocates:
the decoders have theirs) and raises that threshold, up to 32 MB, each time a larger mapped
block is freed. After the first few pictures a 4K spotlight photo (25 MB, with its decoding
buffers of 8 to 25 MB) is served from the heaps, and once freed it stays resident, in holes
that later requests of other sizes do not fill: measured at 4K, 175 MB of the spotlight's
632 MB peak was memory freed but kept (bench/RESULTS.md, "Display memory"). A fixed
threshold maps each large buffer on its own and unmaps it when freed. The price, measured
for a 4K spotlight picture: its decoder takes 31 ms instead of 24 (the new pages' faults),
and the render thread 0.7 ms to unmap it when the library lets it go.
"""

from __future__ import annotations

import ctypes
import logging

log = logging.getLogger(__name__)

# From a 1080p tile's size up (a 512×512 picture is 1 MB): every photo, frame and decoding
# buffer that can leave a hole worth having back. Smaller blocks stay in the heaps, where
# reuse is cheap and holes are small.
LARGE_BUFFER_BYTES = 1 << 20
M_MMAP_THRESHOLD = -3  # glibc's <malloc.h>; setting it also stops the threshold's drift


def return_large_buffers(threshold: int = LARGE_BUFFER_BYTES) -> bool:
    """Applies the fixed threshold; False where the C library has no glibc `mallopt`
    (musl, macOS), whose allocators need no such telling or offer no such knob."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (AttributeError, OSError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    applied = bool(mallopt(M_MMAP_THRESHOLD, threshold))
    if not applied:
        log.warning("the C allocator refused a %d-byte mmap threshold", threshold)
    return applied
