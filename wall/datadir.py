"""One owner of an embedded data directory: `wall serve` (or a `wall import` with no server
running) holds an exclusive lock on it for as long as it runs.

Two servers on one SQLite file never see each other's events, and each one's start-up
recovery would take the other's fresh files for orphans: the second one refuses to start.
A `wall import` that finds the lock taken hands its photos to the running server instead
(`ingest.inbox`). The lock is `flock` on a file in the data directory: the kernel drops it
when the process dies, however it dies, so no stale lock is ever left to clear by hand.
A cluster (`[storage] database`) has no such owner: its processes share the database and
elect a leader per wall there.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

LOCK_FILE = ".wall.lock"


class DataDirBusy(Exception):
    def __init__(self, data_dir: Path, pid: str) -> None:
        super().__init__(f"{data_dir} is in use by process {pid or '?'}")
        self.data_dir = data_dir
        self.pid = pid


class DataDirLock:
    """Held from `acquire` to `release` (or the process's end)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.path = data_dir / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> DataDirLock:
        """Raises `DataDirBusy` naming the holder's process id when another process has it."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
            os.close(fd)
            raise DataDirBusy(self.data_dir, holder) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the lock
            self._fd = None
