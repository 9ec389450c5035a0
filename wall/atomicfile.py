"""Writing a file so that a power cut leaves the old version or the new, never half of one.

The one way the project writes files that must survive a crash: media, the display's
cache and catalog, the show plan, the calibration.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

TEMP_PREFIX = ".tmp-"  # sweepers recognise half-written files by it
FILE_MODE = 0o644


def write_atomic(path: Path, data: bytes, *, sync_dir: bool = True) -> None:
    """Temp file beside `path`, fsync, rename over it, then fsync the folder (the rename
    itself is only durable once the directory entry is on disk)."""
    if not path.parent.is_dir():
        make_dirs_durably(path.parent)
    temp = path.parent / f"{TEMP_PREFIX}{secrets.token_hex(8)}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    if sync_dir:
        fsync_dir(path.parent)


def write_json_atomic(path: Path, payload: Any) -> None:
    write_atomic(path, json.dumps(payload, ensure_ascii=False, indent=1).encode("utf-8"))


def is_temporary(path: Path) -> bool:
    """A leftover of a write cut short: safe to delete at start-up."""
    return path.name.startswith(TEMP_PREFIX)


def make_dirs_durably(folder: Path) -> None:
    """Creates `folder` and its missing parents, each one's entry synced in its own parent:
    a new media folder (ab/cd/) survives a power cut along with the file put in it."""
    missing: list[Path] = []
    current = folder
    while not current.exists():
        missing.append(current)
        current = current.parent
    for created in reversed(missing):
        created.mkdir(exist_ok=True)
        fsync_dir(created.parent)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
