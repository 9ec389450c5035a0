"""A bounded pool for the heavy pipeline work, so the event loop never runs it.

Threads, not processes: Pillow's decoders and OpenCV release the GIL in their C loops, so
threads scale across cores (bench/ingest.py measures it) without pickling 4 MB uploads or
forking a server that holds its listening socket. A bounded admission counter keeps memory
flat under a flood: past `queue_limit` waiting jobs, callers are told to come back later.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import cv2

T = TypeVar("T")


class PoolBusy(Exception):
    """More jobs are waiting than the pool admits."""


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)))


class WorkerPool:
    def __init__(self, workers: int, queue_limit: int) -> None:
        self.workers = workers or default_workers()
        # One thread per worker each: parallelism comes from the pool, not from OpenCV.
        cv2.setNumThreads(1)
        self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="ingest")
        self._limit = self.workers + queue_limit
        self.in_flight = 0

    async def run(self, fn: Callable[[], T]) -> T:
        if self.in_flight >= self._limit:
            raise PoolBusy(f"{self.in_flight} jobs in flight")
        self.in_flight += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, fn)
        finally:
            self.in_flight -= 1

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
