"""The display's own copy of the renditions, so the show goes on when the server is gone.

Files live under `<root>/<kind>/<photo_id>.jpg`, each written to a temp file and renamed into
place, so a power cut leaves either the old file or the new one, never half a file. The index
(sizes and recency) is rebuilt from the directory at start: the disk is the truth. Recency
survives a restart through the files' mtimes, touched when a file is read.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections import OrderedDict
from pathlib import Path

from wall.atomicfile import is_temporary, write_atomic

log = logging.getLogger(__name__)

KINDS = ("display", "thumb", "tile")
# Server ids are opaque; anything else could name a path outside the cache.
_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
# Touching a file's mtime on every read would be a syscall per decode; once a minute per
# file is enough to carry recency across a restart.
TOUCH_INTERVAL_S = 60.0

Key = tuple[str, str]  # (photo_id, kind)


def is_safe_id(photo_id: str) -> bool:
    return bool(_SAFE_ID.match(photo_id))


class RenditionCache:
    """Bounded, thread-safe, least-recently-used store of rendition files."""

    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._entries: OrderedDict[Key, int] = OrderedDict()  # oldest first; value: bytes
        self._touched: dict[Key, float] = {}
        self._total = 0
        self._rebuild()

    @property
    def total_bytes(self) -> int:
        return self._total

    def _file(self, key: Key) -> Path:
        photo_id, kind = key
        return self.root / kind / f"{photo_id}.jpg"

    def _rebuild(self) -> None:
        """Index what is on disk, oldest first; leftovers of interrupted writes are removed."""
        found: list[tuple[float, Key, int]] = []
        for kind in KINDS:
            folder = self.root / kind
            folder.mkdir(parents=True, exist_ok=True)
            for path in folder.iterdir():
                if is_temporary(path):
                    path.unlink(missing_ok=True)
                    continue
                photo_id = path.stem
                if path.suffix != ".jpg" or not is_safe_id(photo_id):
                    continue
                try:
                    stat = path.stat()
                except OSError:
                    continue
                if stat.st_size == 0:  # nothing worth keeping; it will be fetched again
                    path.unlink(missing_ok=True)
                    continue
                found.append((stat.st_mtime, (photo_id, kind), stat.st_size))
        found.sort()
        for _mtime, key, size in found:
            self._entries[key] = size
            self._total += size
        self._evict()
        log.info("display cache: %d files, %.1f MB in %s", len(self), self._total / 1e6, self.root)

    def __len__(self) -> int:
        return len(self._entries)

    def has(self, photo_id: str, kind: str) -> bool:
        with self._lock:
            return (photo_id, kind) in self._entries

    def path(self, photo_id: str, kind: str) -> Path | None:
        """The file to read, marked as recently used; None when not cached (or vanished)."""
        key = (photo_id, kind)
        with self._lock:
            if key not in self._entries:
                return None
            self._entries.move_to_end(key)
        file = self._file(key)
        if not file.is_file():  # vanished behind our back: forget it, never fail
            self.discard(photo_id, kind)
            return None
        self._touch(key, file)
        return file

    def _touch(self, key: Key, file: Path) -> None:
        now = time.time()
        if now - self._touched.get(key, 0.0) < TOUCH_INTERVAL_S:
            return
        self._touched[key] = now
        try:
            os.utime(file)
        except OSError:
            pass

    def put(self, photo_id: str, kind: str, data: bytes) -> Path:
        """Writes atomically (temp file, fsync, rename), then evicts beyond the bound."""
        if not is_safe_id(photo_id) or kind not in KINDS:
            raise ValueError(f"refusing cache key {photo_id!r}/{kind!r}")
        key = (photo_id, kind)
        target = self._file(key)
        write_atomic(target, data, sync_dir=False)  # a lost cache file is fetched again
        with self._lock:
            self._total -= self._entries.pop(key, 0)
            self._entries[key] = len(data)
            self._total += len(data)
        self._evict(keep=key)
        return target

    def discard(self, photo_id: str, kind: str | None = None) -> None:
        """Forgets and deletes one rendition, or all of a photo's (a removed photo)."""
        for one in (kind,) if kind else KINDS:
            key = (photo_id, one)
            with self._lock:
                self._total -= self._entries.pop(key, 0)
                self._touched.pop(key, None)
            self._file(key).unlink(missing_ok=True)

    def photo_ids(self) -> set[str]:
        with self._lock:
            return {photo_id for photo_id, _kind in self._entries}

    def _evict(self, keep: Key | None = None) -> None:
        while True:
            with self._lock:
                if self._total <= self.max_bytes or len(self._entries) <= 1:
                    return
                key = next(iter(self._entries))
                if key == keep:  # the file just written is the newest; never evict it
                    self._entries.move_to_end(key)
                    key = next(iter(self._entries))
                self._total -= self._entries.pop(key)
                self._touched.pop(key, None)
            log.debug("display cache full: evicting %s/%s", key[1], key[0])
            self._file(key).unlink(missing_ok=True)
