"""The storage interface: all that ingest, moderation and display may ask of storage.

Kept narrow on purpose so that a PostgreSQL + object-store backend is one new module:
rows go through `PhotoRepository`, bytes through `MediaStore`; nothing else leaks out.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from wall.domain import NewPhoto, Photo, PhotoStatus


class StorageError(Exception):
    """Base of the errors a repository raises for callers to map to HTTP codes."""


class PhotoNotFound(StorageError):
    pass


class VersionConflict(StorageError):
    """Someone else changed the photo first (optimistic concurrency on `version`)."""


class InvalidTransition(StorageError):
    pass


@dataclass(frozen=True, slots=True)
class PhotoPage:
    photos: list[Photo]
    total: int


class PhotoRepository(Protocol):
    async def add(self, new: NewPhoto, actor: str) -> Photo: ...

    async def get(self, photo_id: str) -> Photo | None: ...

    async def receipt_hash(self, photo_id: str) -> str | None: ...

    async def find_by_sha256(self, sha256: str) -> Photo | None: ...

    async def find_by_idempotency_key(self, key: str) -> Photo | None: ...

    async def set_receipt_hash(self, photo_id: str, receipt_hash: str) -> None:
        """A retried upload gets a fresh receipt: the first reply never reached anyone."""
        ...

    async def transition(
        self,
        photo_id: str,
        to: PhotoStatus,
        actor: str,
        reason: str = "",
        expected_version: int | None = None,
    ) -> tuple[Photo, Photo]:
        """Returns (before, after); the audit row is written in the same transaction."""
        ...

    async def delete(self, photo_id: str, actor: str, reason: str) -> tuple[Photo, list[str]]:
        """Tombstones the photo; returns it as it was and the media keys no longer used."""
        ...

    async def list(
        self, status: PhotoStatus | None, limit: int, offset: int = 0, source: str | None = None
    ) -> PhotoPage: ...

    async def media_keys_in_use(self) -> set[str]: ...

    async def close(self) -> None: ...


class MediaStore(Protocol):
    """Content-addressed bytes. `put` is synchronous: it runs in an ingest worker thread."""

    def put(self, data: bytes, ext: str) -> str: ...

    def read(self, key: str) -> bytes: ...

    def local_path(self, key: str) -> Path | None:
        """A file to stream from, or None for a remote store (then `read` it)."""
        ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...

    def keys(self) -> Iterator[str]: ...

    def sweep_temporaries(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Store:
    """What the app factory hands to the services."""

    photos: PhotoRepository
    media: MediaStore
    # Held while a row starts or stops naming media files: content-addressed files are
    # shared, so "is this key still used?" and "a new row uses it" must not interleave.
    media_refs: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def recover(self) -> dict[str, int]:
        """After a crash: drop half-written temp files and media no row refers to.

        Only safe before the server accepts uploads (an upload writes its files first
        and commits its row last).
        """
        temporaries = self.media.sweep_temporaries()
        in_use = await self.photos.media_keys_in_use()
        orphans = [key for key in self.media.keys() if key not in in_use]
        for key in orphans:
            self.media.delete(key)
        return {"temporaries": temporaries, "orphans": len(orphans)}
