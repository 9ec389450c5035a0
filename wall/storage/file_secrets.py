"""The embedded store's secrets: one small file each in the data directory, owner-only."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path


def read_or_create(path: Path, make: str) -> str:
    if path.is_file():
        value = path.read_text(encoding="utf-8").strip()
        if value:
            return value
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(make)
    return make


class FileSecretRepository:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir

    async def get_or_create(self, name: str, make: str) -> str:
        return await asyncio.to_thread(read_or_create, self.data_dir / name, make)
