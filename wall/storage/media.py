"""Content-addressed media files, written so that a crash never leaves half a file.

Write to a temporary name, fsync, rename over the final name, fsync the directory: after a
power cut a key either names the whole file or does not exist.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

from wall.atomicfile import TEMP_PREFIX, fsync_dir, write_atomic

_KEY = re.compile(r"^[0-9a-f]{64}\.[a-z0-9]{1,5}$")


class BadMediaKey(ValueError):
    pass


class FileMediaStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        if not _KEY.match(key):
            raise BadMediaKey(key)
        return self.root / key[:2] / key[2:4] / key

    def put(self, data: bytes, ext: str) -> str:
        key = f"{hashlib.sha256(data).hexdigest()}.{ext}"
        final = self._path(key)
        if final.exists():
            return key
        write_atomic(final, data)
        return key

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

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

    def sweep_temporaries(self) -> int:
        count = 0
        for path in self.root.glob(f"??/??/{TEMP_PREFIX}*"):
            path.unlink(missing_ok=True)
            count += 1
        return count
