"""Content-addressed media files, written so that a crash never leaves half a file.

Write to a temporary name, fsync, rename over the final name, fsync the directory: after a
power cut a key either names the whole file or does not exist.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from wall.atomicfile import TEMP_PREFIX, fsync_dir, write_atomic
from wall.storage.base import MediaBody, MediaEntry

log = logging.getLogger(__name__)
_KEY = re.compile(r"^[0-9a-f]{64}\.[a-z0-9]{1,5}$")
CHUNK_BYTES = 64 * 1024


class BadMediaKey(ValueError):
    pass


def check_key(key: str) -> str:
    """The key itself, if it is `<sha256>.<ext>`; raises `BadMediaKey` otherwise."""
    if not _KEY.match(key):
        raise BadMediaKey(key)
    return key


def media_key(data: bytes, ext: str) -> str:
    return check_key(f"{hashlib.sha256(data).hexdigest()}.{ext}")


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            yield chunk


def _modified(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


class FileMediaStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        check_key(key)
        return self.root / key[:2] / key[2:4] / key

    def put(self, data: bytes, ext: str) -> str:
        key = media_key(data, ext)
        final = self._path(key)
        if final.exists():
            try:
                os.utime(final)  # a fresh upload names it: the orphan grace starts again
                return key
            except FileNotFoundError:
                pass  # deleted just now: write it again
        write_atomic(final, data)
        return key

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    async def open(self, key: str) -> MediaBody:
        path = self._path(key)
        size = (await asyncio.to_thread(path.stat)).st_size
        return MediaBody(size=size, chunks=_chunks(path))

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        path = self._path(key)
        path.unlink(missing_ok=True)
        fsync_dir(path.parent)

    def keys(self) -> Iterator[str]:
        for path in self.root.glob("??/??/*"):
            if _KEY.match(path.name):
                yield path.name

    def entries(self) -> Iterator[MediaEntry]:
        """The media files where their key puts them. Anything else found there (a folder, a
        file filed under the wrong prefix, a stray copy) is reported and left alone: never
        deleted, never allowed to stop a start-up."""
        for path in self.root.glob("??/??/*"):
            if not _KEY.match(path.name):
                continue
            if not path.is_file() or path != self._path(path.name):
                log.warning("media: %s is not where a media file belongs; left alone", path)
                continue
            try:
                yield MediaEntry(path.name, _modified(path))
            except FileNotFoundError:
                continue  # deleted while we listed

    def sweep_temporaries(self, older_than: datetime) -> int:
        """Temporaries of a write cut short; younger ones may be another process's write."""
        count = 0
        for path in self.root.glob(f"??/??/{TEMP_PREFIX}*"):
            try:
                if _modified(path) >= older_than:
                    continue
            except FileNotFoundError:
                continue  # renamed into place meanwhile
            path.unlink(missing_ok=True)
            count += 1
        return count
